/**
 * Shared subtree walks over the engine's syntax tree (engine/syntax.ts).
 *
 * Walks leave out the insides of string literals (escape sequences, content runs; a generated Go file can hold
 * hundreds of thousands): no rule looks at them, and an f-string's interpolations are still walked.
 */
import type { Node } from './syntax';

/** Named nodes inside string literals that walks leave out. */
const STRING_INSIDES = new Set(['escape_sequence', 'string_content', 'interpreted_string_literal_content']);

/** The named children a walk enters: string insides left out, and nothing inside a Go string literal. */
function walkedChildren(n: Node): readonly Node[] {
  return n.type === 'interpreted_string_literal' ? [] : n.namedChildren;
}

/** The ancestors of `node`, outermost first: the root ... the node's parent. */
export function ancestorChain(node: Node): Node[] {
  const out: Node[] = [];
  for (let p = node.parent; p; p = p.parent) out.push(p);
  return out.reverse();
}

/**
 * Walks the descendants of `node` in pre-order (not `node` itself), as `childrenOf` gives each node's children, and
 * goes below a node only if `enter(n)` says so. An explicit stack of (children, next index): nesting thousands of
 * levels deep must not overflow the call stack.
 */
export function walkPreOrder(node: Node, enter: (n: Node) => boolean, childrenOf: (n: Node) => readonly Node[]): void {
  const lists: (readonly Node[])[] = [childrenOf(node)];
  const at: number[] = [0];
  while (lists.length) {
    const top = lists.length - 1;
    const list = lists[top];
    if (at[top] >= list.length) {
      lists.pop();
      at.pop();
      continue;
    }
    const n = list[at[top]++];
    if (!enter(n)) continue;
    const kids = childrenOf(n);
    if (kids.length) {
      lists.push(kids);
      at.push(0);
    }
  }
}

/**
 * Visits the named descendants of `node` in pre-order (not `node` itself). Returning false from `visit` skips that
 * node's subtree; so does `stop(n)` returning true after `n` is visited (e.g. nested function scopes).
 */
export function walkNamedDescendants(node: Node, visit: (n: Node) => void | false, stop?: (n: Node) => boolean): void {
  walkPreOrder(node, (n) => !STRING_INSIDES.has(n.type) && visit(n) !== false && !(stop && stop(n)), walkedChildren);
}
