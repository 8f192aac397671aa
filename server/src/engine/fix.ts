/**
 * Helpers that build fix edits (insert a statement with the right indentation, add an import, add a struct field,
 * add a keyword argument) and apply or validate them. Rules build edits with these, not by ad-hoc splicing.
 */
import { syntaxTree, type Node } from './syntax';
import { sharedParser, type LanguageId } from '../languages';
import type { Finding, Fix, TextEdit } from './rule';
import { lineOf, lineStartsOf } from './suppress';

/** The offset where the line holding `offset` starts. */
export function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/** The offset just past the end of the line holding `offset` (the newline's index, or the text length). */
export function lineEnd(text: string, offset: number): number {
  const i = text.indexOf('\n', offset);
  return i === -1 ? text.length : i;
}

/** The leading white space of the line that holds `offset`. */
export function indentAt(text: string, offset: number): string {
  const s = lineStart(text, offset);
  let e = s;
  while (e < text.length && (text[e] === ' ' || text[e] === '\t')) e++;
  return text.slice(s, e);
}

/** One level of indentation as this file writes it: a tab for Go; for Python the smallest indent seen, else 4 spaces. */
export function indentUnit(text: string, language: LanguageId): string {
  if (language === 'go') return '\t';
  const m = /\n([ \t]+)\S/.exec(text);
  if (m) return m[1].startsWith('\t') ? '\t' : ' '.repeat(Math.min(m[1].length, 8));
  return '    ';
}

/** Whether only white space stands before `offset` on its line. */
export function startsLine(text: string, offset: number): boolean {
  return text.slice(lineStart(text, offset), offset).trim() === '';
}

/** The line ending the file uses. */
export function eol(text: string): string {
  return text.includes('\r\n') ? '\r\n' : '\n';
}

/** Inserts `code` (possibly several lines) as a new statement after `node`, at the indentation of `node`'s line. */
export function insertAfter(text: string, node: Node, code: string): TextEdit {
  const indent = indentAt(text, node.startIndex);
  const nl = eol(text);
  return { start: node.endIndex, end: node.endIndex, newText: nl + indentLines(code, indent, nl) };
}

/** Inserts `code` as a new statement before `node` (which must start its line), at the same indentation. */
export function insertBefore(text: string, node: Node, code: string): TextEdit {
  const indent = indentAt(text, node.startIndex);
  const nl = eol(text);
  return { start: node.startIndex, end: node.startIndex, newText: indentLines(code, indent, nl).slice(indent.length) + nl + indent };
}

/** Replaces a node's text. */
export function replaceNode(node: Node, newText: string): TextEdit {
  return { start: node.startIndex, end: node.endIndex, newText };
}

/** Prefixes every non-empty line of `code` after the first with `indent`, and the first one too. */
export function indentLines(code: string, indent: string, nl = '\n'): string {
  return code
    .split('\n')
    .map((l) => (l.trim() === '' ? '' : indent + l))
    .join(nl);
}

/**
 * Re-indents a block of source lines: strips `from` (a prefix every non-empty line after the first is expected to
 * have) and puts `to` in its place. The first line is taken as it is (it usually starts mid-line).
 */
export function reindent(code: string, from: string, to: string): string {
  const lines = code.split('\n');
  return lines
    .map((l, i) => {
      if (i === 0) return l;
      if (l.trim() === '') return l.replace(/[ \t]+$/, '');
      return to + (l.startsWith(from) ? l.slice(from.length) : l.replace(/^[ \t]+/, ''));
    })
    .join('\n');
}

