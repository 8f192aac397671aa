/** GO201 response-body-not-closed: an HTTP response whose body is never closed, or left open by a retry loop. */
import type { Node } from '../../engine/syntax';
import { insertBefore, startsLine } from '../../engine/fix';
import {
  GO_FUNCS,
  ancestorsOf,
  calleeText,
  callArgs,
  classifyUse,
  declaringFuncOf,
  enclosingFuncOf,
  errCheckAfter,
  forEachDescendant,
  identifiersNamed,
  insertStatementAfter,
  localBinding,
  paramsOf,
  statementTerminates,
  statementsOf,
} from '../../engine/golang';
import { defineRule, type Fix, type RuleContext, type TextEdit } from '../../engine/rule';

const METHODS = /^(Do|Get|Post|Head|PostForm|RoundTrip)$/;
/** Receivers whose Get/Do is not an HTTP call: caches, maps, headers, queries, pools, registries, databases. */
const NOT_HTTP = /cache|map|header|query|pool|store|db|redis|kv|registry|remote|values|form|param|env|config|cfg|ctx|group|once|flight|sync|lru|set$|list$|^m$/i;
/** Receivers that look like an HTTP client or transport. */
const CLIENT = /client|^cli$|^c$|^hc$|http|transport|^tr$|^rt$|roundtripper|doer/i;
/** Fields that show the value is an *http.Response. */
const RESPONSE_FIELD = /^(Body|StatusCode|Status|Header|ContentLength|Request|Trailer|Proto|TLS|Uncompressed)$/;
/** Calls that read a body and keep no reference to it. */
const CONSUMES =
  /^(io\.(ReadAll|Copy|CopyN|CopyBuffer|ReadFull|ReadAtLeast|LimitReader|TeeReader|MultiReader)|ioutil\.ReadAll|(json|xml|gob)\.NewDecoder|bufio\.New\w*|html\.Parse|goquery\.NewDocumentFromReader|csv\.NewReader|mime\.\w+|len|fmt\.F\w+)$/;
const CLOSER = /close|drain|discard/i;

/** The last selector segment of an expression's text (`s.client` → `client`). */
function lastSegment(text: string): string {
  const i = text.lastIndexOf('.');
  return i === -1 ? text : text.slice(i + 1);
}

/** Whether `call` is an HTTP request that returns a response (judged from its receiver and arguments). */
function isHttpCall(call: Node, fn: Node): boolean {
  const f = call.childForFieldName('function');
  if (f?.type !== 'selector_expression') return false;
  const method = f.childForFieldName('field')?.text ?? '';
  if (!METHODS.test(method)) return false;
  const operand = f.childForFieldName('operand');
  if (!operand) return false;
  const recv = operand.text;
  if (recv === 'http') return method !== 'Do' && method !== 'RoundTrip';
  if (/^http\.Default(Client|Transport)$/.test(recv)) return true;
  const last = lastSegment(recv);
  if (NOT_HTTP.test(last)) return false;
  if (CLIENT.test(last)) return true;
  if (operand.type === 'identifier') {
    const p = paramsOf(fn.childForFieldName('parameters')).find((x) => x.name === recv);
    if (p && /http\.(Client|RoundTripper|Transport)\b/.test(p.type)) return true;
    const v = localBinding(fn, recv, call.startIndex);
    if (v && /^&?http\.(Client|Transport)\b|^http\.Default/.test(v.text)) return true;
  }
  // `x.Do(req)` / `x.RoundTrip(req)` with a request built by http.NewRequest.
  const arg = callArgs(call)[0];
  if ((method === 'Do' || method === 'RoundTrip') && arg?.type === 'identifier') {
    const v = localBinding(fn, arg.text, call.startIndex);
    if (v?.type === 'call_expression' && /^http\.NewRequest(WithContext)?$/.test(calleeText(v))) return true;
  }
  return false;
}

/** How one use of the response counts for its body. */
type Verdict = 'close' | 'handoff' | 'use';

