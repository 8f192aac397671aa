/**
 * The long-lived worker pool of the workspace analysis. Unlike the CLI's checkPool (one batch, then done), it lives
 * as long as the server: jobs arrive at any time in two priorities (files the user just closed or changed go before
 * the background scan), queued jobs of a cancelled scan are dropped, a worker whose heap grew past a limit (tree-sitter's
 * wasm memory never shrinks) is replaced, and idle workers are stopped so that an idle server holds no worker memory.
 */
import { Worker } from 'node:worker_threads';
import type { FromWorker, JobResult, RuleProfile, ToWorker, WorkspaceWorkerData } from './workspaceWorker';

type OmitId<T> = T extends unknown ? Omit<T, 'id'> : never;

/** A job as the pool's user describes it (the pool assigns ids). */
export type Job = OmitId<Exclude<ToWorker, { kind: 'profile' }>>;

/** Why a job did not run: its batch was cancelled, or the pool was disposed. */
export class JobCancelled extends Error {}

/** Options of the pool. */
export interface PoolOptions {
  /** The worker script (the bundle that calls runWorkspaceWorker). */
  script: string;
  /** Most workers running at once. */
  workers: number;
  /** A worker whose wasm + JS heap exceeds this many bytes after a job is replaced. */
  recycleBytes: number;
  /** Niceness of worker threads (0: same priority as the main thread). */
  niceness: number;
  /** Stop a worker that has had nothing to do for this long. */
  idleMs: number;
  /** V8 old-generation limit of a worker, in MB (a file needing more is skipped with a log line). */
  maxOldGenerationSizeMb?: number;
  /** V8 young-generation limit of a worker, in MB. */
  maxYoungGenerationSizeMb?: number;
  /**
   * Analyses of files larger than this many bytes run one at a time across the pool: a large file's syntax tree and
   * its JS objects take a few hundred MB, and two at once would double the peak.
   */
  largeBytes: number;
  log: (message: string) => void;
}

interface Queued {
  job: Job;
  large: boolean;
  tag: number;
  transfer?: ArrayBuffer[];
  resolve: (r: JobResult) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  current?: { id: number; q: Queued };
  idleTimer?: NodeJS.Timeout;
  dead: boolean;
}

/** A pool of workspace workers. */
export class WorkerPool {
  private readonly high: Queued[] = [];
  private readonly normal: Queued[] = [];
  private readonly slots = new Set<Slot>();
  private readonly profiles = new Map<number, RuleProfile>();
  private nextId = 1;
  private disposed = false;
  private failedToStart = 0;
  /** Workers started and replaced over the pool's life (for logs and tests). */
  started = 0;
  recycled = 0;
  /** The largest heap (JS + wasm) a worker reported after a job, in bytes. */
  maxHeap = 0;

  constructor(private readonly opts: PoolOptions) {}

  /** Jobs waiting or running. */
  get pending(): number {
    let running = 0;
    for (const s of this.slots) if (s.current) running++;
    return this.high.length + this.normal.length + running;
  }

  /** Makes a rule profile known to every worker, present and future. */
  addProfile(profile: RuleProfile): void {
    if (this.profiles.has(profile.id)) return;
    this.profiles.set(profile.id, profile);
    for (const s of this.slots) if (!s.dead) s.worker.postMessage({ kind: 'profile', profile } satisfies ToWorker);
  }

  /** Runs a job; `tag` groups jobs for cancel(); high-priority jobs go before all normal ones. */
  run(job: Job, opts: { tag: number; high?: boolean; transfer?: ArrayBuffer[] }): Promise<JobResult> {
    if (this.disposed) return Promise.reject(new JobCancelled('the pool is disposed'));
    return new Promise<JobResult>((resolve, reject) => {
      const large = job.kind === 'analyze' && job.bytes.byteLength > this.opts.largeBytes;
      const q: Queued = { job, large, tag: opts.tag, transfer: opts.transfer, resolve, reject };
      (opts.high ? this.high : this.normal).push(q);
      this.pump();
    });
  }

  /** Drops the queued (not yet running) jobs whose tag `drop` accepts; their promises reject with JobCancelled. */
  cancel(drop: (tag: number) => boolean): void {
    for (const list of [this.high, this.normal]) {
      const keep = list.filter((q) => !drop(q.tag));
      const gone = list.filter((q) => drop(q.tag));
      list.length = 0;
      list.push(...keep);
      for (const q of gone) q.reject(new JobCancelled('cancelled'));
    }
  }

