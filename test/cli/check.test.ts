/**
 * `steady check` end to end: the built CLI is run on temporary projects and its output formats, exit statuses,
 * rule selection and parallel analysis are checked. Findings come from GO404 (signal-notify-without-sigterm);
 * other rules may add findings of their own, so assertions about exact output select GO404 only.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { RULES } from '../../server/src/rules';
import {
  buildCli,
  cleanProjects,
  GO404_MESSAGE,
  GO_CLEAN,
  GO_SIGNAL,
  project,
  ROOT,
  run,
  runJson,
  type JsonDiagnostic,
} from './cli';

const VERSION = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const GO404_RULE = RULES.find((r) => r.code === 'GO404')!;

describe('steady check', function () {
  this.timeout(600_000);
  before(() => {
    buildCli();
  });
  after(cleanProjects);

  describe('help and version', () => {
    it('prints the version with --version and -V', () => {
      for (const args of [['--version'], ['-V'], ['check', '--version']]) {
        const r = run(args, ROOT);
        assert.equal(r.status, 0);
        assert.equal(r.stdout, `steady ${VERSION}\n`);
      }
    });

    it('prints the usage, options, skipping rules and exit statuses with --help', () => {
      for (const args of [['--help'], ['check', '--help'], ['check', '-h']]) {
        const r = run(args, ROOT);
        assert.equal(r.status, 0);
        assert.match(r.stdout, /^Usage: steady check \[options\] \[paths\.\.\.\]/);
        for (const word of ['--select', '--ignore', '--format', '--fix', '--jobs', 'NO_COLOR', '.gitignore', '10 MB', 'Exit status']) {
          assert.ok(r.stdout.includes(word), `help lacks ${word}`);
        }
      }
    });
  });

  describe('exit status', () => {
    it('is 0 when nothing is found', () => {
      const dir = project({ 'main.go': GO_CLEAN });
      const r = run(['check', '--select', 'GO404'], dir);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, 'Checked 1 file, no problems found\n');
      assert.equal(r.stderr, '');
    });

    it('is 1 when a warning is found', () => {
      const dir = project({ 'main.go': GO_SIGNAL });
      assert.equal(run(['check', '--select', 'GO404'], dir).status, 1);
    });

    it('is 0 for an empty folder, with a notice', () => {
      const dir = project({ 'README.md': '# nothing to check\n' });
      const r = run(['check'], dir);
      assert.equal(r.status, 0);
      assert.equal(r.stderr, 'steady: no Go or Python files to check\n');
    });

    const usage: [string, string[], RegExp][] = [
      ['a path that does not exist', ['check', 'missing.go'], /^steady: missing\.go: no such file or directory\n$/],
      ['an unknown option', ['check', '--frobnicate'], /^steady: unknown option '--frobnicate'\n$/],
      ['an unknown rule code in --select', ['check', '--select', 'GO404,GO999'], /^steady: unknown rule 'GO999' in --select/],
      ['an unknown rule name in --ignore', ['check', '--ignore', 'no-such-rule'], /^steady: unknown rule 'no-such-rule' in --ignore/],
      ['an empty --select', ['check', '--select', ','], /^steady: --select needs at least one rule/],
      ['an unknown format', ['check', '--format', 'xml'], /^steady: unknown format 'xml'/],
      ['a bad --jobs', ['check', '--jobs', '0'], /^steady: --jobs needs a positive whole number/],
      ['a --jobs that is not a number', ['check', '-j', 'many'], /^steady: --jobs needs a positive whole number/],
      ['a missing option value', ['check', '--format'], /^steady: .*--format/],
      ['no command', [], /^steady: no command given/],
      ['an unknown command', ['lint'], /^steady: unknown command 'lint'/],
    ];
    for (const [what, args, message] of usage) {
      it(`is 2 for ${what}, with a one-line message`, () => {
        const dir = project({ 'main.go': GO_SIGNAL });
        const r = run(args, dir);
        assert.equal(r.status, 2, r.stderr);
        assert.match(r.stderr, message);
        assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
        assert.equal(r.stdout, '');
      });
    }

    it('is 2 when one of several paths does not exist, and nothing is analysed', () => {
      const dir = project({ 'main.go': GO_SIGNAL });
      const r = run(['check', 'main.go', 'nope'], dir);
      assert.equal(r.status, 2);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr, 'steady: nope: no such file or directory\n');
    });
  });

  describe('text format', () => {
    it('prints path:line:col: CODE [severity] name: message and a summary line', () => {
      const dir = project({ 'cmd/server/main.go': GO_SIGNAL, 'cmd/ok/main.go': GO_CLEAN });
      const r = run(['check', '--select', 'GO404'], dir);
      assert.equal(r.status, 1);
      assert.equal(
        r.stdout,
        `cmd/server/main.go:10:2: GO404 [warning] signal-notify-without-sigterm: ${GO404_MESSAGE}\n` +
          '\n' +
          'Found 1 problem (1 warning) in 1 file, 1 fixable with --fix\n',
      );
      assert.equal(r.stderr, '');
    });

    it('counts problems, severities and files in the summary', () => {
      const dir = project({ 'a.go': GO_SIGNAL, 'b/b.go': GO_SIGNAL + GO_SIGNAL.replace(/^package main\n\nimport \([^)]*\)\n/, '').replace('main()', 'other()') });
      const r = run(['check', '--select', 'GO404'], dir);
      assert.equal(r.status, 1);
      const lines = r.stdout.trimEnd().split('\n');
      assert.deepEqual(
        lines.slice(0, 3).map((l) => l.split(' ')[0]),
        ['a.go:10:2:', 'b/b.go:10:2:', 'b/b.go:16:2:'],
      );
      assert.equal(lines[lines.length - 1], 'Found 3 problems (3 warnings) in 2 files, 3 fixable with --fix');
    });

    it('reports paths relative to the working folder, for paths given in any form', () => {
      const dir = project({ 'pkg/main.go': GO_SIGNAL });
      for (const arg of ['pkg', './pkg/', path.join(dir, 'pkg'), 'pkg/main.go']) {
        const r = run(['check', '--select', 'GO404', arg], dir);
        assert.ok(r.stdout.startsWith('pkg/main.go:10:2: GO404'), `${arg}: ${r.stdout}`);
      }
      const up = run(['check', '--select', 'GO404', '..'], path.join(dir, 'pkg'));
      assert.ok(up.stdout.startsWith('main.go:10:2: GO404'), up.stdout);
      const sibling = project({ 'x.go': '' });
      const out = run(['check', '--select', 'GO404', path.join(dir, 'pkg')], sibling);
      assert.ok(out.stdout.startsWith(`../${path.basename(dir)}/pkg/main.go:10:2:`), out.stdout);
    });

    it('counts columns in UTF-16 code units, as editors do', () => {
      const src = GO_SIGNAL.replace('\tsignal.Notify(', '\tx := "😀"; signal.Notify(');
      const dir = project({ 'main.go': src });
      const r = runJson(['--select', 'GO404'], dir);
      assert.deepEqual(r.json.diagnostics[0].range.start, { line: 10, column: 13 });
    });

    it('uses no colours when stdout is not a terminal', () => {
      const dir = project({ 'main.go': GO_SIGNAL });
      const r = run(['check'], dir, { NO_COLOR: '' });
      assert.ok(!r.stdout.includes('\x1b['), r.stdout);
    });

    it('uses colours on a terminal unless NO_COLOR is set', function () {
      const dir = project({ 'main.go': GO_SIGNAL });
      const cmd = `${JSON.stringify(process.execPath)} ${JSON.stringify(buildCli())} check --select GO404`;
      const tty = (env: NodeJS.ProcessEnv): string => {
        // script(1) runs the command on a pseudo-terminal.
        const s = spawnSync('script', ['-qec', cmd, '/dev/null'], { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env } });
        if (s.error) this.skip();
        return s.stdout;
      };
      const coloured = tty({ NO_COLOR: '' });
      assert.ok(coloured.includes('\x1b[33m\x1b[1mGO404\x1b[0m'), JSON.stringify(coloured));
      const plain = tty({ NO_COLOR: '1' });
      assert.ok(plain.includes('main.go:10:2: GO404 [warning]'), JSON.stringify(plain));
      assert.ok(!plain.includes('\x1b['), JSON.stringify(plain));
    });
  });

  describe('json format', () => {
    it('prints one object with version, summary and the diagnostics in the documented shape', () => {
      const dir = project({ 'main.go': GO_SIGNAL, 'tool.py': 'import os\n\nprint(os.getcwd())\n' });
      const r = runJson(['--select', 'GO404'], dir);
      assert.equal(r.status, 1);
      assert.deepEqual(Object.keys(r.json), ['version', 'summary', 'diagnostics']);
      assert.equal(r.json.version, VERSION);
      assert.deepEqual(Object.keys(r.json.summary), ['files', 'lines', 'diagnostics', 'durationMs']);
      assert.equal(r.json.summary.files, 2);
      assert.equal(r.json.summary.lines, 12 + 3);
      assert.equal(r.json.summary.diagnostics, 1);
      assert.equal(typeof r.json.summary.durationMs, 'number');
      const d = r.json.diagnostics[0];
      const expected: JsonDiagnostic = {
        path: 'main.go',
        rule: 'GO404',
        name: 'signal-notify-without-sigterm',
        category: 'shutdown/lifecycle',
        severity: 'warning',
        message: GO404_MESSAGE,
        range: { start: { line: 10, column: 2 }, end: { line: 10, column: 35 } },
        fixes: [
          {
            title: 'Add syscall.SIGTERM to the trapped signals',
            applicability: 'safe',
            edits: [
              { range: { start: { line: 10, column: 34 }, end: { line: 10, column: 34 } }, newText: ', syscall.SIGTERM' },
              { range: { start: { line: 5, column: 13 }, end: { line: 5, column: 13 } }, newText: '\n\t"syscall"' },
            ],
          },
        ],
      };
      assert.deepEqual(d, expected);
      assert.deepEqual(Object.keys(d), Object.keys(expected));
    });

    it('sorts diagnostics by path, line and column, with / separators', () => {
      const two = GO_SIGNAL.replace('\t<-quit\n', '\t<-quit\n\tsignal.Notify(quit, os.Interrupt)\n');
      const dir = project({ 'b.go': two, 'a/z.go': GO_SIGNAL, 'a.go': GO_SIGNAL, 'c/d/e.go': GO_SIGNAL });
      const r = runJson(['--select', 'GO404'], dir);
      assert.deepEqual(
        r.json.diagnostics.map((d) => `${d.path}:${d.range.start.line}`),
        ['a.go:10', 'a/z.go:10', 'b.go:10', 'b.go:12', 'c/d/e.go:10'],
      );
    });

    it('prints an empty list and exit status 0 when nothing is found', () => {
      const dir = project({ 'main.go': GO_CLEAN });
      const r = runJson(['--select', 'GO404'], dir);
      assert.equal(r.status, 0);
      assert.deepEqual(r.json.diagnostics, []);
      assert.equal(r.json.summary.diagnostics, 0);
    });
  });

  describe('--select and --ignore', () => {
    const rulesOf = (ds: JsonDiagnostic[]): string[] => [...new Set(ds.map((d) => d.rule))];

    it('select a rule by code (any case) or by name', () => {
      const dir = project({ 'main.go': GO_SIGNAL });
      for (const sel of ['GO404', 'go404', 'signal-notify-without-sigterm', 'GO101,GO404', ' GO404 , GO101 ']) {
        const r = runJson(['--select', sel], dir);
        assert.deepEqual(rulesOf(r.json.diagnostics).filter((c) => c === 'GO404'), ['GO404'], sel);
        assert.ok(rulesOf(r.json.diagnostics).every((c) => c === 'GO404' || c === 'GO101'), sel);
      }
      const repeated = runJson(['--select', 'GO101', '--select', 'GO404'], dir);
      assert.ok(rulesOf(repeated.json.diagnostics).includes('GO404'));
    });

    it('a selection without the rule finds nothing of it', () => {
      const dir = project({ 'main.go': GO_SIGNAL });
      const r = runJson(['--select', 'PY301'], dir);
      assert.deepEqual(r.json.diagnostics, []);
      assert.equal(r.status, 0);
    });

    it('ignore a rule by code or by name', () => {
      const dir = project({ 'main.go': GO_SIGNAL });
      assert.ok(rulesOf(runJson([], dir).json.diagnostics).includes('GO404'));
      for (const ign of ['GO404', 'signal-notify-without-sigterm', 'GO101,signal-notify-without-sigterm']) {
        const r = runJson(['--ignore', ign], dir);
        assert.ok(!rulesOf(r.json.diagnostics).includes('GO404'), ign);
      }
      const both = runJson(['--select', 'GO404', '--ignore', 'signal-notify-without-sigterm'], dir);
      assert.deepEqual(both.json.diagnostics, []);
      assert.equal(both.status, 0);
    });
  });

  describe('--jobs', () => {
    it('gives the same output with one job and with two', () => {
      const files: Record<string, string | Buffer> = {};
      for (let i = 0; i < 8; i++) {
        files[`pkg${i % 3}/f${i}.go`] = i % 2 ? GO_SIGNAL : GO_CLEAN;
        files[`py/m${i}.py`] = `import threading\n\n\ndef work_${i}(items):\n    for x in items:\n        items.remove(x)\n`;
      }
      files['bin/tool'] = '#!/usr/bin/env python3\nprint("hi")\n';
      files['blob.go'] = Buffer.from([0x70, 0x00, 0x01]);
      const dir = project(files);
      for (const format of ['text', 'json', 'sarif']) {
        const one = run(['check', '--format', format, '--jobs', '1'], dir);
        const two = run(['check', '--format', format, '--jobs', '2'], dir);
        const three = run(['check', '--format', format, '-j', '3'], dir);
        const norm = (s: string): string => s.replace(/"durationMs": \d+/, '"durationMs": 0');
        assert.equal(norm(two.stdout), norm(one.stdout), format);
        assert.equal(norm(three.stdout), norm(one.stdout), format);
        assert.equal(two.stderr, one.stderr, format);
        assert.equal(two.status, one.status, format);
      }
      const summary = runJson(['--jobs', '2'], dir).json.summary;
      assert.equal(summary.files, 17);
    });
  });

  describe('sarif format', () => {
    it('lists the rules that ran with their metadata', () => {
      const dir = project({ 'main.go': GO_SIGNAL });
      const r = run(['check', '--format', 'sarif'], dir);
      const log = JSON.parse(r.stdout);
      assert.equal(log.version, '2.1.0');
      assert.equal(log.runs.length, 1);
      const driver = log.runs[0].tool.driver;
      assert.equal(driver.name, 'steady');
      assert.equal(driver.version, VERSION);
      assert.deepEqual(driver.rules.map((x: { id: string }) => x.id), RULES.map((x) => x.code));
      const rule = driver.rules.find((x: { id: string }) => x.id === 'GO404');
      assert.equal(rule.name, 'signal-notify-without-sigterm');
      assert.deepEqual(rule.shortDescription, { text: GO404_RULE.summary });
      assert.equal(rule.helpUri, 'https://github.com/steady-dev/steady/blob/main/docs/rules/signal-notify-without-sigterm.md');
      assert.deepEqual(rule.defaultConfiguration, { level: 'warning' });
      const only = JSON.parse(run(['check', '--format', 'sarif', '--select', 'GO404'], dir).stdout);
      assert.deepEqual(only.runs[0].tool.driver.rules.map((x: { id: string }) => x.id), ['GO404']);
    });

    it('reports results with regions, rule indices and fixes', () => {
      const dir = project({ 'src/main.go': GO_SIGNAL });
      const r = run(['check', '--format', 'sarif', '--select', 'GO404'], dir);
      assert.equal(r.status, 1);
      const run0 = JSON.parse(r.stdout).runs[0];
      assert.equal(run0.columnKind, 'utf16CodeUnits');
      assert.equal(run0.originalUriBaseIds['%SRCROOT%'].uri, `file://${dir}/`);
      assert.equal(run0.results.length, 1);
      const res = run0.results[0];
      assert.equal(res.ruleId, 'GO404');
      assert.equal(run0.tool.driver.rules[res.ruleIndex].id, 'GO404');
      assert.equal(res.level, 'warning');
      assert.equal(res.message.text, GO404_MESSAGE);
      assert.deepEqual(res.locations[0].physicalLocation, {
        artifactLocation: { uri: 'src/main.go', uriBaseId: '%SRCROOT%' },
        region: { startLine: 10, startColumn: 2, endLine: 10, endColumn: 35 },
      });
      assert.equal(res.fixes.length, 1);
      assert.equal(res.fixes[0].description.text, 'Add syscall.SIGTERM to the trapped signals');
      assert.deepEqual(res.fixes[0].artifactChanges, [
        {
          artifactLocation: { uri: 'src/main.go', uriBaseId: '%SRCROOT%' },
          replacements: [
            { deletedRegion: { startLine: 10, startColumn: 34, endLine: 10, endColumn: 34 }, insertedContent: { text: ', syscall.SIGTERM' } },
            { deletedRegion: { startLine: 5, startColumn: 13, endLine: 5, endColumn: 13 }, insertedContent: { text: '\n\t"syscall"' } },
          ],
        },
      ]);
    });
  });
});
