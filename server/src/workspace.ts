/**
 * Workspace analysis: every Go and Python file of the workspace folders is analysed in the background and its
 * diagnostics published (workspace pull diagnostics when the client supports them, push otherwise), kept fresh as
 * files change on disk, cached across sessions, and summarised in a status notification.
 *
 * Threads: the main thread owns the LSP connection and open documents (analysed there, first), reads files
 * asynchronously, hashes them and answers from the result cache; folder walks and the analysis of files the cache
 * does not know run on the worker pool (workspacePool.ts). Results are published in small batches from timers,
 * never from a keystroke's handler.
 */
import { promises as fsp } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import {
  DidChangeWatchedFilesNotification,
  DocumentDiagnosticReportKind,
  FileChangeType,
  WatchKind,
  type CancellationToken,
  type Connection,
  type Diagnostic,
  type FileEvent,
  type ResultProgressReporter,
  type WorkDoneProgressServerReporter,
  type WorkspaceDiagnosticParams,
  type WorkspaceDiagnosticReport,
  type WorkspaceDiagnosticReportPartialResult,
  type WorkspaceDocumentDiagnosticReport,
} from 'vscode-languageserver/node';
import { URI } from 'vscode-uri';
import { contentHash } from './cache';
import { decodeSource } from './checkFile';
import { skippedDiagnostic } from './diagnostics';
import { errorText, type SourceFile } from './discover';
import type { Finding, Rule, Severity } from './engine/rule';
import { languageForPath, type LanguageId } from './languages';
import { LineIndex } from './lineIndex';
import { diskDiagnostics } from './workspaceDiagnostics';
import { enabledGlobs, type FolderSpec } from './workspaceFiles';
import { JobCancelled, WorkerPool } from './workspacePool';
import { WorkspaceStatusNotification, type ScanState, type SeverityCounts, type WorkspaceStatus } from './workspaceProtocol';
import type { JobResult, RuleProfile } from './workspaceWorker';

/** `steady.workspaceAnalysis`: analyse the whole workspace, or only the files open in the editor. */
export type WorkspaceMode = 'on' | 'off' | 'openFilesOnly';

/** The settings of the workspace analysis. */
export interface WorkspaceSettings {
  mode: WorkspaceMode;
  /** Files larger than this many bytes are not analysed; they get one info diagnostic saying why. */
  maxFileSize: number;
}

/** The default of `steady.maxFileSize`: 2 MB. */
export const DEFAULT_MAX_FILE_SIZE = 2 * 1024 * 1024;

/** The workspace settings when the client sends none. */
export const DEFAULT_WORKSPACE_SETTINGS: WorkspaceSettings = { mode: 'on', maxFileSize: DEFAULT_MAX_FILE_SIZE };

/** Reads `steady.workspaceAnalysis` and `steady.maxFileSize` from the `steady` settings section, leniently. */
export function parseWorkspaceSettings(raw: unknown, problems: string[] = []): WorkspaceSettings {
  const s = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  let mode: WorkspaceMode = DEFAULT_WORKSPACE_SETTINGS.mode;
  if (s.workspaceAnalysis === 'on' || s.workspaceAnalysis === 'off' || s.workspaceAnalysis === 'openFilesOnly') mode = s.workspaceAnalysis;
  else if (s.workspaceAnalysis !== undefined) problems.push('steady.workspaceAnalysis must be "on", "off" or "openFilesOnly"; using "on"');
  let maxFileSize = DEFAULT_MAX_FILE_SIZE;
  if (typeof s.maxFileSize === 'number' && Number.isFinite(s.maxFileSize) && s.maxFileSize > 0) maxFileSize = Math.floor(s.maxFileSize);
  else if (s.maxFileSize !== undefined) problems.push('steady.maxFileSize must be a positive number of bytes; using 2 MB');
  return { mode, maxFileSize };
}

/** A size in bytes as people read it: "2 MB", "512 KB". */
export function formatSize(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  if (mb >= 1) return `${Number.isInteger(mb) ? mb : mb.toFixed(1)} MB`;
  const kb = bytes / 1024;
  return kb >= 1 ? `${Number.isInteger(kb) ? kb : kb.toFixed(1)} KB` : `${bytes} bytes`;
}

/** The parts of the configuration of one file the workspace analysis uses (config.ts's FileConfig). */
export interface FileConfigLike {
  rules: readonly Rule[];
  severity: Readonly<Record<string, Severity>>;
  ruleOptions: Record<string, Record<string, unknown>>;
  excluded: boolean;
  hash: string;
}

/** The configuration source (config.ts's ConfigStore). */
export interface ConfigLike {
  forFile(fsPath: string): FileConfigLike;
  readonly generation: number;
}

/** What a cache entry is keyed by besides the path (cache.ts's CacheKey). */
export interface CacheKeyLike {
  contentHash: string;
  configHash: string;
}

/** The value the server caches per file. */
export interface CachedFindings {
  findings: Finding[];
}

