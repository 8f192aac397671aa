/** GO703 non-atomic-file-publish: a file published under its final name before the work that can still fail, or rewritten in place. */
import type { Node } from '../../engine/syntax';
import { eol, replaceNode } from '../../engine/fix';
import { addGoImports, callArgs, calleeText, enclosingFuncOf, forEachDescendant, goFunctions, goHeader, redeclaredBetween, unparen } from '../../engine/golang';
import { defineRule, type Fix, type RuleContext, type TextEdit } from '../../engine/rule';

/** Calls that read a whole file or open it for reading. */
const READ = /^(os\.(ReadFile|Open)|ioutil\.ReadFile)$/;
/** Calls that truncate and rewrite a file in place. */
const REWRITE = /^(os\.(WriteFile|Create)|ioutil\.WriteFile)$/;
/** Calls that delete a path. */
const REMOVE = /^os\.(Remove|RemoveAll)$/;

/** The name of the helper the fix calls and appends. */
const HELPER = 'writeFileAtomic';

/** An expression's text without white space, so `dir + "/x"` and `dir+"/x"` compare equal. */
function squash(text: string): string {
  return text.replace(/\s+/g, '');
}

/** The calls in `fn` (func literals included) whose callee matches `re`, in source order. */
function callsIn(fn: Node, re: RegExp): Node[] {
  const out: Node[] = [];
  forEachDescendant(
    fn,
    (n) => {
      if (n.type === 'call_expression' && re.test(calleeText(n))) out.push(n);
    },
    true,
  );
  return out;
}

