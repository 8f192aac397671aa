/**
 * Source file discovery for `steady check` (and any front end that needs the files of a folder): walks the given
 * paths for Go and Python files, honouring `.gitignore` files (nested ones too) and skipping dependency and tool
 * folders. Explicitly named files are always taken, whatever the ignore files say.
 */
import { closeSync, openSync, readdirSync, readFileSync, readSync, realpathSync, statSync, type Dirent, type Stats } from 'node:fs';
import path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { languageForPath, type LanguageId } from './languages';

/**
 * Folder names never walked into (unless named explicitly): VCS data, vendored and installed dependencies, and
 * `testdata`, which the Go tool also ignores (test fixtures, often deliberately defective).
 */
export const SKIPPED_DIRS: ReadonlySet<string> = new Set(['.git', '.hg', '.svn', 'node_modules', 'vendor', '__pycache__', 'testdata']);

/** A file to analyse. */
export interface SourceFile {
  /** Absolute path, as reached (symbolic links are not resolved). */
  path: string;
  language: LanguageId;
  /** True when the file was named on the command line rather than found by walking a folder. */
  explicit: boolean;
}

/** What discovery found. */
export interface Discovery {
  /** The files to analyse, sorted by path, each real file once. */
  files: SourceFile[];
  /** One-line messages about paths that were named but do not exist or cannot be read (a usage error). */
  errors: string[];
}

/** Options of a discovery. */
export interface DiscoverOptions {
  /** Folder that relative paths are resolved against; defaults to process.cwd(). */
  cwd?: string;
  /** Receives one-line notices about skipped entries (unreadable folders, broken or looping links, ...). */
  onNotice?: (message: string) => void;
  /** Leaves out the folders and files (absolute paths) it returns true for, e.g. an editor's `files.exclude`. */
  exclude?: (abs: string, isDir: boolean) => boolean;
}

/** One folder's ignore rules and the folder they are relative to. */
interface IgnoreLayer {
  dir: string;
  ig: Ignore;
}

const CASE_INSENSITIVE_FS = process.platform === 'darwin' || process.platform === 'win32';

/** The folder's `.gitignore` (and, at a repository's top, `.git/info/exclude`) as one ignore layer, if any. */
function readIgnoreLayer(dir: string, notice: (m: string) => void, display: (p: string) => string): IgnoreLayer | undefined {
  const sources = [path.join(dir, '.gitignore'), path.join(dir, '.git', 'info', 'exclude')];
  let ig: Ignore | undefined;
  for (const file of sources) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') notice(`cannot read ${display(file)}: ${errorText(e)}`);
      continue;
    }
    ig ??= ignore({ ignorecase: CASE_INSENSITIVE_FS });
    ig.add(text);
  }
  return ig ? { dir, ig } : undefined;
}

/** Whether the layers (outermost first) ignore an absolute path; later layers can re-include with `!pattern`. */
function isIgnored(layers: readonly IgnoreLayer[], abs: string, isDir: boolean): boolean {
  let ignored = false;
  for (const { dir, ig } of layers) {
    const rel = path.relative(dir, abs);
    if (!rel || rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) continue;
    const r = ig.test(rel.split(path.sep).join('/') + (isDir ? '/' : ''));
    if (r.ignored) ignored = true;
    else if (r.unignored) ignored = false;
  }
  return ignored;
}

/** The folders from the enclosing repository's top down to `dir`'s parent; empty outside a repository. */
function repositoryAncestors(dir: string): string[] {
  const chain: string[] = [];
  for (let d = path.dirname(dir); ; d = path.dirname(d)) {
    chain.unshift(d);
    try {
      statSync(path.join(d, '.git'));
      return chain;
    } catch {
      // not the top yet
    }
    if (path.dirname(d) === d) return [];
  }
}

/** Whether a folder is a Python virtual environment (it holds a pyvenv.cfg), which is installed code, not the project's. */
function isVirtualEnv(dir: string): boolean {
  try {
    return statSync(path.join(dir, 'pyvenv.cfg')).isFile();
  } catch {
    return false;
  }
}

/** The first line of a file (at most 256 bytes of it), for shebang detection. */
function firstLine(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(256);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const s = buf.subarray(0, n).toString('latin1');
    const nl = s.search(/\r|\n/);
    return nl === -1 ? s : s.slice(0, nl);
  } finally {
    closeSync(fd);
  }
}

/** The message of an I/O error without Node's `ENOENT: ..., open '...'` decoration. */
export function errorText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const byCode: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    ELOOP: 'too many levels of symbolic links (a symlink loop)',
    ENOTDIR: 'not a directory',
    EISDIR: 'is a directory',
    EMFILE: 'too many open files',
    EIO: 'input/output error',
  };
  if (err?.code && byCode[err.code]) return byCode[err.code];
  return String(err?.message ?? e).split('\n')[0];
}

