/**
 * The syntax tree the rules see: a plain JavaScript copy of web-tree-sitter's tree, with the subset of its Node API
 * the engine and rules use.
 *
 * Why a copy: every property of a web-tree-sitter Node (its type, a field child, its parent, its children) crosses
 * into wasm and allocates, and the rules ask for the same nodes and properties many times over. Reading a tree once
 * with a cursor and answering everything else from JavaScript objects is several times faster, and the copy is kept
 * between versions of an open document: after an edit only the nodes that cover the changed text are read again; the
 * rest are moved to their new offsets (see `SyntaxSource.update`).
 */
import type { Node as TreeNode, Tree, TreeCursor } from 'web-tree-sitter';
import { lineOf, lineStartsOf } from './suppress';

export interface Point {
  row: number;
  column: number;
}

let nextId = 1;

const NO_NODES: readonly SyntaxNode[] = Object.freeze([]) as readonly SyntaxNode[];

/**
 * One document's tree lineage: its current text and root. Nodes refer to it for their text and positions, so nodes
 * kept from an earlier version answer with the current text.
 */
export class SyntaxSource {
  text = '';
  rootNode!: SyntaxNode;
  /** The version number of the current tree; nodes read at an older one are moved when next asked for offsets. */
  epoch = 0;
  /** moves[e]: from version e to e + 1, nodes at or after `from` (old offsets) moved by `delta`. */
  readonly moves: { from: number; delta: number }[] = [];
  private starts: number[] | undefined;
  /** The line/column (UTF-16 units, rows split at '\n' only, as tree-sitter counts) of an offset. */
  point(offset: number): Point {
    this.starts ??= lineStartsOf(this.text);
    const row = lineOf(this.starts, offset);
    return { row, column: offset - this.starts[row] };
  }

  /**
   * Reads `tree` (a parse of `text`) into SyntaxNodes. `structure` lists where tree-sitter found the syntax changed
   * since the previous version (Tree.getChangedRanges between the tree this one was parsed from and this one); with
   * it, nodes of the previous version that lie wholly outside those ranges and the changed text, with the same type
   * and extent and no syntax error, are kept and moved rather than read again. Without it, the whole tree is read.
   */
  update(tree: Tree, text: string, structure?: readonly { startIndex: number; endIndex: number }[]): SyntaxNode {
    const old = this.rootNode;
    const span = old ? changedSpan(this.text, text) : undefined;
    const changed: [number, number][] | undefined =
      span && structure ? merge([[span.start, span.newEnd], ...structure.map((r): [number, number] => [r.startIndex, r.endIndex])]) : undefined;
    const root = build(tree, this, span, changed ? old : undefined, changed ?? []);
    this.errorNodes = root.hasError ? null : [];
    return this.advance(text, root, span);
  }

  /**
   * Syntax errors of the current tree when they are known to lie inside nodes that `replace` put in: those nodes.
   * Empty when the tree has no error; null when a whole read found errors (where they reach is tree-sitter's call).
   */
  errorNodes: SyntaxNode[] | null = [];

  /**
   * The tree for `text`, whose only change from the current text lies inside `target` (a node of the current tree):
   * `target` replaced by a copy of `replacement` (a node of another parse of `text` with the same extent, give or take
   * the change), and the ancestors of `target` made anew around it. Every other node is kept. `span` is the change
   * (changedSpan of the current text and `text`).
   */
  replace(text: string, span: Span, target: SyntaxNode, tree: Tree, replacement: TreeNode): SyntaxNode {
    const delta = span.newEnd - span.oldEnd;
    const fresh = build(tree, this, undefined, undefined, [], replacement);
    const errors = (this.errorNodes ?? []).filter((e) => !isWithin(e, target));
    if (fresh.hasError) errors.push(fresh);
    let child = fresh;
    let old = target;
    for (let a = target.parent; a; a = a.parent) {
      const n = new SyntaxNode(this, a.type, a.isNamed, a.startIndex, a.endIndex + delta, false);
      const kids = a.children.slice();
      kids[old.index] = child;
      for (const k of kids) k.parent = n;
      n.children = kids;
      n.fieldName = a.fieldName;
      n.index = a.index;
      n.hasError = errors.some((e) => isWithin(e, n));
      child.index = old.index;
      child.fieldName = old.fieldName;
      old = a;
      child = n;
    }
    child.parent = null;
    this.errorNodes = errors;
    return this.advance(text, child, span);
  }