/** The persisted result cache (cache.ts's ResultCache). */
export interface CacheLike {
  get(fsPath: string, key: CacheKeyLike): CachedFindings | undefined;
  set(fsPath: string, key: CacheKeyLike, value: CachedFindings): void;
  delete(fsPath: string): void;
  save(onError?: (message: string) => void): void;
}

/** What the workspace analysis needs from the server. */
export interface WorkspaceHost {
  connection: Connection;
  config: () => ConfigLike;
  /** The diagnostics of the open documents, for the status counts. */
  openDiagnostics(): Iterable<readonly Diagnostic[]>;
  /** The client pulls diagnostics (textDocument/diagnostic); workspace results then go through workspace/diagnostic. */
  pull: boolean;
  /** The client accepts dynamic registration of workspace/didChangeWatchedFiles. */
  watchRegistration: boolean;
  /** The client asks for configuration (workspace/configuration), e.g. `files.exclude` per folder. */
  configurationRequests: boolean;
  /** The worker script (dist/workspaceWorker.js). */
  workerScript: string;
  cache: CacheLike;
  /** Most worker threads (default: the available cores but one, at least 1, at most 4). */
  workers?: number;
}

/** What the server knows about one file on disk. */
interface FileRecord {
  path: string;
  uri: string;
  language: LanguageId;
  /** The key of the text and configuration the diagnostics were computed for. */
  key?: CacheKeyLike;
  /** The size the file had when it was skipped as too large. */
  oversize?: number;
  diagnostics: Diagnostic[];
  /** The workspace pull result id of the current diagnostics. */
  resultId: string;
  /** Push mode: the client may show diagnostics of this file from us (so an empty list must be sent to clear them). */
  pushed?: boolean;
  /** Bumped by each new check; a check whose sequence number is no longer current is dropped. */
  seq: number;
  /** The configuration excludes the file (kept so that it comes back when the configuration changes). */
  excluded: boolean;
}

/** Reads of files in flight at once (reads are asynchronous; this bounds the main thread's bursts). */
const READS_IN_FLIGHT = 4;
/** Analysis jobs queued ahead per worker (each holds a file's bytes). */
const JOBS_PER_WORKER = 3;
/** Watched-file events are collected this long after the last one (a branch switch comes as a burst). */
const WATCH_DEBOUNCE_MS = 150;
/** ... but no longer than this after the first. */
const WATCH_MAX_DELAY_MS = 1000;
/** Publishing: at most this many files per turn of the event loop. */
const PUBLISH_BATCH = 40;
/** The workspace pull result id of a file that no longer exists (its report is empty). */
const GONE_RESULT_ID = 'gone';
/** The status notification is sent at most this often. */
const STATUS_INTERVAL_MS = 250;
/** The cache is saved this often during a long scan. */
const SAVE_INTERVAL_MS = 30_000;

/** The background analysis of the files of the workspace folders. */
export class WorkspaceAnalysis {
  private settings: WorkspaceSettings = DEFAULT_WORKSPACE_SETTINGS;
  private readonly folders = new Map<string, FolderSpec>();
  private readonly files = new Map<string, FileRecord>();
  private pool?: WorkerPool;
  private started = false;
  private resultCounter = 0;

  // The scan: its generation tags its pool jobs, so a new scan or a cancel drops the old one's queue.
  private scanGen = 0;
  private state: ScanState = 'starting';
  private done = 0;
  private total = 0;
  private progress?: WorkDoneProgressServerReporter;
  private lastProgressAt = 0;
  private scanStarted = 0;
  /** What the current scan did with its files (logged when it ends). */
  private stats = { cached: 0, analysed: 0, unchanged: 0, skipped: 0 };

  // Files waiting to be checked (read, hashed, looked up, analysed), in order; `high` ones go first.
  private readonly queue = new Map<string, { high: boolean; force: boolean; scan: number }>();
  private readsInFlight = 0;
  private jobsInFlight = 0;

  // Watched-file events waiting to be coalesced.
  private readonly watched = new Map<string, FileChangeType>();
  private watchTimer?: NodeJS.Timeout;
  private watchFirstAt = 0;

  // Publishing.
  private readonly toPublish = new Set<string>();
  private publishScheduled = false;
  private readonly pullListeners = new Set<(items: WorkspaceDocumentDiagnosticReport[]) => void>();
  private statusTimer?: NodeJS.Timeout;
  private lastStatusAt = 0;
  private configGeneration = -1;
  private saveTimer?: NodeJS.Timeout;
  private cacheDirty = false;
  private readonly profileIds = new Map<string, number>();
  private profileCounter = 0;
  private workerCount = 1;
  private disposed = false;
  /** Files open in the editor (absolute paths): their editor text wins over the disk. */
  private readonly open = new Set<string>();

  constructor(private readonly host: WorkspaceHost) {}

  private get connection(): Connection {
    return this.host.connection;
  }

  private log(message: string): void {
    this.connection.console.log(`steady: ${message}`);
  }

  /** Whether the whole workspace is analysed. */
  get enabled(): boolean {
    return this.settings.mode === 'on' && !this.disposed;
  }

