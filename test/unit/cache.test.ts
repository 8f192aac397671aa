/** The result cache: keys, persistence, atomic saves, and distrust of every file that is not exactly what it wrote. */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CACHE_FILE, contentHash, ResultCache, RULESET_VERSION } from '../../server/src/cache';
import { isCachedFileResult } from '../../server/src/checkCache';

interface Value {
  n: number;
}
const isValue = (v: unknown): v is Value => !!v && typeof v === 'object' && typeof (v as Value).n === 'number';

describe('result cache', () => {
  let dir: string;
  let logs: string[];
  const key = { contentHash: contentHash('package main\n'), configHash: 'cfg1' };
  const open = () => ResultCache.open<Value>(dir, { gitignore: true, onLog: (m) => logs.push(m), validate: isValue });
  const file = () => path.join(dir, CACHE_FILE);

  beforeEach(() => {
    dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'steady-cache-')), '.steady_cache');
    logs = [];
  });
  afterEach(() => rmSync(path.dirname(dir), { recursive: true, force: true }));

  it('hashes bytes and text alike with sha256', () => {
    assert.equal(contentHash('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    assert.equal(contentHash(Buffer.from('abc')), contentHash('abc'));
    assert.match(RULESET_VERSION, /^\d+\.\d+\.\d+.*\+[0-9a-f]{16}$/);
  });

  it('returns a value only when content hash and configuration hash both match', () => {
    const c = open();
    c.set('/p/a.go', key, { n: 1 });
    assert.deepEqual(c.get('/p/a.go', key), { n: 1 });
    assert.equal(c.get('/p/a.go', { ...key, configHash: 'cfg2' }), undefined);
    assert.equal(c.get('/p/a.go', { ...key, contentHash: contentHash('package other\n') }), undefined);
    assert.equal(c.get('/p/b.go', key), undefined);
    c.delete('/p/a.go');
    assert.equal(c.get('/p/a.go', key), undefined);
  });

  it('persists across opens, with a .gitignore in the folder, and starts empty without a file', () => {
    const c = open();
    assert.equal(c.size, 0);
    c.set('/p/a.go', key, { n: 7 });
    c.save();
    assert.equal(readFileSync(path.join(dir, '.gitignore'), 'utf8').split('\n').includes('*'), true);
    const again = open();
    assert.deepEqual(again.get('/p/a.go', key), { n: 7 });
    assert.deepEqual(logs, []);
  });

  it('saves atomically: no temporary file is left, and an unchanged cache is not rewritten', () => {
    const c = open();
    c.set('/p/a.go', key, { n: 1 });
    c.save();
    assert.deepEqual(readdirSync(dir).sort(), ['.gitignore', CACHE_FILE]);
    writeFileSync(file(), 'sentinel');
    c.save(); // nothing changed since the last save
    assert.equal(readFileSync(file(), 'utf8'), 'sentinel');
  });

  it('never throws when it cannot save, and reports why', () => {
    mkdirSync(path.dirname(dir), { recursive: true });
    writeFileSync(dir, 'a file where the folder should be');
    const errors: string[] = [];
    const c = ResultCache.open<Value>(dir);
    c.set('/p/a.go', key, { n: 1 });
    assert.doesNotThrow(() => c.save((m) => errors.push(m)));
    assert.equal(errors.length, 1);
    assert.match(errors[0], /cannot write the cache/);
  });

  it('stores nothing when disabled', () => {
    const c = ResultCache.disabled<Value>();
    c.set('/p/a.go', key, { n: 1 });
    assert.equal(c.get('/p/a.go', key), undefined);
    c.save();
    assert.equal(c.dir, undefined);
  });

  const bad: [string, (valid: string) => string, RegExp][] = [
    ['truncated', (valid) => valid.slice(0, valid.length - 10), /not valid JSON/],
    ['corrupted bytes', (valid) => valid.replace(/"n":1/, '"n":\u0000\u0001'), /not valid JSON/],
    ['empty', () => '', /not valid JSON/],
    ['foreign JSON', () => JSON.stringify({ name: 'some-other-tool', entries: {} }), /not a Steady cache file/],
    ['a JSON array', () => '[1,2,3]', /not a Steady cache file/],
    ['another rule-set version', (valid) => valid.replace(RULESET_VERSION, '0.0.1+0000000000000000'), /another rule-set version/],
    ['another layout version', (valid) => valid.replace('"schema":1', '"schema":99'), /layout version 99/],
    ['an entry without a hash', (valid) => valid.replace(/"h":"[0-9a-f]+",/, ''), /entry for \/p\/a.go is malformed/],
    ['an entry with a malformed value', (valid) => valid.replace('"n":1', '"n":"one"'), /malformed value/],
    ['entries that are not an object', (valid) => valid.replace(/"entries":\{.*\}\}$/, '"entries":[]}'), /entries are malformed/],
  ];
  for (const [what, spoil, why] of bad) {
    it(`discards a cache file that is ${what}, with a log line, and replaces it on save`, () => {
      const c = open();
      c.set('/p/a.go', key, { n: 1 });
      c.set('/p/b.go', key, { n: 2 });
      c.save();
      const valid = readFileSync(file(), 'utf8');
      writeFileSync(file(), spoil(valid));
      const reopened = open();
      assert.equal(reopened.size, 0, 'nothing of a distrusted file is kept');
      assert.equal(reopened.get('/p/b.go', key), undefined);
      assert.equal(logs.length, 1, logs.join('\n'));
      assert.match(logs[0], /discarding the cache/);
      assert.match(logs[0], why);
      reopened.save();
      assert.equal(open().size, 0);
      assert.equal(JSON.parse(readFileSync(file(), 'utf8')).ruleset, RULESET_VERSION, 'the bad file was replaced');
    });
  }

  it('ignores a cache folder that does not exist until something is saved', () => {
    const c = open();
    c.save();
    assert.equal(existsSync(dir), false);
  });

  it('checks the shape of the CLI values', () => {
    const d = {
      path: 'a.go',
      rule: 'GO404',
      name: 'signal-notify-without-sigterm',
      category: 'shutdown/lifecycle',
      severity: 'warning',
      message: 'm',
      range: { start: { line: 1, column: 1 }, end: { line: 1, column: 2 } },
      fixes: [{ title: 'T', applicability: 'safe', edits: [{ range: { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } }, newText: 'x' }] }],
    };
    assert.equal(isCachedFileResult({ lines: 3, diagnostics: [d], failures: [] }), true);
    assert.equal(isCachedFileResult({ lines: 3, diagnostics: [{ ...d, severity: 'fatal' }], failures: [] }), false);
    assert.equal(isCachedFileResult({ lines: 3, diagnostics: [{ ...d, range: { start: {} } }], failures: [] }), false);
    assert.equal(isCachedFileResult({ lines: '3', diagnostics: [], failures: [] }), false);
    assert.equal(isCachedFileResult({ lines: 3, diagnostics: [], failures: [{ rule: 1 }] }), false);
  });
});
