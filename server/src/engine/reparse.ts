/**
 * Re-parsing one statement of an edited Python file instead of the whole file.
 *
 * Tree-sitter's Python scanner keeps a stack of indentation levels. After an edit that upsets indentation (a letter
 * typed in the spaces before a line, a block left unfinished), its incremental parse cannot reuse what follows and
 * parses on to the end of the file: tens of milliseconds per keystroke on a 5,000-line file. When the change lies
 * inside one statement of a block, that statement is parsed alone: the parser gets as included ranges the header
 * lines of the statements around it (a `class` line, a `def` line) and the statement's own lines, which gives a tree
 * at the file's own offsets. Its copy of the statement replaces the old one in the engine's syntax tree
 * (SyntaxSource.replace); the rest of the tree is kept.
 *
 * Why the result is the tree a whole parse gives: the change leaves the statement's first token, the lines before it
 * and the lines after it as they were. When the statement parses cleanly on its own and ends where it should, the
 * tokens after it start as they did, with the same indentation stack, and the statements before it cannot take it
 * in (only a clause keyword such as `else` would join them, and a clean statement does not start with one). When it
 * does not parse cleanly, the error stays inside the statement: tree-sitter's error recovery depends on the parse
 * history anyway, and a whole parse of the text finds an error too. The property test in
 * test/unit/incremental.test.ts compares the result with a fresh parse after every random edit.
 */
import type { Parser, Point, Range, Node as TreeNode } from 'web-tree-sitter';
import { changedSpan, isWithin, type SyntaxNode, type SyntaxSource } from './syntax';

/** Node types whose children are statements. */
const CONTAINERS: ReadonlySet<string> = new Set(['module', 'block']);

/** Statements longer than this are not parsed alone: tree-sitter's incremental parse of the file is faster. */
export const MAX_STATEMENT = 32 * 1024;

/**
 * Brings `source` (the syntax of a Python file) to `text` by parsing only the statement that holds the change, and
 * returns the new root; undefined (and `source` untouched) when the change is not inside one statement, or the
 * statement does not parse alone as it sits in the file.
 */
export function reparseStatement(parser: Parser, source: SyntaxSource, text: string): SyntaxNode | undefined {
  const errors = source.errorNodes;
  if (!source.rootNode || errors === null || source.text === text) return undefined;
  const span = changedSpan(source.text, text);
  const delta = span.newEnd - span.oldEnd;

  // The statements that strictly contain the change, outermost first; the innermost one that holds every known
  // syntax error is parsed again.
  const candidates: SyntaxNode[] = [];
  for (let node: SyntaxNode | undefined = source.rootNode; node; ) {
    let next: SyntaxNode | undefined;
    for (const c of node.children) {
      if (c.startIndex > span.start) break;
      if (c.endIndex >= span.oldEnd) {
        next = c;
        break;
      }
    }
    if (
      next &&
      CONTAINERS.has(node.type) &&
      next.isNamed &&
      next.type !== 'comment' &&
      next.type !== 'ERROR' &&
      next.startIndex < span.start &&
      span.oldEnd < next.endIndex &&
      (node.type === 'module' || startsOwnLine(node, text))
    ) {
      candidates.push(next);
    }
    node = next;
  }
  let target: SyntaxNode | undefined;
  for (let i = candidates.length - 1; i >= 0 && !target; i--) {
    if (errors.every((e) => isWithin(e, candidates[i]))) target = candidates[i];
  }
  if (!target || target.endIndex - target.startIndex > MAX_STATEMENT) return undefined;

  const start = target.startIndex;
  const end = target.endIndex + delta;
  if (!closesAfter(text, start, end)) return undefined;
  const ranges = includedRanges(source, text, target, end);
  if (!ranges) return undefined;
  const tree = parser.parse(text, null, { includedRanges: ranges });
  if (!tree) return undefined;
  try {
    const found = statementAt(tree.rootNode, start, end);
    if (!found || !sameAncestry(found, target)) return undefined;
    // Every error must lie inside the statement; and an erroneous statement is taken only when the change left its
    // first token alone (`else_x = 1` edited into `else: x = 1` belongs to the statement before it).
    if (tree.rootNode.hasError !== found.hasError) return undefined;
    if (found.hasError && !(firstLeaf(target).endIndex < span.start)) return undefined;
    return source.replace(text, span, target, tree, found);
  } finally {
    tree.delete();
  }
}

