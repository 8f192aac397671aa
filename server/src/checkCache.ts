/**
 * `steady check` with the result cache: files whose content, rule set and configuration are unchanged since the
 * last run are served from `.steady_cache/`, the others are checked (on worker threads) and stored.
 */
import { readFileSync } from 'node:fs';
import { contentHash, ResultCache, type CacheKey } from './cache';
import { checkFiles, type CheckFilesOptions } from './checkPool';
import type { SourceFile } from './discover';
import { displayPath, type FileReport, type ReportDiagnostic, type ReportFailure } from './report/diagnostic';

/** The folder of the CLI's cache, inside the working folder. */
export const CLI_CACHE_DIR = '.steady_cache';

/** What the CLI caches per file: what its report needs, without the path it was reached by. */
export interface CachedFileResult {
  lines: number;
  diagnostics: ReportDiagnostic[];
  failures: ReportFailure[];
}

const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
const isPos = (v: unknown): boolean => isObj(v) && Number.isInteger(v.line) && Number.isInteger(v.column);
const isRange = (v: unknown): boolean => isObj(v) && isPos(v.start) && isPos(v.end);
const SEVERITIES = new Set(['error', 'warning', 'info', 'hint']);

/** Whether a fix has the report's shape. */
function isFix(v: unknown): boolean {
  return (
    isObj(v) &&
    typeof v.title === 'string' &&
    (v.applicability === 'safe' || v.applicability === 'assisted') &&
    Array.isArray(v.edits) &&
    v.edits.every((e) => isObj(e) && isRange(e.range) && typeof e.newText === 'string')
  );
}

/** Whether a stored value has the shape of a CachedFileResult (the cache file is never trusted blindly). */
export function isCachedFileResult(v: unknown): v is CachedFileResult {
  if (!isObj(v) || !Number.isInteger(v.lines) || !Array.isArray(v.diagnostics) || !Array.isArray(v.failures)) return false;
  const diagOk = v.diagnostics.every(
    (d) =>
      isObj(d) &&
      typeof d.rule === 'string' &&
      typeof d.name === 'string' &&
      typeof d.category === 'string' &&
      typeof d.severity === 'string' &&
      SEVERITIES.has(d.severity) &&
      typeof d.message === 'string' &&
      isRange(d.range) &&
      Array.isArray(d.fixes) &&
      d.fixes.every(isFix),
  );
  return diagOk && v.failures.every((f) => isObj(f) && typeof f.rule === 'string' && typeof f.message === 'string');
}

/** Opens the CLI's cache in `cwd` (or a disabled one), reporting a discarded file through `notice`. */
export function openCliCache(cwd: string, enabled: boolean, notice: (m: string) => void): ResultCache<CachedFileResult> {
  if (!enabled) return ResultCache.disabled();
  return ResultCache.open<CachedFileResult>(`${cwd}/${CLI_CACHE_DIR}`, { gitignore: true, onLog: notice, validate: isCachedFileResult });
}

/** Options of checkFilesCached. */
export interface CachedCheckOptions extends CheckFilesOptions {
  cache: ResultCache<CachedFileResult>;
  /**
   * The configuration hash of a file (CacheKey.configHash). Default: a hash of what `configFor` gives the file (its
   * rules, severities and options), or of `rules` without it.
   */
  configHash?: (file: SourceFile) => string;
}

/** The per-file configuration options of checkFiles, as far as the cache key needs them. */
interface ConfigOptions {
  severity?: unknown;
  ruleOptions?: unknown;
  configFor?: (file: SourceFile) => { ruleCodes: readonly string[]; severity?: unknown; ruleOptions?: unknown };
}

/** The default configuration hash of checkFilesCached's files. */
function defaultConfigHash(options: CheckFilesOptions): (file: SourceFile) => string {
  const opts = options as CheckFilesOptions & ConfigOptions;
  const base = contentHash(JSON.stringify([opts.rules.map((r) => r.code), opts.severity ?? {}, opts.ruleOptions ?? {}]));
  const configFor = opts.configFor;
  if (!configFor) return () => base;
  const memo = new Map<unknown, string>();
  return (file) => {
    const c = configFor(file);
    let h = memo.get(c);
    if (h === undefined) memo.set(c, (h = contentHash(JSON.stringify([c.ruleCodes, c.severity ?? {}, c.ruleOptions ?? {}]))));
    return h;
  };
}

/** Whether a cached result has a fix that --fix would apply (such files must be checked, and fixed, again). */
function hasSafeFix(r: CachedFileResult): boolean {
  return r.diagnostics.some((d) => d.fixes.some((f) => f.applicability === 'safe'));
}

/**
 * Checks every file like checkFiles, serving unchanged files from the cache and storing what was checked. With
 * `fix`, files with a safe fix are always checked (and fixed) again; fixed files are not stored, since their text
 * changed after it was hashed. Does not save the cache.
 */
export async function checkFilesCached(files: readonly SourceFile[], opts: CachedCheckOptions): Promise<FileReport[]> {
  const reports: FileReport[] = new Array(files.length);
  const missIdx: number[] = [];
  const keys = new Map<number, CacheKey>();
  const configHash = opts.configHash ?? defaultConfigHash(opts);
  files.forEach((file, i) => {
    if (opts.cache.dir === undefined) return missIdx.push(i);
    let key: CacheKey;
    try {
      key = { contentHash: contentHash(readFileSync(file.path)), configHash: configHash(file) };
    } catch {
      return missIdx.push(i); // checkFile reports why it cannot be read
    }
    keys.set(i, key);
    const hit = opts.cache.get(file.path, key);
    if (!hit || (opts.fix && hasSafeFix(hit))) return missIdx.push(i);
    const rel = displayPath(opts.cwd, file.path);
    reports[i] = {
      path: rel,
      explicit: file.explicit,
      status: 'checked',
      lines: hit.lines,
      diagnostics: hit.diagnostics.map((d) => ({ ...d, path: rel })),
      fixesApplied: 0,
      failures: hit.failures,
      notices: [],
    };
  });
  if (missIdx.length > 0) {
    const checked = await checkFiles(
      missIdx.map((i) => files[i]),
      opts,
    );
    checked.forEach((r, j) => {
      const i = missIdx[j];
      reports[i] = r;
      const key = keys.get(i);
      if (key && r.status === 'checked' && r.fixesApplied === 0) {
        opts.cache.set(files[i].path, key, { lines: r.lines, diagnostics: r.diagnostics, failures: r.failures });
      }
    });
  }
  return reports;
}
