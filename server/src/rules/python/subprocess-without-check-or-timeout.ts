/** PY602 subprocess-without-check-or-timeout: a child process that can hang a long-running loop or fail unnoticed. */
import type { Node } from '../../engine/syntax';
import {
  addKeywordArgument,
  ancestorsOf,
  argument,
  boundTo,
  calleeName,
  enclosingFunction,
  exprKey,
  forEachDescendant,
  isForeverCondition,
  keywordArg,
  PY_SCOPES,
  pyFacts,
  qualifiedName,
  receiverOf,
  resolvedCallee,
  threadTargets,
} from '../../engine/python';
import { defineRule, type Fix, type RuleContext } from '../../engine/rule';

const RUN_CALL = /^subprocess\.(run|call|check_call|check_output)$/;
const CALLS: ReadonlySet<string> = new Set(['call']);
/** Decorators of web request handlers: `@app.route(…)`, `@router.get(…)`, `@bp.post(…)`. */
const ROUTE_DECORATOR =
  /^@\s*(\w+\.)*(app|api|bp|blueprint|router|routes|\w+_(app|api|bp|blueprint|router))\.(route|get|post|put|delete|patch|head|options|websocket|api_route)\s*\(/i;

function hasKwSplat(call: Node): boolean {
  return !!call.childForFieldName('arguments')?.namedChildren.some((a) => a?.type === 'dictionary_splat');
}

/**
 * Whether a loop ends its first pass with a `break` that nothing guards (`while True: try: p.wait(); break except
 * KeyboardInterrupt: pass`): a retry loop, not a service loop.
 */
function breaksUnconditionally(loop: Node): boolean {
  const body = loop.childForFieldName('body');
  const stack: Node[] = body ? [body] : [];
  while (stack.length) {
    const block = stack.pop()!;
    for (const s of block.namedChildren) {
      if (s?.type === 'break_statement') return true;
      if (s?.type !== 'try_statement') continue;
      // The try body, and its else clause (which runs when the body did not raise).
      const body = s.childForFieldName('body');
      if (body) stack.push(body);
      const elseBody = s.namedChildren.find((c) => c?.type === 'else_clause')?.childForFieldName('body');
      if (elseBody) stack.push(elseBody);
    }
  }
  return false;
}

/**
 * Whether a loop supervises the child: it leaves the loop on the child's exit status (`code = call(…)` then `if code
 * != 3: return code`), so the child is meant to run for as long as it likes (a reloader restarting a server).
 */
function supervises(loop: Node, call: Node): boolean {
  const v = boundTo(call);
  if (v?.type !== 'identifier') return false;
  let found = false;
  forEachDescendant(loop, (n) => {
    if (found) return false;
    if (n.type !== 'if_statement') return;
    const cond = n.childForFieldName('condition');
    const body = n.childForFieldName('consequence');
    if (!cond || !body || !new RegExp(`\\b${v.text}\\b`).test(cond.text)) return;
    forEachDescendant(body, (x) => {
      if (x.type === 'return_statement' || x.type === 'break_statement') found = true;
    });
  });
  return found;
}

/** The long-running context a node runs in, described for the message, or undefined for one-shot code. */
function longRunningContext(ctx: RuleContext, node: Node, fn: Node | null): string | undefined {
  const up = ancestorsOf(node);
  for (let i = up.length - 1; i >= 0 && !PY_SCOPES.has(up[i].type); i--) {
    const loop = up[i];
    if (loop.type === 'while_statement' && isForeverCondition(loop.childForFieldName('condition')) && !breaksUnconditionally(loop) && !supervises(loop, node)) {
      return 'this forever loop';
    }
  }
  if (!fn) return undefined;
  if (fn.child(0)?.type === 'async') return 'the event loop';
  const qname = qualifiedName(fn);
  if (threadTargets(ctx).has(qname)) return `the ${qname} thread`;
  const decorated = fn.parent?.type === 'decorated_definition' ? fn.parent : null;
  if (decorated?.namedChildren.some((d) => d?.type === 'decorator' && ROUTE_DECORATOR.test(d.text))) return 'the request handler and its worker';
  return undefined;
}

/** Whether the code inspects the result's return code itself (`r.returncode`), or hands the result to its caller. */
function resultInspected(call: Node, fn: Node | null): boolean {
  const p = call.parent;
  if (p?.type === 'attribute' && /^(returncode|check_returncode)$/.test(p.childForFieldName('attribute')?.text ?? '')) return true;
  if (p?.type === 'return_statement') return true;
  const v = boundTo(call);
  if (!v || !fn) return false;
  const key = exprKey(v);
  let found = false;
  forEachDescendant(fn, (n) => {
    if (found) return false;
    if (n.type === 'attribute' && n.startIndex > call.endIndex) {
      const obj = n.childForFieldName('object');
      const attr = n.childForFieldName('attribute')?.text;
      if (obj && exprKey(obj) === key && (attr === 'returncode' || attr === 'check_returncode')) found = true;
    }
    if (n.type === 'return_statement' && n.startIndex > call.endIndex && n.namedChild(0) && exprKey(n.namedChild(0)!) === key) found = true;
  });
  return found;
}

/** The `timeout` option in seconds, 30 by default. */
function timeoutOption(ctx: RuleContext): string {
  const t = ctx.options.timeout;
  return typeof t === 'number' && t > 0 ? String(t) : '30';
}

/** Whether a `.wait()`/`.communicate()` receiver was created by `subprocess.Popen(…)` in the same function. */
function isPopenObject(ctx: RuleContext, recv: Node, scope: Node): boolean {
  const key = exprKey(recv);
  let found = false;
  forEachDescendant(
    scope,
    (n) => {
      if (found) return false;
      if (resolvedCallee(ctx, n) !== 'subprocess.Popen') return;
      const v = boundTo(n);
      if (v && exprKey(v) === key) found = true;
    },
    false,
    CALLS,
  );
  return found;
}

export default defineRule({
  code: 'PY602',
  name: 'subprocess-without-check-or-timeout',
  language: 'python',
  category: 'network/timeouts',
  severity: 'warning',
  fix: 'always',
  summary: 'A subprocess runs without a timeout in a loop, thread or handler, so one hung child stalls it forever, or subprocess.run ignores a failing exit status.',
  kinds: ['call'],
  facts: [pyFacts],
  docs: {
    whatItDoes:
      'Flags `subprocess.run/call/check_call/check_output(…)` without `timeout=` when it runs in a long-running ' +
      'context: inside a `while True:` loop, in a thread target (or a `Thread.run` override), in an `async def`, or ' +
      'in a request handler decorated with `@app.route(…)`, `@router.get(…)` and the like. One-shot code (a CLI ' +
      'script with no loop or thread) is not reported for the timeout. It also flags `subprocess.run(…)` without ' +
      '`check=` anywhere, unless the code reads the result\'s `returncode` (or calls `check_returncode()`) or returns ' +
      'the result to its caller; an explicit `check=False` is never reported, nor is the missing `check=` in test ' +
      'files. A `while True:` loop that ends its first pass with an unguarded `break` is a retry loop, and one that ' +
      'leaves on the child\'s exit status (`code = subprocess.call(…)`, `if code != 3: return code`) supervises a ' +
      'child meant to run long: neither counts as a long-running context. Finally it flags `P.wait()` and ' +
      '`P.communicate(…)` without a timeout on a `P = subprocess.Popen(…)` of the same function, in a long-running ' +
      'context. Calls passing `**kwargs` are not reported. Imports are followed (`from subprocess import run`).',
    whyBad:
      'A child process can hang: `ping` to a host that drops packets, `mount` on a dead NFS server, a tool waiting on ' +
      'a prompt. Without a timeout, the loop or thread that waits for it stops for good; a monitor stops monitoring ' +
      'and a handler holds its worker slot. Without `check=`, a command that fails (non-zero exit) is indistinguishable ' +
      'from one that worked, so the code carries on with empty output or a half-done change.',
    example: 'while True:\n    subprocess.run(["ping", "-c1", host])\n    time.sleep(10)',
    useInstead: 'while True:\n    subprocess.run(["ping", "-c1", host], timeout=30, check=True)\n    time.sleep(10)',
    fixSafety:
      'Adding `timeout=30` is safe: a child that runs longer now raises `subprocess.TimeoutExpired` instead of ' +
      'hanging the caller, which is the defect removed. The seconds are configurable with the rule option `timeout`. ' +
      'Adding `check=True` is an assisted fix, unlike RULES.md (which calls it safe): a failing command then raises ' +
      '`CalledProcessError`, which in a loop or thread with no handler ends that loop or thread, so review where the ' +
      'error goes. When both are missing, the safe fix adds the timeout and an assisted alternative adds both.',
    related: 'Ruff PLW1510 subprocess-run-without-check (its fix adds an explicit check=False); Ruff ASYNC220/221/222 (subprocess calls in async code). No peer checks the missing timeout.',
  },
  check(call, ctx) {
    const name = resolvedCallee(ctx, call);
    const method = calleeName(call);
    // Only subprocess calls and Popen waits are judged; the enclosing function is found for those alone.
    if (!RUN_CALL.test(name) && method !== 'wait' && method !== 'communicate') return;
    const fn = enclosingFunction(call);
    const t = timeoutOption(ctx);
    if (RUN_CALL.test(name)) {
      if (hasKwSplat(call)) return;
      const where = keywordArg(call, 'timeout') ? undefined : longRunningContext(ctx, call, fn);
      // Tests check a command's outcome through its output and assertions.
      const noCheck = name === 'subprocess.run' && !ctx.isTestFile && !keywordArg(call, 'check') && !resultInspected(call, fn);
      if (!where && !noCheck) return;
      const display = ctx.textOf(call.childForFieldName('function')!);
      const fixes: Fix[] = [];
      const add = (kw: string, applicability: Fix['applicability']) => {
        const edit = addKeywordArgument(call, kw);
        if (edit) fixes.push({ title: `Add ${kw.replace(', ', ' and ')}`, applicability, edits: [edit] });
      };
      if (where) add(`timeout=${t}`, 'safe');
      if (where && noCheck) add(`timeout=${t}, check=True`, 'assisted');
      else if (noCheck) add('check=True', 'assisted');
      const hang = `a child that hangs stops ${where} for good`;
      const fail = 'a command that exits non-zero fails silently and the code carries on without its result';
      ctx.report({
        node: call,
        message: where && noCheck ? `${display}() has neither timeout= nor check=: ${hang}, and ${fail}` : where ? `${display}() has no timeout: ${hang}` : `${display}() has no check=: ${fail}`,
        fixes,
      });
      return;
    }
    const recv = receiverOf(call);
    if (!recv) return;
    if (argument(call, 'timeout', method === 'wait' ? 0 : 1) || hasKwSplat(call)) return;
    const scope = fn?.childForFieldName('body');
    if (!scope || !isPopenObject(ctx, recv, scope)) return;
    const where = longRunningContext(ctx, call, fn);
    if (!where) return;
    const edit = addKeywordArgument(call, `timeout=${t}`);
    ctx.report({
      node: call,
      message: `${ctx.textOf(recv)}.${method}() has no timeout: a child that hangs stops ${where} for good`,
      fixes: edit ? [{ title: `Add timeout=${t}`, applicability: 'safe', edits: [edit] }] : [],
    });
  },
});