/** Whether a block starts on a line after the one its statement starts on (`if x: y` keeps its block on one line). */
function startsOwnLine(block: SyntaxNode, text: string): boolean {
  const owner = block.parent;
  return !!owner && lineStart(text, block.startIndex) > owner.startIndex;
}

/**
 * Whether the first line of code after [start, end) is indented no deeper than the line the statement starts on (its
 * indentation a prefix of that line's). Then that line closes every block the statement opened, whatever their
 * indentation, and is read as it was before the change: a statement whose blocks changed indentation could otherwise
 * take in the lines after it, or leave them out.
 */
function closesAfter(text: string, start: number, end: number): boolean {
  const indentAt = (from: number): string => {
    let i = from;
    while (text[i] === ' ' || text[i] === '\t' || text[i] === '\f') i++;
    return text.slice(from, i);
  };
  const own = indentAt(lineStart(text, start));
  for (let nl = text.indexOf('\n', end); nl !== -1; nl = text.indexOf('\n', nl + 1)) {
    const indent = indentAt(nl + 1);
    const c = text[nl + 1 + indent.length];
    // Blank lines and comment lines do not count.
    if (c === '\n' || c === '\r' || c === '#') continue;
    return c === undefined || own.startsWith(indent);
  }
  return true;
}

/**
 * The ranges to parse: for each block around `target`, the lines from the start of the statement that owns it to the
 * line its first statement starts on; then the target's lines, to its new end.
 */
function includedRanges(source: SyntaxSource, text: string, target: SyntaxNode, end: number): Range[] | undefined {
  const at = (offset: number): Point => source.point(offset);
  const ranges: Range[] = [];
  for (let b = target.parent; b; b = b.parent) {
    if (b.type !== 'block') continue;
    let owner = b.parent;
    while (owner && owner.parent && !CONTAINERS.has(owner.parent.type)) owner = owner.parent;
    if (!owner) return undefined;
    const from = lineStart(text, owner.startIndex);
    const to = lineStart(text, b.startIndex);
    if (to <= from) return undefined;
    ranges.unshift({ startIndex: from, endIndex: to, startPosition: at(from), endPosition: at(to) });
  }
  const from = lineStart(text, target.startIndex);
  const first = at(from);
  let row = first.row;
  let last = from - 1;
  for (let i = text.indexOf('\n', from); i !== -1 && i < end; i = text.indexOf('\n', i + 1)) {
    row++;
    last = i;
  }
  ranges.push({ startIndex: from, endIndex: end, startPosition: first, endPosition: { row, column: end - last - 1 } });
  for (let i = 1; i < ranges.length; i++) if (ranges[i].startIndex < ranges[i - 1].endIndex) return undefined;
  return ranges;
}

/** The outermost node spanning exactly [start, end) whose parent is a statement container, if there is one. */
function statementAt(root: TreeNode, start: number, end: number): TreeNode | undefined {
  let n: TreeNode | null = root.descendantForIndex(start, Math.max(start, end - 1));
  if (!n || n.startIndex !== start) return undefined;
  while (n.endIndex < end && n.parent && n.parent.startIndex === start) n = n.parent;
  while (n.parent && !CONTAINERS.has(n.parent.type) && n.parent.startIndex === start && n.parent.endIndex === end) n = n.parent;
  return n.endIndex === end && n.parent && CONTAINERS.has(n.parent.type) && n.isNamed ? n : undefined;
}

/** Whether a node of the new parse sits under the same kinds of nodes as `target` does in the engine's tree. */
function sameAncestry(found: TreeNode, target: SyntaxNode): boolean {
  let a: TreeNode | null = found.parent;
  let b: SyntaxNode | null = target.parent;
  while (a && b) {
    // Statements start where they did; a block (and the root) starts at the first statement the ranges include.
    if (a.type !== b.type || (b.parent && !CONTAINERS.has(b.type) && a.startIndex !== b.startIndex)) return false;
    a = a.parent;
    b = b.parent;
  }
  return !a && !b;
}

/** The offset of the start of the line holding `offset`. */
function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

function firstLeaf(node: SyntaxNode): SyntaxNode {
  let n = node;
  while (n.children.length) n = n.children[0];
  return n;
}