  /** Makes `root` (a tree of `text`) current: nodes kept from the previous text move by the change in length. */
  private advance(text: string, root: SyntaxNode, span: Span | undefined): SyntaxNode {
    // Kept nodes lie wholly before the changed span or wholly after it; those after it move by the change in length.
    this.moves.push({ from: span ? span.oldEnd : 0, delta: span ? span.newEnd - span.oldEnd : 0 });
    this.epoch++;
    this.text = text;
    this.starts = undefined;
    this.rootNode = root;
    return root;
  }
}

/** Whether `node` is `ancestor` or lies below it. */
export function isWithin(node: SyntaxNode, ancestor: SyntaxNode): boolean {
  return ancestor.childWithDescendant(node) !== null || node === ancestor;
}

const mentionCache = new WeakMap<SyntaxNode, Map<string, boolean>>();

/**
 * Whether the top-level declaration holding `node` mentions `word` anywhere in its text: a cheap filter before a
 * rule analyses the declaration. Answers are kept on the declaration's node, which keeps its text while it lives.
 */
export function declarationMentions(node: SyntaxNode, word: string): boolean {
  let top = node;
  while (top.parent && top.parent.parent) top = top.parent;
  let m = mentionCache.get(top);
  if (!m) mentionCache.set(top, (m = new Map()));
  let v = m.get(word);
  if (v === undefined) m.set(word, (v = top.text.includes(word)));
  return v;
}

/** A node of the tree. Mirrors web-tree-sitter's Node for the members the engine and rules use. */
export class SyntaxNode {
  readonly id = nextId++;
  parent: SyntaxNode | null = null;
  children: readonly SyntaxNode[] = NO_NODES;
  /** Index among the parent's children. */
  index = 0;
  /** The field this node fills in its parent, if any. */
  fieldName: string | undefined = undefined;
  /** Whether the subtree holds a syntax error (as tree-sitter's hasError). */
  hasError = false;
  private named: readonly SyntaxNode[] | undefined = undefined;
  /** The version of the tree the offsets below are for. */
  private epoch: number;

  constructor(
    readonly src: SyntaxSource,
    readonly type: string,
    readonly isNamed: boolean,
    private start: number,
    private end: number,
    readonly isMissing: boolean,
  ) {
    this.epoch = src.epoch + 1;
  }

  get startIndex(): number {
    if (this.epoch < this.src.epoch) this.catchUp();
    return this.start;
  }
  get endIndex(): number {
    if (this.epoch < this.src.epoch) this.catchUp();
    return this.end;
  }
  /** Applies the moves of the versions since this node's offsets were last brought up to date. */
  private catchUp(): void {
    const moves = this.src.moves;
    for (let e = this.epoch; e < this.src.epoch; e++) {
      const m = moves[e];
      if (m.delta && this.start >= m.from) {
        this.start += m.delta;
        this.end += m.delta;
      }
    }
    this.epoch = this.src.epoch;
  }