  /** The largest file analysed, in bytes. */
  get maxFileSize(): number {
    return this.settings.maxFileSize;
  }

  /** Sets the workspace folders (from initialize). */
  setFolders(folders: readonly { uri: string }[]): void {
    for (const f of folders) {
      const root = URI.parse(f.uri).fsPath;
      this.folders.set(root, { root, excludeGlobs: [] });
    }
  }

  /** Applies the `steady` settings section; restarts or stops the analysis when its settings changed. */
  updateSettings(raw: unknown): void {
    const problems: string[] = [];
    const next = parseWorkspaceSettings(raw, problems);
    for (const p of problems) this.connection.console.warn(`steady: ${p}`);
    const prev = this.settings;
    this.settings = next;
    if (!this.started) return;
    if (prev.mode !== next.mode) {
      if (next.mode === 'on') void this.scan();
      else this.stop();
    } else if (prev.maxFileSize !== next.maxFileSize && next.mode === 'on') {
      this.recheckAll(false);
    }
  }

  /** Starts: registers the file watchers and scans the folders (after `initialized` and the first settings). */
  async start(): Promise<void> {
    this.started = true;
    this.configGeneration = this.host.config().generation;
    if (this.host.watchRegistration) {
      void this.connection.client
        .register(DidChangeWatchedFilesNotification.type, {
          watchers: [
            { globPattern: '**/*.go', kind: WatchKind.Create | WatchKind.Change | WatchKind.Delete },
            { globPattern: '**/*.py', kind: WatchKind.Create | WatchKind.Change | WatchKind.Delete },
            { globPattern: '**/*.pyi', kind: WatchKind.Create | WatchKind.Change | WatchKind.Delete },
          ],
        })
        .catch((e) => {
          this.log(`cannot watch files: ${(e as Error).message}`);
          return undefined;
        });
    }
    if (this.enabled) await this.scan();
    else this.setState('off');
  }

  /** Workspace folders were added or removed. */
  async foldersChanged(added: readonly { uri: string }[], removed: readonly { uri: string }[]): Promise<void> {
    for (const f of removed) {
      const root = URI.parse(f.uri).fsPath;
      this.folders.delete(root);
      for (const rec of [...this.files.values()]) {
        if (isInside(rec.path, root) && !this.folderOf(rec.path)) this.forget(rec);
      }
    }
    if (added.length) {
      this.setFolders(added);
      if (this.enabled) await this.scan([...added].map((f) => URI.parse(f.uri).fsPath));
    }
    this.scheduleStatus();
  }

  /** The configuration may have changed (settings or configuration files): re-checks the files whose configuration did. */
  configMaybeChanged(): void {
    const config = this.host.config();
    if (!this.started || config.generation === this.configGeneration) return;
    this.configGeneration = config.generation;
    this.profileIds.clear();
    if (!this.enabled) return;
    for (const rec of this.files.values()) {
      let cfg: FileConfigLike;
      try {
        cfg = config.forFile(rec.path);
      } catch {
        continue;
      }
      if (cfg.excluded !== rec.excluded || (!cfg.excluded && cfg.hash !== rec.key?.configHash)) this.enqueue(rec.path, { high: false });
    }
    this.pumpChecks();
  }

  // -----------------------------------------------------------------------------------------------------------
  // Scanning.

  /** Walks the folders (all, or those given) on a worker and checks every file found. */
  async scan(roots?: string[]): Promise<void> {
    if (!this.enabled) return;
    const gen = ++this.scanGen;
    if (!roots) {
      // A full scan replaces any scan in progress.
      this.pool?.cancel((tag) => tag < gen && tag > 0);
      for (const [p, q] of this.queue) if (q.scan > 0) this.queue.delete(p);
      this.done = 0;
      this.total = 0;
      this.stats = { cached: 0, analysed: 0, unchanged: 0, skipped: 0 };
      this.scanStarted = Date.now();
    }
    const folders = [...this.folders.values()].filter((f) => !roots || roots.includes(f.root));
    if (folders.length === 0) {
      this.setState('idle');
      return;
    }
    this.setState('scanning');
    this.beginProgress(gen);
    await this.loadExcludes(folders);
    let found: SourceFile[];
    try {
      const result = await this.ensurePool().run({ kind: 'discover', folders }, { tag: gen, high: true });
      if (result.kind !== 'discovered') throw new Error('unexpected worker reply');
      for (const n of result.notices) this.log(n);
      found = result.files;
    } catch (e) {
      if (!(e instanceof JobCancelled)) this.log(`cannot list the workspace files: ${(e as Error).message}`);
      if (gen === this.scanGen) this.finishScan(gen, e instanceof JobCancelled ? 'cancelled' : 'idle');
      return;
    }
    if (gen !== this.scanGen || !this.enabled) return;
    // Files the walk no longer finds (deleted, now ignored) lose their diagnostics.
    const seen = new Set(found.map((f) => f.path));
    for (const rec of [...this.files.values()]) {
      if (!seen.has(rec.path) && folders.some((f) => isInside(rec.path, f.root))) this.forget(rec);
    }
    for (const f of found) {
      this.record(f.path, f.language);
      this.enqueue(f.path, { high: false, scan: gen });
    }
    this.total += found.length;
    this.reportProgress(true);
    this.pumpChecks();
    if (this.total === this.done) this.finishScan(gen, 'idle');
  }

