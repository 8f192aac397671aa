/**
 * The TextMate injection grammar for suppression comments (syntaxes/), checked with vscode-tmgrammar-test against
 * the Go and Python grammars VS Code ships (from the tm-grammars package) and the scope assertions in
 * test/syntaxes/*.test.{go,py}.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CHECKOUT } from '../../scripts/gen-docs';

const GRAMMAR = path.join(CHECKOUT, 'syntaxes', 'steady-ignore.injection.tmLanguage.json');
const TESTS = path.join(CHECKOUT, 'test', 'syntaxes');

/**
 * Runs vscode-tmgrammar-test with the host grammars, taking the injection from the `contributes.grammars` of a
 * manifest (package.json by default, as VS Code does); returns status and output.
 */
function grammarTest(manifest: string): { status: number | null; output: string } {
  const bin = require.resolve('vscode-tmgrammar-test/dist/unit.js');
  const hosts = ['go', 'python'].map((g) => require.resolve(`tm-grammars/grammars/${g}.json`));
  const args = [bin, '--config', manifest, ...hosts.flatMap((g) => ['-g', g]), path.join(TESTS, '*.test.*')];
  const r = spawnSync(process.execPath, args, { cwd: CHECKOUT, encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('suppression comment grammar', () => {
  it('is contributed as an injection into Go and Python', () => {
    const pkg = JSON.parse(readFileSync(path.join(CHECKOUT, 'package.json'), 'utf8'));
    const g = pkg.contributes.grammars.find((x: { path: string }) => path.resolve(CHECKOUT, x.path) === GRAMMAR);
    assert.ok(g, 'package.json contributes.grammars lists the injection grammar');
    assert.deepEqual(g.injectTo.sort(), ['source.go', 'source.python']);
    assert.equal(g.scopeName, JSON.parse(readFileSync(GRAMMAR, 'utf8')).scopeName);
  });

  it('scopes the marker and rule codes as the assertions in test/syntaxes say', function () {
    this.timeout(60000);
    const r = grammarTest(path.join(CHECKOUT, 'package.json'));
    assert.equal(r.status, 0, r.output);
    assert.match(r.output, /suppression\.test\.go run successfuly/);
    assert.match(r.output, /suppression\.test\.py run successfuly/);
  });

  it('fails the assertions when the grammar does not scope rule codes', function () {
    this.timeout(60000);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'steady-grammar-'));
    try {
      const broken = JSON.parse(readFileSync(GRAMMAR, 'utf8'));
      broken.repository.suppression.captures['2'].patterns[0].name = 'constant.other.elsewhere';
      const file = path.join(dir, 'broken.tmLanguage.json');
      writeFileSync(file, JSON.stringify(broken));
      const pkg = JSON.parse(readFileSync(path.join(CHECKOUT, 'package.json'), 'utf8'));
      pkg.contributes.grammars = pkg.contributes.grammars.map((g: { path: string }) => ({ ...g, path: './broken.tmLanguage.json' }));
      const manifest = path.join(dir, 'package.json');
      writeFileSync(manifest, JSON.stringify(pkg));
      const r = grammarTest(manifest);
      assert.notEqual(r.status, 0, r.output);
      assert.match(r.output, /missing required scopes: constant\.language\.rule\.steady/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