  get isError(): boolean {
    return this.type === 'ERROR';
  }
  get text(): string {
    return this.src.text.slice(this.startIndex, this.endIndex);
  }
  /** The tree the node belongs to (its current root). */
  get tree(): { readonly rootNode: SyntaxNode } {
    return this.src;
  }
  get startPosition(): Point {
    return this.src.point(this.startIndex);
  }
  get endPosition(): Point {
    return this.src.point(this.endIndex);
  }
  get childCount(): number {
    return this.children.length;
  }
  get namedChildren(): readonly SyntaxNode[] {
    return (this.named ??= this.children.every((c) => c.isNamed) ? this.children : this.children.filter((c) => c.isNamed));
  }
  get namedChildCount(): number {
    return this.namedChildren.length;
  }
  child(i: number): SyntaxNode | null {
    return this.children[i] ?? null;
  }
  namedChild(i: number): SyntaxNode | null {
    return this.namedChildren[i] ?? null;
  }
  get firstNamedChild(): SyntaxNode | null {
    return this.namedChildren[0] ?? null;
  }
  get nextSibling(): SyntaxNode | null {
    return this.parent?.children[this.index + 1] ?? null;
  }
  get previousSibling(): SyntaxNode | null {
    return (this.index > 0 && this.parent?.children[this.index - 1]) || null;
  }
  get nextNamedSibling(): SyntaxNode | null {
    const sibs = this.parent?.children ?? NO_NODES;
    for (let i = this.index + 1; i < sibs.length; i++) if (sibs[i].isNamed) return sibs[i];
    return null;
  }
  get previousNamedSibling(): SyntaxNode | null {
    const sibs = this.parent?.children ?? NO_NODES;
    for (let i = this.index - 1; i >= 0; i--) if (sibs[i].isNamed) return sibs[i];
    return null;
  }
  childForFieldName(name: string): SyntaxNode | null {
    for (const c of this.children) if (c.fieldName === name) return c;
    return null;
  }
  childrenForFieldName(name: string): SyntaxNode[] {
    return this.children.filter((c) => c.fieldName === name);
  }
  /** This node and its descendants of the given types, in document order (as web-tree-sitter, the node included). */
  descendantsOfType(types: string | readonly string[]): SyntaxNode[] {
    const wanted = typeof types === 'string' ? [types] : types;
    const out: SyntaxNode[] = [];
    const stack: SyntaxNode[] = [this];
    while (stack.length) {
      const n = stack.pop()!;
      if (wanted.includes(n.type)) out.push(n);
      for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]);
    }
    return out;
  }
  /** The child of this node that contains `descendant` (or is it); null if it is not below this node. */
  childWithDescendant(descendant: SyntaxNode): SyntaxNode | null {
    for (let n: SyntaxNode | null = descendant; n; n = n.parent) if (n.parent === this) return n;
    return null;
  }
  /** The smallest node that spans [start, end], as tree-sitter's ts_node_descendant_for_byte_range finds it. */
  descendantForIndex(start: number, end = start): SyntaxNode {
    let node: SyntaxNode = this;
    for (let descended = true; descended; ) {
      descended = false;
      for (const child of node.children) {
        if (child.endIndex < end) continue;
        const empty = child.startIndex === child.endIndex;
        if (empty ? child.endIndex < start : child.endIndex <= start) continue;
        if (start < child.startIndex) break;
        node = child;
        descended = true;
        break;
      }
    }
    return node;
  }
}

export type Node = SyntaxNode;

/** Reads a whole tree (a one-shot analysis). */
export function syntaxTree(tree: Tree, text: string): SyntaxNode {
  return new SyntaxSource().update(tree, text);
}

/** The changed span of an edit: [start, oldEnd) in the old text became [start, newEnd) in the new one. */
export interface Span {
  start: number;
  oldEnd: number;
  newEnd: number;
}

export function changedSpan(a: string, b: string): Span {
  const max = Math.min(a.length, b.length);
  let p = 0;
  // Compare in blocks first (a slice comparison is a native memory compare), then character by character.
  for (let step = 4096; step >= 1; step >>= 4) {
    while (p + step <= max && a.slice(p, p + step) === b.slice(p, p + step)) p += step;
  }
  let q = 0;
  const room = max - p;
  for (let step = 4096; step >= 1; step >>= 4) {
    while (q + step <= room && a.slice(a.length - q - step, a.length - q) === b.slice(b.length - q - step, b.length - q)) q += step;
  }
  return { start: p, oldEnd: a.length - q, newEnd: b.length - q };
}

/** Per-language facts about node type ids: their names and whether they are named. */
const typeInfo = new WeakMap<object, { names: string[]; named: (boolean | undefined)[] }>();