  /** Reads `files.exclude` of each folder (scoped to the folder). */
  private async loadExcludes(folders: FolderSpec[]): Promise<void> {
    if (!this.host.configurationRequests) return;
    try {
      const values = await this.connection.workspace.getConfiguration(
        folders.map((f) => ({ scopeUri: URI.file(f.root).toString(), section: 'files.exclude' })),
      );
      folders.forEach((f, i) => {
        f.excludeGlobs = enabledGlobs(Array.isArray(values) ? values[i] : undefined);
      });
    } catch (e) {
      this.log(`cannot read files.exclude: ${(e as Error).message}`);
    }
  }

  private beginProgress(gen: number): void {
    this.progress?.done();
    this.progress = undefined;
    void this.connection.window.createWorkDoneProgress().then(
      (reporter) => {
        if (gen !== this.scanGen || this.state !== 'scanning') {
          reporter.done();
          return;
        }
        this.progress = reporter;
        reporter.begin('Steady: analysing the workspace', 0, 'listing files', true);
        reporter.token.onCancellationRequested(() => {
          if (gen === this.scanGen) this.cancelScan();
        });
        this.reportProgress(true);
      },
      () => undefined,
    );
  }

  private reportProgress(force = false): void {
    const now = Date.now();
    if (!this.progress || (!force && now - this.lastProgressAt < 200)) return;
    this.lastProgressAt = now;
    const pct = this.total ? Math.floor((this.done / this.total) * 100) : 0;
    this.progress.report(pct, `${this.done.toLocaleString('en-US')}/${this.total.toLocaleString('en-US')} files`);
  }

  /** Cancels the scan in progress: files not analysed yet keep no diagnostics until they change or reopen. */
  cancelScan(): void {
    const gen = this.scanGen;
    this.pool?.cancel((tag) => tag > 0 && tag <= gen);
    for (const [p, q] of this.queue) if (q.scan > 0) this.queue.delete(p);
    this.finishScan(gen, 'cancelled');
  }

  private finishScan(gen: number, state: ScanState): void {
    if (gen !== this.scanGen || this.state !== 'scanning') return;
    const t = this.stats;
    this.log(
      `workspace analysis ${state === 'cancelled' ? 'cancelled' : 'done'}: ${this.done} of ${this.total} files in ${Date.now() - this.scanStarted} ms ` +
        `(${t.analysed} analysed, ${t.cached} from the cache, ${t.unchanged} unchanged, ${t.skipped} skipped)`,
    );
    const m = process.memoryUsage();
    const mb = (n: number): string => `${Math.round(n / 1048576)} MB`;
    const p = this.pool;
    this.log(
      `workspace analysis memory: process ${mb(m.rss)}, main thread heap ${mb(m.heapTotal)} + wasm/external ${mb(m.external)}` +
        (p ? `; workers: ${p.started} started, ${p.recycled} replaced for memory, largest heap ${mb(p.maxHeap)}` : ''),
    );
    this.progress?.done();
    this.progress = undefined;
    this.setState(state);
    this.saveCache();
  }

  private scanStep(scan: number): void {
    if (scan <= 0 || scan !== this.scanGen || this.state !== 'scanning') return;
    this.done++;
    this.reportProgress();
    this.scheduleStatus();
    if (this.done >= this.total) this.finishScan(scan, 'idle');
  }

  /** Stops the workspace analysis: no scan, no workers; files on disk lose their diagnostics. */
  private stop(): void {
    this.scanGen++;
    this.queue.clear();
    this.pool?.dispose();
    this.pool = undefined;
    this.progress?.done();
    this.progress = undefined;
    for (const rec of [...this.files.values()]) this.forget(rec);
    this.setState('off');
  }

  private ensurePool(): WorkerPool {
    if (!this.pool) {
      const env = Number(process.env.STEADY_WORKERS);
      // One core stays free for the main thread (keystrokes) and the editor; this also bounds the memory.
      const workers = this.host.workers ?? (env > 0 ? env : Math.max(1, Math.min(availableParallelism() - 1, 4)));
      this.workerCount = workers;
      this.pool = new WorkerPool({
        script: this.host.workerScript,
        workers,
        recycleBytes: 128 * 1024 * 1024,
        niceness: 10,
        idleMs: 10_000,
        maxOldGenerationSizeMb: 512,
        maxYoungGenerationSizeMb: 16,
        largeBytes: 200 * 1024,
        log: (m) => this.log(m),
      });
    }
    return this.pool;
  }

  // -----------------------------------------------------------------------------------------------------------
  // Checking one file: stat, read, hash, look up, analyse on a worker, publish.

