/** GO405 cancel-before-body-read: `defer cancel()` in a function that returns a stream still reading from the context. */
import type { Node } from '../../engine/syntax';
import { addGoImport, eol, insertBefore, lineEnd, lineStart, replaceNode } from '../../engine/fix';
import {
  ancestorsOf,
  callArgs,
  calleeText,
  enclosingFuncOf,
  forEachDescendant,
  freshName,
  goStructs,
  identifiersNamed,
  paramsOf,
  unparen,
} from '../../engine/golang';
import { defineRule, type Fix, type RuleContext, type TextEdit } from '../../engine/rule';

const CTX_CTOR = /^context\.(WithCancel|WithTimeout|WithDeadline|WithCancelCause|WithTimeoutCause|WithDeadlineCause)$/;
/** Result types that keep reading from the request's context after the function returns. */
const STREAM = /^(\*http\.Response|io\.ReadCloser|io\.Reader|\*sql\.Rows|\*bufio\.Reader|\*bufio\.Scanner)$/;
/** Calls that read a stream to the end: their results no longer depend on the context. */
const DRAIN = /^(io\.ReadAll|ioutil\.ReadAll|io\.Copy|io\.CopyN|io\.CopyBuffer)$/;
/** The wrapper type the fix generates. */
const WRAPPER = 'cancelOnClose';

/** The `ctx, cancel := context.WithX(…)` binding whose cancel a `defer cancel()` calls, searched in `fn`'s body. */
function bindingFor(fn: Node, cancel: string): { ctxName: string; stmt: Node } | undefined {
  let found: { ctxName: string; stmt: Node } | undefined;
  const body = fn.childForFieldName('body');
  if (!body) return undefined;
  forEachDescendant(body, (n) => {
    if (found) return false;
    if (n.type !== 'short_var_declaration' && n.type !== 'assignment_statement') return;
    const left = (n.childForFieldName('left')?.namedChildren ?? []).filter((x): x is Node => !!x && x.type !== 'comment');
    const right = n.childForFieldName('right')?.namedChild(0);
    if (left.length !== 2 || right?.type !== 'call_expression' || !CTX_CTOR.test(calleeText(right))) return;
    if (left[1].text === cancel && left[0].type === 'identifier' && left[0].text !== '_') found = { ctxName: left[0].text, stmt: n };
  });
  return found;
}

/** The names whose values carry the context: ctx itself and everything assigned from an expression mentioning one. */
function taintedNames(fn: Node, ctxName: string): Set<string> {
  const tainted = new Set([ctxName]);
  const assigns: { left: Node[]; right: Node[] }[] = [];
  const body = fn.childForFieldName('body');
  if (!body) return tainted;
  forEachDescendant(body, (n) => {
    if (n.type === 'short_var_declaration' || n.type === 'assignment_statement') {
      const left = (n.childForFieldName('left')?.namedChildren ?? []).filter((x): x is Node => !!x && x.type !== 'comment');
      const right = (n.childForFieldName('right')?.namedChildren ?? []).filter((x): x is Node => !!x && x.type !== 'comment');
      assigns.push({ left, right });
    } else if (n.type === 'var_spec') {
      const left = n.childrenForFieldName('name').filter((x): x is Node => !!x);
      const right = (n.childForFieldName('value')?.namedChildren ?? []).filter((x): x is Node => !!x && x.type !== 'comment');
      assigns.push({ left, right });
    }
  });
  for (let round = 0; round < 3; round++) {
    let changed = false;
    for (const a of assigns) {
      const carries = (r: Node): boolean => {
        const e = unparen(r);
        if (e?.type === 'call_expression' && DRAIN.test(calleeText(e))) return false;
        return mentionsAny(r, tainted);
      };
      a.left.forEach((l, i) => {
        if (l.type !== 'identifier' || l.text === '_' || /^err/.test(l.text) || tainted.has(l.text)) return;
        const r = a.right.length === a.left.length ? a.right[i] : a.right[0];
        if (r && carries(r)) {
          tainted.add(l.text);
          changed = true;
        }
      });
    }
    if (!changed) break;
  }
  return tainted;
}

/** Whether an expression mentions one of `names` as an identifier (field names do not count). */
function mentionsAny(expr: Node, names: Set<string>): boolean {
  if (expr.type === 'identifier') return names.has(expr.text);
  let found = false;
  forEachDescendant(
    expr,
    (n) => {
      if (found) return false;
      if (n.type === 'identifier' && names.has(n.text)) found = true;
    },
    true,
  );
  return found;
}

/** The return statements of `fn` itself (not of nested func literals). */
function returnsOf(fn: Node): Node[] {
  const out: Node[] = [];
  const body = fn.childForFieldName('body');
  if (body) forEachDescendant(body, (n) => void (n.type === 'return_statement' && out.push(n)));
  return out;
}

