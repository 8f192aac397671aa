/** The client's restart policy for a server that dies: restart, but not forever. */
import assert from 'node:assert/strict';
import { CrashPolicy } from '../../client/src/crashPolicy';

describe('crash restart policy', () => {
  it('restarts until the fifth crash within three minutes, then gives up with a message', () => {
    const p = new CrashPolicy();
    for (let i = 0; i < 4; i++) assert.deepEqual(p.onCrash(i * 1000), { restart: true });
    const last = p.onCrash(5000);
    assert.equal(last.restart, false);
    assert.match(last.message!, /stopped unexpectedly 5 times in 3 minutes/);
    assert.match(last.message!, /Steady: Restart Server/);
  });
  it('forgets crashes older than the window', () => {
    const p = new CrashPolicy(3, 60_000);
    assert.equal(p.onCrash(0).restart, true);
    assert.equal(p.onCrash(1000).restart, true);
    assert.equal(p.onCrash(61_500).restart, true, 'the first two are out of the window');
    assert.equal(p.onCrash(62_000).restart, true);
    assert.equal(p.onCrash(62_500).restart, false);
  });
  it('starts counting again after a manual restart', () => {
    const p = new CrashPolicy(2, 60_000);
    p.onCrash(0);
    assert.equal(p.onCrash(1).restart, false);
    p.reset();
    assert.equal(p.onCrash(2).restart, true);
  });
});