  private folderOf(fsPath: string): FolderSpec | undefined {
    for (const f of this.folders.values()) if (isInside(fsPath, f.root)) return f;
    return undefined;
  }

  private record(fsPath: string, language: LanguageId): FileRecord {
    let rec = this.files.get(fsPath);
    if (!rec) {
      rec = { path: fsPath, uri: URI.file(fsPath).toString(), language, diagnostics: [], resultId: '', seq: 0, excluded: false };
      this.files.set(fsPath, rec);
    }
    return rec;
  }

  private enqueue(fsPath: string, opts: { high: boolean; force?: boolean; scan?: number }): void {
    const prev = this.queue.get(fsPath);
    const scan = opts.scan ?? prev?.scan ?? 0;
    if (prev && prev.high && !opts.high) {
      prev.force ||= !!opts.force;
      prev.scan = scan;
      return;
    }
    if (prev) this.queue.delete(fsPath);
    this.queue.set(fsPath, { high: opts.high || !!prev?.high, force: !!opts.force || !!prev?.force, scan });
  }

  private nextQueued(): [string, { high: boolean; force: boolean; scan: number }] | undefined {
    for (const e of this.queue) if (e[1].high) return e;
    return this.queue.entries().next().value;
  }

  /** Starts checks while there is room: a few reads at once, and no more queued analyses than the workers can take. */
  private pumpChecks(): void {
    if (this.disposed) return;
    const maxJobs = this.workerCount * JOBS_PER_WORKER;
    while (this.readsInFlight < READS_IN_FLIGHT && this.jobsInFlight < maxJobs && this.queue.size > 0) {
      const [p, q] = this.nextQueued()!;
      this.queue.delete(p);
      const rec = this.files.get(p);
      if (!rec) {
        this.scanStep(q.scan);
        continue;
      }
      const seq = ++rec.seq;
      this.readsInFlight++;
      void this.check(rec, seq, q).finally(() => this.scanStep(q.scan));
    }
  }

  private async check(rec: FileRecord, seq: number, q: { high: boolean; force: boolean; scan: number }): Promise<void> {
    let reading = true;
    const doneReading = (): void => {
      if (!reading) return;
      reading = false;
      this.readsInFlight--;
      setImmediate(() => this.pumpChecks());
    };
    try {
      const config = this.host.config();
      let cfg: FileConfigLike;
      try {
        cfg = config.forFile(rec.path);
      } catch (e) {
        this.log(`skipping ${rec.path}: ${(e as Error).message}`);
        return;
      }
      rec.excluded = cfg.excluded;
      if (cfg.excluded) {
        rec.key = undefined;
        this.setDiagnostics(rec, [], q.force);
        return;
      }
      let bytes: Buffer;
      try {
        const st = await fsp.stat(rec.path);
        if (!st.isFile()) return this.skip(rec, seq, 'not a regular file');
        if (st.size > this.settings.maxFileSize) return this.oversize(rec, seq, st.size, q.force);
        bytes = await fsp.readFile(rec.path);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        return this.skip(rec, seq, code === 'ENOENT' ? 'it no longer exists (deleted, or a broken symbolic link)' : errorText(e), code === 'ENOENT');
      }
      if (seq !== rec.seq) return;
      if (bytes.length > this.settings.maxFileSize) return this.oversize(rec, seq, bytes.length, q.force);
      const key: CacheKeyLike = { contentHash: contentHash(bytes), configHash: cfg.hash };
      if (!q.force && rec.key && rec.key.contentHash === key.contentHash && rec.key.configHash === key.configHash && rec.oversize === undefined) {
        this.stats.unchanged++;
        return; // unchanged since it was last analysed
      }
      const cached = this.host.cache.get(rec.path, key);
      if (cached) {
        const decoded = decodeSource(bytes);
        if ('skip' in decoded) return this.skip(rec, seq, decoded.skip);
        rec.key = key;
        rec.oversize = undefined;
        this.stats.cached++;
        this.setDiagnostics(rec, diskDiagnostics(cached.findings, new LineIndex(decoded.text), key.contentHash), q.force);
        return;
      }
      doneReading();
      const profile = this.profileFor(cfg);
      this.jobsInFlight++;
      let result: JobResult;
      try {
        const buf = ownBuffer(bytes);
        result = await this.ensurePool().run(
          { kind: 'analyze', path: rec.path, language: rec.language, bytes: buf, hash: key.contentHash, profile },
          { tag: q.scan, high: q.high, transfer: [buf.buffer as ArrayBuffer] },
        );
      } catch (e) {
        if (e instanceof JobCancelled) {
          // Cancelled before it ran: the file keeps what it had; a later change or scan checks it again.
          return;
        }
        return this.skip(rec, seq, (e as Error).message);
      } finally {
        this.jobsInFlight--;
        setImmediate(() => this.pumpChecks());
      }
      if (seq !== rec.seq || !this.files.has(rec.path)) return;
      if (result.kind === 'skipped') return this.skip(rec, seq, result.reason);
      if (result.kind !== 'analyzed') return;
      for (const f of result.failures) this.log(`rule ${f.code} failed on ${rec.path}: ${f.error}`);
      rec.key = key;
      rec.oversize = undefined;
      this.stats.analysed++;
      this.host.cache.set(rec.path, key, { findings: result.findings });
      this.cacheDirty = true;
      this.scheduleSave();
      this.setDiagnostics(rec, result.diagnostics, q.force);
    } finally {
      doneReading();
    }
  }