/**
 * Finds the Go and Python files under `paths` (files or folders). Folders are walked recursively, skipping
 * SKIPPED_DIRS, Python virtual environments, whatever `.gitignore` files ignore (those inside the walked folder and
 * those of its enclosing repository), and symbolic links to folders (links to files are followed). Files without
 * an extension are taken when their first line is a Python shebang. Named files are taken even if ignored.
 */
export function discover(paths: readonly string[], opts: DiscoverOptions = {}): Discovery {
  const cwd = opts.cwd ?? process.cwd();
  const notice = opts.onNotice ?? (() => undefined);
  const display = (p: string): string => {
    const rel = path.relative(cwd, p);
    return (rel === '' ? '.' : rel).split(path.sep).join('/');
  };
  const errors: string[] = [];
  const files: SourceFile[] = [];
  const seenFiles = new Set<string>();
  const walkedDirs = new Set<string>();
  // Files reached through a symbolic link while walking: taken last, so the file's own path wins over a link to it.
  const linked: SourceFile[] = [];

  const take = (abs: string, language: LanguageId, explicit: boolean): void => {
    let real = abs;
    try {
      real = realpathSync(abs);
    } catch {
      // keep the path as reached
    }
    if (seenFiles.has(real)) return;
    seenFiles.add(real);
    files.push({ path: abs, language, explicit });
  };

  /** The language of a regular file, reading its first line only when it has no extension. */
  const languageOf = (abs: string): LanguageId | undefined => {
    if (path.extname(abs) !== '') return languageForPath(abs);
    return languageForPath(abs, firstLine(abs));
  };

  const walk = (root: string, inherited: IgnoreLayer[]): void => {
    // An explicit stack of folders, each with the ignore layers that apply inside it.
    const stack: { dir: string; layers: IgnoreLayer[] }[] = [{ dir: root, layers: inherited }];
    while (stack.length) {
      const { dir, layers: outer } = stack.pop()!;
      let real: string;
      try {
        real = realpathSync(dir);
      } catch (e) {
        notice(`skipping ${display(dir)}: ${errorText(e)}`);
        continue;
      }
      if (walkedDirs.has(real)) continue;
      walkedDirs.add(real);
      let entries: Dirent[];
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch (e) {
        notice(`skipping ${display(dir)}: ${errorText(e)}`);
        continue;
      }
      const own = readIgnoreLayer(dir, notice, display);
      const layers = own ? [...outer, own] : outer;
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const subdirs: string[] = [];
      for (const ent of entries) {
        const abs = path.join(dir, ent.name);
        let isDir = ent.isDirectory();
        let isFile = ent.isFile();
        if (ent.isSymbolicLink()) {
          let st: Stats;
          try {
            st = statSync(abs);
          } catch (e) {
            notice(`skipping ${display(abs)}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'broken symbolic link' : errorText(e)}`);
            continue;
          }
          // Links to folders are not followed: they lead out of the project or back into it (loops, duplicates).
          if (st.isDirectory()) continue;
          isFile = st.isFile();
          isDir = false;
        }
        if (isDir) {
          if (SKIPPED_DIRS.has(ent.name) || isIgnored(layers, abs, true) || opts.exclude?.(abs, true) || isVirtualEnv(abs)) continue;
          subdirs.push(abs);
        } else if (isFile) {
          if (ent.name === '.gitignore') continue;
          let language: LanguageId | undefined;
          try {
            language = languageOf(abs);
          } catch (e) {
            notice(`skipping ${display(abs)}: ${errorText(e)}`);
            continue;
          }
          if (!language || isIgnored(layers, abs, false) || opts.exclude?.(abs, false)) continue;
          if (ent.isSymbolicLink()) linked.push({ path: abs, language, explicit: false });
          else take(abs, language, false);
        }
      }
      for (let i = subdirs.length - 1; i >= 0; i--) stack.push({ dir: subdirs[i], layers });
    }
  };

  for (const given of paths) {
    const abs = path.resolve(cwd, given);
    let st: Stats;
    try {
      st = statSync(abs);
    } catch (e) {
      errors.push(`${given}: ${errorText(e)}`);
      continue;
    }
    if (st.isDirectory()) {
      // The ignore files of the enclosing repository apply too, unless they ignore the named folder itself.
      const inherited: IgnoreLayer[] = [];
      for (const d of repositoryAncestors(abs)) {
        const layer = readIgnoreLayer(d, notice, display);
        if (layer) inherited.push(layer);
      }
      walk(abs, isIgnored(inherited, abs, true) ? [] : inherited);
    } else if (st.isFile()) {
      let language: LanguageId | undefined;
      try {
        language = languageOf(abs);
      } catch (e) {
        errors.push(`${given}: ${errorText(e)}`);
        continue;
      }
      if (language) take(abs, language, true);
      else notice(`skipping ${display(abs)}: not a Go or Python file`);
    } else {
      notice(`skipping ${display(abs)}: not a regular file`);
    }
  }
  for (const f of linked) take(f.path, f.language, false);
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, errors };
}
