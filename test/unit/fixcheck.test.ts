/**
 * Fix safety on a small fixed corpus (test/fixcheck-corpus) and on every rule fixture: each offered fix, applied
 * alone, and fix-all must keep the file parsing (tree-sitter, py_compile, gofmt when installed) and must remove the
 * diagnostic it fixes. `npm run fixcheck` runs the same checks over the Go and Python standard libraries.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadLanguages } from '../../server/src/languages';
import { corpusFiles, FixChecker, type FixFailure } from '../../scripts/fixcheck';

const CORPUS = path.resolve(__dirname, '..', '..', '..', 'test', 'fixcheck-corpus');
const TESTDATA = path.resolve(__dirname, '..', '..', '..', 'test', 'testdata');

function describeFailure(f: FixFailure): string {
  return `${path.relative(path.dirname(CORPUS), f.file)}: ${f.rule}: ${f.title}: ${f.check}: ${f.message}\n${f.excerpt}`;
}

describe('fix safety (fixcheck)', function () {
  this.timeout(60000);

  before(async () => {
    await loadLanguages();
  });

  for (const [name, root] of [
    ['the fixcheck corpus', CORPUS],
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