  /**
   * Analyses a text on a worker (ahead of the background scan), for commands that need findings of files the scan
   * has not analysed yet: the main thread stays free for keystrokes. Rejects if no worker can run it.
   */
  async analyzeOffThread(fsPath: string, language: LanguageId, text: string, cfg: FileConfigLike): Promise<Finding[]> {
    const encoded = Buffer.from(text, 'utf8');
    const hash = contentHash(encoded);
    const bytes = ownBuffer(encoded);
    const profile = this.profileFor(cfg);
    const result = await this.ensurePool().run(
      { kind: 'analyze', path: fsPath, language, bytes, hash, profile },
      { tag: 0, high: true, transfer: [bytes.buffer as ArrayBuffer] },
    );
    if (result.kind === 'analyzed') {
      for (const f of result.failures) this.log(`rule ${f.code} failed on ${fsPath}: ${f.error}`);
      return result.findings;
    }
    throw new Error(result.kind === 'skipped' ? result.reason : 'unexpected worker reply');
  }

  /** The id of the worker profile of a configuration, sending it to the pool the first time. */
  private profileFor(cfg: FileConfigLike): number {
    let id = this.profileIds.get(cfg.hash);
    if (id === undefined) {
      id = ++this.profileCounter;
      this.profileIds.set(cfg.hash, id);
      const profile: RuleProfile = { id, codes: cfg.rules.map((r) => r.code), severity: cfg.severity, ruleOptions: cfg.ruleOptions };
      this.ensurePool().addProfile(profile);
    }
    return id;
  }

  /** A file that cannot be analysed: logged once, and it loses its diagnostics (`gone`: it no longer exists). */
  private skip(rec: FileRecord, seq: number, why: string, gone = false): void {
    if (seq !== rec.seq) return;
    this.stats.skipped++;
    this.log(`skipping ${rec.path}: ${why}`);
    if (gone) {
      this.forget(rec);
      return;
    }
    rec.key = undefined;
    rec.oversize = undefined;
    this.setDiagnostics(rec, [], false);
  }

  private oversize(rec: FileRecord, seq: number, size: number, force: boolean): void {
    if (seq !== rec.seq) return;
    if (rec.oversize === size && !force) return;
    rec.oversize = size;
    rec.key = undefined;
    this.stats.skipped++;
    const limit = formatSize(this.settings.maxFileSize);
    this.setDiagnostics(
      rec,
      [skippedDiagnostic(`Steady does not analyse files larger than ${limit} (steady.maxFileSize); this one has ${formatSize(size)}`)],
      true,
    );
  }

  /** Drops a file: its diagnostics disappear and the cache forgets it. */
  private forget(rec: FileRecord): void {
    rec.seq++;
    this.queue.delete(rec.path);
    this.files.delete(rec.path);
    this.host.cache.delete(rec.path);
    this.cacheDirty = true;
    if (rec.diagnostics.length > 0 || rec.resultId) {
      rec.diagnostics = [];
      rec.resultId = `w${++this.resultCounter}`;
      this.queuePublish(rec, true);
    }
    this.scheduleStatus();
  }

  private setDiagnostics(rec: FileRecord, diagnostics: Diagnostic[], force: boolean): void {
    const same = !force && sameDiagnostics(rec.diagnostics, diagnostics);
    rec.diagnostics = diagnostics;
    if (same && rec.resultId) return;
    rec.resultId = `w${++this.resultCounter}`;
    this.queuePublish(rec, false, force);
    this.scheduleStatus();
  }

  // -----------------------------------------------------------------------------------------------------------
  // Publishing: push (publishDiagnostics) or pull (partial results of open workspace/diagnostic requests).

  private readonly removed = new Map<string, string>();

  private readonly forced = new Set<string>();

  private queuePublish(rec: FileRecord, removed: boolean, force = false): void {
    if (removed) this.removed.set(rec.path, rec.uri);
    else this.removed.delete(rec.path);
    if (force || removed) this.forced.add(rec.path);
    this.toPublish.add(rec.path);
    if (this.publishScheduled) return;
    this.publishScheduled = true;
    setTimeout(() => this.flushPublish(), 20);
  }

