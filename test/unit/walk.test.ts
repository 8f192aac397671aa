/**
 * The shared subtree walks (engine/walk.ts): what they visit, that a bounded cache of flattened subtrees changes
 * nothing a walk sees, and that web-tree-sitter's cached child arrays can be dropped so that a large file's nodes
 * are not all kept alive at once.
 */
import assert from 'node:assert/strict';
import type { Node } from 'web-tree-sitter';
import { flatAncestors, flatBudget, forgetChildren, resetWalks, walkNamedDescendants } from '../../server/src/engine/walk';
import { loadLanguages, sharedParser, type LanguageId } from '../../server/src/languages';

before(async () => {
  await loadLanguages();
});

afterEach(() => {
  flatBudget();
  resetWalks();
});

function parse(language: LanguageId, text: string): Node {
  return sharedParser(language).parse(text)!.rootNode;
}

/** "type@start" of every named descendant a walk visits. */
function visited(node: Node): string[] {
  const out: string[] = [];
  walkNamedDescendants(node, (n) => void out.push(`${n.type}@${n.startIndex}`));
  return out;
}

/** The same, from web-tree-sitter directly (recursion is fine for these small trees). */
function expected(node: Node, skip: (n: Node) => boolean): string[] {
  const out: string[] = [];
  const rec = (n: Node): void => {
    for (const c of n.namedChildren) {
      if (!c || skip(c)) continue;
      out.push(`${c.type}@${c.startIndex}`);
      rec(c);
    }
  };
  rec(node);
  return out;
}

const GO = `package p

func a(m map[string]int) int {
	s := "tab\\there\\x00 and \\u00e9"
	for k, v := range m {
		if len(k) > len(s) {
			return v
		}
	}
	return 0
}

func b(ch chan int) {
	go func() { ch <- 1 }()
	<-ch
}
`;

describe('subtree walks', () => {
  it('visit every named node in pre-order except the insides of string literals', () => {
    const root = parse('go', GO);
    const got = visited(root);
    assert.deepEqual(got, expected(root, (n) => n.type === 'escape_sequence' || n.type === 'interpreted_string_literal_content'));
    assert.ok(got.some((t) => t.startsWith('interpreted_string_literal@')));
    assert.ok(!got.some((t) => t.startsWith('escape_sequence@')));
  });

  it("still visit an f-string's interpolated expressions", () => {
    const root = parse('python', 'def f(x):\n    return f"a\\n{x.y!r} b {len(x)}"\n');
    const got = visited(root);
    assert.ok(got.some((t) => t.startsWith('attribute@')), got.join(' '));
    assert.ok(got.some((t) => t.startsWith('call@')), got.join(' '));
    assert.ok(!got.some((t) => t.startsWith('escape_sequence@') || t.startsWith('string_content@')), got.join(' '));
  });

  it('see the same nodes when the cache of flattened subtrees is too small to keep them', () => {
    const root = parse('go', GO);
    const decls = root.namedChildren.filter((n): n is Node => n?.type === 'function_declaration');
    const walks = (): string[][] => [visited(root), ...decls.map(visited), ...decls.map((d) => visited(d.childForFieldName('body')!)), visited(root)];
    const roomy = walks();
    resetWalks();
    flatBudget(5);
    const cramped = walks();
    assert.deepEqual(cramped, roomy);
    // Only the last subtree is held (it alone is over the budget); nothing accumulates.
    assert.ok(flatBudget(5) <= roomy[roomy.length - 1].length + 1);
  });

  it("know each flattened node's ancestors up to the walked subtree's root", () => {
    const root = parse('go', GO);
    const fn = root.namedChildren.find((n) => n?.type === 'function_declaration')!;
    const ids = (ns: (Node | null)[]): number[] => ns.map((n) => n!.id);
    assert.equal(flatAncestors(fn), undefined);
    let checked = 0;
    walkNamedDescendants(fn, (n) => {
      const up: Node[] = [];
      for (let p = n.parent; p && p.id !== fn.id; p = p.parent) up.unshift(p);
      assert.deepEqual(ids(flatAncestors(n)!), ids([fn, ...up]), n.type);
      checked++;
    });
    assert.ok(checked > 20);
    // The walked subtree's root has no ancestors the walk knows of.
    assert.equal(flatAncestors(fn), undefined);
  });

  it('drop the child arrays web-tree-sitter caches on the nodes below a node', () => {
    const root = parse('go', GO);
    const fn = root.namedChildren.find((n) => n?.type === 'function_declaration')!;
    const body = fn.childForFieldName('body')!;
    const kids = fn.namedChildren.filter((c): c is Node => !!c);
    const deep = kids.flatMap((c) => c.namedChildren);
    void fn.children;
    void body.namedChildren;
    type Cached = { _children?: unknown; _namedChildren?: unknown };
    // If web-tree-sitter renames these fields, forgetChildren no longer frees anything: this test must then fail.
    assert.ok((fn as unknown as Cached)._namedChildren && (fn as unknown as Cached)._children);
    assert.ok(deep.length > 0 && kids.some((c) => (c as unknown as Cached)._namedChildren));
    forgetChildren(fn);
    assert.equal((fn as unknown as Cached)._namedChildren, undefined);
    assert.equal((fn as unknown as Cached)._children, undefined);
    for (const c of kids) assert.equal((c as unknown as Cached)._namedChildren, undefined);
    // The node still answers as before.
    assert.deepEqual(visited(fn), expected(fn, (n) => n.type === 'escape_sequence' || n.type === 'interpreted_string_literal_content'));
  });
});
