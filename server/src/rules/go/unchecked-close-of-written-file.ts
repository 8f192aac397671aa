/** GO701 unchecked-close-of-written-file: a file opened for writing whose only Close is a deferred, unchecked one. */
import type { Node } from '../../engine/syntax';
import { indentAt, insertBefore, replaceNode, startsLine } from '../../engine/fix';
import {
  ancestorsOf,
  callArgs,
  calleeText,
  classifyUse,
  enclosingFuncOf,
  forEachDescendant,
  identifiersNamed,
  paramsOf,
  redeclaredAbove,
  statementsOf,
  unparen,
} from '../../engine/golang';
import { defineRule, type Fix, type RuleContext } from '../../engine/rule';

/** Flags of os.OpenFile that open a file for writing. */
const WRITE_FLAG = /\bO_(WRONLY|RDWR|APPEND|CREATE|TRUNC)\b/;
/** Methods of *os.File that neither write nor hand the file on. */
const NEUTRAL = /^(Close|Name|Stat|Fd)$/;

/** The call that opened `name` for writing in `fn` before `before`: the last such binding, if any. */
function writtenOpen(fn: Node, name: string, before: number): Node | undefined {
  let open: Node | undefined;
  forEachDescendant(
    fn,
    (n) => {
      if (n.startIndex >= before) return false;
      if (n.type !== 'short_var_declaration' && n.type !== 'assignment_statement') return;
      const left = n.childForFieldName('left')?.namedChildren.filter((x) => x && x.type !== 'comment') ?? [];
      if (left[0]?.text !== name) return;
      const call = unparen(n.childForFieldName('right')?.namedChild(0));
      const callee = call ? calleeText(call) : '';
      if (callee === 'os.Create') open = call!;
      else if (callee === 'os.OpenFile' && WRITE_FLAG.test(callArgs(call!)[1]?.text ?? '')) open = call!;
      else open = undefined;
    },
    true,
  );
  return open;
}

/** Whether a call's result is consumed (assigned, tested, returned, passed on), not dropped as a statement. */
function resultUsed(call: Node): boolean {
  const p = call.parent;
  if (!p || p.type === 'expression_statement' || p.type === 'defer_statement' || p.type === 'go_statement') return false;
  if (p.type === 'expression_list' && p.parent?.type === 'assignment_statement') {
    const left = p.parent.childForFieldName('left')?.namedChildren.filter((x) => x && x.type !== 'comment') ?? [];
    const idx = p.namedChildren.filter((x) => x && x.type !== 'comment').findIndex((x) => x?.id === call.id);
    if (p.parent.childForFieldName('right')?.id === p.id && left[idx]?.text === '_') return false;
  }
  return true;
}

/** How the function handles `name` besides the deferred close: checked closes or syncs, writes, hand-offs. */
function usesOf(fn: Node, name: string, defer: Node): { checked: boolean; written: boolean; handedOff: boolean; closed: boolean } {
  const out = { checked: false, written: false, handedOff: false, closed: false };
  for (const id of identifiersNamed(fn, name)) {
    if (id.startIndex >= defer.startIndex && id.endIndex <= defer.endIndex) continue;
    const use = classifyUse(id);
    if (use.kind === 'method' && use.call) {
      if ((use.name === 'Close' || use.name === 'Sync') && resultUsed(use.call)) out.checked = true;
      if (use.name === 'Close') out.closed = true;
      if (!NEUTRAL.test(use.name ?? '')) out.written = true;
    } else if (use.kind === 'arg') {
      out.written = true;
    } else if (use.kind === 'return' || use.kind === 'store' || use.kind === 'send' || use.kind === 'go-arg') {
      out.handedOff = true;
    } else if (use.kind === 'alias') {
      out.written = true;
    }
  }
  return out;
}

/** Whether the function removes the file it created (a temp file discarded on every path). */
function discards(fn: Node, name: string, open: Node): boolean {
  const path = callArgs(open)[0]?.text;
  let found = false;
  forEachDescendant(
    fn,
    (n) => {
      if (found || n.type !== 'defer_statement') return;
      const call = n.namedChild(0);
      if (call?.type !== 'call_expression' || !/^os\.Remove(All)?$/.test(calleeText(call))) return;
      const arg = callArgs(call)[0]?.text;
      if (arg === `${name}.Name()` || (path && arg === path)) found = true;
    },
    true,
  );
  return found;
}

/** The named error result of `fn` (its last result, of type error), or undefined. */
function namedErrResult(fn: Node): string | undefined {
  const result = fn.childForFieldName('result');
  if (result?.type !== 'parameter_list') return undefined;
  const params = paramsOf(result);
  const last = params[params.length - 1];
  return last && last.type === 'error' && last.name && last.name !== '_' ? last.name : undefined;
}

/** The assisted fix: a checked close before the function's final `return …, nil`. */
function checkedCloseBeforeReturn(ctx: RuleContext, fn: Node, name: string): Fix | undefined {
  const result = fn.childForFieldName('result');
  const types = result?.type === 'parameter_list' ? paramsOf(result).map((p) => p.type) : result ? [result.text] : [];
  if (types[types.length - 1] !== 'error') return undefined;
  const stmts = statementsOf(fn.childForFieldName('body'));
  const last = stmts[stmts.length - 1];
  if (last?.type !== 'return_statement') return undefined;
  const list = last.namedChildren.find((n) => n?.type === 'expression_list');
  const values = list?.namedChildren.filter((n): n is Node => !!n && n.type !== 'comment') ?? [];
  if (values.length !== types.length || values[values.length - 1].text !== 'nil') return undefined;
  const ret = [...values.slice(0, -1).map((v) => v.text), 'err'].join(', ');
  const code = `if err := ${name}.Close(); err != nil {\n\treturn ${ret}\n}`;
  return { title: `Check the error of ${name}.Close() before the final return`, applicability: 'assisted', edits: [insertBefore(ctx.text, last, code)] };
}