  /** Stops every worker and rejects every job. */
  dispose(): void {
    this.disposed = true;
    this.cancel(() => true);
    for (const s of [...this.slots]) {
      if (s.current) s.current.q.reject(new JobCancelled('the pool is disposed'));
      this.stop(s);
    }
  }

  /** The next job a worker may start: the first queued, skipping large files while another worker has one. */
  private take(): Queued | undefined {
    let largeRunning = false;
    for (const s of this.slots) if (s.current?.q.large) largeRunning = true;
    for (const list of [this.high, this.normal]) {
      const i = largeRunning ? list.findIndex((q) => !q.large) : list.length ? 0 : -1;
      if (i !== -1) return list.splice(i, 1)[0];
    }
    return undefined;
  }

  private pump(): void {
    if (this.disposed) return;
    for (const s of this.slots) {
      if (s.ready && !s.current && !s.dead) this.feed(s);
    }
    const waiting = this.high.length + this.normal.length;
    let starting = 0;
    for (const s of this.slots) if (!s.ready && !s.dead) starting++;
    while (waiting > starting && this.slots.size < this.opts.workers && this.failedToStart < 3) {
      this.spawn();
      starting++;
    }
    if (this.failedToStart >= 3 && this.slots.size === 0) {
      for (const q of [...this.high.splice(0), ...this.normal.splice(0)]) q.reject(new Error('the analysis workers cannot start'));
    }
  }

  private feed(s: Slot): void {
    const q = this.take();
    if (!q) {
      if (!s.idleTimer) s.idleTimer = setTimeout(() => this.stop(s), this.opts.idleMs);
      return;
    }
    if (s.idleTimer) {
      clearTimeout(s.idleTimer);
      s.idleTimer = undefined;
    }
    const id = this.nextId++;
    s.current = { id, q };
    try {
      s.worker.postMessage({ ...q.job, id } as ToWorker, q.transfer ?? []);
    } catch (e) {
      s.current = undefined;
      q.reject(e as Error);
      setImmediate(() => this.pump());
    }
  }

  private spawn(): void {
    const data: WorkspaceWorkerData = { steadyWorkspaceWorker: true, niceness: this.opts.niceness };
    const worker = new Worker(this.opts.script, {
      workerData: data,
      resourceLimits: {
        ...(this.opts.maxOldGenerationSizeMb ? { maxOldGenerationSizeMb: this.opts.maxOldGenerationSizeMb } : {}),
        ...(this.opts.maxYoungGenerationSizeMb ? { maxYoungGenerationSizeMb: this.opts.maxYoungGenerationSizeMb } : {}),
      },
      stdout: false,
      stderr: false,
    });
    const slot: Slot = { worker, ready: false, dead: false };
    this.slots.add(slot);
    this.started++;
    worker.on('message', (msg: FromWorker) => {
      if (msg.kind === 'ready') {
        slot.ready = true;
        this.failedToStart = 0;
        for (const p of this.profiles.values()) worker.postMessage({ kind: 'profile', profile: p } satisfies ToWorker);
        this.feed(slot);
        return;
      }
      const cur = slot.current;
      slot.current = undefined;
      if (cur && cur.id === msg.id) cur.q.resolve(msg.result);
      this.maxHeap = Math.max(this.maxHeap, msg.heap);
      // A large file leaves a grown heap behind: replace the worker rather than keep that memory.
      if (msg.heap > this.opts.recycleBytes || cur?.q.large) {
        this.recycled++;
        this.stop(slot);
        this.pump();
        return;
      }
      // Other idle workers may have been waiting for this one's large file to finish.
      this.pump();
    });
    const died = (why: string): void => {
      if (slot.dead) return;
      slot.dead = true;
      this.slots.delete(slot);
      if (slot.idleTimer) clearTimeout(slot.idleTimer);
      if (!slot.ready) {
        this.failedToStart++;
        this.opts.log(`a workspace analysis worker failed to start: ${why}`);
      }
      const cur = slot.current;
      slot.current = undefined;
      // The job it was running is reported as failed (a crash on that file); the rest go to a new worker.
      if (cur) cur.q.reject(new Error(`the analysis worker stopped: ${why}`));
      if (!this.disposed) setImmediate(() => this.pump());
    };
    worker.on('error', (e) => died(String((e as Error)?.message ?? e).split('\n')[0]));
    worker.on('exit', (code) => died(`exit status ${code}`));
  }

  private stop(s: Slot): void {
    if (s.dead) return;
    s.dead = true;
    if (s.idleTimer) clearTimeout(s.idleTimer);
    this.slots.delete(s);
    void s.worker.terminate();
  }
}