/** The expressions of a return statement, without comments. */
function returnValues(ret: Node): Node[] {
  const list = ret.namedChildren.find((n) => n?.type === 'expression_list');
  return (list?.namedChildren ?? []).filter((x): x is Node => !!x && x.type !== 'comment');
}

/** Whether `cancel` is used other than by calling it: returned, stored, passed on (handed to the caller). */
function cancelHandedOn(fn: Node, cancel: string): boolean {
  return identifiersNamed(fn, cancel).some((id) => {
    const p = id.parent;
    if (p?.type === 'call_expression' && p.childForFieldName('function')?.id === id.id) return false;
    if (p?.type === 'expression_list' && p.parent && /short_var_declaration|assignment_statement/.test(p.parent.type)) {
      return p.parent.childForFieldName('left')?.id !== p.id;
    }
    return true;
  });
}

/** Whether the body of `name` (`name.Body`) is drained or closed in `fn` before it is returned. */
function bodyConsumed(fn: Node, name: string): boolean {
  let found = false;
  const body = fn.childForFieldName('body');
  if (!body) return false;
  forEachDescendant(body, (n) => {
    if (found || n.type !== 'call_expression') return;
    const callee = calleeText(n);
    if (DRAIN.test(callee) && callArgs(n).some((a) => a.text === `${name}.Body`)) found = true;
    if (callee === `${name}.Body.Close`) found = true;
  });
  return found;
}

export default defineRule({
  code: 'GO405',
  name: 'cancel-before-body-read',
  language: 'go',
  category: 'shutdown/lifecycle',
  severity: 'error',
  fix: 'sometimes',
  summary: 'A function returns an HTTP response, body or rows bound to a context that its own defer cancel() cancels, so the caller reads "context canceled".',
  kinds: ['defer_statement'],
  facts: [goStructs],
  docs: {
    whatItDoes:
      'Flags `defer cancel()` in a function (or function literal) whose result is `*http.Response`, `io.ReadCloser`, `io.Reader`, `*sql.Rows`, `*bufio.Reader` or `*bufio.Scanner`, when `cancel` comes from `context.WithTimeout/WithCancel/WithDeadline` in that function and a `return` hands back a value built from the derived context (`next.RoundTrip(r.WithContext(ctx))`, or a response from a request made with `ctx`).',
    whyBad:
      'A response body, a row cursor or a buffered reader keeps reading from the network after the function that opened it returns. The deferred `cancel()` runs at that return and cancels the context the stream depends on, so the caller\'s first read fails with "context canceled". The failure depends on timing: small bodies already buffered by the transport read fine in tests, and large or slow ones fail in production.',
    example:
      'func (t *timeoutRT) RoundTrip(r *http.Request) (*http.Response, error) {\n\tctx, cancel := context.WithTimeout(r.Context(), t.d)\n\tdefer cancel()\n\treturn t.next.RoundTrip(r.WithContext(ctx))\n}',
    useInstead:
      'func (t *timeoutRT) RoundTrip(r *http.Request) (*http.Response, error) {\n\tctx, cancel := context.WithTimeout(r.Context(), t.d)\n\tresp, err := t.next.RoundTrip(r.WithContext(ctx))\n\tif err != nil {\n\t\tcancel()\n\t\treturn nil, err\n\t}\n\tresp.Body = cancelOnClose{resp.Body, cancel}\n\treturn resp, nil\n}\n\n// cancelOnClose cancels a request\'s context when its body is closed.\ntype cancelOnClose struct {\n\tio.ReadCloser\n\tcancel context.CancelFunc\n}\n\nfunc (c cancelOnClose) Close() error {\n\tdefer c.cancel()\n\treturn c.ReadCloser.Close()\n}',
    fixSafety:
      'Assisted, offered for `*http.Response` and `io.ReadCloser` results: removes `defer cancel()`, calls `cancel()` before every other return, hands the cancel function to the body (`resp.Body = cancelOnClose{resp.Body, cancel}`, or `cancelOnClose{body, cancel}` for a returned reader) and adds the small `cancelOnClose` type (and the `io` import) to the file. The context now lives until the caller closes the body, so a caller that never closes it keeps the timer running: review the callers.',
    related: 'go vet lostcancel flags the inverse mistake (cancel never called); golangci contextcheck looks at non-inherited contexts; GO407 context-cancel-not-called.',
  },
  check(node, ctx) {
    const call = node.namedChild(0);
    if (call?.type !== 'call_expression' || callArgs(call).length) return;
    const cancel = call.childForFieldName('function');
    if (cancel?.type !== 'identifier') return;
    const fn = enclosingFuncOf(ctx, node);
    if (!fn) return;
    const results = paramsOf(fn.childForFieldName('result'));
    const resultText = fn.childForFieldName('result')?.text ?? '';
    const streamIdx = results.length ? results.findIndex((r) => STREAM.test(r.type)) : STREAM.test(resultText) ? 0 : -1;
    if (streamIdx < 0) return;
    const streamType = results.length ? results[streamIdx].type : resultText;
    const bind = bindingFor(fn, cancel.text);
    if (!bind || bind.stmt.startIndex > node.startIndex || cancelHandedOn(fn, cancel.text)) return;
    const tainted = taintedNames(fn, bind.ctxName);
    const bad: { ret: Node; value: Node; whole: boolean }[] = [];
    for (const ret of returnsOf(fn)) {
      if (ret.startIndex < node.endIndex) continue;
      const values = returnValues(ret);
      const whole = values.length === 1 && results.length > 1;
      const value = whole ? values[0] : values[streamIdx];
      if (!value || !mentionsAny(value, tainted)) continue;
      const v = unparen(value);
      if (v?.type === 'identifier' && bodyConsumed(fn, v.text)) continue;
      bad.push({ ret, value, whole });
    }
    if (!bad.length) return;
    ctx.report({
      node,
      message: `defer ${cancel.text}() cancels ${bind.ctxName} when the function returns, but the ${streamType} it returns still reads from ${bind.ctxName}: the caller's reads fail with "context canceled"`,
      fixes: buildFix(ctx, node, fn, cancel.text, streamType, bad),
    });
  },
});