export default defineRule({
  code: 'GO701',
  name: 'unchecked-close-of-written-file',
  language: 'go',
  category: 'data-integrity',
  severity: 'warning',
  fix: 'sometimes',
  summary: 'A file opened for writing is closed only by a deferred, unchecked Close, so a failed final flush reports success for a truncated file.',
  kinds: ['defer_statement'],
  docs: {
    whatItDoes:
      'Flags `defer f.Close()` on a file opened for writing (`os.Create`, or `os.OpenFile` with `O_WRONLY`, `O_RDWR`, `O_APPEND`, `O_CREATE` or `O_TRUNC`) when nothing in the function checks an error from closing or syncing it: no `err := f.Close()`, `if err := f.Close(); …`, `return f.Close()`, checked `f.Sync()`, or a deferred closure that captures the close error. Files the function hands on (returns, stores), files it never writes to, temp files it removes again (`defer os.Remove(f.Name())`) and `_test.go` files are left alone.',
    whyBad:
      'Writes to a file land in the page cache; on NFS, on a full disk, with quotas or on filesystems with delayed allocation the error often surfaces only when the file is closed (or synced). A deferred `Close` throws that error away, so the function reports success for an upload, export or config file that is truncated or empty on disk, and the data loss is found later, by someone else.',
    example:
      'func save(path string, r io.Reader) error {\n\tdst, err := os.Create(path)\n\tif err != nil {\n\t\treturn err\n\t}\n\tdefer dst.Close()\n\t_, err = io.Copy(dst, r)\n\treturn err // an error from Close is lost\n}',
    useInstead:
      'func save(path string, r io.Reader) (err error) {\n\tdst, err := os.Create(path)\n\tif err != nil {\n\t\treturn err\n\t}\n\tdefer func() {\n\t\tif cerr := dst.Close(); cerr != nil && err == nil {\n\t\t\terr = cerr\n\t\t}\n\t}()\n\t_, err = io.Copy(dst, r)\n\treturn err\n}',
    fixSafety:
      'Safe when the function has a named error result: replaces `defer f.Close()` with a deferred closure that stores the close error in that result when nothing else failed. Otherwise, when the function ends in `return …, nil`, an assisted fix inserts `if err := f.Close(); err != nil { return …, err }` before that return (the deferred close stays as a safety net and its second call is harmless); it changes what the function reports, so it is offered only as a code action. Functions with no error result get no fix: decide how the failure should be reported.',
    related:
      'errcheck (golangci-lint hides Close through its default exclusion EXC0001), gosec G307 (old meaning: a deferred method returning an error), staticcheck SA5001 (defer Close before checking the open error, a different bug); GO203 resource-not-closed.',
  },
  check(node, ctx) {
    // Test files write scratch fixtures; a lost close error there costs a confusing failure, not data.
    if (ctx.isTestFile) return;
    const call = node.namedChild(0);
    if (call?.type !== 'call_expression' || callArgs(call).length) return;
    const f = call.childForFieldName('function');
    if (f?.type !== 'selector_expression' || f.childForFieldName('field')?.text !== 'Close') return;
    const x = f.childForFieldName('operand');
    if (x?.type !== 'identifier') return;
    const fn = enclosingFuncOf(ctx, node);
    if (!fn) return;
    const name = x.text;
    const open = writtenOpen(fn, name, node.startIndex);
    if (!open) return;
    const uses = usesOf(fn, name, node);
    if (uses.checked || uses.handedOff || !uses.written || discards(fn, name, open)) return;
    const fixes: Fix[] = [];
    const errName = namedErrResult(fn);
    if (errName && !redeclaredAbove([...ancestorsOf(ctx, node), node], fn, errName, { params: true })) {
      const cerr = name === 'cerr' || errName === 'cerr' ? 'closeErr' : 'cerr';
      const code = `defer func() {\n\tif ${cerr} := ${name}.Close(); ${cerr} != nil && ${errName} == nil {\n\t\t${errName} = ${cerr}\n\t}\n}()`;
      const at = indentAt(ctx.text, node.startIndex);
      const lines = code.split('\n').map((l, i) => (i === 0 ? l : at + l));
      if (startsLine(ctx.text, node.startIndex)) fixes.push({ title: `Report the error of ${name}.Close() through ${errName}`, applicability: 'safe', edits: [replaceNode(node, lines.join('\n'))] });
    } else if (!uses.closed) {
      // (With a later explicit close, a second, checked one would fail with "file already closed".)
      const assisted = checkedCloseBeforeReturn(ctx, fn, name);
      if (assisted) fixes.push(assisted);
    }
    ctx.report({
      node,
      message: `${name} was opened for writing but its Close error is discarded: on a full disk or a network filesystem a failed final flush surfaces only at Close, and the function reports success for a truncated file`,
      fixes,
    });
  },
});
