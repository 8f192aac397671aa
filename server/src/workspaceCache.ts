/**
 * The server's result cache file: findings per file keyed by content hash, configuration hash and rule-set version,
 * stored as one JSON file in the extension's storage folder. A file that does not parse, or was written by another
 * version or rule set, is discarded.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { RULES } from './rules';
import { VERSION } from './version';
import type { CacheKeyLike, CacheLike, CachedFindings } from './workspace';

const FORMAT = 'steady-server-cache';
const FILE = 'steady-results.json';

/** Steady's version and a hash of the registered rules' codes and metadata. */
export const SERVER_RULESET_VERSION = `${VERSION}+${createHash('sha256')
  .update(JSON.stringify(RULES.map((r) => [r.code, r.name, r.language, r.severity, r.fix])))
  .digest('hex')
  .slice(0, 16)}`;

interface Entry {
  c: string;
  k: string;
  v: CachedFindings;
}

/** A persisted cache of findings per file. */
export class ServerResultCache implements CacheLike {
  private entries = new Map<string, Entry>();
  private dirty = false;

  private constructor(private readonly dir: string | undefined) {}

  /** Opens the cache in `dir` (undefined: kept in memory only); a damaged or foreign file starts it empty. */
  static open(dir: string | undefined, log: (m: string) => void = () => undefined): ServerResultCache {
    const cache = new ServerResultCache(dir);
    if (!dir) return cache;
    let text: string;
    try {
      text = readFileSync(path.join(dir, FILE), 'utf8');
    } catch {
      return cache;
    }
    try {
      const data = JSON.parse(text) as { format?: unknown; ruleset?: unknown; files?: unknown };
      if (data.format !== FORMAT || data.ruleset !== SERVER_RULESET_VERSION || !data.files || typeof data.files !== 'object') {
        log('the result cache was written by another version of Steady; starting afresh');
        return cache;
      }
      for (const [p, e] of Object.entries(data.files as Record<string, Entry>)) {
        if (e && typeof e.c === 'string' && typeof e.k === 'string' && e.v && Array.isArray(e.v.findings)) cache.entries.set(p, e);
      }
    } catch {
      log('the result cache is damaged; starting afresh');
      cache.entries.clear();
      cache.dirty = true;
    }
    return cache;
  }

  get(fsPath: string, key: CacheKeyLike): CachedFindings | undefined {
    const e = this.entries.get(fsPath);
    return e && e.c === key.contentHash && e.k === key.configHash ? e.v : undefined;
  }

  set(fsPath: string, key: CacheKeyLike, value: CachedFindings): void {
    this.entries.set(fsPath, { c: key.contentHash, k: key.configHash, v: value });
    this.dirty = true;
  }

  delete(fsPath: string): void {
    if (this.entries.delete(fsPath)) this.dirty = true;
  }

  save(onError?: (message: string) => void): void {
    if (!this.dir || !this.dirty) return;
    try {
      mkdirSync(this.dir, { recursive: true });
      const file = path.join(this.dir, FILE);
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify({ format: FORMAT, ruleset: SERVER_RULESET_VERSION, files: Object.fromEntries(this.entries) }));
      renameSync(tmp, file);
      this.dirty = false;
    } catch (e) {
      onError?.((e as Error).message);
    }
  }
}
