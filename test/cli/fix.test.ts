/**
 * `steady check --fix`: safe fixes are written in place and reported, the remaining diagnostics printed, and a
 * file is never rewritten with code that parses worse. The guard and the rule-failure report are also tested on
 * checkFile() directly with rules made for the purpose.
 */
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { checkFile } from '../../server/src/checkFile';
import { noticesOf } from '../../server/src/cli';
import type { Node } from '../../server/src/engine/syntax';
import { defineRule, type Rule, type TextEdit } from '../../server/src/engine/rule';
import { loadLanguages } from '../../server/src/languages';
import { cleanProjects, GO_SIGNAL, GO_SIGNAL_FIXED, project, run, runJson } from './cli';

/** A Go rule for the tests: reports every `signal.Notify` call, with the fix the test gives. */
function notifyRule(code: string, fix: (node: Node) => TextEdit[]): Rule {
  return defineRule({
    code,
    name: `test-rule-${code.toLowerCase()}`,
    language: 'go',
    category: 'shutdown/lifecycle',
    severity: 'warning',
    fix: 'always',
    summary: 'A rule made for the CLI tests.',
    kinds: ['call_expression'],
    docs: { whatItDoes: 'x', whyBad: 'x', example: 'x', useInstead: 'x', fixSafety: 'x' },
    check(node, ctx) {
      if (!ctx.textOf(node).startsWith('signal.Notify')) return;
      ctx.report({ node, message: 'test finding', fixes: [{ title: 'Change it', applicability: 'safe', edits: fix(node) }] });
    },
  });
}

