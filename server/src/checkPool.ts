/**
 * Checks many files, on worker threads when more than one job is allowed. Each worker loads the grammars once and
 * then checks the files it is handed one at a time, so a large file does not hold up the others. The worker script
 * is the front end's own entry file: it must call runCheckWorker() when started with isCheckWorkerData() data.
 */
import { statSync } from 'node:fs';
import { parentPort, Worker } from 'node:worker_threads';
import { checkFile, type CheckFileOptions } from './checkFile';
import type { SourceFile } from './discover';
import { loadLanguages } from './languages';
import { displayPath, type FileReport } from './report/diagnostic';
import type { Rule, Severity } from './engine/rule';
import { RULES } from './rules';

/** The data a check worker is started with (rules by code: rule objects cannot cross threads). */
export interface CheckWorkerData {
  steadyCheckWorker: true;
  ruleCodes: string[];
  fix: boolean;
  cwd: string;
}

/** The configuration of one file as it crosses to a worker: rules by code, severities and options. */
export interface FileCheckConfig {
  ruleCodes: string[];
  severity?: Readonly<Record<string, Severity>>;
  ruleOptions?: Record<string, Record<string, unknown>>;
}

/** Options of checkFiles. */
export interface CheckFilesOptions extends CheckFileOptions {
  /** The configuration of each file; without it every file gets `rules` (and `severity`, `ruleOptions`). */
  configFor?: (file: SourceFile) => FileCheckConfig;
  /** Most worker threads to use; 1 checks on the calling thread. */
  jobs: number;
  /** The script a worker runs: the entry file that calls runCheckWorker(). */
  workerScript: string;
}

type ToWorker = { id: number; file: SourceFile; config?: FileCheckConfig };
type FromWorker = { ready: true } | { id: number; report: FileReport };

/** Whether a worker's data asks it to be a check worker. */
export function isCheckWorkerData(data: unknown): data is CheckWorkerData {
  return !!data && typeof data === 'object' && (data as CheckWorkerData).steadyCheckWorker === true;
}

/** The body of a check worker: loads the grammars, says it is ready, then checks each file it is sent. */
export function runCheckWorker(data: CheckWorkerData): void {
  const port = parentPort;
  if (!port) throw new Error('runCheckWorker must run on a worker thread');
  const opts: CheckFileOptions = { rules: rulesByCode(data.ruleCodes), fix: data.fix, cwd: data.cwd };
  loadLanguages().then(() => {
    port.on('message', (msg: ToWorker) => {
      const fileOpts = msg.config ? { ...opts, rules: rulesByCode(msg.config.ruleCodes), severity: msg.config.severity, ruleOptions: msg.config.ruleOptions } : opts;
      const reply: FromWorker = { id: msg.id, report: checkFile(msg.file, fileOpts) };
      port.postMessage(reply);
    });
    port.postMessage({ ready: true } satisfies FromWorker);
  }, (e: unknown) => {
    // Let the worker die with the error: the main thread reports it.
    setImmediate(() => {
      throw e;
    });
  });
}

const byCodes = new Map<string, readonly Rule[]>();

/** The registry's rules of a list of codes, one array per distinct list. */
function rulesByCode(codes: readonly string[]): readonly Rule[] {
  const key = codes.join(',');
  let rules = byCodes.get(key);
  if (!rules) {
    const set = new Set(codes);
    byCodes.set(key, (rules = RULES.filter((r) => set.has(r.code))));
  }
  return rules;
}

/** The options of checkFile for one file: its own configuration when `configFor` gives one. */
function optionsFor(file: SourceFile, opts: CheckFilesOptions): CheckFileOptions {
  if (!opts.configFor) return opts;
  const c = opts.configFor(file);
  return { rules: rulesByCode(c.ruleCodes), fix: opts.fix, cwd: opts.cwd, severity: c.severity, ruleOptions: c.ruleOptions };
}

