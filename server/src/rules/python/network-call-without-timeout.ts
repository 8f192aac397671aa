/** PY601 network-call-without-timeout: an HTTP request, connection or socket that can block forever. */
import type { Node } from '../../engine/syntax';
import { eol, indentAt, lineEnd, startsLine } from '../../engine/fix';
import {
  addKeywordArgument,
  aloneOnLine,
  argument,
  boundTo,
  calleeName,
  enclosingFunction,
  exprKey,
  forEachDescendant,
  foreverLoops,
  keywordArg,
  parameterNames,
  positionalArgs,
  pyFacts,
  qualifiedName,
  receiverOf,
  resolvedCallee,
  statementsOf,
  threadTargets,
} from '../../engine/python';
import { defineRule, type FactProvider, type Fix, type RuleContext } from '../../engine/rule';

/** What the rest of the file does about socket timeouts: a process-wide default, and the receivers given one. */
interface SocketTimeoutFacts {
  /** Calls `socket.setdefaulttimeout(<not None>)`. */
  defaultTimeout?: boolean;
  /** The receivers (as written) of `X.settimeout(…)` and `X.setblocking(…)`. */
  receivers?: string[];
}

/** Per-segment socket timeout facts, so a timeout set in another method or at module level counts. */
export const socketTimeouts: FactProvider<SocketTimeoutFacts> = {
  id: 'py601.socketTimeouts',
  language: 'python',
  collect(seg) {
    const facts: SocketTimeoutFacts = {};
    const receivers = new Set<string>();
    const visit = (n: Node): void => {
      const name = calleeName(n);
      if (name === 'setdefaulttimeout' && positionalArgs(n)[0] && positionalArgs(n)[0].type !== 'none') facts.defaultTimeout = true;
      const recv = receiverOf(n);
      if ((name === 'settimeout' || name === 'setblocking') && recv) receivers.add(exprKey(recv));
    };
    if (seg.type === 'call') visit(seg);
    forEachDescendant(seg, visit, true, CALLS);
    if (receivers.size) facts.receivers = [...receivers].sort();
    return facts.defaultTimeout || facts.receivers ? facts : undefined;
  },
};

const CALLS: ReadonlySet<string> = new Set(['call']);

/** HTTP verbs of the requests and httpx top-level APIs and their sessions. */
const VERB = '(get|post|put|delete|patch|head|options|request)';
const REQUESTS_CALL = new RegExp(`^requests\\.(api\\.)?${VERB}$|^requests\\.(Session|session)\\(\\)\\.${VERB}$`);
const HTTPX_CALL = new RegExp(`^httpx\\.(${VERB.slice(1, -1)}|stream|Client|AsyncClient)$`);

/**
 * Standard-library constructors and functions that connect with the socket default timeout (none) unless given one,
 * with the position of their timeout parameter (-1: keyword only) and whether they connect without a host argument.
 */
const STDLIB: ReadonlyMap<string, { pos: number; needsHost: boolean }> = new Map([
  ['urllib.request.urlopen', { pos: 2, needsHost: false }],
  ['socket.create_connection', { pos: 1, needsHost: false }],
  ['ftplib.FTP', { pos: 4, needsHost: true }],
  ['ftplib.FTP_TLS', { pos: -1, needsHost: true }],
  ['smtplib.SMTP', { pos: 3, needsHost: true }],
  ['smtplib.SMTP_SSL', { pos: -1, needsHost: true }],
  ['telnetlib.Telnet', { pos: 2, needsHost: true }],
  ['http.client.HTTPConnection', { pos: 2, needsHost: false }],
  ['http.client.HTTPSConnection', { pos: -1, needsHost: false }],
]);

/** The methods that block on a socket with no timeout. */
const BLOCKING_SOCKET_OPS = new Set(['connect', 'recv', 'sendall']);

function isAsync(fn: Node | null): boolean {
  return fn?.child(0)?.type === 'async';
}