/** Reads the tree (or its subtree at `top`) under a cursor, reusing nodes of `old` outside the changed span. */
function build(
  tree: Tree,
  src: SyntaxSource,
  span: Span | undefined,
  old: SyntaxNode | undefined,
  changed: [number, number][],
  top?: TreeNode,
): SyntaxNode {
  const language = tree.language;
  let info = typeInfo.get(language);
  if (!info) typeInfo.set(language, (info = { names: language.types as string[], named: [] }));
  const { names, named } = info;
  const fields = language.fields;
  const delta = span ? span.newEnd - span.oldEnd : 0;
  const cursor: TreeCursor = top ? top.walk() : tree.walk();
  const oldNodes = old && span ? new OldNodes(old) : undefined;

  /**
   * The node under the cursor: a kept node of the previous version (moved), or a new one (children not read).
   * `errorAbove`: whether the parent holds a syntax error (otherwise none of its descendants does). Whether a node
   * holds one is asked of tree-sitter: it can come from a MISSING token the cursor does not show (a Python indent).
   */
  const make = (errorAbove: boolean): [node: SyntaxNode, kept: boolean, start: number] => {
    const typeId = cursor.nodeTypeId;
    const start = cursor.startIndex;
    const end = cursor.endIndex;
    const type = names[typeId] || 'ERROR';
    const error = errorAbove && cursor.currentNode.hasError;
    if (span && old && type !== 'ERROR' && !error && !touches(changed, start, end)) {
      const oldStart = end < span.start ? start : start > span.newEnd ? start - delta : -1;
      if (oldStart !== -1) {
        const kept = oldNodes!.find(type, oldStart, oldStart + (end - start));
        if (kept) return [kept, true, start];
      }
    }
    let isNamed = named[typeId];
    if (isNamed === undefined) isNamed = named[typeId] = cursor.nodeIsNamed;
    const missing = start === end && cursor.nodeIsMissing;
    const n = new SyntaxNode(src, type, isNamed, start, end, missing);
    n.hasError = error;
    return [n, false, start];
  };

  const [root, rootKept] = make((top ?? tree.rootNode).hasError);
  root.parent = null;
  root.fieldName = undefined;
  root.index = 0;
  try {
    if (!rootKept) readChildren(root, old);
  } finally {
    cursor.delete();
  }
  return root;

  /**
   * The node of the old tree that `n` (a new node that is not kept) replaces, among `o`'s children: the one of its
   * type whose extent is n's with the change undone.
   */
  function counterpart(n: SyntaxNode, o: SyntaxNode | undefined): SyntaxNode | undefined {
    if (!o || !span) return undefined;
    const start = n.startIndex <= span.start ? n.startIndex : n.startIndex >= span.newEnd ? n.startIndex - delta : -1;
    const end = n.endIndex >= span.newEnd ? n.endIndex - delta : n.endIndex <= span.start ? n.endIndex : -1;
    if (start === -1 || end === -1) return undefined;
    for (const c of o.children) if (c.startIndex === start && c.endIndex === end && c.type === n.type) return c;
    return undefined;
  }

  /**
   * Moves the cursor from `n` to the first child to read, and returns the children taken as they are from `o` (the
   * old node n replaces): those wholly before every change, where the syntax is unchanged. Returns undefined when
   * there is no child to read.
   */
  function enter(n: SyntaxNode, o: SyntaxNode | undefined): SyntaxNode[] | undefined {
    const taken: SyntaxNode[] = [];
    if (o && !n.hasError && !o.hasError && changed.length) {
      const before = changed[0][0] - 1;
      for (const c of o.children) {
        if (c.endIndex >= before) break;
        taken.push(c);
      }
    }
    if (!cursor.gotoFirstChild()) return undefined;
    if (taken.length) {
      // Step over them (a step costs far less than reading a node) and check that the cursor lands after them.
      let k = 0;
      while (k < taken.length && cursor.gotoNextSibling()) k++;
      if (k === taken.length && cursor.startIndex >= taken[k - 1].endIndex) return taken;
      cursor.gotoParent();
      cursor.gotoFirstChild();
      taken.length = 0;
    }
    return taken;
  }

  function readChildren(top: SyntaxNode, topOld: SyntaxNode | undefined): void {
    const first = enter(top, topOld);
    if (!first) return;
    const stack: SyntaxNode[] = [top];
    /** Per level: the old node the level's node replaces (undefined: none, or its children are read whole). */
    const olds: (SyntaxNode | undefined)[] = [topOld];
    /** Per level: whether some children were taken from the old node rather than read. */
    const borrowed: boolean[] = [first.length > 0];
    const kids: SyntaxNode[][] = [adopt(top, first)];
    const lastChange = changed.length ? changed[changed.length - 1][1] + 1 : Infinity;
    for (;;) {
      const fieldId = cursor.currentFieldId;
      const level = stack.length - 1;
      const parent = stack[level];
      // `start` is in the new text (a kept node's own offsets move only after this read).
      const [n, kept, start] = make(parent.hasError);
      const siblings = kids[level];
      const o = olds[level];
      const oldIndex = n.index;
      const childOfOld = kept && o !== undefined && n.parent === o && !o.hasError && !parent.hasError;
      n.parent = parent;
      n.fieldName = fieldId ? fields[fieldId] ?? undefined : undefined;
      n.index = siblings.length;
      siblings.push(n);
      let more: boolean;
      if (childOfOld && start > lastChange) {
        // A kept child past every change: the old siblings after it follow unchanged.
        const rest = o.children;
        for (let i = oldIndex + 1; i < rest.length; i++) {
          rest[i].parent = parent;
          rest[i].index = siblings.length;
          siblings.push(rest[i]);
        }
        borrowed[level] = true;
        more = false;
      } else if (!kept) {
        const before = counterpart(n, o);
        const taken = enter(n, before);
        if (taken) {
          stack.push(n);
          olds.push(before);
          borrowed.push(taken.length > 0);
          kids.push(adopt(n, taken));
          continue;
        }
        more = cursor.gotoNextSibling();
      } else {
        more = cursor.gotoNextSibling();
      }
      if (more) continue;
      for (;;) {
        cursor.gotoParent();
        const top = stack.length - 1;
        if (borrowed[top] && kids[top].length !== cursor.currentNode.childCount) {
          // The children taken from the old tree do not add up: read this node's children again, all of them.
          olds[top] = undefined;
          borrowed[top] = false;
          kids[top] = [];
          cursor.gotoFirstChild();
          break;
        }
        const done = stack.pop()!;
        olds.pop();
        borrowed.pop();
        finish(done, kids.pop()!);
        if (stack.length === 0) return;
        if (cursor.gotoNextSibling()) break;
      }
    }
  }
}

