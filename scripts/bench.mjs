#!/usr/bin/env node
/**
 * Steady's benchmark (`npm run bench`, which builds dist/ first). It measures, in one run:
 *
 *   1. Keystroke latency of the language server (dist/server.js --stdio, driven over JSON-RPC): the time from
 *      sending an incremental didChange to receiving the publishDiagnostics of that version, for single-character
 *      edits at seeded random positions in the largest Go and Python files of the standard libraries and in files
 *      of about 5,000 lines.
 *   2. Cold `steady check` throughput (dist/cli.js, a new process per run) over the Go and Python standard
 *      libraries, with --jobs 1 and with the default job count, beside bare web-tree-sitter parse throughput on the
 *      same files and, for Python, Ruff (@astral-sh/ruff-wasm-nodejs) on the same files.
 *   3. Peak memory (max RSS) of the server and of each CLI run.
 *   4. The language server's workspace analysis: a server started on the Go and on the Python standard library as
 *      its workspace folder, cold (empty result cache) and warm (restarted on the cache the cold run left): time to
 *      the end of the scan, the server's peak RSS (main thread and workers), and, during the cold Go scan, the
 *      keystroke latency of an open file.
 *
 * It prints a report, writes it as JSON to test-results/bench.json, and never fails on a missed target.
 * Environment: BENCH_QUICK=1 runs a reduced version (fewer edits, a sample of the files); BENCH_SEED=N picks the
 * seed of the edit positions (default 1); BENCH_PARTS=keystroke,throughput,workspace runs only those parts (default:
 * all); BENCH_FILES=a.go,b.py measures the keystroke latency of those files instead of the standard libraries' (and
 * skips the memory soak); BENCH_SERVER_ARGS="--cpu-prof --cpu-prof-dir=DIR" passes node options to every language server
 * the benchmark starts (to profile it).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(ROOT, 'dist');
const SERVER = path.join(DIST, 'server.js');
const CLI = path.join(DIST, 'cli.js');
const QUICK = !!process.env.BENCH_QUICK && process.env.BENCH_QUICK !== '0';
const SEED = process.env.BENCH_SEED ? Number(process.env.BENCH_SEED) >>> 0 : 1;
const EDITS = QUICK ? 20 : 200;
const SOAK_EDITS = QUICK ? 1000 : 10000;
/** In quick mode the throughput runs take every SAMPLE_EVERY-th file. */
const SAMPLE_EVERY = { go: 15, python: 6 };
const KEYSTROKE_TIMEOUT_MS = 60_000;
/** Files to measure keystroke latency on instead of the standard libraries' largest and ~5,000-line files. */
const GIVEN_FILES = (process.env.BENCH_FILES ?? '').split(',').map((f) => f.trim()).filter(Boolean).map((f) => path.resolve(f));
const CORES = availableParallelism();
const PART_NAMES = ['keystroke', 'throughput', 'workspace'];
const PARTS = new Set((process.env.BENCH_PARTS || PART_NAMES.join(',')).split(',').map((p) => p.trim()).filter(Boolean));
for (const p of PARTS) {
  if (!PART_NAMES.includes(p)) {
    process.stderr.write(`bench: unknown part "${p}" in BENCH_PARTS (known: ${PART_NAMES.join(', ')})\n`);
    process.exit(2);
  }
}
/** The same limits `steady check` applies, so the bare-parse and Ruff runs see the files it checks. */
const MAX_FILE_BYTES = 10 * 1024 * 1024;
const SKIPPED_DIRS = new Set(['.git', '.hg', '.svn', 'node_modules', 'vendor', '__pycache__', 'testdata']);
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

const out = (s = '') => process.stdout.write(`${s}\n`);
const fmtInt = (n) => Math.round(n).toLocaleString('en-US');
const fmtMs = (n) => (n === undefined ? '-' : n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : n.toFixed(0));
const fmtMB = (kb) => (kb === undefined ? '-' : `${(kb / 1024).toFixed(0)} MB`);

// ---------------------------------------------------------------------------------------------------------------
// Inputs: the standard libraries and their files.

/** The newest Go standard library source folder on this machine, or undefined. */
function findGoSrc() {
  const candidates = [];
  for (const base of ['/usr/share', '/usr/lib']) {
    let names = [];
    try {
      names = readdirSync(base).filter((n) => /^go(-[\d.]+)?$/.test(n));
    } catch {
      continue;
    }
    for (const n of names) candidates.push(path.join(base, n, 'src'));
  }
  candidates.push('/usr/local/go/src');
  const version = (p) => (/go-([\d.]+)/.exec(p)?.[1] ?? '0').split('.').map(Number);
  const newer = (a, b) => {
    const [x, y] = [version(a), version(b)];
    for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (y[i] ?? 0) - (x[i] ?? 0);
    return 0;
  };
  return candidates.filter((c) => existsSync(path.join(c, 'fmt', 'print.go'))).sort(newer)[0];
}

/** The Python standard library folder of python3, or undefined. */
function findPythonStdlib() {
  const r = spawnSync('python3', ['-c', 'import sysconfig; print(sysconfig.get_paths()["stdlib"])'], { encoding: 'utf8' });
  const dir = r.status === 0 ? r.stdout.trim() : '';
  return dir && existsSync(path.join(dir, 'os.py')) ? dir : undefined;
}

/** The top-level folders and Python files of the stdlib folder, without the installed third-party packages. */
function pythonRoots(stdlib) {
  return readdirSync(stdlib, { withFileTypes: true })
    .filter((e) => (e.isDirectory() ? !SKIPPED_DIRS.has(e.name) && e.name !== 'site-packages' && e.name !== 'dist-packages' : isSource(path.join(stdlib, e.name), 'python')))
    .map((e) => path.join(stdlib, e.name))
    .sort();
}