function hasKwSplat(call: Node): boolean {
  return !!call.childForFieldName('arguments')?.namedChildren.some((a) => a?.type === 'dictionary_splat');
}

/** The timeout in seconds the fixes add: the `timeout` option, 10 by default. */
function timeoutOption(ctx: RuleContext): string {
  const t = ctx.options.timeout;
  return typeof t === 'number' && t > 0 ? String(t) : '10';
}

/** The fix of a call: `timeout=None` becomes the option's value, a missing timeout is added as a keyword. */
function timeoutFix(ctx: RuleContext, call: Node): Fix[] {
  const t = timeoutOption(ctx);
  const none = keywordArg(call, 'timeout');
  const edit = none ? { start: none.startIndex, end: none.endIndex, newText: t } : addKeywordArgument(call, `timeout=${t}`);
  return edit ? [{ title: `Add timeout=${t}`, applicability: 'safe', edits: [edit] }] : [];
}

/** Whether a receiver names a `requests.Session()` bound in the same function (`s = …`, `with … as s`). */
function isSessionVariable(ctx: RuleContext, recv: Node, fn: Node | null): boolean {
  if (!fn || (recv.type !== 'identifier' && recv.type !== 'attribute')) return false;
  // `.get(` is everywhere: find the function's sessions once.
  const sessions = ctx.memo(fn, 'py601.sessions', () => {
    const out = new Set<string>();
    forEachDescendant(
      fn,
      (n) => {
        if (!/^requests\.(Session|session)$/.test(resolvedCallee(ctx, n))) return;
        const target = boundTo(n);
        if (target) out.add(exprKey(target));
      },
      false,
      CALLS,
    );
    return out;
  });
  return sessions.has(exprKey(recv));
}

/** (a) and (b): an HTTP or standard-library connection call without a timeout. */
function checkConnectCall(call: Node, ctx: RuleContext, name: string, fn: Node | null): void {
  const display = ctx.textOf(call.childForFieldName('function')!);
  const timeout = keywordArg(call, 'timeout');
  const isNone = timeout?.type === 'none';
  const recv = receiverOf(call);
  const httpx = HTTPX_CALL.test(name);
  const requests =
    REQUESTS_CALL.test(name) ||
    (!!recv && new RegExp(`^${VERB}$`).test(calleeName(call)) && isSessionVariable(ctx, recv, fn));
  if (requests || httpx) {
    // httpx has a 5-second default: only an explicit timeout=None disables it.
    if (httpx ? !isNone : (timeout && !isNone) || hasKwSplat(call)) return;
    ctx.report({
      node: call,
      message: isNone
        ? `${display}(…, timeout=None) disables the timeout: if the server stops answering, the call blocks forever and hangs the thread that made it`
        : `${display}() has no timeout: if the server stops answering, the call blocks forever and hangs the thread that made it`,
      fixes: timeoutFix(ctx, call),
    });
    return;
  }
  const spec = STDLIB.get(name);
  if (!spec || hasKwSplat(call)) return;
  // A function that takes a timeout from its caller leaves "no timeout" to the caller (`if timeout is None: …`).
  if (fn && parameterNames(fn).some((p) => /timeout/i.test(p))) return;
  if (spec.needsHost && !argument(call, 'host', 0)) return;
  if (timeout ? !isNone : spec.pos >= 0 && positionalArgs(call).length > spec.pos) return;
  if (socketDefaults(ctx).defaultTimeout) return;
  ctx.report({
    node: call,
    message: `${display}() without a timeout uses the socket default, which is none: a peer that stops answering blocks the call forever`,
    fixes: timeoutFix(ctx, call),
  });
}

function socketDefaults(ctx: RuleContext): { defaultTimeout: boolean; receivers: Set<string> } {
  return ctx.memo(ctx.root, 'py601.socketDefaults', () => {
    const facts = ctx.facts(socketTimeouts);
    return { defaultTimeout: facts.some((f) => f.value.defaultTimeout), receivers: new Set(facts.flatMap((f) => f.value.receivers ?? [])) };
  });
}