describe('steady check --fix', function () {
  this.timeout(600_000);
  after(cleanProjects);

  it('rewrites the file with the safe fixes and reports how many were applied', () => {
    const dir = project({ 'cmd/main.go': GO_SIGNAL, 'ok.go': GO_SIGNAL_FIXED });
    const r = run(['check', '--fix', '--select', 'GO404'], dir);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.equal(readFileSync(path.join(dir, 'cmd/main.go'), 'utf8'), GO_SIGNAL_FIXED);
    assert.equal(readFileSync(path.join(dir, 'ok.go'), 'utf8'), GO_SIGNAL_FIXED);
    assert.equal(r.stdout, 'Fixed 1 problem in 1 file\nChecked 2 files, no problems found\n');
    assert.equal(r.stderr, '');
    // A second run finds nothing left to fix.
    const again = run(['check', '--fix', '--select', 'GO404'], dir);
    assert.equal(again.stdout, 'Fixed 0 problems in 0 files\nChecked 2 files, no problems found\n');
  });

  it('reports the fix counts in the JSON summary and only the diagnostics that remain', () => {
    const twice = GO_SIGNAL.replace('\t<-quit\n', '\t<-quit\n\tsignal.Notify(quit, os.Interrupt)\n');
    const dir = project({ 'a.go': twice, 'b.go': GO_SIGNAL });
    const r = runJson(['--fix', '--select', 'GO404'], dir);
    assert.equal(r.status, 0);
    assert.deepEqual(r.json.summary.fixed, { fixes: 3, files: 2 });
    assert.deepEqual(r.json.diagnostics, []);
    assert.equal(
      readFileSync(path.join(dir, 'a.go'), 'utf8'),
      GO_SIGNAL_FIXED.replace('\t<-quit\n', '\t<-quit\n\tsignal.Notify(quit, os.Interrupt, syscall.SIGTERM)\n'),
    );
  });

  it('keeps a byte order mark and CRLF line ends', () => {
    const crlf = (s: string): string => s.replace(/\n/g, '\r\n');
    const dir = project({ 'main.go': '\ufeff' + crlf(GO_SIGNAL) });
    const before = runJson(['--select', 'GO404'], dir);
    assert.deepEqual(before.json.diagnostics[0].range.start, { line: 10, column: 2 });
    const r = run(['check', '--fix', '--select', 'GO404'], dir);
    assert.equal(r.status, 0, r.stdout);
    const fixed = readFileSync(path.join(dir, 'main.go'), 'utf8');
    assert.ok(fixed.startsWith('\ufeffpackage main\r\n'));
    assert.ok(fixed.includes('signal.Notify(quit, os.Interrupt, syscall.SIGTERM)\r\n'));
  });

  it('does not touch files with nothing to fix', () => {
    const dir = project({ 'main.go': GO_SIGNAL_FIXED });
    const file = path.join(dir, 'main.go');
    const { mtimeMs } = statSync(file);
    run(['check', '--fix'], dir);
    assert.equal(statSync(file).mtimeMs, mtimeMs);
  });

  describe('checkFile', () => {
    before(() => loadLanguages());

    it('never writes a fix that would add syntax errors', () => {
      const dir = project({ 'main.go': GO_SIGNAL });
      const file = path.join(dir, 'main.go');
      // A "fix" that deletes the call's closing parenthesis.
      const breaking = notifyRule('GO991', (n) => [{ start: n.endIndex - 1, end: n.endIndex, newText: '' }]);
      const report = checkFile({ path: file, language: 'go', explicit: true }, { rules: [breaking], fix: true, cwd: dir });
      assert.equal(readFileSync(file, 'utf8'), GO_SIGNAL);
      assert.equal(report.fixesApplied, 0);
      assert.deepEqual(report.diagnostics.map((d) => d.rule), ['GO991']);
    });

    it('applies the fixes that keep the code parsing', () => {
      const dir = project({ 'main.go': GO_SIGNAL });
      const file = path.join(dir, 'main.go');
      const renaming = notifyRule('GO992', (n) => [{ start: n.startIndex, end: n.startIndex + 'signal.Notify'.length, newText: 'signal.Ignore' }]);
      const report = checkFile({ path: file, language: 'go', explicit: true }, { rules: [renaming], fix: true, cwd: dir });
      assert.equal(report.fixesApplied, 1);
      assert.equal(readFileSync(file, 'utf8'), GO_SIGNAL.replace('signal.Notify', 'signal.Ignore'));
      assert.deepEqual(report.diagnostics, []);
    });

    it('does not overwrite a file that changed while it was checked', () => {
      const dir = project({ 'main.go': GO_SIGNAL });
      const file = path.join(dir, 'main.go');
      let calls = 0;
      const racing = notifyRule('GO993', (n) => {
        // The user saves the file while the fix is being computed.
        if (calls++ === 0) writeFileSync(file, GO_SIGNAL + '// edited\n');
        return [{ start: n.startIndex, end: n.startIndex + 'signal.Notify'.length, newText: 'signal.Ignore' }];
      });
      const report = checkFile({ path: file, language: 'go', explicit: true }, { rules: [racing], fix: true, cwd: dir });
      assert.equal(readFileSync(file, 'utf8'), GO_SIGNAL + '// edited\n');
      assert.equal(report.fixesApplied, 0);
      assert.deepEqual(report.notices, ['not fixing main.go: it changed while it was being checked']);
    });

    it('reports a rule that throws once, and keeps the other rules\' findings', () => {
      const dir = project({ 'main.go': GO_SIGNAL + GO_SIGNAL.slice(GO_SIGNAL.indexOf('\nfunc')).replace('main()', 'other()') });
      const throwing = defineRule({
        ...notifyRule('GO994', () => []),
        check() {
          throw new TypeError('cannot read properties of undefined');
        },
      });
      const fine = notifyRule('GO995', () => []);
      const report = checkFile({ path: path.join(dir, 'main.go'), language: 'go', explicit: false }, { rules: [throwing, fine], fix: false, cwd: dir });
      assert.deepEqual(report.failures, [{ rule: 'GO994', message: 'TypeError: cannot read properties of undefined' }]);
      assert.deepEqual(noticesOf(report), ['rule GO994 failed on main.go: TypeError: cannot read properties of undefined']);
      assert.deepEqual(report.diagnostics.map((d) => `${d.rule}:${d.range.start.line}`), ['GO995:10', 'GO995:16']);
    });
  });
});