/** Whether a file is one `steady check` analyses: Go, Python, or a Python script without an extension. */
function isSource(file, language) {
  const ext = path.extname(file).toLowerCase();
  if (language === 'go') return ext === '.go';
  if (ext === '.py' || ext === '.pyi') return true;
  if (ext !== '') return false;
  try {
    return /^#!.*\bpython[0-9.]*\b/.test(readFileSync(file, 'latin1').slice(0, 256).split('\n', 1)[0]);
  } catch {
    return false;
  }
}

/** The source files of one language under the given roots, walked the way `steady check` walks, sorted. */
function sourceFiles(roots, language) {
  const files = [];
  const stack = [...roots].reverse();
  while (stack.length > 0) {
    const p = stack.pop();
    let st;
    try {
      st = statSync(p);
    } catch {
      continue;
    }
    if (st.isFile()) {
      if (isSource(p, language)) files.push(p);
      continue;
    }
    if (!st.isDirectory() || existsSync(path.join(p, 'pyvenv.cfg'))) continue;
    let entries;
    try {
      entries = readdirSync(p, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries.sort((a, b) => (a.name < b.name ? 1 : a.name > b.name ? -1 : 0))) {
      const abs = path.join(p, e.name);
      if (e.isDirectory()) {
        if (!SKIPPED_DIRS.has(e.name)) stack.push(abs);
      } else if (e.isFile() && isSource(abs, language)) {
        files.push(abs);
      }
    }
  }
  return files.sort();
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A file's text, or undefined when `steady check` would skip it (too large, binary, not UTF-8). */
function readSource(file) {
  let bytes;
  try {
    bytes = readFileSync(file);
  } catch {
    return undefined;
  }
  if (bytes.length > MAX_FILE_BYTES || bytes.includes(0)) return undefined;
  try {
    return UTF8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** The number of lines of a text, counted as `steady check` counts them (a final line break adds none). */
function countLines(text) {
  if (text.length === 0) return 0;
  let n = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) n++;
    else if (c === 13) {
      if (text.charCodeAt(i + 1) === 10) i++;
      n++;
    }
  }
  const last = text.charCodeAt(text.length - 1);
  return last === 10 || last === 13 ? n - 1 : n;
}

/** The largest file by line count, and the file whose line count is nearest to 5,000. */
function keystrokeTargets(files) {
  let largest;
  let near;
  for (const file of files) {
    const text = readSource(file);
    if (text === undefined) continue;
    const lines = countLines(text);
    if (!largest || lines > largest.lines) largest = { file, lines };
    if (!near || Math.abs(lines - 5000) < Math.abs(near.lines - 5000)) near = { file, lines };
  }
  return { largest, near };
}

// ---------------------------------------------------------------------------------------------------------------
// Statistics and process measurements.

/** A seeded pseudo-random generator (mulberry32) returning floats in [0, 1). */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The nearest-rank percentile of sorted values. */
function percentile(sorted, p) {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function summarise(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const mean = s.reduce((x, y) => x + y, 0) / (s.length || 1);
  return { n: s.length, p50: percentile(s, 50), p95: percentile(s, 95), p99: percentile(s, 99), max: s[s.length - 1], mean };
}

/** A process's peak resident set size in kB (VmHWM), or undefined once it has exited. */
function peakRssKb(pid) {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs a command to completion, collecting stdout and stderr, and measures its wall time and peak RSS: through
 * /usr/bin/time -v when it is installed, otherwise by polling /proc/<pid>/status.
 */
function runMeasured(cmd, args, opts = {}) {
  return new Promise((resolve) => {
    const viaTime = !!TIME;
    const child = viaTime ? spawn(TIME, ['-v', cmd, ...args], opts) : spawn(cmd, args, opts);
    const stdout = [];
    const stderr = [];
    child.stdout.on('data', (b) => stdout.push(b));
    child.stderr.on('data', (b) => stderr.push(b));
    let polledKb;
    const poll = viaTime
      ? undefined
      : setInterval(() => {
          const kb = peakRssKb(child.pid);
          if (kb !== undefined) polledKb = Math.max(polledKb ?? 0, kb);
        }, 20);
    const started = performance.now();
    child.on('error', (e) => stderr.push(Buffer.from(String(e))));
    child.on('close', (code) => {
      const wallMs = performance.now() - started;
      if (poll) clearInterval(poll);
      let err = Buffer.concat(stderr).toString('utf8');
      let maxRssKb = polledKb;
      let cpuPercent;
      if (viaTime) {
        const at = err.lastIndexOf('\tCommand being timed:');
        const timing = at === -1 ? '' : err.slice(at);
        if (at !== -1) err = err.slice(0, at).replace(/^Command exited with non-zero status \d+\n?/m, '');
        const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(timing);
        const cpu = /Percent of CPU this job got: (\d+)%/.exec(timing);
        if (rss) maxRssKb = Number(rss[1]);
        if (cpu) cpuPercent = Number(cpu[1]);
        const exit = /Exit status: (\d+)/.exec(timing);
        if (exit) code = Number(exit[1]);
      }
      resolve({ code, stdout: Buffer.concat(stdout).toString('utf8'), stderr: err, wallMs, maxRssKb, cpuPercent });
    });
  });
}

// ---------------------------------------------------------------------------------------------------------------
// 1. Keystroke latency over LSP.

/** A minimal JSON-RPC client speaking LSP's Content-Length framing over a child process's stdio. */
class LspClient {
  constructor(child) {
    this.child = child;
    this.nextId = 1;
    this.pending = new Map();
    this.listeners = new Set();
    this.buffer = Buffer.alloc(0);
    this.stderr = '';
    this.exited = false;
    child.stdout.on('data', (chunk) => this.onData(chunk));
    child.stderr.on('data', (chunk) => {
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-4000);
    });
    child.on('exit', (code, signal) => {
      this.exited = true;
      const err = new Error(`the server exited (${signal ?? code})${this.stderr ? `: ${this.stderr.trim()}` : ''}`);
      for (const { reject } of this.pending.values()) reject(err);
      this.pending.clear();
      for (const l of this.listeners) l.fail?.(err);
    });
  }

  onData(chunk) {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    for (;;) {
      const headerEnd = this.buffer.indexOf('\r\n\r\n');
      if (headerEnd === -1) return;
      const header = this.buffer.subarray(0, headerEnd).toString('ascii');
      const m = /Content-Length:\s*(\d+)/i.exec(header);
      if (!m) throw new Error(`bad LSP header from the server: ${header}`);
      const length = Number(m[1]);
      const start = headerEnd + 4;
      if (this.buffer.length < start + length) return;
      const body = this.buffer.subarray(start, start + length).toString('utf8');
      this.buffer = this.buffer.subarray(start + length);
      this.onMessage(JSON.parse(body), performance.now());
    }
  }

  onMessage(msg, at) {
    if (msg.id !== undefined && msg.method === undefined) {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.error) p.reject(new Error(`${msg.error.code}: ${msg.error.message}`));
      else p.resolve(msg.result);
    } else if (msg.id !== undefined) {
      // A request from the server: answer so that it never waits on us.
      const result = msg.method === 'workspace/configuration' ? (msg.params?.items ?? []).map(() => null) : null;
      this.send({ jsonrpc: '2.0', id: msg.id, result });
    } else {
      for (const l of [...this.listeners]) l.on(msg, at);
    }
  }

  send(msg) {
    const body = Buffer.from(JSON.stringify(msg), 'utf8');
    this.child.stdin.write(Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'), body]));
  }

  request(method, params) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.exited) return reject(new Error('the server has exited'));
      this.pending.set(id, { resolve, reject });
      this.send({ jsonrpc: '2.0', id, method, params });
    });
  }

  notify(method, params) {
    this.send({ jsonrpc: '2.0', method, params });
  }

  /** Resolves with the arrival time of the publishDiagnostics for uri at version. */
  diagnosticsFor(uri, version, timeoutMs) {
    return new Promise((resolve, reject) => {
      const listener = {
        on: (msg, at) => {
          if (msg.method !== 'textDocument/publishDiagnostics') return;
          if (msg.params?.uri !== uri || msg.params?.version !== version) return;
          done();
          resolve({ at, count: msg.params.diagnostics?.length ?? 0 });
        },
        fail: (err) => {
          done();
          reject(err);
        },
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no diagnostics for version ${version} within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.listeners.delete(listener);
      };
      this.listeners.add(listener);
    });
  }
}