/** (c): `V = socket.socket(…)` connected, read or written in the same function with no timeout anywhere. */
function checkSocket(call: Node, ctx: RuleContext, fn: Node): void {
  const v = boundTo(call);
  if (!v) return;
  // A Unix-domain socket talks to a local process, not to a peer across a network that can vanish.
  if (/AF_UNIX/.test(positionalArgs(call)[0]?.text ?? keywordArg(call, 'family')?.text ?? '')) return;
  const key = exprKey(v);
  const defaults = socketDefaults(ctx);
  // A local variable's timeout must be set in this function; an attribute's may be set in another method.
  if (defaults.defaultTimeout || (v.type === 'attribute' && defaults.receivers.has(key))) return;
  const ops: Node[] = [];
  let timeoutSet = false;
  forEachDescendant(
    fn,
    (n) => {
      const recv = receiverOf(n);
      if (!recv || exprKey(recv) !== key) return;
      const method = calleeName(n);
      if (method === 'settimeout' || method === 'setblocking') timeoutSet = true;
      if (BLOCKING_SOCKET_OPS.has(method) && n.startIndex > call.startIndex) ops.push(n);
    },
    false,
    CALLS,
  );
  if (!ops.length || timeoutSet) return;
  // A dedicated receiver thread: blocking in its forever loop is the point.
  if (threadTargets(ctx).has(qualifiedName(fn))) {
    const body = fn.childForFieldName('body');
    const loops = body ? foreverLoops(body) : [];
    if (ops.some((op) => /^recv/.test(calleeName(op)) && loops.some((l) => l.startIndex <= op.startIndex && op.endIndex <= l.endIndex))) return;
  }
  // connect() and send on a UDP socket return at once; only a receive waits for the peer.
  const dgram = call.childForFieldName('arguments')?.namedChildren.some((a) => a && /SOCK_DGRAM/.test(a.text));
  if (dgram && !ops.some((o) => /^recv/.test(calleeName(o)))) return;
  const used = [...new Set(ops.map((o) => `${calleeName(o)}()`))].join('/');
  ctx.report({
    node: call,
    message: ops.every((o) => calleeName(o) === 'connect')
      ? `socket ${ctx.textOf(v)} connects with no timeout: an unreachable peer blocks connect() until the kernel gives up, minutes later, and the thread hangs meanwhile`
      : `socket ${ctx.textOf(v)} is used for ${used} with no timeout: a peer that stops answering blocks ${used} forever and hangs the thread`,
    fixes: settimeoutFix(ctx, call, ctx.textOf(v)),
  });
}

/** Inserts `V.settimeout(<t>)` after `V = socket.socket(…)`, or first in the body of `with socket.socket(…) as V:`. */
function settimeoutFix(ctx: RuleContext, call: Node, v: string): Fix[] {
  const t = timeoutOption(ctx);
  const nl = eol(ctx.text);
  const title = `Insert ${v}.settimeout(${t})`;
  const p = call.parent;
  if (p?.type === 'assignment') {
    const stmt = p.parent;
    if (stmt?.type !== 'expression_statement' || !aloneOnLine(ctx.text, stmt)) return [];
    const indent = indentAt(ctx.text, stmt.startIndex);
    // After the line, so a trailing comment stays with the constructor.
    let at = lineEnd(ctx.text, stmt.endIndex);
    if (ctx.text[at - 1] === '\r') at--;
    return [{ title, applicability: 'safe', edits: [{ start: at, end: at, newText: `${nl}${indent}${v}.settimeout(${t})` }] }];
  }
  let w: Node | null = p;
  while (w && w.type !== 'with_statement') w = w.parent;
  const body = w?.childForFieldName('body');
  const first = body ? statementsOf(body)[0] : undefined;
  if (!first || !startsLine(ctx.text, first.startIndex)) return [];
  const indent = indentAt(ctx.text, first.startIndex);
  return [{ title, applicability: 'safe', edits: [{ start: first.startIndex, end: first.startIndex, newText: `${v}.settimeout(${t})${nl}${indent}` }] }];
}

