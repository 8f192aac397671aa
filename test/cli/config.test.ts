/**
 * `steady check` with configuration files: the nearest steady.toml applies per file (on worker threads too),
 * --select/--ignore apply on top, --config replaces discovery, --show-config explains, and bad configuration stops
 * the run with exit status 2 and a message that says where.
 */
import assert from 'node:assert/strict';
import { buildCli, cleanProjects, GO_SIGNAL, project, run, runJson } from './cli';

const PY_BROAD = `def load(path):
    try:
        return open(path).read()
    except Exception:
        pass
`;

/** The rule and severity of each diagnostic, by file, GO404 and PY301 only (other rules may add findings). */
function summary(diags: { path: string; rule: string; severity: string }[]): string[] {
  return diags
    .filter((d) => d.rule === 'GO404' || d.rule === 'PY301')
    .map((d) => `${d.path} ${d.rule} ${d.severity}`)
    .sort();
}

describe('steady check configuration', function () {
  this.timeout(600_000);
  before(() => {
    buildCli();
  });
  after(cleanProjects);

  it('applies the nearest configuration file to each file, with severities, excludes and overrides', () => {
    const dir = project({
      'steady.toml': [
        'exclude = ["vendor/", "gen/*.py"]',
        '[severity]',
        'GO404 = "info"',
        '[[overrides]]',
        'paths = ["**/*_test.go"]',
        'ignore = ["signal-notify-without-sigterm"]',
        '',
      ].join('\n'),
      'cmd/main.go': GO_SIGNAL,
      'cmd/main_test.go': GO_SIGNAL,
      'vendor/x/v.go': GO_SIGNAL,
      'gen/g.py': PY_BROAD,
      'app/load.py': PY_BROAD,
      'strict/steady.toml': '[severity]\nGO404 = "error"\nsilent-broad-except = "off"\n',
      'strict/main.go': GO_SIGNAL,
      'strict/load.py': PY_BROAD,
      'py/pyproject.toml': '[project]\nname = "x"\n\n[tool.steady]\nselect = ["PY"]\n\n[tool.steady.severity]\nPY301 = "hint"\n',
      'py/load.py': PY_BROAD,
      'py/main.go': GO_SIGNAL,
    });
    const r = runJson(['--no-cache'], dir);
    assert.deepEqual(summary(r.json.diagnostics), [
      'app/load.py PY301 warning',
      'cmd/main.go GO404 info',
      'py/load.py PY301 hint',
      'strict/main.go GO404 error',
    ]);
    assert.equal(r.status, 1, r.stderr);
    assert.ok(!r.json.diagnostics.some((d) => d.path.startsWith('vendor/') || d.path.startsWith('gen/')), 'excluded files are not checked');
  });

  it('uses the same per-file configuration on worker threads', () => {
    const files: Record<string, string> = { 'quiet/steady.toml': 'ignore = ["GO404"]\n', 'loud/steady.toml': '[severity]\nGO404 = "error"\n' };
    for (let i = 0; i < 6; i++) {
      files[`quiet/m${i}.go`] = GO_SIGNAL;
      files[`loud/m${i}.go`] = GO_SIGNAL;
    }
    const dir = project(files);
    const r = runJson(['--no-cache', '--jobs', '3'], dir);
    const got = summary(r.json.diagnostics);
    assert.equal(got.length, 6, got.join('\n'));
    assert.ok(got.every((l) => /^loud\/m\d\.go GO404 error$/.test(l)), got.join('\n'));
  });

  it('applies --select and --ignore on top of the files', () => {
    const dir = project({ 'steady.toml': 'select = ["GO404"]\n[severity]\nGO404 = "info"\n', 'main.go': GO_SIGNAL, 'load.py': PY_BROAD });
    assert.deepEqual(summary(runJson(['--no-cache'], dir).json.diagnostics), ['main.go GO404 info']);
    assert.deepEqual(summary(runJson(['--no-cache', '--select', 'PY301,GO404'], dir).json.diagnostics), ['load.py PY301 warning', 'main.go GO404 info']);
    assert.deepEqual(summary(runJson(['--no-cache', '--ignore', 'GO404'], dir).json.diagnostics), []);
    assert.deepEqual(summary(runJson(['--no-cache', '--select', 'PY,GO4'], dir).json.diagnostics), ['load.py PY301 warning', 'main.go GO404 info']);
    const bad = run(['check', '--select', 'GO9x'], dir);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /unknown rule 'GO9x' in --select/);
  });

  it('passes [rules.<name>] options to the rule', () => {
    const py = 'import requests\n\n\ndef status(url):\n    return requests.get(url)\n';
    const dir = project({ 'a/steady.toml': '[rules.network-call-without-timeout]\ntimeout = 3\n', 'a/m.py': py, 'b/m.py': py });
    const titles = runJson(['--no-cache', '--select', 'PY601'], dir).json.diagnostics.map((d) => `${d.path} ${d.fixes.map((f) => f.title).join()}`);
    assert.deepEqual(titles.sort(), ['a/m.py Add timeout=3', 'b/m.py Add timeout=10']);
  });

  it('uses --config for every file instead of discovery', () => {
    const dir = project({ 'steady.toml': 'ignore = ["GO404"]\n', 'ci/strict.toml': '[severity]\nGO404 = "error"\n', 'a/main.go': GO_SIGNAL });
    assert.deepEqual(summary(runJson(['--no-cache'], dir).json.diagnostics), []);
    const r = runJson(['--no-cache', '--config', 'ci/strict.toml'], dir);
    assert.deepEqual(summary(r.json.diagnostics), ['a/main.go GO404 error']);
    const missing = run(['check', '--config', 'nowhere.toml'], dir);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /cannot read the configuration file nowhere\.toml/);
  });

  it('explains the configuration of each path with --show-config', () => {
    const dir = project({
      'base.toml': 'exclude = ["vendor/"]\n[severity]\nGO404 = "info"\n',
      'svc/steady.toml': 'extend = "../base.toml"\nignore = ["GO1"]\n[[overrides]]\npaths = ["*_test.go"]\nignore = ["GO404"]\n[rules.GO404]\nx = 1\n',
      'svc/main.go': GO_SIGNAL,
      'svc/main_test.go': GO_SIGNAL,
    });
    const r = run(['check', '--show-config', 'svc', 'svc/main_test.go', '.'], dir);
    assert.equal(r.status, 0, r.stderr);
    const [folder, test, root] = r.stdout.split(/\n(?=\S)/);
    assert.match(folder, /^svc \(a file in this folder\)\n {2}configuration files: svc\/steady\.toml \(extends\) base\.toml\n/);
    assert.match(folder, /\n {2}select: GO2\d\d/);
    assert.match(folder, /\n {2}ignore: GO101, /);
    assert.match(folder, /\n {2}severity: GO404=info\n/);
    assert.match(folder, /\n {2}exclude: vendor\/ \(from base\.toml\)\n/);
    assert.match(folder, /\n {2}options: GO404 \{"x":1\}/);
    assert.match(test, /^svc\/main_test\.go\n {2}configuration files: svc\/steady\.toml \(extends\) base\.toml\n {2}excluded: no\n/);
    assert.match(test, /\n {2}ignore: .*GO404/);
    assert.match(root, /^\. \(a file in this folder\)\n {2}configuration files: none \(defaults\)\n/);
    assert.match(root, /\n {2}ignore: \(none\)\n/);
  });

  it('stops with exit status 2 and says where on bad configuration', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ 'steady.toml': 'select = ["GO404"]\nselct = ["GO101"]\n' }, /^steady: steady\.toml:2:1: unknown key "selct" \(did you mean "select"\?\)/m],
      [{ 'steady.toml': 'ignore = ["GO404", "GO999"]\n' }, /^steady: steady\.toml:1:20: unknown rule "GO999" in ignore/m],
      [{ 'steady.toml': '[severity]\nGO404 = 3\n' }, /^steady: steady\.toml:2:1: severity of GO404 must be one of .*not number 3/m],
      [{ 'steady.toml': 'select = ["GO404"\n' }, /^steady: steady\.toml:\d+:\d+: TOML syntax error/m],
      [{ 'steady.toml': 'extend = "missing.toml"\n' }, /^steady: steady\.toml:1:1: extend: .*missing\.toml does not exist/m],
      [{ 'steady.toml': 'extend = "other.toml"\n', 'other.toml': 'extend = "steady.toml"\n' }, /^steady: other\.toml:1:1: extend cycle/m],
      [{ 'pyproject.toml': '[tool.steady]\nexclude = "x"\n' }, /^steady: pyproject\.toml:2:1: exclude must be a list of globs/m],
    ];
    for (const [files, message] of cases) {
      const dir = project({ ...files, 'main.go': GO_SIGNAL });
      const r = run(['check', '--no-cache'], dir);
      assert.equal(r.status, 2, `${JSON.stringify(files)}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, '', 'nothing is checked');
      const shown = run(['check', '--show-config', '.'], dir);
      assert.equal(shown.status, 2);
      assert.match(shown.stderr, message);
    }
  });

  it('does not count a pyproject.toml without [tool.steady], even a malformed one', () => {
    const dir = project({ 'steady.toml': '[severity]\nGO404 = "info"\n', 'a/pyproject.toml': '[project\nname = ', 'a/main.go': GO_SIGNAL });
    const r = runJson(['--no-cache'], dir);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(summary(r.json.diagnostics), ['a/main.go GO404 info']);
  });
});