/** Offsets where each line of a text starts (LSP lines: \n, \r\n and \r all end a line). */
function lineStarts(text) {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) starts.push(i + 1);
    else if (c === 13) {
      if (text.charCodeAt(i + 1) === 10) i++;
      starts.push(i + 1);
    }
  }
  return starts;
}

/** The LSP position (UTF-16 line and character) of an offset. */
function positionAt(starts, offset) {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo, character: offset - starts[lo] };
}

/** A random offset of text that splits neither a \r\n pair nor a surrogate pair. */
function randomOffset(text, random) {
  let off = Math.floor(random() * (text.length + 1));
  for (;;) {
    const prev = text.charCodeAt(off - 1);
    const cur = text.charCodeAt(off);
    if (off > 0 && off < text.length && ((prev === 13 && cur === 10) || (cur >= 0xdc00 && cur <= 0xdfff))) off++;
    else return off;
  }
}

/**
 * Opens one file in the server and makes EDITS single-character edits: a random letter inserted at a random
 * position, then deleted again, so the file stays as valid as it started while every edit is a real change.
 */
async function measureFile(client, target, language, random, edits = EDITS, onEdit = undefined) {
  const uri = pathToFileURL(target.file).href;
  let text = readFileSync(target.file, 'utf8');
  let version = 1;
  const opened = client.diagnosticsFor(uri, version, KEYSTROKE_TIMEOUT_MS);
  const openSent = performance.now();
  client.notify('textDocument/didOpen', { textDocument: { uri, languageId: language, version, text } });
  const first = await opened;
  const openMs = first.at - openSent;
  const samples = [];
  let inserted;
  for (let i = 0; i < edits; i++) {
    const starts = lineStarts(text);
    let change;
    if (inserted === undefined) {
      const off = randomOffset(text, random);
      const ch = String.fromCharCode(97 + Math.floor(random() * 26));
      const pos = positionAt(starts, off);
      change = { range: { start: pos, end: pos }, text: ch };
      text = text.slice(0, off) + ch + text.slice(off);
      inserted = off;
    } else {
      const start = positionAt(starts, inserted);
      change = { range: { start, end: { line: start.line, character: start.character + 1 } }, text: '' };
      text = text.slice(0, inserted) + text.slice(inserted + 1);
      inserted = undefined;
    }
    version++;
    const arrived = client.diagnosticsFor(uri, version, KEYSTROKE_TIMEOUT_MS);
    const sent = performance.now();
    client.notify('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [change] });
    const { at } = await arrived;
    samples.push(at - sent);
    onEdit?.(i + 1);
  }
  client.notify('textDocument/didClose', { textDocument: { uri } });
  return { openMs, diagnosticsAtOpen: first.count, ...summarise(samples) };
}

/** Starts the language server over stdio. */
function startServer() {
  const nodeArgs = (process.env.BENCH_SERVER_ARGS ?? '').split(/\s+/).filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, SERVER, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  return { child, client: new LspClient(child) };
}

/** Initializes a session as a push-only client (the server then publishes diagnostics with their version). */
async function initialize(client) {
  await client.request('initialize', {
    processId: process.pid,
    rootUri: null,
    capabilities: {
      textDocument: {
        synchronization: { didSave: false, dynamicRegistration: false },
        publishDiagnostics: { versionSupport: true, relatedInformation: true },
      },
      workspace: {},
    },
    clientInfo: { name: 'steady-bench' },
  });
  client.notify('initialized', {});
}

/** A process's current resident set size in kB (VmRSS), or undefined once it has exited. */
function currentRssKb(pid) {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Asks a server that is still running to shut down and exit (waiting at most 5 s for the shutdown answer). */
async function shutdownServer(client) {
  if (client.exited) return;
  await Promise.race([client.request('shutdown', null), new Promise((r) => setTimeout(r, 5000))]).catch(() => {});
  client.notify('exit', null);
}

/** Kills the server process 2 s from now unless it has exited by then. */
function killUnlessExited(child, client) {
  setTimeout(() => {
    if (!client.exited) child.kill();
  }, 2000).unref();
}

/**
 * Memory over many edits: one server, one file, SOAK_EDITS single-character edits (each waiting for its
 * diagnostics). The server's RSS after the first tenth and at the end should match if trees and caches are freed.
 */
async function memorySoak(target, language, edits) {
  if (!existsSync(SERVER) || !target) return { skipped: 'no server build or no file to edit' };
  const { child, client } = startServer();
  const result = { edits, path: target.file, lines: target.lines };
  try {
    await initialize(client);
    const marks = { [Math.floor(edits / 10)]: 'rssAfterTenthKb', [edits]: 'rssAtEndKb' };
    await measureFile(client, target, language, rng(SEED), edits, (i) => {
      if (marks[i]) result[marks[i]] = currentRssKb(child.pid);
    });
    result.peakRssKb = peakRssKb(child.pid);
    await shutdownServer(client);
  } catch (e) {
    result.error = e.message;
  } finally {
    killUnlessExited(child, client);
  }
  return result;
}

async function keystrokeBench(targets) {
  const result = { edits: EDITS, seed: SEED, files: [] };
  if (!existsSync(SERVER)) {
    result.skipped = `${path.relative(ROOT, SERVER)} does not exist (the language server is not built)`;
    return result;
  }
  const jobs = targets.filter((t) => t.target);
  if (jobs.length === 0) {
    result.skipped = 'no standard library files to edit';
    return result;
  }
  const { child, client } = startServer();
  const random = rng(SEED);
  try {
    await initialize(client);
    for (const { language, label, target } of jobs) {
      const entry = { language, label, path: target.file, lines: target.lines, bytes: statSync(target.file).size };
      try {
        Object.assign(entry, await measureFile(client, target, language, random));
      } catch (e) {
        entry.error = e.message;
      }
      entry.serverRssKb = peakRssKb(child.pid);
      result.files.push(entry);
      if (client.exited) break;
    }
    result.serverMaxRssKb = peakRssKb(child.pid);
    await shutdownServer(client);
  } catch (e) {
    result.error = e.message;
  } finally {
    killUnlessExited(child, client);
  }
  return result;
}

// ---------------------------------------------------------------------------------------------------------------
// 2. Throughput: bare parse, Ruff, and cold `steady check`.

async function loadParser() {
  const { Parser, Language } = await import('web-tree-sitter');
  const { createRequire } = await import('node:module');
  const require = createRequire(import.meta.url);
  const wasm = require.resolve('web-tree-sitter/tree-sitter.wasm');
  await Parser.init({ locateFile: () => wasm });
  const languages = {
    go: await Language.load(path.join(ROOT, 'grammars', 'tree-sitter-go.wasm')),
    python: await Language.load(path.join(ROOT, 'grammars', 'tree-sitter-python.wasm')),
  };
  return { Parser, languages };
}

/** Parses every file once with web-tree-sitter on this thread; counts only the time spent in parse(). */
function bareParse(ts, language, files) {
  const parser = new ts.Parser();
  parser.setLanguage(ts.languages[language]);
  let lines = 0;
  let parsed = 0;
  let ms = 0;
  for (const file of files) {
    const text = readSource(file);
    if (text === undefined) continue;
    const t0 = performance.now();
    const tree = parser.parse(text);
    ms += performance.now() - t0;
    tree?.delete();
    lines += countLines(text);
    parsed++;
  }
  parser.delete();
  return { files: parsed, lines, ms, linesPerSec: (lines / ms) * 1000 };
}

/** Lints every Python file once with Ruff's wasm build on this thread; counts only the time spent in check(). */
async function ruffLint(files) {
  let ruff;
  try {
    ruff = await import('@astral-sh/ruff-wasm-nodejs');
  } catch (e) {
    return { skipped: `@astral-sh/ruff-wasm-nodejs is not installed (${e.message.split('\n')[0]})` };
  }
  const mod = ruff.default ?? ruff;
  const select = ['E722', 'BLE001', 'S110', 'S112', 'SIM115', 'S113', 'PLW1510', 'B006'];
  const ws = new mod.Workspace({ lint: { select } }, mod.PositionEncoding.Utf16);
  let lines = 0;
  let checked = 0;
  let failed = 0;
  let diagnostics = 0;
  let ms = 0;
  for (const file of files) {
    const text = readSource(file);
    if (text === undefined) continue;
    const t0 = performance.now();
    try {
      diagnostics += ws.check(text).length;
    } catch {
      failed++;
    }
    ms += performance.now() - t0;
    lines += countLines(text);
    checked++;
  }
  ws.free();
  return { version: mod.Workspace.version(), select, files: checked, failed, lines, diagnostics, ms, linesPerSec: (lines / ms) * 1000 };
}

/** One cold `steady check --format json` run over paths. */
async function cliRun(paths, jobs) {
  const args = [CLI, 'check', '--no-cache', '--format', 'json', ...(jobs ? ['--jobs', String(jobs)] : []), ...paths];
  const r = await runMeasured(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const entry = { jobs: jobs ?? CORES, exitCode: r.code, wallMs: r.wallMs, maxRssKb: r.maxRssKb, cpuPercent: r.cpuPercent };
  if (r.code !== 0 && r.code !== 1) {
    entry.error = `exit status ${r.code}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`;
    return entry;
  }
  try {
    const summary = JSON.parse(r.stdout).summary;
    Object.assign(entry, {
      files: summary.files,
      lines: summary.lines,
      diagnostics: summary.diagnostics,
      durationMs: summary.durationMs,
      linesPerSec: (summary.lines / summary.durationMs) * 1000,
      wallLinesPerSec: (summary.lines / r.wallMs) * 1000,
    });
  } catch (e) {
    entry.error = `unreadable JSON output: ${e.message}`;
  }
  const notices = r.stderr.split('\n').filter((l) => l.trim() !== '');
  if (notices.length) entry.notices = notices.length;
  return entry;
}

async function throughputBench(ts, language, cliPaths, files) {
  const result = { files: files.length };
  result.bareParse = bareParse(ts, language, files);
  if (language === 'python') result.ruff = await ruffLint(files);
  if (!existsSync(CLI)) {
    result.cliSkipped = `${path.relative(ROOT, CLI)} does not exist (the CLI is not built)`;
    return result;
  }
  result.cliJobs1 = await cliRun(cliPaths, 1);
  result.cliDefault = await cliRun(cliPaths, undefined);
  return result;
}

// ---------------------------------------------------------------------------------------------------------------
// 4. Workspace analysis in the language server.

/**
 * A folder of symbolic links to a sample of files (quick mode), so that the workspace scan sees only the sample;
 * the walk follows links to files.
 */
function sampleFolder(files, every, tag) {
  const dir = path.join(tmpdir(), `steady-bench-ws-${tag}-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  files.forEach((f, i) => {
    if (i % every !== 0) return;
    const link = path.join(dir, String(i).padStart(5, '0') + path.extname(f));
    mkdirSync(path.dirname(link), { recursive: true });
    symlinkSync(f, link);
  });
  return dir;
}

/**
 * One server session on a workspace folder: initialize with the folder and a cache folder, wait for the scan's
 * summary log line, measure its time and the server's peak RSS; optionally type in an open file during the scan.
 */
async function workspaceSession(root, storage, { excludes = {}, edit } = {}) {
  const { child, client } = startServer();
  // A request the server sends while it shuts down must not take the benchmark down when answered too late.
  child.stdin.on('error', () => undefined);
  const result = {};
  const logs = [];
  let done;
  const finished = new Promise((resolve) => (done = resolve));
  client.listeners.add({
    on: (msg) => {
      if (msg.method !== 'window/logMessage') return;
      logs.push(msg.params.message);
      if (/workspace analysis (done|cancelled)/.test(msg.params.message)) done(msg.params.message);
    },
  });
  const origOnMessage = client.onMessage.bind(client);
  client.onMessage = (msg, at) => {
    // Answer the scan's configuration request with files.exclude.
    if (msg.id !== undefined && msg.method === 'workspace/configuration') {
      client.send({ jsonrpc: '2.0', id: msg.id, result: msg.params.items.map((i) => (i.section === 'files.exclude' ? excludes : null)) });
      return;
    }
    origOnMessage(msg, at);
  };
  let peak = 0;
  const poll = setInterval(() => (peak = Math.max(peak, peakRssKb(child.pid) ?? 0)), 100);
  const started = performance.now();
  try {
    const uri = pathToFileURL(root).href;
    await client.request('initialize', {
      processId: process.pid,
      rootUri: uri,
      workspaceFolders: [{ uri, name: path.basename(root) }],
      initializationOptions: { storagePath: storage },
      capabilities: {
        window: { workDoneProgress: false },
        textDocument: { publishDiagnostics: { versionSupport: true } },
        workspace: { configuration: true, workspaceFolders: true, didChangeWatchedFiles: { dynamicRegistration: true } },
      },
      clientInfo: { name: 'steady-bench' },
    });
    client.notify('initialized', {});
    let typing;
    let stopTyping = false;
    if (edit) {
      typing = (async () => {
        const samples = [];
        const uri2 = pathToFileURL(edit.file).href;
        const text = readFileSync(edit.file, 'utf8');
        const opened = client.diagnosticsFor(uri2, 1, KEYSTROKE_TIMEOUT_MS);
        client.notify('textDocument/didOpen', { textDocument: { uri: uri2, languageId: 'go', version: 1, text } });
        await opened;
        const line = Math.floor(countLines(text) / 2);
        for (let v = 2; !stopTyping && v < 100_000; v++) {
          const change = v % 2 === 0
            ? { range: { start: { line, character: 0 }, end: { line, character: 0 } }, text: 'x' }
            : { range: { start: { line, character: 0 }, end: { line, character: 1 } }, text: '' };
          const arrived = client.diagnosticsFor(uri2, v, KEYSTROKE_TIMEOUT_MS);
          const sent = performance.now();
          client.notify('textDocument/didChange', { textDocument: { uri: uri2, version: v }, contentChanges: [change] });
          samples.push((await arrived).at - sent);
          await new Promise((r) => setTimeout(r, 50));
        }
        return samples;
      })();
    }
    const summary = await Promise.race([finished, new Promise((_, reject) => setTimeout(() => reject(new Error('the scan did not finish within 30 minutes')), 1_800_000))]);
    result.wallMs = performance.now() - started;
    result.summary = summary.replace(/^steady: /, '');
    const m = /(\d+) of (\d+) files in (\d+) ms \((\d+) analysed, (\d+) from the cache/.exec(summary);
    if (m) Object.assign(result, { files: Number(m[2]), scanMs: Number(m[3]), analysed: Number(m[4]), cached: Number(m[5]) });
    if (typing) {
      stopTyping = true;
      result.keystroke = { file: edit.file, lines: edit.lines, ...summarise(await typing) };
    }
    result.peakRssKb = Math.max(peak, peakRssKb(child.pid) ?? 0);
    result.failures = logs.filter((l) => /worker|failed/.test(l)).length;
    await shutdownServer(client);
  } catch (e) {
    result.error = e.message;
  } finally {
    clearInterval(poll);
    killUnlessExited(child, client);
  }
  return result;
}

/** Cold and warm workspace scans of one standard library. */
async function workspaceBench(language, root, files, excludes, editTarget) {
  if (!existsSync(SERVER)) return { skipped: `${path.relative(ROOT, SERVER)} does not exist (the language server is not built)` };
  const folder = QUICK ? sampleFolder(files, SAMPLE_EVERY[language], language) : root;
  const storage = mkdtempSync(path.join(tmpdir(), 'steady-bench-cache-'));
  try {
    const cold = await workspaceSession(folder, storage, { excludes, edit: editTarget });
    const warm = cold.error ? { skipped: 'the cold scan failed' } : await workspaceSession(folder, storage, { excludes });
    return { folder: QUICK ? `${root} (every ${SAMPLE_EVERY[language]}th file)` : root, cold, warm };
  } finally {
    rmSync(storage, { recursive: true, force: true });
    if (QUICK) rmSync(folder, { recursive: true, force: true });
  }
}

function printWorkspace(name, w) {
  out(`   ${name}`);
  if (w.skipped) {
    out(`     skipped: ${w.skipped}`);
    return;
  }
  const rows = [['scan', 'files', 'analysed', 'cached', 'scan time', 'peak RSS']];
  for (const [label, r] of [['cold (empty cache)', w.cold], ['warm (restart on the cache)', w.warm]]) {
    if (r.skipped || r.error) rows.push([label, r.skipped ?? `error: ${r.error}`]);
    else rows.push([label, fmtInt(r.files ?? 0), fmtInt(r.analysed ?? 0), fmtInt(r.cached ?? 0), `${fmtInt(r.scanMs ?? r.wallMs)} ms`, fmtMB(r.peakRssKb)]);
  }
  table(rows, 5);
  const k = w.cold?.keystroke;
  if (k) out(`     typing during the cold scan (${k.file.split(path.sep).slice(-3).join('/')}, ${fmtInt(k.lines)} lines): ${k.n} edits, p50 ${fmtMs(k.p50)} ms, p95 ${fmtMs(k.p95)} ms, max ${fmtMs(k.max)} ms`);
}

// ---------------------------------------------------------------------------------------------------------------
// Report.

function printKeystroke(k) {
  out('1. Keystroke latency (didChange -> publishDiagnostics of that version)');
  if (k.skipped) {
    out(`   skipped: ${k.skipped}`);
    return;
  }
  out(`   ${k.edits} single-character edits per file (insert a letter at a random position, then delete it), seed ${k.seed}`);
  if (k.error) out(`   error: ${k.error}`);
  const rows = [['language', 'file', 'lines', 'open ms', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms']];
  for (const f of k.files) {
    const name = `${f.label}: ${f.path.split(path.sep).slice(-3).join('/')}`;
    if (f.error) rows.push([f.language, name, fmtInt(f.lines), `error: ${f.error}`]);
    else rows.push([f.language, name, fmtInt(f.lines), fmtMs(f.openMs), fmtMs(f.p50), fmtMs(f.p95), fmtMs(f.p99), fmtMs(f.max)]);
  }
  table(rows);
  out(`   server peak memory (VmHWM): ${fmtMB(k.serverMaxRssKb)}`);
}

function printSoak(m) {
  out(`   memory over ${fmtInt(m.edits ?? 0)} edits of one file${m.path ? ` (${m.path.split(path.sep).slice(-3).join('/')}, ${fmtInt(m.lines)} lines)` : ''}:`);
  if (m.skipped || m.error) {
    out(`     ${m.skipped ?? `error: ${m.error}`}`);
    return;
  }
  const growth = m.rssAtEndKb - m.rssAfterTenthKb;
  out(`     server RSS after ${fmtInt(m.edits / 10)} edits ${fmtMB(m.rssAfterTenthKb)}, after ${fmtInt(m.edits)} ${fmtMB(m.rssAtEndKb)} (${growth >= 0 ? '+' : ''}${fmtMB(growth)}), peak ${fmtMB(m.peakRssKb)}`);
}

function printThroughput(name, t) {
  out(`   ${name}`);
  if (t.skipped) {
    out(`     skipped: ${t.skipped}`);
    return;
  }
  const rows = [['run', 'files', 'lines', 'time', 'lines/s', 'peak RSS', 'CPU']];
  const b = t.bareParse;
  rows.push(['bare web-tree-sitter parse, 1 thread', fmtInt(b.files), fmtInt(b.lines), `${fmtInt(b.ms)} ms`, fmtInt(b.linesPerSec), '', '']);
  if (t.ruff) {
    const r = t.ruff;
    if (r.skipped) rows.push(['Ruff (wasm), 1 thread', `skipped: ${r.skipped}`]);
    else rows.push([`Ruff ${r.version} (wasm), 1 thread`, fmtInt(r.files), fmtInt(r.lines), `${fmtInt(r.ms)} ms`, fmtInt(r.linesPerSec), '', '']);
  }
  if (t.cliSkipped) rows.push(['steady check', `skipped: ${t.cliSkipped}`]);
  for (const c of [t.cliJobs1, t.cliDefault].filter(Boolean)) {
    const label = `steady check --jobs ${c.jobs}${c === t.cliDefault ? ' (default)' : ''}`;
    if (c.error) rows.push([label, `error: ${c.error}`]);
    else
      rows.push([
        label,
        fmtInt(c.files),
        fmtInt(c.lines),
        `${fmtInt(c.durationMs)} ms (wall ${fmtInt(c.wallMs)})`,
        `${fmtInt(c.linesPerSec)} (wall ${fmtInt(c.wallLinesPerSec)})`,
        fmtMB(c.maxRssKb),
        c.cpuPercent === undefined ? '-' : `${c.cpuPercent}%`,
      ]);
  }
  table(rows, 5);
  const c1 = t.cliJobs1;
  if (c1 && !c1.error && c1.files !== b.files) {
    out(`     note: steady check saw ${fmtInt(c1.files)} files, the bare parse ${fmtInt(b.files)} (their discovery rules differ)`);
  }
}

function table(rows, indent = 3) {
  const widths = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, String(c).length)));
  for (const r of rows) {
    const cells = r.map((c, i) => (i === 0 || i === 1 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i])));
    out(`${' '.repeat(indent)}${cells.join('  ').trimEnd()}`);
  }
}

/** The targets, each with the figure it is judged on and whether it is met (they are never asserted). */
function targets(report) {
  const list = [];
  for (const f of report.keystroke?.files ?? []) {
    if (f.label !== '~5,000 lines' || f.error) continue;
    list.push({
      target: `keystroke p95 < 10 ms on a 5,000-line ${f.language} file`,
      figure: `${fmtMs(f.p95)} ms (${fmtInt(f.lines)} lines)`,
      met: f.p95 < 10,
    });
  }
  for (const [lang, w] of Object.entries(report.workspace ?? {})) {
    if (!w.cold || w.cold.error || w.skipped) continue;
    list.push({
      target: `${lang}: workspace scan peak memory < 400 MB`,
      figure: `${fmtMB(w.cold.peakRssKb)} (${fmtInt(w.cold.files ?? 0)} files)`,
      met: w.cold.peakRssKb < 400 * 1024,
    });
    if (w.warm && !w.warm.error && !w.warm.skipped) {
      const speedup = (w.cold.scanMs ?? w.cold.wallMs) / (w.warm.scanMs ?? w.warm.wallMs);
      list.push({
        target: `${lang}: warm workspace re-scan >= 10x faster than cold`,
        figure: `${speedup.toFixed(1)}x (${fmtInt(w.cold.scanMs ?? 0)} ms vs ${fmtInt(w.warm.scanMs ?? 0)} ms)`,
        met: speedup >= 10,
      });
    }
  }
  for (const [lang, t] of Object.entries(report.throughput ?? {})) {
    if (t.skipped || !t.cliJobs1 || t.cliJobs1.error) continue;
    const ratio = t.cliJobs1.linesPerSec / t.bareParse.linesPerSec;
    list.push({
      target: `${lang}: steady check per core >= 1/2 of bare parse`,
      figure: `${(ratio * 100).toFixed(0)}% (${fmtInt(t.cliJobs1.linesPerSec)} vs ${fmtInt(t.bareParse.linesPerSec)} lines/s)`,
      met: ratio >= 0.5,
    });
    if (t.cliDefault && !t.cliDefault.error) {
      const speedup = t.cliDefault.linesPerSec / t.cliJobs1.linesPerSec;
      const want = 0.75 * Math.min(CORES, t.cliDefault.jobs);
      const cpu = t.cliDefault.cpuPercent === undefined ? '' : `, CPU ${t.cliDefault.cpuPercent}%`;
      list.push({
        target: `${lang}: steady check uses all ${CORES} cores (speedup >= ${want.toFixed(1)}x over --jobs 1)`,
        figure: `${speedup.toFixed(2)}x${cpu}`,
        met: CORES < 2 ? true : speedup >= want,
      });
    }
  }
  return list;
}

/** Records the load average and warns when other processes compete for the cores, which skews every figure. */
function warnIfBusy(when, report) {
  const load = loadavg()[0];
  (report.loadAverage ??= {})[when] = load;
  if (load > CORES * 0.5) {
    out(`warning: the machine is busy at the ${when} of the run (1-minute load ${load.toFixed(2)} on ${CORES} cores); the figures are skewed`);
  }
}

// ---------------------------------------------------------------------------------------------------------------

async function main() {
  const goSrc = findGoSrc();
  const pyLib = findPythonStdlib();
  const report = {
    date: new Date().toISOString(),
    quick: QUICK,
    seed: SEED,
    node: process.version,
    cores: CORES,
    cpu: cpus()[0]?.model,
    goSrc,
    pythonStdlib: pyLib,
  };
  out(`Steady benchmark${QUICK ? ' (BENCH_QUICK: reduced)' : ''} — ${report.date}`);
  out(`node ${report.node}, ${CORES} cores (${report.cpu ?? 'unknown CPU'}), seed ${SEED}`);
  warnIfBusy('start', report);
  if (goSrc) out(`Go standard library: ${goSrc}`);
  else out('Go standard library: not found; install it with `apt-get install -y golang-src` (skipping the Go figures)');
  if (pyLib) out(`Python standard library: ${pyLib} (without site-packages)`);
  else out('Python standard library: not found (python3 is missing; skipping the Python figures)');
  out();

  const goFiles = goSrc ? sourceFiles([goSrc], 'go') : [];
  const pyRoots = pyLib ? pythonRoots(pyLib) : [];
  const pyFiles = pyLib ? sourceFiles(pyRoots, 'python') : [];

  // Keystroke targets: testdata holds deliberately odd Go files, so it is left out.
  const goEditable = goFiles.filter((f) => !f.split(path.sep).includes('testdata'));
  const goTargets = keystrokeTargets(goEditable);
  const pyTargets = keystrokeTargets(pyFiles);
  const keyTargets = GIVEN_FILES.length
    ? GIVEN_FILES.map((file) => ({
        language: file.endsWith('.go') ? 'go' : 'python',
        label: 'given',
        target: { file, lines: countLines(readSource(file) ?? '') },
      }))
    : [
        { language: 'go', label: 'largest', target: goTargets.largest },
        { language: 'go', label: '~5,000 lines', target: goTargets.near },
        { language: 'python', label: 'largest', target: pyTargets.largest },
        { language: 'python', label: '~5,000 lines', target: pyTargets.near },
      ];
  if (PARTS.has('keystroke')) {
    report.keystroke = await keystrokeBench(keyTargets);
    printKeystroke(report.keystroke);
  }
  if (PARTS.has('keystroke') && !GIVEN_FILES.length) {
    const soakTarget = keystrokeTargets(goEditable.filter((f) => statSync(f).size < 40_000)).largest;
    report.memorySoak = await memorySoak(soakTarget, 'go', SOAK_EDITS);
    printSoak(report.memorySoak);
    out();
  }

  if (PARTS.has('throughput')) await throughputPart(report, goSrc, goFiles, pyLib, pyRoots, pyFiles);
  if (PARTS.has('workspace')) await workspacePart(report, goSrc, goEditable, goFiles, pyLib, pyFiles);

  warnIfBusy('end', report);
  finish(report);
}

/** Parts 2 and 3: cold `steady check` throughput and peak memory, beside bare parsing and Ruff. */
async function throughputPart(report, goSrc, goFiles, pyLib, pyRoots, pyFiles) {
  out(`2. Cold steady check throughput${QUICK ? ' (a sample of the files)' : ''}, 3. peak memory`);
  const ts = await loadParser();
  report.throughput = {};
  const sample = (files, every) => (QUICK ? files.filter((_, i) => i % every === 0) : files);
  if (goSrc) {
    const files = sample(goFiles, SAMPLE_EVERY.go);
    report.throughput.go = await throughputBench(ts, 'go', QUICK ? files : [goSrc], files);
  } else {
    report.throughput.go = { skipped: 'Go standard library not found: apt-get install -y golang-src' };
  }
  printThroughput('Go standard library', report.throughput.go);
  if (pyLib) {
    const files = sample(pyFiles, SAMPLE_EVERY.python);
    report.throughput.python = await throughputBench(ts, 'python', QUICK ? files : pyRoots, files);
  } else {
    report.throughput.python = { skipped: 'Python standard library not found' };
  }
  printThroughput('Python standard library', report.throughput.python);
  out(`   (steady check lines/s from its own summary.durationMs; "wall" includes process start and grammar loading)`);
  out();
}

/** Part 4: cold and warm workspace scans of both standard libraries, with typing during the cold Go scan. */
async function workspacePart(report, goSrc, goEditable, goFiles, pyLib, pyFiles) {
  out(`4. Workspace analysis in the language server${QUICK ? ' (a sample of the files)' : ''}: cold and warm scans, peak memory`);
  report.workspace = {};
  // Typing during the scan happens in a file of ordinary size (the keystroke figures above cover the large ones).
  const typed = keystrokeTargets(goEditable.filter((f) => statSync(f).size < 60_000)).largest;
  if (goSrc) report.workspace.go = await workspaceBench('go', goSrc, goFiles, {}, typed);
  else report.workspace.go = { skipped: 'Go standard library not found' };
  printWorkspace('Go standard library', report.workspace.go);
  if (pyLib) report.workspace.python = await workspaceBench('python', pyLib, pyFiles, { 'site-packages': true, 'dist-packages': true });
  else report.workspace.python = { skipped: 'Python standard library not found' };
  printWorkspace('Python standard library (without site-packages)', report.workspace.python);
  out();
}

/** Writes the targets and the JSON report. */
function finish(report) {
  report.targets = targets(report);
  out('Targets (reported, not enforced)');
  if (report.targets.length === 0) out('   none could be judged in this run');
  for (const t of report.targets) out(`   [${t.met ? 'met' : 'MISSED'}] ${t.target}: ${t.figure}`);

  const dir = path.join(ROOT, 'test-results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'bench.json'), `${JSON.stringify(report, null, 2)}\n`);
  out();
  out(`Written to ${path.relative(process.cwd(), path.join(dir, 'bench.json')) || 'test-results/bench.json'}`);
}

main().catch((e) => {
  process.stderr.write(`bench: ${e?.stack ?? e}\n`);
  process.exitCode = 1;
});