export default defineRule({
  code: 'PY601',
  name: 'network-call-without-timeout',
  language: 'python',
  category: 'network/timeouts',
  severity: 'warning',
  fix: 'sometimes',
  summary: 'An HTTP request, network connection or socket has no timeout, so a peer that stops answering hangs the calling thread forever.',
  kinds: ['call'],
  facts: [pyFacts, socketTimeouts],
  docs: {
    whatItDoes:
      'Flags (a) `requests.get/post/put/delete/patch/head/options/request(…)` and the same verbs on a ' +
      '`requests.Session()` (chained, or bound in the same function) without `timeout=` or with `timeout=None`, and ' +
      '`httpx` calls and clients with an explicit `timeout=None`; (b) `urllib.request.urlopen`, ' +
      '`socket.create_connection`, `ftplib.FTP`, `smtplib.SMTP`, `telnetlib.Telnet` and ' +
      '`http.client.HTTP(S)Connection` without a timeout argument (keyword or positional), unless the file calls ' +
      '`socket.setdefaulttimeout(…)`; (c) `V = socket.socket(…)` (or `with socket.socket(…) as V`) on which the same ' +
      'function calls `V.connect/recv/sendall`, when nothing in the file calls `V.settimeout(…)`, `V.setblocking(…)` or ' +
      '`socket.setdefaulttimeout(…)`. Imports are followed (`from urllib.request import urlopen`). Calls inside ' +
      '`async def` (Ruff ASYNC210 territory), calls passing `**kwargs`, (b) calls in a function that takes a ' +
      '`timeout` parameter (it leaves "no timeout" to its caller), Unix-domain sockets, UDP sockets that are never ' +
      'read (their connect() and sends do not wait), test files, and sockets read ' +
      'in the forever loop of a thread target (a dedicated receiver thread) are not reported. Unlike RULES.md, `httpx` calls without ' +
      'a timeout are not reported: httpx applies a 5-second default.',
    whyBad:
      'Neither `requests` nor the standard library sets a timeout by default. When the peer stops answering (a ' +
      'half-open TCP connection after a NAT or firewall drop, a hung upstream), the call blocks in `recv()` forever. ' +
      'The worker thread that made it never comes back: a poller stops polling, a request handler holds its slot, and ' +
      'after enough such hangs the whole service stalls with no error in any log.',
    example: 'resp = requests.get(url)\nsock = socket.create_connection((host, port))',
    useInstead: 'resp = requests.get(url, timeout=10)\nsock = socket.create_connection((host, port), timeout=10)',
    fixSafety:
      'For (a) and (b) the safe fix adds `timeout=10` (or replaces `timeout=None`); for (c) it inserts ' +
      '`V.settimeout(10)` right after the socket is created. The only change is that a call stuck for longer now raises ' +
      'a timeout error, which is the defect being removed. The number of seconds is configurable with the rule option ' +
      '`timeout` (for example `timeout = 30`). No fix is offered when the statement shares its line with other code.',
    related: 'Ruff S113 and Bandit B113 (requests without timeout), Pylint W3101 missing-timeout, Ruff ASYNC210 (blocking HTTP call in async code).',
  },
  check(call, ctx) {
    if (ctx.isTestFile) return;
    const fn = enclosingFunction(call);
    if (isAsync(fn)) return;
    const name = resolvedCallee(ctx, call);
    if (name === 'socket.socket') {
      if (fn) checkSocket(call, ctx, fn);
      return;
    }
    checkConnectCall(call, ctx, name, fn);
  },
});
