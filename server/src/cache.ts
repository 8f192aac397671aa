/**
 * The result cache: what analysing a file produced, keyed by the file's content hash, the rule-set version and the
 * hash of the configuration that applied, persisted as one JSON file written atomically. A file that is corrupted,
 * truncated, written by another tool or by another rule-set version is discarded (with a log line), never trusted.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { RULES } from './rules';
import { VERSION } from './version';

/** What a cache entry is keyed by, besides the file path. */
export interface CacheKey {
  /** sha256 (hex) of the file's bytes. */
  contentHash: string;
  /** FileConfig.hash of the configuration applying to the file. */
  configHash: string;
}

/** Options of ResultCache.open. */
export interface CacheOpenOptions<T> {
  /** Write a `.gitignore` holding `*` into the folder, so the cache is never committed. */
  gitignore?: boolean;
  /** Receives one line about a cache file that was discarded or could not be read. */
  onLog?: (message: string) => void;
  /** Checks a stored value's shape; entries whose value fails are dropped (the whole file is then distrusted). */
  validate?: (value: unknown) => value is T;
}

/** sha256 hex of bytes or text (text is hashed as UTF-8). */
export function contentHash(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A hash of everything that decides what the rules report: their metadata and the source of their checks. */
function rulesetHash(): string {
  const h = createHash('sha256');
  for (const r of RULES) {
    h.update(JSON.stringify([r.code, r.name, r.language, r.category, r.severity, r.fix, r.kinds, (r.facts ?? []).map((f) => f.id)]));
    h.update(r.check.toString());
    for (const f of r.facts ?? []) h.update(f.collect.toString());
  }
  // When bundled, this file is the whole program (engine and helpers included): any rebuild changes the version.
  try {
    h.update(readFileSync(__filename));
  } catch {
    // not readable: the rule sources above still cover the rules themselves
  }
  return h.digest('hex').slice(0, 16);
}

/** The rule-set version: Steady's version plus a hash of the registered rules (their metadata and code). */
export const RULESET_VERSION: string = `${VERSION}+${rulesetHash()}`;

/** The name of the cache file inside the cache folder. */
export const CACHE_FILE = 'results.json';

/** The `format` marker of Steady cache files, to tell them from anything else. */
const FORMAT = 'steady-result-cache';
/** The layout version of the file itself. */
const SCHEMA = 1;

/** One stored entry: content hash, configuration hash, value. */
interface Entry<T> {
  h: string;
  c: string;
  v: T;
}

/** The JSON file's shape. */
interface CacheFile<T> {
  format: typeof FORMAT;
  schema: number;
  ruleset: string;
  entries: Record<string, Entry<T>>;
}

const HEX64 = /^[0-9a-f]{64}$/;

/** Findings of one file, persisted between runs: results keyed by content, rule-set version and configuration. */
export class ResultCache<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private dirty = false;

  private constructor(
    /** The folder the cache file is in; undefined for a disabled cache. */
    readonly dir: string | undefined,
    private readonly opts: CacheOpenOptions<T> = {},
  ) {}

  /** Opens (or starts empty) the cache stored in `dir`; a corrupted, foreign or other-version file is discarded. */
  static open<T>(dir: string, opts: CacheOpenOptions<T> = {}): ResultCache<T> {
    const cache = new ResultCache<T>(path.resolve(dir), opts);
    cache.load();
    return cache;
  }

  /** A cache that stores nothing (--no-cache). */
  static disabled<T>(): ResultCache<T> {
    return new ResultCache<T>(undefined);
  }

  /** The path of the cache file, or undefined when disabled. */
  get file(): string | undefined {
    return this.dir === undefined ? undefined : path.join(this.dir, CACHE_FILE);
  }

  /** Number of entries held. */
  get size(): number {
    return this.entries.size;
  }

  private log(message: string): void {
    this.opts.onLog?.(message);
  }

  /** Reads the file, keeping its entries only when every part of it has the expected shape and version. */
  private load(): void {
    const file = this.file!;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') this.log(`cannot read the cache ${file}: ${(e as Error).message}; starting empty`);
      return;
    }
    const why = this.parse(text);
    if (why) {
      this.entries.clear();
      this.dirty = true; // rewrite it, so the bad file does not stay behind
      this.log(`discarding the cache ${file}: ${why}`);
    }
  }

  /** Fills the entries from the file's text; returns why the file cannot be trusted, or undefined. */
  private parse(text: string): string | undefined {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      return 'it is not valid JSON (corrupted or truncated)';
    }
    if (!data || typeof data !== 'object' || Array.isArray(data)) return 'it is not a Steady cache file';
    const f = data as Partial<CacheFile<unknown>>;
    if (f.format !== FORMAT) return 'it is not a Steady cache file';
    if (f.schema !== SCHEMA) return `it has layout version ${String(f.schema)}, not ${SCHEMA}`;
    if (f.ruleset !== RULESET_VERSION) return `it was written by another rule-set version (${String(f.ruleset)})`;
    if (!f.entries || typeof f.entries !== 'object' || Array.isArray(f.entries)) return 'its entries are malformed';
    for (const [file, e] of Object.entries(f.entries)) {
      if (!e || typeof e !== 'object' || typeof e.h !== 'string' || !HEX64.test(e.h) || typeof e.c !== 'string' || !('v' in e)) {
        return `its entry for ${file} is malformed`;
      }
      if (this.opts.validate && !this.opts.validate(e.v)) return `its entry for ${file} has a malformed value`;
      this.entries.set(file, { h: e.h, c: e.c, v: e.v as T });
    }
    return undefined;
  }

  /** The cached value for a file when its key matches; undefined otherwise. */
  get(fsPath: string, key: CacheKey): T | undefined {
    const e = this.entries.get(fsPath);
    if (!e || e.h !== key.contentHash || e.c !== key.configHash) return undefined;
    return e.v;
  }

  /** Stores a file's value. */
  set(fsPath: string, key: CacheKey, value: T): void {
    if (this.dir === undefined) return;
    this.entries.set(fsPath, { h: key.contentHash, c: key.configHash, v: value });
    this.dirty = true;
  }

  /** Forgets a file (deleted). */
  delete(fsPath: string): void {
    if (this.entries.delete(fsPath)) this.dirty = true;
  }

  /** Forgets every file for which `keep` returns false (e.g. files that no longer exist). */
  prune(keep: (fsPath: string) => boolean): void {
    for (const file of [...this.entries.keys()]) if (!keep(file)) this.delete(file);
  }

  /** Writes the cache atomically (temp file + rename) if it changed; never throws (logs through the callback). */
  save(onError?: (message: string) => void): void {
    if (this.dir === undefined || !this.dirty) return;
    const report = onError ?? ((m: string) => this.log(m));
    const file = this.file!;
    const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    try {
      mkdirSync(this.dir, { recursive: true });
      if (this.opts.gitignore) {
        const gi = path.join(this.dir, '.gitignore');
        if (!existsSync(gi)) writeFileSync(gi, '# Created by Steady: the result cache is never committed.\n*\n');
      }
      const body: CacheFile<T> = { format: FORMAT, schema: SCHEMA, ruleset: RULESET_VERSION, entries: Object.fromEntries(this.entries) };
      writeFileSync(tmp, JSON.stringify(body));
      renameSync(tmp, file);
      this.dirty = false;
    } catch (e) {
      try {
        rmSync(tmp, { force: true });
      } catch {
        // nothing more to do
      }
      report(`cannot write the cache ${file}: ${(e as Error).message}`);
    }
  }
}
