/** Configuration files: discovery, merging, extend, overrides, severity, rule options and the messages of bad ones. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigStore, DEFAULT_SETTINGS, isConfigFile, parseSettings, type Settings } from '../../server/src/config';
import { locate, parseConfig, type ConfigProblem } from '../../server/src/configFile';
import { RULES } from '../../server/src/rules';

const ALL = RULES.map((r) => r.code);
const GO = RULES.filter((r) => r.language === 'go').map((r) => r.code);
const made: string[] = [];

/** A temporary folder holding `files` (relative path → text). */
function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'steady-config-'));
  made.push(dir);
  write(dir, files);
  return dir;
}

function write(dir: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
}

function codes(store: ConfigStore, file: string): string[] {
  return store.forFile(file).rules.map((r) => r.code);
}

function settings(s: Partial<Settings>): Settings {
  return { ...DEFAULT_SETTINGS, ...s };
}

describe('configuration', () => {
  after(() => {
    for (const d of made) rmSync(d, { recursive: true, force: true });
  });

  describe('discovery', () => {
    it('applies all rules when there is no configuration file', () => {
      const dir = tree({ 'a/main.go': '' });
      const store = new ConfigStore();
      const c = store.forFile(path.join(dir, 'a/main.go'));
      assert.deepEqual(c.rules.map((r) => r.code), ALL);
      assert.deepEqual(c.sources, []);
      assert.equal(c.excluded, false);
      assert.deepEqual(store.problems(), []);
    });

    it('uses the nearest steady.toml walking up from the file, and only that one', () => {
      const dir = tree({
        'steady.toml': 'select = ["GO"]\n',
        'svc/steady.toml': 'ignore = ["GO404"]\n',
        'svc/deep/x/main.go': '',
        'other/main.go': '',
      });
      const store = new ConfigStore();
      assert.deepEqual(codes(store, path.join(dir, 'other/main.go')), GO);
      const nested = store.forFile(path.join(dir, 'svc/deep/x/main.go'));
      assert.deepEqual(nested.sources, [path.join(dir, 'svc/steady.toml')]);
      assert.deepEqual(nested.rules.map((r) => r.code), ALL.filter((c) => c !== 'GO404'));
    });

    it('accepts .steady.toml and [tool.steady] of pyproject.toml, and skips a pyproject.toml without it', () => {
      const dir = tree({
        'steady.toml': 'select = ["PY"]\n',
        'a/pyproject.toml': '[project]\nname = "a"\n',
        'a/m.py': '',
        'b/pyproject.toml': '[project]\nname = "b"\n\n[tool.steady]\nignore = ["silent-broad-except"]\n',
        'b/m.py': '',
        'c/.steady.toml': 'select = ["GO404"]\n',
        'c/m.py': '',
      });
      const store = new ConfigStore();
      assert.deepEqual(store.forFile(path.join(dir, 'a/m.py')).sources, [path.join(dir, 'steady.toml')]);
      const b = store.forFile(path.join(dir, 'b/m.py'));
      assert.deepEqual(b.sources, [path.join(dir, 'b/pyproject.toml')]);
      assert.ok(!b.rules.some((r) => r.name === 'silent-broad-except'));
      assert.deepEqual(codes(store, path.join(dir, 'c/m.py')), ['GO404']);
      assert.deepEqual(store.problems(), []);
    });

    it('uses configPath for every file instead of discovery', () => {
      const dir = tree({ 'conf/ci.toml': 'select = ["GO404"]\n', 'steady.toml': 'select = ["GO101"]\n', 'a/main.go': '' });
      const store = new ConfigStore(settings({ configPath: 'conf/ci.toml' }), dir);
      assert.deepEqual(codes(store, path.join(dir, 'a/main.go')), ['GO404']);
      assert.deepEqual(store.forFile(path.join(dir, 'a/main.go')).sources, [path.join(dir, 'conf/ci.toml')]);
    });

    it('recognises configuration file names', () => {
      for (const f of ['/x/steady.toml', '/x/.steady.toml', '/x/pyproject.toml']) assert.ok(isConfigFile(f), f);
      for (const f of ['/x/steady.json', '/x/main.go', '/x/steady.toml.bak']) assert.ok(!isConfigFile(f), f);
    });
  });

  describe('merging', () => {
    it('inherits with extend, relative to the file, the extending file winning', () => {
      const dir = tree({
        'base.toml': 'select = ["GO"]\nexclude = ["gen/"]\n[severity]\nGO404 = "info"\nGO101 = "hint"\n[rules.GO101]\nx = 1\ny = 2\n',
        'svc/steady.toml': 'extend = "../base.toml"\nignore = ["GO102"]\n[severity]\nGO101 = "error"\n[rules.close-guarded-by-flag]\ny = 3\n',
        'svc/main.go': '',
        'svc/gen/z.go': '',
      });
      const store = new ConfigStore();
      const c = store.forFile(path.join(dir, 'svc/main.go'));
      assert.deepEqual(c.sources, [path.join(dir, 'svc/steady.toml'), path.join(dir, 'base.toml')]);
      assert.deepEqual(c.rules.map((r) => r.code), GO.filter((x) => x !== 'GO102'));
      assert.deepEqual(c.severity, { GO101: 'error', GO404: 'info' });
      assert.deepEqual(c.ruleOptions, { GO101: { x: 1, y: 3 } });
      // The base's exclude is relative to the base's folder: gen/ at any depth below it.
      assert.equal(store.forFile(path.join(dir, 'svc/gen/z.go')).excluded, true);
      assert.equal(c.excluded, false);
      assert.deepEqual(store.problems(), []);
    });

    it('applies matching overrides after the top level, and settings last', () => {
      const dir = tree({
        'steady.toml': [
          'ignore = ["GO404"]',
          '[severity]',
          'GO101 = "error"',
          '[[overrides]]',
          'paths = ["**/*_test.go"]',
          'ignore = ["GO101", "untracked-goroutine"]',
          '[overrides.severity]',
          'GO103 = "hint"',
          '[[overrides]]',
          'paths = ["legacy/"]',
          'select = ["GO404"]',
          '',
        ].join('\n'),
        'pkg/a.go': '',
        'pkg/a_test.go': '',
        'legacy/x/b.go': '',
      });
      const store = new ConfigStore();
      const plain = store.forFile(path.join(dir, 'pkg/a.go'));
      assert.ok(plain.rules.some((r) => r.code === 'GO101'));
      assert.ok(!plain.rules.some((r) => r.code === 'GO404'));
      assert.deepEqual(plain.severity, { GO101: 'error' });
      const test = store.forFile(path.join(dir, 'pkg/a_test.go'));
      assert.ok(!test.rules.some((r) => r.code === 'GO101' || r.name === 'untracked-goroutine'));
      assert.equal(test.severity.GO103, 'hint');
      assert.notEqual(test.hash, plain.hash);
      assert.deepEqual(codes(store, path.join(dir, 'legacy/x/b.go')), ['GO404']);

      store.setSettings(settings({ select: ['GO101', 'GO404'], severity: { GO404: 'off', 'recursive-lock': 'info' } }));
      assert.deepEqual(codes(store, path.join(dir, 'pkg/a.go')), ['GO101']);
      assert.deepEqual(store.forFile(path.join(dir, 'pkg/a.go')).severity, { GO101: 'error' });
    });

    it('turns a rule off with severity "off" and everything off with enable = false', () => {
      const dir = tree({ 'steady.toml': '[severity]\nGO404 = "off"\nPY = "info"\n', 'm.go': '' });
      const store = new ConfigStore();
      const c = store.forFile(path.join(dir, 'm.go'));
      assert.ok(!c.rules.some((r) => r.code === 'GO404'));
      assert.ok(Object.keys(c.severity).every((k) => k.startsWith('PY') && c.severity[k] === 'info'));
      store.setSettings(settings({ enable: false }));
      assert.deepEqual(store.forFile(path.join(dir, 'm.go')).rules, []);
    });

    it('keeps one rules array per distinct rule set', () => {
      const dir = tree({ 'a/steady.toml': 'ignore = ["GO404"]\n', 'b/steady.toml': 'ignore = ["signal-notify-without-sigterm"]\n' });
      const store = new ConfigStore();
      assert.equal(store.forFile(path.join(dir, 'a/x.go')).rules, store.forFile(path.join(dir, 'b/y.go')).rules);
    });

    it('re-reads a changed file after invalidate and bumps the generation', () => {
      const dir = tree({ 'steady.toml': 'select = ["GO404"]\n' });
      const store = new ConfigStore();
      const file = path.join(dir, 'm.go');
      assert.deepEqual(codes(store, file), ['GO404']);
      write(dir, { 'steady.toml': 'select = ["GO101"]\n' });
      assert.deepEqual(codes(store, file), ['GO404'], 'cached until invalidated');
      const g = store.generation;
      store.invalidate([path.join(dir, 'steady.toml')]);
      assert.ok(store.generation > g);
      assert.deepEqual(codes(store, file), ['GO101']);
      // A new configuration file nearer to the file is found after invalidate.
      write(dir, { 'sub/.steady.toml': 'select = ["PY"]\n' });
      store.invalidate([path.join(dir, 'sub/.steady.toml')]);
      assert.ok(codes(store, path.join(dir, 'sub/m.py')).every((c) => c.startsWith('PY')));
    });
  });

  describe('bad configuration', () => {
    function problemsOf(text: string, name = 'steady.toml'): ConfigProblem[] {
      const problems: ConfigProblem[] = [];
      parseConfig(path.join('/p', name), text, problems);
      return problems;
    }

    it('reports unknown keys, rules and wrong types at their line and column', () => {
      const text = [
        'selct = ["GO404"]', // 1
        'ignore = ["GO404", "GO999"]', // 2
        'exclude = "vendor"', // 3
        '[severity]', // 4
        'GO101 = "loud"', // 5
        '  resource-not-close = "info"', // 6
        '[[overrides]]', // 7
        'paths = ["**/*_test.go"]', // 8
        'select = [', // 9
        '  "GO101",', // 10
        '  "nope",', // 11
        ']', // 12
        'colour = 1', // 13
        '[rules.GO101]', // 14
        'x = 1', // 15
        '[rules.GO000]', // 16
        '',
      ].join('\n');
      const ps = problemsOf(text).map((p) => `${p.line}:${p.column} ${p.message}`);
      const expect = [
        /^1:1 unknown key "selct" \(did you mean "select"\?\)/,
        /^2:20 unknown rule "GO999" in ignore/,
        /^3:1 exclude must be a list of globs, not the string "vendor"/,
        /^5:1 severity of GO101 must be one of "error", "warning", "info", "hint", "off", not the string "loud"/,
        /^6:3 unknown rule "resource-not-close" in severity \(did you mean "resource-not-closed"\?\)/,
        /^11:3 unknown rule "nope" in overrides\[0\]\.select/,
        /^13:1 unknown key "colour" in \[\[overrides\]\]/,
        /^16:1 unknown rule "GO000" in rules/,
      ];
      assert.equal(ps.length, expect.length, ps.join('\n'));
      for (const re of expect) assert.ok(ps.some((p) => re.test(p)), `no problem like ${re}:\n${ps.join('\n')}`);
    });

    it('reports a TOML syntax error with its position', () => {
      const ps = problemsOf('select = ["GO404"]\nignore = [\n[severity\n');
      assert.equal(ps.length, 1);
      assert.match(ps[0].message, /^TOML syntax error/);
      assert.ok(ps[0].line >= 2, JSON.stringify(ps[0]));
    });

    it('reports problems of [tool.steady] at their position in pyproject.toml', () => {
      const ps = problemsOf('[project]\nname = "x"\n\n[tool.steady]\nselect = ["GO404"]\nbogus = true\n\n[tool.steady.severity]\nGO404 = 3\n', 'pyproject.toml');
      assert.deepEqual(ps.map((p) => [p.line, p.column]), [[6, 1], [9, 1]]);
    });

    it('locates keys of inline tables and dotted keys', () => {
      assert.deepEqual(locate('severity = { GO101 = "x", GO999 = "y" }\n', ['severity', 'GO999']), { line: 1, column: 27 });
      assert.deepEqual(locate('a = 1\nseverity.GO999 = "y"\n', ['severity', 'GO999']), { line: 2, column: 1 });
      assert.deepEqual(locate('[[overrides]]\npaths=["a"]\n[[overrides]]\npaths=["b"]\nx=1\n', ['overrides', 1, 'x']), { line: 5, column: 1 });
    });

    it('reports a missing extend target and an extend cycle at the extend key', () => {
      const dir = tree({
        'a/steady.toml': 'select = ["GO404"]\nextend = "../nowhere.toml"\n',
        'b/steady.toml': 'extend = "../c/steady.toml"\n',
        'c/steady.toml': '\nextend = "../b/steady.toml"\n',
      });
      const store = new ConfigStore();
      assert.deepEqual(codes(store, path.join(dir, 'a/m.go')), ['GO404'], 'the file itself still applies');
      store.forFile(path.join(dir, 'b/m.go'));
      const ps = store.problems();
      assert.equal(ps.length, 2, JSON.stringify(ps));
      const missing = ps.find((p) => p.file === path.join(dir, 'a/steady.toml'))!;
      assert.deepEqual([missing.line, missing.column], [2, 1]);
      assert.match(missing.message, /extend: .*nowhere\.toml does not exist/);
      const cycle = ps.find((p) => /cycle/.test(p.message))!;
      assert.match(cycle.message, /extend cycle: b\/steady\.toml → c\/steady\.toml → b\/steady\.toml/);
      assert.equal(cycle.file, path.join(dir, 'c/steady.toml'));
      assert.equal(cycle.line, 2);
    });

    it('keeps the last valid version of a file in force while it is broken', () => {
      const dir = tree({ 'steady.toml': 'select = ["GO404"]\n' });
      const store = new ConfigStore();
      const file = path.join(dir, 'm.go');
      assert.deepEqual(codes(store, file), ['GO404']);
      for (const bad of ['select = ["GO404"\n', 'select = ["GO101"]\nbogus = 1\n', 'select = ["GO101", "GO999"]\n']) {
        write(dir, { 'steady.toml': bad });
        store.invalidate([path.join(dir, 'steady.toml')]);
        assert.deepEqual(codes(store, file), ['GO404'], bad);
        assert.equal(store.problems().length, 1, bad);
        assert.match(store.problems()[0].message, /last valid version/);
      }
      write(dir, { 'steady.toml': 'select = ["GO101"]\n' });
      store.invalidate([path.join(dir, 'steady.toml')]);
      assert.deepEqual(codes(store, file), ['GO101']);
      assert.deepEqual(store.problems(), []);
    });

    it('applies the valid parts of a file that was never valid', () => {
      const dir = tree({ 'steady.toml': 'select = ["GO404", "GO999"]\nbogus = 1\n' });
      const store = new ConfigStore();
      assert.deepEqual(codes(store, path.join(dir, 'm.go')), ['GO404']);
      assert.equal(store.problems().length, 2);
    });

    it('reports bad settings and ignores them', () => {
      const problems: string[] = [];
      const s = parseSettings({ enable: 'yes', select: 'GO404', ignore: ['GO404'], severity: { GO101: 'loud', GO102: 'info' }, configPath: 3 }, problems);
      assert.deepEqual(s, { enable: true, select: [], ignore: ['GO404'], severity: { GO102: 'info' }, configPath: undefined });
      assert.equal(problems.length, 4, problems.join('\n'));
      const store = new ConfigStore(settings({ select: ['GO999'], ignore: ['nope'], severity: { GO998: 'info' } }));
      const ps = store.problems().map((p) => p.message);
      assert.equal(ps.length, 3, ps.join('\n'));
      assert.ok(ps.every((m) => /unknown rule/.test(m)));
      assert.deepEqual(codes(store, path.join(os.tmpdir(), 'nowhere-steady', 'm.go')), ALL, 'a selection of only unknown rules is ignored');
    });
  });
});
