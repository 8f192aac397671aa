/**
 * `steady check` and its result cache in `.steady_cache/`: a warm run gives the same output, reads unchanged files
 * from the cache (shown by planting a marker message in it), re-checks what changed, obeys --no-cache, survives a
 * corrupted cache, and never serves a file that --fix rewrites.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildCli, cleanProjects, GO404_MESSAGE, GO_CLEAN, GO_SIGNAL, GO_SIGNAL_FIXED, project, run, runJson } from './cli';

const CACHE = path.join('.steady_cache', 'results.json');
const MARKER = 'served from the cache';

/** The JSON report without its timing, which differs between runs. */
function stable(stdout: string): unknown {
  const r = JSON.parse(stdout) as { summary: { durationMs?: number } };
  delete r.summary.durationMs;
  return r;
}

/** Rewrites every cached GO404 message to MARKER, so a run that reads the cache shows it. */
function plantMarker(dir: string): void {
  const file = path.join(dir, CACHE);
  const data = JSON.parse(readFileSync(file, 'utf8'));
  let planted = 0;
  for (const e of Object.values<any>(data.entries)) {
    for (const d of e.v.diagnostics) {
      if (d.rule === 'GO404') {
        d.message = MARKER;
        planted++;
      }
    }
  }
  assert.ok(planted > 0, 'the cache holds the GO404 finding');
  writeFileSync(file, JSON.stringify(data));
}

describe('steady check: result cache', function () {
  this.timeout(600_000);
  before(() => {
    buildCli();
  });
  after(cleanProjects);

  it('creates .steady_cache/ with a .gitignore, and a warm run prints exactly the same', () => {
    const dir = project({ 'a.go': GO_SIGNAL, 'b.go': GO_CLEAN, 'pkg/c.go': GO_SIGNAL });
    const cold = run(['check'], dir);
    assert.equal(cold.status, 1, cold.stderr);
    assert.equal(readFileSync(path.join(dir, '.steady_cache', '.gitignore'), 'utf8').trim().split('\n').pop(), '*');
    assert.ok(existsSync(path.join(dir, CACHE)));
    const warm = run(['check'], dir);
    assert.equal(warm.status, cold.status);
    assert.equal(warm.stdout, cold.stdout);
    assert.equal(warm.stderr, cold.stderr);
    const coldJson = run(['check', '--format', 'json'], dir);
    const warmJson = run(['check', '--format', 'json'], dir);
    assert.deepEqual(stable(warmJson.stdout), stable(coldJson.stdout));
    const sarif = [run(['check', '--format', 'sarif', '--no-cache'], dir).stdout, run(['check', '--format', 'sarif'], dir).stdout];
    assert.equal(sarif[1], sarif[0]);
  });

  it('serves unchanged files from the cache and re-checks changed ones', () => {
    const dir = project({ 'a.go': GO_SIGNAL, 'b.go': GO_SIGNAL });
    run(['check'], dir);
    plantMarker(dir);
    writeFileSync(path.join(dir, 'b.go'), GO_SIGNAL.replace('func main', '// changed\nfunc main'));
    const r = runJson([], dir);
    const byPath = new Map(r.json.diagnostics.filter((d) => d.rule === 'GO404').map((d) => [d.path, d.message]));
    assert.equal(byPath.get('a.go'), MARKER, 'unchanged: from the cache');
    assert.equal(byPath.get('b.go'), GO404_MESSAGE, 'changed: checked again');
  });

  it('keys results by the rules that run', () => {
    const dir = project({ 'a.go': GO_SIGNAL });
    run(['check'], dir);
    plantMarker(dir);
    const r = runJson(['--select', 'GO404'], dir);
    assert.equal(r.json.diagnostics.length, 1);
    assert.equal(r.json.diagnostics[0].message, GO404_MESSAGE);
  });

  it('--no-cache neither reads nor writes the cache', () => {
    const dir = project({ 'a.go': GO_SIGNAL });
    const none = run(['check', '--no-cache'], dir);
    assert.equal(none.status, 1);
    assert.equal(existsSync(path.join(dir, '.steady_cache')), false);
    run(['check'], dir);
    plantMarker(dir);
    const before = readFileSync(path.join(dir, CACHE), 'utf8');
    const r = runJson(['--no-cache'], dir);
    assert.equal(r.json.diagnostics.find((d) => d.rule === 'GO404')?.message, GO404_MESSAGE);
    assert.equal(readFileSync(path.join(dir, CACHE), 'utf8'), before);
  });

  for (const [what, text] of [
    ['corrupted', '{"format":"steady-result-cache","schema":1,\u0000garbage'],
    ['truncated', '{"format":"steady-result-cache","sch'],
    ['foreign', '{"version":3,"files":{"a.go":"ok"}}'],
  ] as const) {
    it(`discards a ${what} cache with a notice and gives the right result`, () => {
      const dir = project({ 'a.go': GO_SIGNAL, 'b.go': GO_CLEAN });
      const clean = run(['check', '--no-cache'], dir);
      run(['check'], dir);
      writeFileSync(path.join(dir, CACHE), text);
      const r = run(['check'], dir);
      assert.equal(r.status, clean.status);
      assert.equal(r.stdout, clean.stdout);
      assert.match(r.stderr, /^steady: discarding the cache .*results\.json: /m);
      const rewritten = JSON.parse(readFileSync(path.join(dir, CACHE), 'utf8'));
      assert.equal(rewritten.format, 'steady-result-cache');
      assert.equal(run(['check'], dir).stderr, '', 'the next run trusts the rewritten cache');
    });
  }

  it('--fix rewrites files whose cached result has a safe fix, and reports what remains', () => {
    const dir = project({ 'a.go': GO_SIGNAL, 'b.go': GO_CLEAN });
    run(['check'], dir);
    plantMarker(dir);
    const r = runJson(['--fix', '--select', 'GO404'], dir);
    assert.equal(readFileSync(path.join(dir, 'a.go'), 'utf8'), GO_SIGNAL_FIXED);
    assert.deepEqual(r.json.diagnostics, []);
    assert.deepEqual(r.json.summary.fixed, { fixes: 1, files: 1 });
    const again = runJson(['--select', 'GO404'], dir);
    assert.deepEqual(again.json.diagnostics, []);
  });

  it('forgets files that no longer exist', () => {
    const dir = project({ 'a.go': GO_SIGNAL, 'gone.go': GO_SIGNAL });
    run(['check'], dir);
    writeFileSync(path.join(dir, 'a.go'), GO_CLEAN);
    rmSync(path.join(dir, 'gone.go'));
    run(['check'], dir);
    const entries = Object.keys(JSON.parse(readFileSync(path.join(dir, CACHE), 'utf8')).entries);
    assert.deepEqual(entries.map((e) => path.basename(e)), ['a.go']);
  });
});