function buildFix(ctx: RuleContext, deferStmt: Node, fn: Node, cancel: string, streamType: string, bad: { ret: Node; value: Node; whole: boolean }[]): Fix[] {
  if (streamType !== '*http.Response' && streamType !== 'io.ReadCloser') return [];
  const text = ctx.text;
  const nl = eol(text);
  const edits: TextEdit[] = [];
  // Remove the defer's whole line (it must stand alone on it, a trailing comment goes with it).
  const ls = lineStart(text, deferStmt.startIndex);
  const le = lineEnd(text, deferStmt.endIndex);
  if (text.slice(ls, deferStmt.startIndex).trim() || !/^\s*(\/\/.*)?$/.test(text.slice(deferStmt.endIndex, le))) return [];
  edits.push({ start: ls, end: Math.min(text.length, le + 1), newText: '' });
  const badIds = new Set(bad.map((b) => b.ret.id));
  const top = ancestorsOf(ctx, fn).find((n) => n.type === 'function_declaration' || n.type === 'method_declaration') ?? fn;
  for (const ret of returnsOf(fn)) {
    if (ret.startIndex < deferStmt.endIndex) continue;
    if (text.slice(lineStart(text, ret.startIndex), ret.startIndex).trim()) return [];
    if (!badIds.has(ret.id)) {
      edits.push(insertBefore(text, ret, `${cancel}()`));
      continue;
    }
    const b = bad.find((x) => x.ret.id === ret.id)!;
    const values = returnValues(ret);
    if (streamType === 'io.ReadCloser') {
      if (b.whole) return [];
      edits.push(replaceNode(b.value, `${WRAPPER}{${b.value.text}, ${cancel}}`));
      continue;
    }
    // *http.Response
    if (b.whole) {
      if (values.length !== 1) return [];
      const resp = freshName(top, 'resp');
      const err = 'err';
      edits.push(
        replaceNode(
          ret,
          [
            `${resp}, ${err} := ${b.value.text}`,
            `if ${err} != nil {`,
            `\t${cancel}()`,
            `\treturn nil, ${err}`,
            `}`,
            `${resp}.Body = ${WRAPPER}{${resp}.Body, ${cancel}}`,
            `return ${resp}, nil`,
          ].join(nl + indentOf(text, ret)),
        ),
      );
      continue;
    }
    const v = unparen(b.value);
    if (v?.type !== 'identifier' || values[1]?.text !== 'nil') return [];
    edits.push(insertBefore(text, ret, `${v.text}.Body = ${WRAPPER}{${v.text}.Body, ${cancel}}`));
  }
  if (!ctx.facts(goStructs).some((f) => f.value.some((s) => s.name === WRAPPER))) {
    const decl = [
      '',
      '',
      `// ${WRAPPER} cancels a request's context when its body is closed.`,
      `type ${WRAPPER} struct {`,
      '\tio.ReadCloser',
      '\tcancel context.CancelFunc',
      '}',
      '',
      `func (c ${WRAPPER}) Close() error {`,
      '\tdefer c.cancel()',
      '\treturn c.ReadCloser.Close()',
      '}',
    ].join(nl);
    const topLevel = ctx.root.childWithDescendant(deferStmt) ?? top;
    edits.push({ start: topLevel.endIndex, end: topLevel.endIndex, newText: decl });
    const imp = addGoImport(text, ctx.root, 'io');
    if (imp) edits.push(imp);
  }
  return [{ title: `Close ${cancel} with the response body instead of deferring it`, applicability: 'assisted', edits }];
}

/** The indentation of the line holding `node`, with the statement's own position as reference. */
function indentOf(text: string, node: Node): string {
  const s = lineStart(text, node.startIndex);
  return text.slice(s, node.startIndex);
}