function judge(id: Node): { verdict: Verdict; response: boolean } {
  const p = id.parent;
  if (p?.type === 'selector_expression' && p.childForFieldName('operand')?.id === id.id) {
    const field = p.childForFieldName('field')?.text ?? '';
    const response = RESPONSE_FIELD.test(field);
    if (field !== 'Body') return { verdict: 'use', response };
    const g = p.parent;
    if (g?.type === 'selector_expression' && g.childForFieldName('operand')?.id === p.id) {
      const m = g.childForFieldName('field')?.text ?? '';
      // resp.Body.Close() or a method value resp.Body.Close handed to a cleanup.
      return { verdict: m === 'Close' ? 'close' : 'use', response };
    }
    const use = classifyUse(p);
    if (use.kind === 'arg' && use.call) {
      const callee = calleeText(use.call);
      if (CLOSER.test(lastSegment(callee))) return { verdict: 'close', response };
      return { verdict: CONSUMES.test(callee) ? 'use' : 'handoff', response };
    }
    if (use.kind === 'compare' || use.kind === 'assigned' || use.kind === 'other' || use.kind === 'field') return { verdict: 'use', response };
    return { verdict: 'handoff', response };
  }
  const use = classifyUse(id);
  switch (use.kind) {
    case 'field':
    case 'method':
    case 'compare':
    case 'assigned':
    case 'declared':
    case 'key':
    case 'other':
      return { verdict: 'use', response: false };
    case 'arg':
      return { verdict: use.call && CLOSER.test(lastSegment(calleeText(use.call))) ? 'close' : 'handoff', response: false };
    default:
      return { verdict: 'handoff', response: false };
  }
}

/** The innermost for statement around `node` inside its own function, or undefined. */
function loopOf(ctx: RuleContext, node: Node): Node | undefined {
  const a = ancestorsOf(ctx, node);
  for (let i = a.length - 1; i >= 0; i--) {
    if (GO_FUNCS.has(a[i].type)) return undefined;
    if (a[i].type === 'for_statement') return a[i];
  }
  return undefined;
}

/** Whether a statement closes `name`'s body (`resp.Body.Close()`, a close/drain helper, or a guarded close). */
function closesBody(stmt: Node, name: string): boolean {
  let found = false;
  const test = (n: Node): void => {
    if (found || n.type !== 'call_expression') return;
    const callee = calleeText(n);
    if (callee === `${name}.Body.Close`) found = true;
    else if (CLOSER.test(lastSegment(callee)) && callArgs(n).some((a) => a.text === name || a.text === `${name}.Body`)) found = true;
  };
  test(stmt);
  forEachDescendant(stmt, (n) => test(n), true);
  return found;
}

/** Whether `stmt` is `if err != nil { … }` on the request's error (the response is nil inside). */
function inErrBranch(chain: Node[], errName: string | undefined, from: number): boolean {
  if (!errName) return false;
  for (let i = chain.length - 1; i >= from; i--) {
    const n = chain[i];
    if (n.type !== 'if_statement') continue;
    const cond = n.childForFieldName('condition')?.text.replace(/\s+/g, ' ') ?? '';
    const cons = n.childForFieldName('consequence');
    if (cons && chain[i + 1]?.id === cons.id && (cond === `${errName} != nil` || cond.startsWith(`${errName} != nil ||`))) return true;
  }
  return false;
}

/**
 * Whether a statement closes the body on every path where the response exists: a close or deferred close,
 * `if err := resp.Body.Close(); …`, or an if whose branch for a live response closes it (`if resp != nil { … }`,
 * `if err == nil { … }`, the else of `if err != nil { … } else { … }`).
 */
function coversAll(stmt: Node, name: string, errName: string | undefined, depth = 0): boolean {
  if (depth > 50) return false;
  if (stmt.type === 'expression_statement' || stmt.type === 'defer_statement') return closesBody(stmt, name);
  if (stmt.type !== 'if_statement') return false;
  const init = stmt.childForFieldName('initializer');
  if (init && closesBody(init, name)) return true;
  const cond = stmt.childForFieldName('condition')?.text.replace(/\s+/g, ' ') ?? '';
  const closesIn = (b: Node | null): boolean => !!b && b.type === 'block' && statementsOf(b).some((x) => coversAll(x, name, errName, depth + 1));
  if (cond === `${name} != nil` || (errName && cond === `${errName} == nil`)) return closesIn(stmt.childForFieldName('consequence'));
  if (cond === `${name} == nil` || (errName && cond === `${errName} != nil`)) return closesIn(stmt.childForFieldName('alternative'));
  return false;
}

/**
 * The places where a retry loop goes round again with the response still open: `continue` statements after the
 * binding that no close precedes, and the loop's end when the body falls through without a close.
 */