/** The indices of `files` ordered by file size, largest first (files that cannot be read count as empty). */
function largestFirst(files: readonly SourceFile[]): number[] {
  const sizes = files.map((f) => {
    try {
      return statSync(f.path).size;
    } catch {
      return 0;
    }
  });
  return files.map((_, i) => i).sort((a, b) => sizes[b] - sizes[a] || a - b);
}

/** A report for a file whose worker died while checking it. */
function crashedReport(file: SourceFile, cwd: string, error: unknown): FileReport {
  const rel = displayPath(cwd, file.path);
  const why = String((error as Error)?.message ?? error).split('\n')[0];
  return {
    path: rel,
    explicit: file.explicit,
    status: 'skipped',
    lines: 0,
    diagnostics: [],
    fixesApplied: 0,
    failures: [],
    notices: [`skipping ${rel}: the analysis crashed: ${why}`],
  };
}

/** The old-generation heap limit of a check worker. */
const CHECK_WORKER_HEAP_MB = 384;

/** A worker costs about as much to start (loading the bundle and compiling the grammars) as checking a few files. */
export const MIN_FILES_PER_WORKER = 4;

/**
 * Checks every file and returns their reports in the order of `files`. Uses up to `jobs` workers, but no more than
 * one per MIN_FILES_PER_WORKER files; with one, the files are checked on the calling thread.
 */
export async function checkFiles(files: readonly SourceFile[], opts: CheckFilesOptions): Promise<FileReport[]> {
  const jobs = Math.max(1, Math.min(opts.jobs, Math.ceil(files.length / MIN_FILES_PER_WORKER)));
  if (jobs === 1) {
    await loadLanguages();
    return files.map((f) => checkFile(f, optionsFor(f, opts)));
  }
  const workerData: CheckWorkerData = {
    steadyCheckWorker: true,
    ruleCodes: opts.rules.map((r) => r.code),
    fix: opts.fix,
    cwd: opts.cwd,
  };
  const reports: FileReport[] = new Array(files.length);
  const workers = new Set<Worker>();
  // Largest files first, so that no large file is left for one worker at the end while the others sit idle.
  const order = largestFirst(files);
  let next = 0;

  /** Runs one worker until the queue is empty, replacing it if it dies on a file. */
  const lane = (): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      // A bounded heap makes V8 collect each file's syntax tree soon after it is checked, instead of growing the heap
      // to gigabytes first; the largest generated files need well under this.
      const worker = new Worker(opts.workerScript, { workerData, resourceLimits: { maxOldGenerationSizeMb: CHECK_WORKER_HEAP_MB } });
      workers.add(worker);
      let ready = false;
      let current: number | undefined;
      let settled = false;
      const finish = (err?: unknown): void => {
        if (settled) return;
        settled = true;
        workers.delete(worker);
        void worker.terminate();
        if (err !== undefined && !ready) {
          // It never got as far as loading the grammars: every other worker would fail the same way.
          const e = err instanceof Error ? err : new Error(String(err));
          reject(e);
          return;
        }
        if (err !== undefined && current !== undefined) reports[current] = crashedReport(files[current], opts.cwd, err);
        if (err !== undefined && next < files.length) lane().then(resolve, reject);
        else resolve();
      };
      const feed = (): void => {
        if (next >= files.length) return finish();
        current = order[next++];
        const config = opts.configFor?.(files[current]);
        worker.postMessage({ id: current, file: files[current], config } satisfies ToWorker);
      };
      worker.on('message', (msg: FromWorker) => {
        if ('ready' in msg) {
          ready = true;
        } else {
          reports[msg.id] = msg.report;
          current = undefined;
        }
        feed();
      });
      worker.on('error', (e) => finish(e));
      worker.on('exit', (code) => finish(new Error(`worker exited with status ${code}`)));
    });

  try {
    await Promise.all(Array.from({ length: jobs }, lane));
  } catch (e) {
    for (const w of workers) void w.terminate();
    throw e;
  }
  return reports;
}