/** The import paths of a Go file's import declarations. */
export function goImports(root: Node): Map<string, Node> {
  const out = new Map<string, Node>();
  for (const decl of root.namedChildren) {
    if (!decl || decl.type !== 'import_declaration') continue;
    for (const spec of decl.descendantsOfType('import_spec')) {
      const p = spec?.childForFieldName('path');
      if (p && spec) out.set(p.text.replace(/^["`]|["`]$/g, ''), spec);
    }
  }
  return out;
}

/** An edit adding `"pkg"` to a Go file's imports, or undefined when it is already imported. */
export function addGoImport(text: string, root: Node, pkg: string): TextEdit | undefined {
  const imports = goImports(root);
  if (imports.has(pkg)) return undefined;
  const decls = root.namedChildren.filter((n): n is Node => !!n && n.type === 'import_declaration');
  const quoted = `"${pkg}"`;
  for (const decl of decls) {
    const list = decl.namedChildren.find((n) => n?.type === 'import_spec_list');
    if (!list) continue;
    const specs = list.namedChildren.filter((n): n is Node => !!n && n.type === 'import_spec');
    // Keep the group sorted: insert before the first standard-library path that sorts after pkg.
    const before = specs.find((s) => {
      const p = s.childForFieldName('path')?.text.slice(1, -1) ?? '';
      return !p.includes('.') && p > pkg;
    });
    if (before) return { start: before.startIndex, end: before.startIndex, newText: `${quoted}\n\t` };
    const std = specs.filter((s) => !(s.childForFieldName('path')?.text ?? '').includes('.'));
    const after = std.length ? std[std.length - 1] : undefined;
    if (after) return { start: after.endIndex, end: after.endIndex, newText: `\n\t${quoted}` };
    const open = list.child(0)!;
    return { start: open.endIndex, end: open.endIndex, newText: `\n\t${quoted}` };
  }
  if (decls.length) {
    const decl = decls[0];
    const spec = decl.namedChildren.find((n) => n?.type === 'import_spec');
    if (spec) {
      const cur = spec.text;
      const lines = [cur, quoted].sort((a, b) => pathOf(a).localeCompare(pathOf(b)));
      return { start: decl.startIndex, end: decl.endIndex, newText: `import (\n\t${lines.join('\n\t')}\n)` };
    }
  }
  const pkgClause = root.namedChildren.find((n) => n?.type === 'package_clause');
  if (!pkgClause) return undefined;
  return { start: pkgClause.endIndex, end: pkgClause.endIndex, newText: `\n\nimport ${quoted}` };
}

function pathOf(spec: string): string {
  const m = /"([^"]*)"/.exec(spec);
  return m ? m[1] : spec;
}

/** An edit adding `import module` to a Python file after its last top-level import, or undefined if present. */
export function addPythonImport(text: string, root: Node, module: string): TextEdit | undefined {
  let last: Node | undefined;
  let docEnd: Node | undefined;
  for (let i = 0; i < root.namedChildCount; i++) {
    const n = root.namedChild(i)!;
    if (n.type === 'import_statement' || n.type === 'future_import_statement' || n.type === 'import_from_statement') {
      if (n.type === 'import_statement') {
        for (const name of n.childrenForFieldName('name')) {
          const t = name?.type === 'aliased_import' ? name.childForFieldName('name')?.text : name?.text;
          if (t === module && name?.type !== 'aliased_import') return undefined;
        }
      }
      last = n;
    } else if (!last && !docEnd && n.type === 'expression_statement' && n.firstNamedChild?.type === 'string') {
      // The module docstring: the first statement, possibly after comments.
      docEnd = n;
    } else if (n.type !== 'comment') {
      break;
    }
  }
  const nl = eol(text);
  const anchor = last ?? docEnd;
  if (anchor) return { start: anchor.endIndex, end: anchor.endIndex, newText: `${nl}import ${module}` };
  return { start: 0, end: 0, newText: `import ${module}${nl}${nl}` };
}

/** Applies non-overlapping edits to a text. Throws if two edits overlap. */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
  let out = '';
  let pos = 0;
  for (const e of sorted) {
    if (e.start < pos || e.end < e.start || e.end > text.length) {
      throw new Error(`overlapping or out-of-range edit at ${e.start}..${e.end}`);
    }
    out += text.slice(pos, e.start) + e.newText;
    pos = e.end;
  }
  return out + text.slice(pos);
}

/** Whether two edits of different fixes touch the same text. */
export function editsOverlap(a: readonly TextEdit[], b: readonly TextEdit[]): boolean {
  for (const x of a) {
    for (const y of b) {
      if (x.start < y.end && y.start < x.end) return true;
      if (x.start === y.start && x.end === x.start && y.end === y.start) return true;
    }
  }
  return false;
}

/** Counts ERROR and MISSING nodes, descending only into subtrees that contain errors. */
export function countSyntaxErrors(root: Node): number {
  if (!root.hasError) return 0;
  let count = 0;
  const stack: Node[] = [root];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.isError || n.isMissing) count++;
    for (let i = 0; i < n.childCount; i++) {
      const c = n.child(i)!;
      if (c.hasError || c.isMissing) stack.push(c);
    }
  }
  return count;
}

/** Parses a text once and returns its number of ERROR/MISSING nodes. */
export function syntaxErrorCount(language: LanguageId, text: string): number {
  const tree = sharedParser(language).parse(text);
  if (!tree) return Number.MAX_SAFE_INTEGER;
  try {
    return countSyntaxErrors(syntaxTree(tree, text));
  } finally {
    tree.delete();
  }
}

/** Whether applying `edits` keeps the file free of new syntax errors (fixes that break parsing are not offered). */
export function fixKeepsSyntax(language: LanguageId, text: string, edits: readonly TextEdit[], before?: number): boolean {
  let fixed: string;
  try {
    fixed = applyEdits(text, edits);
  } catch {
    return false;
  }
  const base = before ?? syntaxErrorCount(language, text);
  return syntaxErrorCount(language, fixed) <= base;
}

/** The first and last line an edit touches, widened by one line each way (gofmt aligns neighbouring lines). */
function lineSpan(lineStarts: readonly number[], e: TextEdit): [number, number] {
  return [lineOf(lineStarts, e.start) - 1, lineOf(lineStarts, e.end) + 1];
}

/**
 * Picks the safe fixes of a set of findings that can be applied together: the first safe fix of each finding,
 * skipping any whose edits touch the lines of, or the lines next to, an edit already chosen (two fields added to
 * one struct must be aligned against each other, not against the old text). Fix-all applies the rest in the next
 * round. Identical edits of two fixes (the same import added twice) are kept once.
 */
export function chooseSafeFixes(findings: readonly Finding[], text: string): Fix[] {
  const starts = lineStartsOf(text);
  const chosen: Fix[] = [];
  const all: TextEdit[] = [];
  const spans: [number, number][] = [];
  for (const f of findings) {
    const fix = f.fixes.find((x) => x.applicability === 'safe');
    if (!fix) continue;
    const edits = fix.edits.filter((e) => !all.some((a) => a.start === e.start && a.end === e.end && a.newText === e.newText));
    if (editsOverlap(edits, all)) continue;
    const mine = edits.map((e) => lineSpan(starts, e));
    if (mine.some(([a, b]) => spans.some(([c, d]) => a <= d && c <= b))) continue;
    chosen.push({ ...fix, edits });
    all.push(...edits);
    spans.push(...mine);
  }
  return chosen;
}

/** The import_spec that binds package name `name` (its alias, or the last element of its path). */
export function findGoImportSpec(root: Node, name: string): Node | undefined {
  for (const decl of root.namedChildren) {
    if (!decl || decl.type !== 'import_declaration') continue;
    for (const spec of decl.descendantsOfType('import_spec')) {
      if (!spec) continue;
      const alias = spec.childForFieldName('name')?.text;
      const p = (spec.childForFieldName('path')?.text ?? '').replace(/^["`]|["`]$/g, '');
      if ((alias ?? p.split('/').pop()) === name) return spec;
    }
  }
  return undefined;
}

/**
 * Edits that add the imports `add` (those not imported yet) and remove the import bound to `drop`. When both
 * happen, the dropped spec is rewritten into the first added one, so the edits never overlap.
 */
export function changeGoImports(text: string, root: Node, add: readonly string[], drop?: string): TextEdit[] {
  const imported = goImports(root);
  const missing = add.filter((p) => !imported.has(p));
  const edits: TextEdit[] = [];
  const spec = drop ? findGoImportSpec(root, drop) : undefined;
  if (spec && missing.length) {
    edits.push({ start: spec.startIndex, end: spec.endIndex, newText: `"${missing.shift()}"` });
  } else if (drop) {
    const e = removeGoImport(text, root, drop);
    if (e) edits.push(e);
  }
  for (const p of missing) {
    const e = addGoImport(text, root, p);
    if (e) edits.push(e);
  }
  return edits;
}

/**
 * An edit removing the Go import that binds package name `name` (its alias, or the last element of its path), or
 * undefined when no such import exists. A lone spec in a group loses its line; a single-spec declaration goes whole.
 */
export function removeGoImport(text: string, root: Node, name: string): TextEdit | undefined {
  for (const decl of root.namedChildren) {
    if (!decl || decl.type !== 'import_declaration') continue;
    const specs = decl.descendantsOfType('import_spec').filter((s): s is Node => !!s);
    for (const spec of specs) {
      const alias = spec.childForFieldName('name')?.text;
      const p = (spec.childForFieldName('path')?.text ?? '').replace(/^["`]|["`]$/g, '');
      if ((alias ?? p.split('/').pop()) !== name) continue;
      if (specs.length > 1) {
        // Cut from this spec to the next one (or from the previous one to this), so an import added beside it in
        // the same fix is an insertion at the cut's edge, not inside it.
        const i = specs.indexOf(spec);
        if (i + 1 < specs.length) return { start: spec.startIndex, end: specs[i + 1].startIndex, newText: '' };
        return { start: specs[i - 1].endIndex, end: spec.endIndex, newText: '' };
      }
      const start = lineStart(text, decl.startIndex);
      let end = lineEnd(text, decl.endIndex);
      if (end < text.length) end++;
      if (text.slice(end).startsWith('\n')) end++;
      return { start, end, newText: '' };
    }
  }
  return undefined;
}