  private flushPublish(): void {
    this.publishScheduled = false;
    const batch: string[] = [];
    for (const p of this.toPublish) {
      batch.push(p);
      if (batch.length >= PUBLISH_BATCH) break;
    }
    const items: WorkspaceDocumentDiagnosticReport[] = [];
    for (const p of batch) {
      this.toPublish.delete(p);
      const removedUri = this.removed.get(p);
      this.removed.delete(p);
      const forced = this.forced.delete(p);
      const rec = this.files.get(p);
      if (!rec && removedUri === undefined) continue;
      const uri = rec?.uri ?? removedUri!;
      // An open file's editor text wins: its diagnostics come from the document, not from disk.
      if (this.open.has(p)) continue;
      const diagnostics = rec?.diagnostics ?? [];
      if (this.host.pull) {
        const resultId = rec?.resultId ?? `w${++this.resultCounter}`;
        items.push({ kind: DocumentDiagnosticReportKind.Full, uri, version: null, resultId, items: diagnostics });
      } else {
        // Clean files are not announced: only a file that shows (or may show) diagnostics gets a message.
        if (diagnostics.length === 0 && !forced && !rec?.pushed) continue;
        if (rec) rec.pushed = diagnostics.length > 0;
        void this.connection.sendDiagnostics({ uri, diagnostics });
      }
    }
    if (items.length) for (const l of this.pullListeners) l(items);
    if (this.toPublish.size > 0 && !this.publishScheduled) {
      this.publishScheduled = true;
      setImmediate(() => this.flushPublish());
    }
  }

  /**
   * `workspace/diagnostic`: with a partial-result token, streams every file's report (those the client does not
   * already have) and then each change, until the client cancels; without one, answers once the scan is done.
   */
  async workspaceDiagnostics(
    params: WorkspaceDiagnosticParams,
    token: CancellationToken,
    resultProgress?: ResultProgressReporter<WorkspaceDiagnosticReportPartialResult>,
  ): Promise<WorkspaceDiagnosticReport> {
    const known = new Map(params.previousResultIds.map((p) => [p.uri, p.value]));
    const current = (): WorkspaceDocumentDiagnosticReport[] => {
      const out: WorkspaceDocumentDiagnosticReport[] = [];
      const live = new Set<string>();
      for (const rec of this.files.values()) {
        live.add(rec.uri);
        if (!rec.resultId || this.open.has(rec.path)) continue;
        if (known.get(rec.uri) === rec.resultId) continue;
        out.push({ kind: DocumentDiagnosticReportKind.Full, uri: rec.uri, version: null, resultId: rec.resultId, items: rec.diagnostics });
      }
      // Files the client has results for that are gone (deleted, no longer in the workspace): an empty report.
      for (const [uri, value] of known) {
        if (!live.has(uri) && value !== GONE_RESULT_ID) out.push({ kind: DocumentDiagnosticReportKind.Full, uri, version: null, resultId: GONE_RESULT_ID, items: [] });
      }
      return out;
    };
    if (resultProgress) {
      const first = current();
      for (let i = 0; i < first.length; i += 500) resultProgress.report({ items: first.slice(i, i + 500) });
      await new Promise<void>((resolve) => {
        const listener = (items: WorkspaceDocumentDiagnosticReport[]): void => resultProgress.report({ items });
        this.pullListeners.add(listener);
        const finish = (): void => {
          this.pullListeners.delete(listener);
          resolve();
        };
        if (token.isCancellationRequested || this.disposed) finish();
        else token.onCancellationRequested(finish);
      });
      return { items: [] };
    }
    // No streaming: wait until the scan is done and something differs from what the client has.
    for (;;) {
      if (token.isCancellationRequested || this.disposed) return { items: [] };
      if (this.state !== 'scanning') {
        const items = current();
        if (items.length > 0) return { items };
      }
      await new Promise<void>((resolve) => {
        const listener = (): void => {
          this.pullListeners.delete(listener);
          resolve();
        };
        this.pullListeners.add(listener);
        setTimeout(listener, 1000);
      });
    }
  }

  // -----------------------------------------------------------------------------------------------------------
  // Freshness: watched files and documents opening and closing.

  /** `workspace/didChangeWatchedFiles` for source files: collected, then handled as one re-check of what changed. */
  onWatchedFiles(changes: readonly FileEvent[]): void {
    if (!this.enabled) return;
    for (const c of changes) {
      let p: string;
      try {
        p = URI.parse(c.uri).fsPath;
      } catch {
        continue;
      }
      if (!this.folderOf(p)) continue;
      const prev = this.watched.get(p);
      // Deleted then created is a change; created then deleted is a delete.
      this.watched.set(p, prev === FileChangeType.Deleted && c.type === FileChangeType.Created ? FileChangeType.Changed : c.type);
    }
    if (this.watched.size === 0) return;
    const now = Date.now();
    if (!this.watchTimer) this.watchFirstAt = now;
    if (this.watchTimer) clearTimeout(this.watchTimer);
    const wait = Math.max(0, Math.min(WATCH_DEBOUNCE_MS, this.watchFirstAt + WATCH_MAX_DELAY_MS - now));
    this.watchTimer = setTimeout(() => {
      this.watchTimer = undefined;
      this.applyWatched();
    }, wait);
  }

