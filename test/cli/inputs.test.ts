/**
 * Inputs that must not crash `steady check`: binary files, invalid UTF-8, large files, deep nesting, empty files.
 * Each is checked next to a file with a known finding, which must still be reported.
 */
import assert from 'node:assert/strict';
import { existsSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { cleanProjects, GO_SIGNAL, project, run, runJson } from './cli';

/** Go source nested `depth` blocks deep inside one function, plus a call nested as deep. */
function deepGo(depth: number): string {
  const open = '\tif x {\n'.repeat(depth);
  const close = '\t}\n'.repeat(depth);
  const call = 'f('.repeat(depth) + '0' + ')'.repeat(depth);
  return `package deep\n\nfunc f(x int) int { return x }\n\nfunc g(x bool) {\n${open}\t_ = ${call}\n${close}}\n`;
}

/** Python source nested `depth` blocks deep (one space of indentation per level), plus a list nested as deep. */
function deepPython(depth: number): string {
  let s = 'def g(x):\n';
  for (let i = 1; i <= depth; i++) s += `${' '.repeat(i)}if x:\n`;
  s += `${' '.repeat(depth + 1)}y = ${'['.repeat(depth)}${']'.repeat(depth)}\n`;
  s += `z = ${'('.repeat(depth)}1${')'.repeat(depth)}\n`;
  return s;
}

describe('steady check inputs that must not crash', function () {
  this.timeout(600_000);
  after(cleanProjects);

  it('skips binary and invalid UTF-8 files with a notice, without changing the exit status', () => {
    const dir = project({
      'main.go': GO_SIGNAL,
      'blob.go': Buffer.concat([Buffer.from('package x\n'), Buffer.from([0, 1, 2, 0xff]), Buffer.from('\n')]),
      'latin1.py': Buffer.from('# caf\xe9\nx = 1\n', 'latin1'),
      'truncated.go': Buffer.concat([Buffer.from('package x // \xe2'), Buffer.from([0xe2, 0x82])]),
    });
    const r = runJson(['--select', 'GO404'], dir);
    assert.equal(r.status, 1);
    assert.deepEqual(r.json.diagnostics.map((d) => d.path), ['main.go']);
    assert.equal(r.json.summary.files, 1);
    assert.deepEqual(r.stderr.trimEnd().split('\n'), [
      'steady: skipping blob.go: binary file (contains NUL bytes)',
      'steady: skipping latin1.py: not valid UTF-8',
      'steady: skipping truncated.go: not valid UTF-8',
    ]);
    // Named explicitly, they are still skipped with a notice, not a usage error.
    const named = run(['check', '--select', 'GO404', 'blob.go', 'latin1.py'], dir);
    assert.equal(named.status, 0);
    assert.equal(named.stderr.trimEnd().split('\n').length, 2);
    assert.equal(run(['check', '--select', 'GO404', 'blob.go'], project({ 'blob.go': Buffer.from([0]) })).status, 0);
  });

  it('notes an unreadable file, and exits with status 2 only when it was named', function () {
    // Reading /proc/self/mem from its start fails with EIO, even for root, for whoever reads it.
    if (!existsSync('/proc/self/mem')) this.skip();
    const dir = project({ 'main.go': GO_SIGNAL });
    symlinkSync('/proc/self/mem', path.join(dir, 'mem.go'));
    const walked = run(['check', '--select', 'GO404'], dir);
    assert.equal(walked.status, 1);
    assert.equal(walked.stderr, 'steady: cannot read mem.go: input/output error\n');
    const named = run(['check', '--select', 'GO404', 'mem.go', 'main.go'], dir);
    assert.equal(named.status, 2);
    assert.equal(named.stderr, 'steady: cannot read mem.go: input/output error\n');
    assert.match(named.stdout, /^main\.go:10:2: GO404/);
    const shebangCheck = run(['check', '/proc/self/mem'], dir);
    assert.equal(shebangCheck.status, 2);
    assert.equal(shebangCheck.stderr, 'steady: /proc/self/mem: input/output error\n');
  });

  it('checks a 5 MB file', () => {
    const unit = 'func f%d(x int) int {\n\tif x > 0 {\n\t\treturn x * 2\n\t}\n\treturn -x\n}\n\n';
    let body = '';
    for (let i = 0; body.length < 5 * 1024 * 1024; i++) body += unit.replace('%d', String(i));
    const big = `package big\n\n${body}`;
    const dir = project({ 'big.go': big, 'main.go': GO_SIGNAL });
    const r = runJson(['--select', 'GO404'], dir);
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.json.summary.files, 2);
    assert.equal(r.json.summary.lines, big.split('\n').length - 1 + 12);
    assert.deepEqual(r.json.diagnostics.map((d) => d.path), ['main.go']);
    assert.equal(r.stderr, '');
  });

  it('skips a file larger than 10 MB with a notice', () => {
    const huge = `package huge\n\n${'// padding padding padding padding padding padding padding\n'.repeat(190_000)}`;
    assert.ok(huge.length > 10 * 1024 * 1024);
    const dir = project({ 'huge.go': huge, 'main.go': GO_SIGNAL });
    const r = runJson(['--select', 'GO404'], dir);
    assert.equal(r.status, 1);
    assert.equal(r.json.summary.files, 1);
    assert.equal(r.stderr, 'steady: skipping huge.go: larger than 10 MB\n');
  });

  it('checks 3,000-level nesting in Go and Python with every rule', () => {
    const dir = project({ 'deep.go': deepGo(3000), 'deep.py': deepPython(3000), 'main.go': GO_SIGNAL });
    for (const jobs of ['1', '2']) {
      const r = runJson(['--jobs', jobs], dir);
      assert.ok(r.status === 0 || r.status === 1, `exit ${r.status}: ${r.stderr}`);
      assert.equal(r.json.summary.files, 3);
      assert.ok(r.json.diagnostics.some((d) => d.path === 'main.go' && d.rule === 'GO404'));
      assert.doesNotMatch(r.stderr, /crashed|internal error|Maximum call stack/);
    }
  });

  it('checks 10,000-level nesting without overflowing a stack', () => {
    const d = 10_000;
    const py = `def g(x):\n    y = ${'['.repeat(d)}${']'.repeat(d)}\n    z = ${'('.repeat(d)}1${')'.repeat(d)}\n`;
    const dir = project({ 'deep.go': deepGo(d), 'deep.py': py, 'main.go': GO_SIGNAL });
    const r = runJson(['--jobs', '1'], dir);
    assert.ok(r.status === 0 || r.status === 1, `exit ${r.status}: ${r.stderr}`);
    assert.equal(r.json.summary.files, 3);
    assert.ok(r.json.diagnostics.some((x) => x.path === 'main.go' && x.rule === 'GO404'));
    assert.doesNotMatch(r.stderr, /crashed|internal error|Maximum call stack|failed on/);
  });

  it('checks empty files and files of blank lines', () => {
    const dir = project({ 'empty.go': '', 'empty.py': '', 'blank.py': '\n\n\n', 'tool': '#!/usr/bin/env python3\n', 'main.go': GO_SIGNAL });
    const r = runJson([], dir);
    assert.ok(r.status === 0 || r.status === 1);
    assert.equal(r.json.summary.files, 5);
    assert.equal(r.json.summary.lines, 0 + 0 + 3 + 1 + 12);
    assert.equal(r.stderr, '');
  });

  it('checks files whose syntax is broken', () => {
    const dir = project({
      'broken.go': 'package x\n\nfunc (( {\n\tsignal.Notify(quit, os.Interrupt\n',
      'broken.py': 'def f(:\n    return [\n',
      'main.go': GO_SIGNAL,
    });
    const r = runJson([], dir);
    assert.ok(r.status === 0 || r.status === 1, r.stderr);
    assert.equal(r.json.summary.files, 3);
    assert.ok(r.json.diagnostics.some((d) => d.path === 'main.go' && d.rule === 'GO404'));
  });
});