/** Whether `call` sits in the consequence of an `if` after offset `after` that tests an error (`err != nil`). */
function inErrorBranch(call: Node, fn: Node, after: number): boolean {
  for (let child: Node = call, p = call.parent; p && p.id !== fn.id; child = p, p = p.parent) {
    if (p.type !== 'if_statement' || p.startIndex < after) continue;
    if (p.childForFieldName('consequence')?.id !== child.id) continue;
    const cond = p.childForFieldName('condition')?.text ?? '';
    if (/\berr\w*\b|\bErr\w*\b/.test(cond) && /!=\s*nil|\bIs\(|\bAs\(/.test(cond)) return true;
  }
  return false;
}

/** The source of the helper the safe fix appends. */
function helperSource(): string {
  return [
    `// ${HELPER} writes data to a temporary file next to path and renames it over path, so that readers see either`,
    '// the old content or the new one, never a truncated file. An existing file keeps its permissions.',
    `func ${HELPER}(path string, data []byte, perm os.FileMode) (err error) {`,
    '\tif fi, statErr := os.Stat(path); statErr == nil {',
    '\t\tperm = fi.Mode().Perm()',
    '\t}',
    '\ttmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")',
    '\tif err != nil {',
    '\t\treturn err',
    '\t}',
    '\tdefer func() {',
    '\t\tif err != nil {',
    '\t\t\ttmp.Close()',
    '\t\t\tos.Remove(tmp.Name())',
    '\t\t}',
    '\t}()',
    '\tif _, err = tmp.Write(data); err != nil {',
    '\t\treturn err',
    '\t}',
    '\tif err = tmp.Sync(); err != nil {',
    '\t\treturn err',
    '\t}',
    '\tif err = tmp.Close(); err != nil {',
    '\t\treturn err',
    '\t}',
    '\tif err = os.Chmod(tmp.Name(), perm); err != nil {',
    '\t\treturn err',
    '\t}',
    '\treturn os.Rename(tmp.Name(), path)',
    '}',
  ].join('\n');
}

/** The safe fix for an in-place `os.WriteFile`: call the atomic helper, appending it when the file lacks it. */
function atomicFix(ctx: RuleContext, call: Node): Fix | undefined {
  const f = call.childForFieldName('function');
  const args = callArgs(call);
  if (!f || args.length !== 3 || call.childForFieldName('arguments')?.text.includes('...')) return undefined;
  const existing = ctx.facts(goFunctions).find((x) => x.value.name === HELPER && !x.value.recvType);
  if (existing && !/^\(\s*\w+\s+string\s*,\s*\w+\s+\[\]byte\s*,\s*\w+\s+(os|fs)\.FileMode\s*\)$/.test(existing.value.params)) return undefined;
  const edits: TextEdit[] = [replaceNode(f, HELPER)];
  if (!existing) {
    const nl = eol(ctx.text);
    const sep = ctx.text.endsWith('\n') ? nl : nl + nl;
    edits.push({ start: ctx.text.length, end: ctx.text.length, newText: `${sep}${helperSource().split('\n').join(nl)}${nl}` });
    edits.push(...addGoImports(ctx.text, ctx.root, ['os', 'path/filepath']));
  }
  return { title: `Write through ${HELPER} (temp file, sync, rename)`, applicability: 'safe', edits };
}

export default defineRule({
  code: 'GO703',
  name: 'non-atomic-file-publish',
  language: 'go',
  category: 'data-integrity',
  severity: 'warning',
  fix: 'sometimes',
  summary: 'A file is renamed to its final name before work that can still fail, or rewritten in place after being read, so a crash or error leaves readers a half-published or truncated file.',
  kinds: ['call_expression'],
  callees: new RegExp(`^os\\.Rename$|${REWRITE.source}`),
  facts: [goFunctions, goHeader],
  docs: {
    whatItDoes:
      'Flags two ways of publishing a file non-atomically. (a) `os.Rename(tmp, final)` followed, in the same function, by an error branch that removes `final` again: the compensating delete shows the name became visible before a step that can still fail. (b) `os.WriteFile(p, …)` or `os.Create(p)` on a path the same function read earlier with `os.ReadFile(p)` or `os.Open(p)` (a read-modify-write), when the function never renames a file into `p`.',
    whyBad:
      '(a) Between the rename and the delete, readers (another request, a sync job, a consumer polling the directory) see and use a file whose database record or follow-up step never happened; a crash in that window leaves an orphan that nothing cleans up. (b) `os.WriteFile` truncates the file first and then writes: a crash, a full disk or a concurrent reader in between sees an empty or half-written config, state or index file, and the previous good content is already gone.',
    example:
      'func bumpVersion(path string) error {\n\tdata, err := os.ReadFile(path)\n\tif err != nil {\n\t\treturn err\n\t}\n\tdata = bytes.Replace(data, []byte("v1"), []byte("v2"), 1)\n\treturn os.WriteFile(path, data, 0o644) // a crash here leaves an empty file\n}',
    useInstead:
      'func bumpVersion(path string) error {\n\tdata, err := os.ReadFile(path)\n\tif err != nil {\n\t\treturn err\n\t}\n\tdata = bytes.Replace(data, []byte("v1"), []byte("v2"), 1)\n\treturn writeFileAtomic(path, data, 0o644) // temp file, Sync, Close, Rename\n}',
    fixSafety:
      'For (b) with `os.WriteFile`, a safe fix calls `writeFileAtomic(p, data, perm)` instead and, when the file does not declare it yet, appends that helper (`os.CreateTemp` next to the target, write, `Sync`, `Close`, `Chmod`, `os.Rename`, and removal of the temp file on error) and adds the `os` and `path/filepath` imports. Like `os.WriteFile`, the helper keeps the permissions of an existing file. Two differences remain: a symbolic link at the path is replaced by a regular file instead of being written through, and the file gets a new inode (open handles keep the old content). If another file of the package already declares a `writeFileAtomic` with a different signature, the build will tell you. (b) with `os.Create` and all of (a) have no automatic fix: reordering a publish after a database call is a design change.',
    related: 'none in staticcheck, gosec or golangci-lint; the google/renameio library is the usual remedy. GO702 check-then-create; GO701 unchecked-close-of-written-file.',
  },
  check(node, ctx) {
    if (ctx.isTestFile) return;
    const callee = calleeText(node);
    if (callee === 'os.Rename') return checkRename(node, ctx);
    if (!REWRITE.test(callee)) return;
    const path = callArgs(node)[0];
    if (!path) return;
    const fn = enclosingFuncOf(ctx, node);
    if (!fn) return;
    const p = squash(path.text);
    const read = callsIn(fn, READ).find((c) => c.startIndex < node.startIndex && squash(callArgs(c)[0]?.text ?? '') === p);
    if (!read) return;
    // The same name may stand for another variable by now (`name := …` in a loop), and a retry of the same write
    // after a failed first one carries no finding of its own.
    if (redeclaredBetween(fn, path, read.endIndex, node.startIndex)) return;
    if (callsIn(fn, REWRITE).some((c) => c.startIndex > read.endIndex && c.startIndex < node.startIndex && squash(callArgs(c)[0]?.text ?? '') === p)) return;
    if (callsIn(fn, /^os\.Rename$/).some((c) => squash(callArgs(c)[1]?.text ?? '') === p)) return;
    const fix = calleeText(node) === 'os.Create' ? undefined : atomicFix(ctx, node);
    ctx.report({
      node,
      message: `${callee}(${path.text}) truncates the file ${calleeText(read)} read above and rewrites it in place: a crash, a full disk or a concurrent reader in between sees an empty or half-written file, and the old content is gone`,
      fixes: fix ? [fix] : [],
    });
  },
});

function checkRename(call: Node, ctx: RuleContext): void {
  const args = callArgs(call);
  if (args.length !== 2) return;
  const fn = enclosingFuncOf(ctx, call);
  if (!fn) return;
  const dest = squash(args[1].text);
  const undo = callsIn(fn, REMOVE).find(
    (c) => c.startIndex > call.endIndex && squash(unparen(callArgs(c)[0])?.text ?? '') === dest && inErrorBranch(c, fn, call.endIndex),
  );
  if (!undo) return;
  ctx.report({
    node: call,
    message: `os.Rename publishes ${args[1].text} before a step that can still fail (its error branch removes it again): readers see the file in between, and a crash there leaves an orphan`,
  });
}
