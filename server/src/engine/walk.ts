/**
 * Shared subtree walks. Crossing into wasm for each child is the costly part of a tree walk, and several fact
 * providers and rules walk the same function bodies, so a subtree's named nodes are flattened once per analysis
 * (pre-order, with each node's subtree end) and every later walk of it, or of any node inside it, is plain array work.
 *
 * Memory: a flattened node is a web-tree-sitter Node object of a few hundred bytes, so the flattened subtrees are
 * bounded (the oldest are forgotten past FLAT_BUDGET nodes, and flattened again if walked again), and the insides of
 * string literals (escape sequences, content runs; a generated Go file can hold hundreds of thousands) are left out:
 * no rule looks at them, and an f-string's interpolations are still walked.
 */
import type { Node } from 'web-tree-sitter';

interface Flat {
  nodes: Node[];
  /** end[i]: the index just past node i's subtree. */
  end: number[];
  /** parent[i]: the index of node i's parent (-1 for the subtree's root). */
  parent: number[];
}

const index = new Map<number, [Flat, number]>();
/** The flattened subtrees held, oldest first, and their total number of nodes. */
const held: Flat[] = [];
let heldNodes = 0;
/** Most flattened nodes held at once (about 40 MB of Node objects); a larger subtree is still walked whole. */
const FLAT_BUDGET = 100_000;
let budget = FLAT_BUDGET;

/** Sets the budget of flattened nodes (tests), or restores the default; returns the nodes held now. */
export function flatBudget(nodes = FLAT_BUDGET): number {
  budget = nodes;
  return heldNodes;
}
/** Named nodes inside string literals that walks leave out. */
const STRING_INSIDES = new Set(['escape_sequence', 'string_content', 'interpreted_string_literal_content']);

/** Forgets every flattened subtree; the engine calls it around each analysis (nodes die with their tree). */
export function resetWalks(): void {
  index.clear();
  held.length = 0;
  heldNodes = 0;
}

/** Forgets the oldest flattened subtrees until `room` more nodes fit in the budget (walks in progress keep theirs). */
function makeRoom(room: number): void {
  while (held.length && heldNodes + room > budget) {
    const old = held.shift()!;
    heldNodes -= old.nodes.length;
    for (const n of old.nodes) {
      const at = index.get(n.id);
      if (at && at[0] === old) index.delete(n.id);
    }
  }
}

/** Reads a node's type once and keeps it on the node object: the `type` getter crosses into wasm on every read. */
function pinType(n: Node): Node {
  Object.defineProperty(n, 'type', { value: n.type, configurable: true });
  return n;
}

function flatten(root: Node): [Flat, number] {
  const flat: Flat = { nodes: [pinType(root)], end: [0], parent: [-1] };
  const fresh = new Map<number, [Flat, number]>([[root.id, [flat, 0]]]);
  const stack: { i: number; kids: (Node | null)[]; k: number }[] = [{ i: 0, kids: root.namedChildren, k: 0 }];
  while (stack.length) {
    const top = stack[stack.length - 1];
    if (top.k < top.kids.length) {
      const child = top.kids[top.k++];
      if (!child || STRING_INSIDES.has(pinType(child).type)) continue;
      const i = flat.nodes.length;
      flat.nodes.push(child);
      flat.end.push(0);
      flat.parent.push(top.i);
      fresh.set(child.id, [flat, i]);
      // A Go string literal's named children are all escape sequences and content: not even fetched.
      const kids = child.childCount && child.type !== 'interpreted_string_literal' ? child.namedChildren : [];
      stack.push({ i, kids, k: 0 });
    } else {
      flat.end[top.i] = flat.nodes.length;
      stack.pop();
    }
  }
  makeRoom(flat.nodes.length);
  for (const [id, at] of fresh) index.set(id, at);
  held.push(flat);
  heldNodes += flat.nodes.length;
  return [flat, 0];
}

/**
 * The ancestors of `node` within a subtree already flattened by a walk, outermost first: that subtree's root ...
 * the node's parent. Undefined when no walk has flattened the node (or it is such a subtree's root).
 */
export function flatAncestors(node: Node): Node[] | undefined {
  const at = index.get(node.id);
  if (!at || at[1] === 0) return undefined;
  const [flat, i] = at;
  const out: Node[] = [];
  for (let p = flat.parent[i]; p !== -1; p = flat.parent[p]) out.push(flat.nodes[p]);
  return out.reverse();
}

/**
 * Visits the named descendants of `node` in pre-order (not `node` itself). Returning false from `visit` skips that
 * node's subtree; so does `stop(n)` returning true after `n` is visited (e.g. nested function scopes).
 */
export function walkNamedDescendants(node: Node, visit: (n: Node) => void | false, stop?: (n: Node) => boolean): void {
  const [flat, at] = index.get(node.id) ?? flatten(node);
  const { nodes, end } = flat;
  const last = end[at];
  let i = at + 1;
  while (i < last) {
    const n = nodes[i];
    if (visit(n) === false || (stop && stop(n))) i = end[i];
    else i++;
  }
}

/** web-tree-sitter's per-node caches of its child arrays (internal fields of web-tree-sitter 0.25). */
interface ChildCaches {
  _children?: (Node | null)[];
  _namedChildren?: (Node | null)[];
}

/**
 * Drops the child arrays web-tree-sitter caches on `node` and on every node reached through them. Each Node keeps
 * the `children`/`namedChildren` arrays it was asked for, so a top-level node that lives through an analysis would
 * otherwise keep every node any rule visited below it: a whole large file's worth of Node objects at once.
 */
export function forgetChildren(node: Node): void {
  const stack: (Node & ChildCaches)[] = [node as Node & ChildCaches];
  while (stack.length) {
    const n = stack.pop()!;
    for (const list of [n._children, n._namedChildren]) {
      if (list) for (const c of list) if (c) stack.push(c as Node & ChildCaches);
    }
    if (n._children) n._children = undefined;
    if (n._namedChildren) n._namedChildren = undefined;
  }
}