/** Makes old nodes the first children of `parent`; returns them (the start of parent's new children list). */
function adopt(parent: SyntaxNode, nodes: SyntaxNode[]): SyntaxNode[] {
  for (let i = 0; i < nodes.length; i++) {
    nodes[i].parent = parent;
    nodes[i].index = i;
  }
  return nodes;
}

/** Sorted, disjoint intervals covering the given ones. */
function merge(list: [number, number][]): [number, number][] {
  list.sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  for (const [a, b] of list) {
    const last = out[out.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

function finish(n: SyntaxNode, children: SyntaxNode[]): void {
  n.children = children;
}

/** Whether start..end (with one character of margin) touches one of sorted, disjoint intervals. */
function touches(list: readonly [number, number][], start: number, end: number): boolean {
  for (const [a, b] of list) {
    if (a > end + 1) return false;
    if (b >= start - 1) return true;
  }
  return false;
}

/**
 * Finds nodes of an old tree by extent. Lookups come in document order, so each starts from the container where the
 * last one ended (climbing the path that led there, which only holds nodes of the old tree) and picks children by
 * binary search.
 */
class OldNodes {
  private readonly path: SyntaxNode[];

  constructor(root: SyntaxNode) {
    this.path = [root];
  }

  /** The outermost node with this type and extent and no syntax error, if there is one. */
  find(type: string, start: number, end: number): SyntaxNode | undefined {
    const path = this.path;
    while (path.length > 1 && !(path[path.length - 1].startIndex <= start && path[path.length - 1].endIndex >= end)) path.pop();
    let n = path[path.length - 1];
    for (;;) {
      if (n.startIndex === start && n.endIndex === end && n.type === type) return n.hasError || n.isMissing ? undefined : n;
      const kids = n.children;
      let lo = 0;
      let hi = kids.length - 1;
      let last = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (kids[mid].startIndex <= start) {
          last = mid;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      let next: SyntaxNode | undefined;
      for (let i = last; i >= 0; i--) {
        const c = kids[i];
        if (c.endIndex === c.startIndex) continue;
        if (c.endIndex >= end) next = c;
        break;
      }
      if (!next) return undefined;
      if (n !== path[path.length - 1]) path.push(n);
      n = next;
    }
  }
}