function retryLeaks(ctx: RuleContext, stmt: Node, loop: Node, name: string, errName: string | undefined): { at: Node; before: boolean }[] {
  // (`before`: insert the close before `at` rather than after it.)
  const list = stmt.parent;
  if (list?.type !== 'statement_list') return [];
  const after: Node[] = [];
  for (let s = stmt.nextNamedSibling; s; s = s.nextNamedSibling) if (s.type !== 'comment') after.push(s);
  const out: { at: Node; before: boolean }[] = [];
  for (const s of after) {
    if (coversAll(s, name, errName)) return out;
    forEachDescendant(s, (n) => {
      if (n.type === 'for_statement') return false; // a continue there belongs to the inner loop
      if (n.type !== 'continue_statement' || n.namedChildCount) return;
      const chain = ancestorsOf(ctx, n);
      const sIdx = chain.findIndex((x) => x.id === s.id);
      if (sIdx < 0 || inErrBranch(chain, errName, sIdx)) return;
      // A close earlier in the continue's own block, or in a block around it, covers it.
      for (let i = chain.length - 1; i > sIdx; i--) {
        if (chain[i].type !== 'statement_list') continue;
        const child = i + 1 < chain.length ? chain[i + 1] : n;
        for (let p = child.previousNamedSibling; p; p = p.previousNamedSibling) if (closesBody(p, name)) return;
      }
      out.push({ at: n, before: true });
    });
  }
  // Falling through to the next iteration: the binding's list is the loop body's and its last statement does not leave.
  const bodyList = loop.childForFieldName('body')?.namedChildren.find((n) => n?.type === 'statement_list');
  const last = after[after.length - 1];
  if (bodyList?.id === list.id && !(last && statementTerminates(last))) {
    // Close before a trailing back-off sleep rather than after it.
    const sleeps = last?.type === 'expression_statement' && calleeText(last.namedChild(0) ?? last) === 'time.Sleep';
    out.push({ at: last ?? stmt, before: !!sleeps && last !== stmt });
  }
  return out;
}

/** The safe single-shot fix: `defer resp.Body.Close()` after the error check, or guarded right after the binding. */
function deferFix(ctx: RuleContext, stmt: Node, name: string, errName: string | undefined, assisted: boolean): Fix | undefined {
  if (stmt.parent?.type !== 'statement_list') return undefined;
  const check = errName ? errCheckAfter(stmt, errName) : undefined;
  let edit: TextEdit;
  if (check?.op === '!=' && !check.ifStmt.childForFieldName('alternative')) {
    const cons = check.ifStmt.childForFieldName('consequence');
    if (cons && statementTerminates(cons)) edit = insertStatementAfter(ctx.text, check.ifStmt, `defer ${name}.Body.Close()`);
    else edit = insertStatementAfter(ctx.text, check.ifStmt, `if ${name} != nil {\n\tdefer ${name}.Body.Close()\n}`);
  } else if (check) {
    return undefined;
  } else {
    edit = insertStatementAfter(ctx.text, stmt, `if ${name} != nil {\n\tdefer ${name}.Body.Close()\n}`);
  }
  return {
    title: assisted ? `Insert defer ${name}.Body.Close() (in a loop, every body stays open until the function returns)` : `Insert defer ${name}.Body.Close()`,
    applicability: assisted ? 'assisted' : 'safe',
    edits: [edit],
  };
}

