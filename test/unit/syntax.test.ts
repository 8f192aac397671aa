/**
 * The engine's syntax tree (engine/syntax.ts) and the shared walks over it: the copy answers as web-tree-sitter does,
 * node by node; a copy kept across edits equals a fresh one; walks visit what they should.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Node as TsNode, Tree } from 'web-tree-sitter';
import { SyntaxSource, syntaxTree, type Node } from '../../server/src/engine/syntax';
import { walkNamedDescendants } from '../../server/src/engine/walk';
import { loadLanguages, sharedParser, type LanguageId } from '../../server/src/languages';

before(async () => {
  await loadLanguages();
});

function parse(language: LanguageId, text: string): Node {
  const tree = sharedParser(language).parse(text)!;
  try {
    return syntaxTree(tree, text);
  } finally {
    tree.delete();
  }
}

/** "type@start" of every named descendant a walk visits. */
function visited(node: Node): string[] {
  const out: string[] = [];
  walkNamedDescendants(node, (n) => void out.push(`${n.type}@${n.startIndex}`));
  return out;
}

/** The same, from the children lists directly (recursion is fine for these small trees). */
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

/** Asserts that a copied tree answers like web-tree-sitter's, node by node; returns the number of nodes compared. */
function assertSame(mine: Node, theirs: TsNode, where: string): number {
  const stack: [Node, TsNode][] = [[mine, theirs]];
  let n = 0;
  while (stack.length) {
    const [m, t] = stack.pop()!;
    n++;
    const at = `${where}: ${t.type} at ${t.startIndex}`;
    assert.equal(m.type, t.type, at);
    assert.equal(m.isNamed, t.isNamed, at);
    assert.equal(m.startIndex, t.startIndex, at);
    assert.equal(m.endIndex, t.endIndex, at);
    assert.deepEqual(m.startPosition, t.startPosition, at);
    assert.deepEqual(m.endPosition, t.endPosition, at);
    assert.equal(m.isMissing, t.isMissing, at);
    assert.equal(m.isError, t.isError, at);
    assert.equal(m.hasError, t.hasError, at);
    assert.equal(m.text, t.text, at);
    assert.equal(m.childCount, t.childCount, at);
    assert.equal(m.namedChildCount, t.namedChildCount, at);
    for (let i = 0; i < t.childCount; i++) {
      assert.equal(m.children[i].fieldName ?? null, t.fieldNameForChild(i), `${at}: field of child ${i}`);
      assert.equal(m.children[i].parent, m, at);
      stack.push([m.children[i], t.child(i)!]);
    }
  }
  return n;
}

const PY = `import os, threading

class Worker(threading.Thread):
    """A worker."""

    def run(self):
        for item in self.items:
            try:
                data = open(item).read()
            except:
                pass
            print(f"got {len(data)!r} from {item}\n")
        return lambda x: x + 1
`;

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

describe('syntax tree', () => {
  it('answers as web-tree-sitter does for every node, its fields and positions', () => {
    for (const [language, text] of [
      ['go', GO],
      ['python', PY],
      ['go', 'package p\n\nfunc f() {\n\tx := ]\n\tif {\n}\n'],
      ['python', 'def f(:\n    return (1,\nclass\n'],
      ['python', 'x = "é😀"  # ü\ny = 1\n'],
    ] as [LanguageId, string][]) {
      const tree = sharedParser(language).parse(text)!;
      try {
        assert.ok(assertSame(syntaxTree(tree, text), tree.rootNode, language) > 10);
      } finally {
        tree.delete();
      }
    }
  });

  it('finds the smallest node spanning an offset as web-tree-sitter does', () => {
    const tree = sharedParser('go').parse(GO)!;
    try {
      const root = syntaxTree(tree, GO);
      for (let i = 0; i <= GO.length; i += 3) {
        const t = tree.rootNode.descendantForIndex(i)!;
        const m = root.descendantForIndex(i);
        assert.deepEqual([m.type, m.startIndex, m.endIndex], [t.type, t.startIndex, t.endIndex], `offset ${i}`);
      }
    } finally {
      tree.delete();
    }
  });

  it('kept across edits, equals a fresh read and keeps the nodes outside the change', () => {
    for (const [language, start] of [
      ['go', GO],
      ['python', PY],
    ] as [LanguageId, string][]) {
      const parser = sharedParser(language);
      let text = start;
      let tree: Tree = parser.parse(text)!;
      const source = new SyntaxSource();
      source.update(tree, text);
      let seed = 7;
      const random = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
      const all = (root: Node): Node[] => {
        const out: Node[] = [];
        const stack = [root];
        while (stack.length) {
          const n = stack.pop()!;
          out.push(n);
          stack.push(...n.children);
        }
        return out;
      };
      let kept = 0;
      let total = 0;
      for (let step = 0; step < 300; step++) {
        const at = Math.floor(random() * text.length);
        const del = random() < 0.4 ? Math.floor(random() * 4) : 0;
        const ins = random() < 0.7 ? ' x(){}"\n:='.charAt(Math.floor(random() * 11)).repeat(1 + Math.floor(random() * 2)) : '';
        const before = new Set(all(source.rootNode));
        const next = text.slice(0, at) + ins + text.slice(at + del);
        const point = (s: string, o: number) => {
          const lines = s.slice(0, o).split('\n');
          return { row: lines.length - 1, column: lines[lines.length - 1].length };
        };
        tree.edit({
          startIndex: at,
          oldEndIndex: at + del,
          newEndIndex: at + ins.length,
          startPosition: point(text, at),
          oldEndPosition: point(text, at + del),
          newEndPosition: point(next, at + ins.length),
        });
        const newTree = parser.parse(next, tree)!;
        const structure = tree.getChangedRanges(newTree);
        tree.delete();
        tree = newTree;
        text = next;
        const root = source.update(tree, text, structure);
        assertSame(root, tree.rootNode, `${language} step ${step}`);
        const now = all(root);
        kept += now.filter((n) => before.has(n)).length;
        total += now.length;
      }
      tree.delete();
      // Most nodes lie outside each edit, and those are the same objects as before.
      assert.ok(kept > total * 0.6, `${language}: ${kept} of ${total} nodes kept`);
    }
  });
});

describe('grammar shape the engine relies on', () => {
  it('puts named nodes only below named nodes (rule dispatch follows named children)', () => {
    const root = path.join(__dirname, '..', '..', '..', 'test', 'testdata');
    let files = 0;
    for (const [dir, ext, language] of [
      ['go', '.go', 'go'],
      ['python', '.py', 'python'],
    ] as [string, string, LanguageId][]) {
      for (const name of readdirSync(path.join(root, dir)).filter((n) => n.endsWith(ext))) {
        const text = readFileSync(path.join(root, dir, name), 'utf8');
        const stack = [parse(language, text)];
        files++;
        while (stack.length) {
          const n = stack.pop()!;
          if (!n.isNamed) assert.deepEqual(n.children.filter((c) => c.isNamed).map((c) => c.type), [], `${dir}/${name}: ${n.type} at ${n.startIndex}`);
          stack.push(...n.children);
        }
      }
    }
    assert.ok(files > 20);
  });
});

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

  it('skip a subtree when the visitor says so', () => {
    const root = parse('go', GO);
    const got: string[] = [];
    walkNamedDescendants(root, (n) => {
      got.push(n.type);
      return n.type === 'function_declaration' ? false : undefined;
    });
    assert.deepEqual(got, ['package_clause', 'package_identifier', 'function_declaration', 'function_declaration']);
  });
});