  private applyWatched(): void {
    const changes = [...this.watched];
    this.watched.clear();
    let unknownCreated = false;
    for (const [p, type] of changes) {
      const rec = this.files.get(p);
      if (type === FileChangeType.Deleted) {
        if (rec) this.forget(rec);
        else for (const r of [...this.files.values()]) if (isInside(r.path, p)) this.forget(r);
      } else if (rec) {
        this.enqueue(p, { high: true });
      } else if (languageForPath(p)) {
        unknownCreated = true;
      }
    }
    this.pumpChecks();
    // New files: the walk decides whether they belong (ignore files, vendor, files.exclude), as at the start.
    if (unknownCreated) void this.rediscover();
    this.scheduleStatus();
  }

  /** Walks the folders again after files were created, and checks the files that are new. */
  private async rediscover(): Promise<void> {
    const folders = [...this.folders.values()];
    let found: SourceFile[];
    try {
      const r = await this.ensurePool().run({ kind: 'discover', folders }, { tag: 0, high: true });
      if (r.kind !== 'discovered') return;
      found = r.files;
    } catch (e) {
      if (!(e instanceof JobCancelled)) this.log(`cannot list the workspace files: ${(e as Error).message}`);
      return;
    }
    for (const f of found) {
      if (this.files.has(f.path)) continue;
      this.record(f.path, f.language);
      this.enqueue(f.path, { high: true });
    }
    this.pumpChecks();
  }

  /** A document was opened: its editor text wins from now on. */
  onOpen(fsPath: string): void {
    this.open.add(fsPath);
    this.toPublish.delete(fsPath);
  }

  /**
   * A document was closed: its on-disk text is analysed again and published. Returns false when the workspace
   * analysis does not cover the file (the caller then clears its diagnostics).
   */
  onClose(fsPath: string): boolean {
    this.open.delete(fsPath);
    if (!this.enabled || !this.folderOf(fsPath)) return false;
    const language = languageForPath(fsPath);
    const rec = this.files.get(fsPath) ?? (language ? this.record(fsPath, language) : undefined);
    if (!rec) return false;
    this.enqueue(fsPath, { high: true, force: true });
    this.pumpChecks();
    return true;
  }

  // -----------------------------------------------------------------------------------------------------------
  // Status and cache.

  private setState(state: ScanState): void {
    this.state = state;
    this.scheduleStatus(true);
  }

  /** The current status. */
  status(): WorkspaceStatus {
    const counts: SeverityCounts = { error: 0, warning: 0, info: 0, hint: 0 };
    const add = (ds: readonly Diagnostic[]): void => {
      for (const d of ds) {
        const s = d.severity ?? 1;
        if (s === 1) counts.error++;
        else if (s === 2) counts.warning++;
        else if (s === 3) counts.info++;
        else counts.hint++;
      }
    };
    for (const rec of this.files.values()) if (!this.open.has(rec.path)) add(rec.diagnostics);
    for (const ds of this.host.openDiagnostics()) add(ds);
    return { state: this.state, done: this.done, total: this.total, files: this.files.size, counts };
  }

  /** Sends the status soon (at most every STATUS_INTERVAL_MS; `now` skips the wait). */
  scheduleStatus(now = false): void {
    if (this.disposed) return;
    if (now) {
      if (this.statusTimer) clearTimeout(this.statusTimer);
      this.statusTimer = undefined;
      this.sendStatus();
      return;
    }
    if (this.statusTimer) return;
    const wait = Math.max(0, this.lastStatusAt + STATUS_INTERVAL_MS - Date.now());
    this.statusTimer = setTimeout(() => {
      this.statusTimer = undefined;
      this.sendStatus();
    }, wait);
  }

  private sendStatus(): void {
    this.lastStatusAt = Date.now();
    void this.connection.sendNotification(WorkspaceStatusNotification.type, this.status()).catch(() => undefined);
  }

  private recheckAll(force: boolean): void {
    for (const rec of this.files.values()) this.enqueue(rec.path, { high: false, force });
    this.pumpChecks();
  }

  private scheduleSave(): void {
    if (this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      this.saveCache();
    }, SAVE_INTERVAL_MS);
  }

  private saveCache(): void {
    if (!this.cacheDirty) return;
    this.cacheDirty = false;
    this.host.cache.save((m) => this.log(`cannot save the result cache: ${m}`));
  }

  /** Saves the cache and stops the workers. */
  dispose(): void {
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveCache();
    this.disposed = true;
    this.pool?.dispose();
    this.pool = undefined;
    if (this.statusTimer) clearTimeout(this.statusTimer);
    if (this.watchTimer) clearTimeout(this.watchTimer);
  }
}

/**
 * The bytes in an ArrayBuffer of their own (a small Buffer is a view of Node's shared pool), so that posting them to
 * a worker transfers them instead of copying.
 */
function ownBuffer(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : new Uint8Array(bytes);
}

/** Whether a path is a folder or inside it. */
function isInside(p: string, folder: string): boolean {
  const rel = path.relative(folder, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Whether two diagnostic lists are the same (their JSON). */
function sameDiagnostics(a: readonly Diagnostic[], b: readonly Diagnostic[]): boolean {
  if (a.length !== b.length) return false;
  return a.length === 0 || JSON.stringify(a) === JSON.stringify(b);
}