export default defineRule({
  code: 'GO201',
  name: 'response-body-not-closed',
  language: 'go',
  category: 'resource-leak',
  severity: 'warning',
  fix: 'sometimes',
  summary: 'An HTTP response body is never closed, or a retry loop goes round again with the previous body open, so connections leak until the pool or the file limit runs out.',
  kinds: ['short_var_declaration', 'assignment_statement'],
  docs: {
    whatItDoes:
      'Looks at `resp, err := X.Do(…)` (also `Get`, `Post`, `Head`, `PostForm`, `RoundTrip`) where X is the `http` package, `http.DefaultClient`, a client or transport (by name, by a `*http.Client`/`http.RoundTripper` parameter, by a local built from `&http.Client{…}`, or because the argument was built with `http.NewRequest`), and `resp` is used as a response (`resp.Body`, `resp.StatusCode`, …). ' +
      'Receivers named like caches, maps, headers, queries, pools, stores and registries are skipped. It flags the binding when nothing in the function closes `resp.Body` (directly, deferred, in a func literal, or through a helper whose name contains close, drain or discard) and `resp` is not handed off (returned, stored, sent, passed to another function). ' +
      'Inside a loop it also flags a retry that goes round again (a `continue`, or falling through to the next iteration) without closing the previous body; `continue` inside `if err != nil` is fine, since the response is nil there.',
    whyBad:
      'An unclosed body keeps its TCP connection out of the client\'s pool and its goroutines alive. Each call leaks one; under load the process runs out of file descriptors or ephemeral ports, or new requests queue behind `MaxConnsPerHost`, and the service stalls with no error pointing at the cause. A retry loop leaks one connection per failed attempt exactly when the peer is already in trouble.',
    example:
      'for i := 0; i < 3; i++ {\n\tresp, err := c.Do(req)\n\tif err == nil && resp.StatusCode < 500 {\n\t\treturn resp, nil\n\t}\n\ttime.Sleep(backoff(i)) // previous resp.Body is never closed\n}',
    useInstead:
      'for i := 0; i < 3; i++ {\n\tresp, err := c.Do(req)\n\tif err == nil && resp.StatusCode < 500 {\n\t\treturn resp, nil\n\t}\n\tif resp != nil {\n\t\tresp.Body.Close()\n\t}\n\ttime.Sleep(backoff(i))\n}',
    fixSafety:
      'Safe for a single request: inserts `defer resp.Body.Close()` after the `if err != nil { … }` block that follows the binding (guarded by `if resp != nil` when that block does not leave the function or there is no error check). ' +
      'Inside a loop the deferred close keeps every body open until the function returns, so there it is assisted. For a retry loop, an assisted fix inserts `if resp != nil { resp.Body.Close() }` before the `continue`, or at the end of the loop body.',
    related: 'golangci-lint bodyclose (SSA based); GO203 resource-not-closed, GO405 cancel-before-body-read.',
  },
  check(node, ctx) {
    const left = (node.childForFieldName('left')?.namedChildren ?? []).filter((n): n is Node => !!n && n.type !== 'comment');
    const right = (node.childForFieldName('right')?.namedChildren ?? []).filter((n): n is Node => !!n && n.type !== 'comment');
    if (left.length !== 2 || right.length !== 1 || right[0].type !== 'call_expression') return;
    const target = left[0];
    if (target.type !== 'identifier' || target.text === '_') return;
    const call = right[0];
    const f = call.childForFieldName('function');
    if (f?.type !== 'selector_expression' || !METHODS.test(f.childForFieldName('field')?.text ?? '')) return;
    const fn = enclosingFuncOf(ctx, node);
    if (!fn || !isHttpCall(call, fn)) return;
    const name = target.text;
    const scope = node.type === 'assignment_statement' ? declaringFuncOf(ctx, node, name) : fn;
    if (!scope) return; // a package-level variable
    if (paramsOf(scope.childForFieldName('result')).some((p) => p.name === name)) return; // returned by name
    const errNode = left[1];
    const errName = errNode.type === 'identifier' && errNode.text !== '_' ? errNode.text : undefined;

    let closed = false;
    let handoff = false;
    let response = false;
    for (const id of identifiersNamed(scope, name)) {
      if (id.id === target.id) continue;
      const j = judge(id);
      response ||= j.response;
      if (j.verdict === 'close') closed = true;
      else if (j.verdict === 'handoff' && id.startIndex > node.endIndex) handoff = true;
    }
    if (!response) return;
    const severity = ctx.isTestFile ? 'info' : 'warning';
    const loop = loopOf(ctx, node);
    if (!closed && !handoff) {
      const fix = deferFix(ctx, node, name, errName, !!loop);
      ctx.report({
        node,
        severity,
        message: `${name}.Body is never closed: each ${loop ? 'iteration' : 'call'} leaks a connection (it never returns to the pool) and its file descriptor`,
        fixes: fix ? [fix] : [],
      });
      return;
    }
    if (!loop) return;
    const leaks = retryLeaks(ctx, node, loop, name, errName);
    if (!leaks.length) return;
    const code = `if ${name} != nil {\n\t${name}.Body.Close()\n}`;
    const fixable = leaks.every((l) => !l.before || startsLine(ctx.text, l.at.startIndex));
    const edits: TextEdit[] = leaks.map((l) => (l.before ? insertBefore(ctx.text, l.at, code) : insertStatementAfter(ctx.text, l.at, code)));
    const where = leaks[0].at.type === 'continue_statement' ? 'a continue' : 'the next iteration';
    ctx.report({
      node,
      severity,
      message: `the loop reaches ${where} without closing ${name}.Body: every attempt that goes round again (a retry) leaks a connection and its file descriptor`,
      fixes: fixable ? [{ title: `Close ${name}.Body before the next attempt`, applicability: 'assisted', edits }] : [],
    });
  },
});
