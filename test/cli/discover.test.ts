/**
 * Which files `steady check` analyses: extensions and Python shebangs, skipped folders, nested .gitignore files,
 * explicitly named files, and symbolic links. The discovery module is also tested directly.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { discover } from '../../server/src/discover';
import { cleanProjects, GO_CLEAN, GO_SIGNAL, project, run, runJson } from './cli';

/** The files discover() finds under dir, relative to it. */
function found(dir: string, paths: string[] = ['.']): string[] {
  const notices: string[] = [];
  const d = discover(paths, { cwd: dir, onNotice: (m) => notices.push(m) });
  assert.deepEqual(d.errors, []);
  return d.files.map((f) => path.relative(dir, f.path).split(path.sep).join('/'));
}

describe('steady check file discovery', function () {
  this.timeout(600_000);
  after(cleanProjects);

  it('finds .go and .py files and extensionless files with a Python shebang', () => {
    const dir = project({
      'main.go': GO_CLEAN,
      'lib/util.py': 'x = 1\n',
      'lib/stubs.pyi': 'x: int\n',
      'bin/tool': '#!/usr/bin/env python3\nprint("hi")\n',
      'bin/tool2': '#!/usr/bin/python3.12 -u\nprint("hi")\n',
      'bin/tool3': '#! /usr/local/bin/python\nprint("hi")\n',
      'bin/deploy': '#!/bin/bash\necho hi\n',
      'bin/notes': 'print("not a script")\n',
      'bin/run.sh': '#!/usr/bin/env python3\nprint("an extension that is not .py")\n',
      'Makefile': 'all:\n\tgo build\n',
      'README.md': '# readme\n',
    });
    assert.deepEqual(found(dir), ['bin/tool', 'bin/tool2', 'bin/tool3', 'lib/stubs.pyi', 'lib/util.py', 'main.go']);
    const r = runJson([], dir);
    assert.equal(r.json.summary.files, 6);
    assert.equal(r.stderr, '');
  });

  it('analyses a Python script found by its shebang like any Python file', () => {
    const dir = project({ 'tool': '#!/usr/bin/env python3\nimport os\n\nprint(os.getcwd())\n' });
    const r = runJson(['tool'], dir);
    assert.equal(r.json.summary.files, 1);
    assert.equal(r.json.summary.lines, 4);
  });

  it('skips .git, node_modules, vendor, __pycache__, testdata and virtual environments', () => {
    const dir = project({
      'main.go': GO_SIGNAL,
      '.git/hooks/pre-commit.py': 'x = 1\n',
      'node_modules/pkg/x.py': 'x = 1\n',
      'vendor/github.com/x/y/y.go': GO_SIGNAL,
      'web/node_modules/z.go': GO_SIGNAL,
      'pkg/__pycache__/m.py': 'x = 1\n',
      'pkg/testdata/broken.go': GO_SIGNAL,
      '.venv/pyvenv.cfg': 'home = /usr/bin\n',
      '.venv/lib/site.py': 'x = 1\n',
      'env2/pyvenv.cfg': 'home = /usr/bin\n',
      'env2/lib/site.py': 'x = 1\n',
      'pkg/real.py': 'x = 1\n',
    });
    assert.deepEqual(found(dir), ['main.go', 'pkg/real.py']);
    const r = runJson(['--select', 'GO404'], dir);
    assert.deepEqual(r.json.diagnostics.map((d) => d.path), ['main.go']);
  });

  it('walks a skipped folder when it is named', () => {
    const dir = project({ 'vendor/x/y.go': GO_SIGNAL, 'vendor/x/node_modules/z.go': GO_SIGNAL });
    assert.deepEqual(found(dir, ['vendor']), ['vendor/x/y.go']);
  });

  it('honours .gitignore files, nested ones and negations', () => {
    const dir = project({
      '.gitignore': '# generated code\n/build/\n*_gen.go\n*.tmp.py\n',
      'main.go': GO_SIGNAL,
      'build/out.go': GO_SIGNAL,
      'api/api_gen.go': GO_SIGNAL,
      'api/api.go': GO_SIGNAL,
      'scratch.tmp.py': 'x = 1\n',
      'sub/.gitignore': 'local.py\n!keep_gen.go\nlogs/\n',
      'sub/local.py': 'x = 1\n',
      'sub/keep_gen.go': GO_SIGNAL,
      'sub/drop_gen.go': GO_SIGNAL,
      'sub/app.py': 'x = 1\n',
      'sub/logs/x.py': 'x = 1\n',
      'sub/deeper/local.py': 'x = 1\n',
      'other/local.py': 'x = 1\n',
      'other/build/kept.go': GO_SIGNAL,
    });
    const want = ['api/api.go', 'main.go', 'other/build/kept.go', 'other/local.py', 'sub/app.py', 'sub/keep_gen.go'];
    assert.deepEqual(found(dir), want);
    const r = runJson(['--select', 'GO404'], dir);
    assert.deepEqual(
      r.json.diagnostics.map((d) => d.path),
      ['api/api.go', 'main.go', 'other/build/kept.go', 'sub/keep_gen.go'],
    );
    assert.equal(r.json.summary.files, want.length);
  });

  it('applies the enclosing repository\'s .gitignore when a subfolder is named', () => {
    const dir = project({
      '.git/HEAD': 'ref: refs/heads/main\n',
      '.git/info/exclude': 'secret.py\n',
      '.gitignore': '*_gen.go\n',
      'src/a.go': GO_CLEAN,
      'src/a_gen.go': GO_CLEAN,
      'src/secret.py': 'x = 1\n',
    });
    assert.deepEqual(found(dir, ['src']), ['src/a.go']);
    assert.deepEqual(found(path.join(dir, 'src'), ['.']), ['a.go']);
  });

  it('analyses explicitly named files even when ignored or in skipped folders', () => {
    const dir = project({
      '.gitignore': '*_gen.go\n',
      'api_gen.go': GO_SIGNAL,
      'vendor/v.go': GO_SIGNAL,
      'tool': '#!/usr/bin/env python3\nx = 1\n',
    });
    const r = runJson(['--select', 'GO404', 'api_gen.go', 'vendor/v.go', 'tool'], dir);
    assert.deepEqual(r.json.diagnostics.map((d) => d.path), ['api_gen.go', 'vendor/v.go']);
    assert.equal(r.json.summary.files, 3);
    assert.equal(run(['check', '--select', 'GO404'], dir).stdout, 'Checked 1 file, no problems found\n');
  });

  it('checks each file once when paths overlap', () => {
    const dir = project({ 'pkg/main.go': GO_SIGNAL });
    const r = runJson(['--select', 'GO404', '.', 'pkg', 'pkg/main.go', './pkg/main.go'], dir);
    assert.equal(r.json.summary.files, 1);
    assert.equal(r.json.diagnostics.length, 1);
  });

  it('notes an explicitly named file of another language and skips it', () => {
    const dir = project({ 'notes.txt': 'hello\n', 'main.go': GO_SIGNAL });
    const r = run(['check', '--select', 'GO404', 'notes.txt', 'main.go'], dir);
    assert.equal(r.status, 1);
    assert.equal(r.stderr, 'steady: skipping notes.txt: not a Go or Python file\n');
  });

  it('survives symbolic link loops, broken links and links to folders', () => {
    const dir = project({ 'main.go': GO_SIGNAL, 'real/inner.go': GO_SIGNAL });
    symlinkSync('.', path.join(dir, 'real', 'loop'));
    symlinkSync('..', path.join(dir, 'real', 'up'));
    symlinkSync('self.go', path.join(dir, 'self.go'));
    symlinkSync('a.go', path.join(dir, 'b.go'));
    symlinkSync('b.go', path.join(dir, 'a.go'));
    symlinkSync('missing.go', path.join(dir, 'dangling.go'));
    symlinkSync('main.go', path.join(dir, 'alias.go'));
    symlinkSync('real', path.join(dir, 'linked'));
    const r = runJson(['--select', 'GO404'], dir);
    assert.equal(r.status, 1);
    assert.deepEqual(r.json.diagnostics.map((d) => d.path), ['main.go', 'real/inner.go']);
    const notices = r.stderr.trimEnd().split('\n').sort();
    assert.deepEqual(notices, [
      'steady: skipping a.go: too many levels of symbolic links (a symlink loop)',
      'steady: skipping b.go: too many levels of symbolic links (a symlink loop)',
      'steady: skipping dangling.go: broken symbolic link',
      'steady: skipping self.go: too many levels of symbolic links (a symlink loop)',
    ]);
    // A named link to a folder is followed.
    const named = runJson(['--select', 'GO404', 'linked'], dir);
    assert.deepEqual(named.json.diagnostics.map((d) => d.path), ['linked/inner.go']);
  });

  it('skips a FIFO without blocking', function () {
    const dir = project({ 'main.go': GO_CLEAN });
    try {
      execFileSync('mkfifo', [path.join(dir, 'pipe.py')]);
    } catch {
      this.skip();
    }
    const r = runJson(['--select', 'GO404'], dir);
    assert.equal(r.json.summary.files, 1);
    const named = run(['check', '--select', 'GO404', 'pipe.py', 'main.go'], dir);
    assert.equal(named.status, 0);
    assert.equal(named.stderr, 'steady: skipping pipe.py: not a regular file\n');
  });

  it('notes an unreadable folder and goes on', function () {
    if (!process.getuid) this.skip();
    // Root reads everything: as root, the check runs as nobody.
    const uid = process.getuid() === 0 ? 65534 : undefined;
    const dir = project({ 'main.go': GO_SIGNAL, 'locked/x.go': GO_SIGNAL });
    for (const p of [dir, path.join(dir, 'locked')]) chmodSync(p, 0o755);
    for (const p of ['main.go', 'locked/x.go']) chmodSync(path.join(dir, p), 0o644);
    chmodSync(path.join(dir, 'locked'), 0o000);
    try {
      const r = runJson(['--no-cache', '--select', 'GO404'], dir, uid);
      assert.deepEqual(r.json.diagnostics.map((d) => d.path), ['main.go']);
      assert.match(r.stderr, /^steady: skipping locked: permission denied$/m);
    } finally {
      chmodSync(path.join(dir, 'locked'), 0o755);
    }
  });

  it('reads .gitignore files written with CRLF line ends and comments', () => {
    const dir = project({ '.gitignore': '# comment\r\ngen/\r\n\r\n', 'gen/x.go': GO_SIGNAL, 'y.go': GO_CLEAN });
    mkdirSync(path.join(dir, 'empty'));
    writeFileSync(path.join(dir, 'empty', '.gitignore'), '');
    assert.deepEqual(found(dir), ['y.go']);
  });
});
