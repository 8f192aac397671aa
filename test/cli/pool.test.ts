/**
 * The worker pool of `steady check`: a worker that dies on a file costs only that file, and a worker that cannot
 * start fails the run instead of being restarted for ever. Stand-in worker scripts play the misbehaving workers.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { checkFiles } from '../../server/src/checkPool';
import type { SourceFile } from '../../server/src/discover';
import { cleanProjects, project } from './cli';

/** A worker that answers like a check worker, but dies on files whose name contains "crash". */
const CRASHING_WORKER = `
const { parentPort } = require('node:worker_threads');
const path = require('node:path');
parentPort.on('message', ({ id, file }) => {
  if (file.path.includes('crash')) throw new Error('wasm trap on ' + path.basename(file.path));
  parentPort.postMessage({ id, report: { path: path.basename(file.path), explicit: false, status: 'checked', lines: 1,
    diagnostics: [], fixesApplied: 0, failures: [], notices: [] } });
});
parentPort.postMessage({ ready: true });
`;

describe('steady check worker pool', function () {
  this.timeout(60_000);
  after(cleanProjects);

  const filesIn = (dir: string, names: string[]): SourceFile[] =>
    names.map((n) => ({ path: path.join(dir, n), language: 'go' as const, explicit: false }));

  it('reports a file whose worker died and checks the others on a new worker', async () => {
    const names = ['a.go', 'b.go', 'crash1.go', 'c.go', 'd.go', 'crash2.go', 'e.go', 'f.go', 'g.go'];
    const dir = project({ 'worker.js': CRASHING_WORKER, ...Object.fromEntries(names.map((n) => [n, 'package x\n'])) });
    const reports = await checkFiles(filesIn(dir, names), {
      rules: [],
      fix: false,
      cwd: dir,
      jobs: 2,
      workerScript: path.join(dir, 'worker.js'),
    });
    assert.equal(reports.length, names.length);
    reports.forEach((r, i) => {
      if (names[i].startsWith('crash')) {
        assert.equal(r.status, 'skipped');
        assert.deepEqual(r.notices, [`skipping ${names[i]}: the analysis crashed: wasm trap on ${names[i]}`]);
      } else {
        assert.equal(r.status, 'checked', names[i]);
        assert.equal(r.path, names[i]);
      }
    });
  });

  it('fails when a worker cannot start', async () => {
    const names = ['a.go', 'b.go', 'c.go', 'd.go', 'e.go', 'f.go', 'g.go', 'h.go'];
    const dir = project({ 'worker.js': "throw new Error('cannot load the grammars');\n" });
    await assert.rejects(
      checkFiles(filesIn(dir, names), { rules: [], fix: false, cwd: dir, jobs: 2, workerScript: path.join(dir, 'worker.js') }),
      /cannot load the grammars/,
    );
  });
});
