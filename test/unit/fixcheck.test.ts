/**
 * Fix safety on a small fixed corpus (test/fixcheck-corpus), the examples/ project and every rule fixture: each offered fix, applied
 * alone, and fix-all must keep the file parsing (tree-sitter, py_compile, gofmt when installed) and must remove the
 * diagnostic it fixes. `npm run fixcheck` runs the same checks over the Go and Python standard libraries.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Node } from '../../server/src/engine/syntax';
import type { Rule, TextEdit } from '../../server/src/engine/rule';
import { loadLanguages } from '../../server/src/languages';
import { RULES } from '../../server/src/rules';
import { corpusFiles, FixChecker, hasGofmt, type FixFailure } from '../../scripts/fixcheck';

const CORPUS = path.resolve(__dirname, '..', '..', '..', 'test', 'fixcheck-corpus');
const TESTDATA = path.resolve(__dirname, '..', '..', '..', 'test', 'testdata');
const EXAMPLES = path.resolve(__dirname, '..', '..', '..', 'examples');

function describeFailure(f: FixFailure): string {
  return `${path.relative(path.dirname(CORPUS), f.file)}: ${f.rule}: ${f.title}: ${f.check}: ${f.message}\n${f.excerpt}`;
}

describe('fix safety (fixcheck)', function () {
  this.timeout(60000);

  before(async () => {
    await loadLanguages();
  });

  it('catches a fix that breaks the syntax, one that breaks py_compile and one that fixes nothing', () => {
    const bad = (title: string, edit: (n: Node) => TextEdit): Rule => ({
      ...RULES.find((r) => r.language === 'python')!,
      code: 'PY999',
      name: 'bad-fix',
      fix: 'always',
      facts: [],
      kinds: ['pass_statement'],
      check(node, ctx) {
        ctx.report({ node, message: 'pass here', fixes: [{ title, applicability: 'assisted', edits: [edit(node)] }] });
      },
    });
    const rules = [
      bad('Break the syntax', (n) => ({ start: n.startIndex, end: n.endIndex, newText: 'pass)' })),
      bad('Break the compile', (n) => ({ start: n.startIndex, end: n.endIndex, newText: 'return 1' })),
      bad('Fix nothing', (n) => ({ start: n.startIndex, end: n.endIndex, newText: 'pass' })),
    ];
    const checks: string[] = [];
    for (const rule of rules) {
      const checker = new FixChecker({ rules: [rule] });
      try {
        checker.checkText('bad.py', 'python', 'class C:\n    pass\n');
        checker.flush();
      } finally {
        checker.dispose();
      }
      checks.push(...checker.report.failures.map((f) => f.check));
    }
    assert.deepEqual(checks, ['syntax', 'py_compile', 'refind']);
  });

  it('catches a Go fix that gofmt rejects or would reformat (when gofmt is installed)', function () {
    if (!hasGofmt()) this.skip();
    const bad = (title: string, newText: string): Rule => ({
      ...RULES.find((r) => r.language === 'go')!,
      code: 'GO999',
      name: 'bad-fix',
      fix: 'always',
      facts: [],
      kinds: ['return_statement'],
      check(node, ctx) {
        ctx.report({ node, message: 'return here', fixes: [{ title, applicability: 'assisted', edits: [{ start: node.startIndex, end: node.startIndex, newText }] }] });
      },
    });
    const checks: string[] = [];
    for (const rule of [bad('Break gofmt', 'defer f.Close\n\t'), bad('Misformat', 'var  y = 1\n\t_ = y\n\t')]) {
      const checker = new FixChecker({ rules: [rule], gofmt: true });
      try {
        checker.checkText('bad.go', 'go', 'package p\n\nfunc f() {\n\treturn\n}\n');
        checker.flush();
      } finally {
        checker.dispose();
      }
      checks.push(...checker.report.failures.map((f) => f.check).filter((c) => c !== 'refind'));
    }
    assert.deepEqual(checks, ['gofmt', 'gofmt-format']);
  });

  for (const [name, root] of [
    ['the fixcheck corpus', CORPUS],
    ['the examples', EXAMPLES],
    ['the rule fixtures', TESTDATA],
  ] as const) {
    it(`every fix keeps ${name} valid and removes its diagnostic`, () => {
      const files = corpusFiles(root);
      assert.ok(files.length > 0, `no files under ${root}`);
      const checker = new FixChecker();
      try {
        for (const file of files) {
          checker.checkText(file, file.endsWith('.go') ? 'go' : 'python', readFileSync(file, 'utf8'));
        }
        checker.flush();
      } finally {
        checker.dispose();
      }
      assert.ok(checker.report.tried > 0, 'no fix was tried');
      assert.deepEqual(checker.report.failures.map(describeFailure), []);
    });
  }
});
