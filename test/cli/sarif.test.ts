/**
 * The SARIF output validates against the SARIF 2.1.0 JSON schema (the rtm.5 schema file that
 * @microsoft/jest-sarif ships; a draft-04 schema, hence ajv-draft-04).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import type { Log } from 'sarif';
import { cleanProjects, GO_CLEAN, GO_SIGNAL, project, run } from './cli';

const SCHEMA_FILE = require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');

/** A validator of SARIF 2.1.0 logs: returns the schema violations, none when the log is valid. */
function sarifValidator(): (log: unknown) => string {
  // The schema's language-tag pattern is not valid in Unicode mode, so compile patterns as plain regular expressions.
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats(ajv);
  const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')));
  return (log) => (validate(log) ? '' : JSON.stringify(validate.errors, null, 2));
}

describe('steady check --format sarif', function () {
  this.timeout(600_000);
  after(cleanProjects);

  it('validates against the SARIF 2.1.0 schema, with results, fixes and notices', () => {
    const validate = sarifValidator();
    const dir = project({
      'main.go': GO_SIGNAL,
      'dir with space/ünïcode.go': GO_SIGNAL,
      'clean.go': GO_CLEAN,
      'blob.py': Buffer.from([0x00, 0x01]),
      'app.py': 'import threading\n\nlock = threading.Lock()\n\n\ndef f(items):\n    lock.acquire()\n    try:\n        for x in items:\n            items.remove(x)\n    except:\n        pass\n',
    });
    const r = run(['check', '--format', 'sarif'], dir);
    assert.equal(r.status, 1, r.stderr);
    const log = JSON.parse(r.stdout) as Log;
    assert.equal(validate(log), '');
    const results = log.runs[0].results ?? [];
    const go404 = results.filter((x) => x.ruleId === 'GO404').map((x) => x.locations?.[0].physicalLocation?.artifactLocation?.uri);
    assert.deepEqual(go404, ['dir%20with%20space/%C3%BCn%C3%AFcode.go', 'main.go']);
    const notes = log.runs[0].invocations?.[0].toolExecutionNotifications ?? [];
    assert.deepEqual(notes.map((n) => n.message.text), ['skipping blob.py: binary file (contains NUL bytes)']);
    // The validator is not vacuous: a 0-based line or an unknown level is rejected.
    const bad = JSON.parse(r.stdout) as Log;
    bad.runs[0].results![0].locations![0].physicalLocation!.region!.startLine = 0;
    assert.match(validate(bad), /startLine/);
    const badLevel = JSON.parse(r.stdout);
    badLevel.runs[0].results[0].level = 'info';
    assert.notEqual(validate(badLevel), '');
  });

  it('validates with no results, with every rule listed', () => {
    const validate = sarifValidator();
    const dir = project({ 'clean.go': GO_CLEAN });
    const r = run(['check', '--format', 'sarif', '--select', 'GO404'], dir);
    assert.equal(r.status, 0);
    const log = JSON.parse(r.stdout) as Log;
    assert.equal(validate(log), '');
    assert.deepEqual(log.runs[0].results, []);
    const all = JSON.parse(run(['check', '--format', 'sarif'], dir).stdout) as Log;
    assert.equal(validate(all), '');
  });

  it('validates after --fix', () => {
    const validate = sarifValidator();
    const dir = project({ 'main.go': GO_SIGNAL });
    const r = run(['check', '--format', 'sarif', '--fix', '--select', 'GO404'], dir);
    assert.equal(r.status, 0);
    const log = JSON.parse(r.stdout) as Log;
    assert.equal(validate(log), '');
    assert.deepEqual(log.runs[0].results, []);
    assert.deepEqual(log.runs[0].properties, { fixesApplied: 1, filesFixed: 1 });
  });
});
