/**
 * Shared subtree walks. Crossing into wasm for each child is the costly part of a tree walk, and several fact
 * providers and rules walk the same function bodies, so a subtree's named nodes are flattened once per analysis
 * (pre-order, with each node's subtree end) and every later walk of it, or of any node inside it, is plain array work.
 */
import type { Node } from 'web-tree-sitter';

interface Flat {
  nodes: Node[];
  /** end[i]: the index just past node i's subtree. */
  end: number[];
}

const index = new Map<number, [Flat, number]>();

/** Forgets every flattened subtree; the engine calls it around each analysis (nodes die with their tree). */
export function resetWalks(): void {
  index.clear();
}

/** Reads a node's type once and keeps it on the node object: the `type` getter crosses into wasm on every read. */
function pinType(n: Node): Node {
  Object.defineProperty(n, 'type', { value: n.type, configurable: true });
  return n;
}

function flatten(root: Node): [Flat, number] {
  const flat: Flat = { nodes: [pinType(root)], end: [0] };
  index.set(root.id, [flat, 0]);
  const stack: { i: number; kids: (Node | null)[]; k: number }[] = [{ i: 0, kids: root.namedChildren, k: 0 }];
  while (stack.length) {
    const top = stack[stack.length - 1];
    if (top.k < top.kids.length) {
      const child = top.kids[top.k++];
      if (!child) continue;
      const i = flat.nodes.length;
      flat.nodes.push(pinType(child));
      flat.end.push(0);
      index.set(child.id, [flat, i]);
      stack.push({ i, kids: child.childCount ? child.namedChildren : [], k: 0 });
    } else {
      flat.end[top.i] = flat.nodes.length;
      stack.pop();
    }
  }
  return [flat, 0];
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
