/**
 * Which files of a workspace folder the workspace analysis covers: the CLI's discovery (`.gitignore`, vendor,
 * node_modules, ...) plus the editor's `files.exclude` globs, which this file turns into a path predicate.
 */
import path from 'node:path';
import { discover, type SourceFile } from './discover';

/**
 * A VS Code glob (`*`, `?`, `**`, `{a,b}`, `[...]`) as a regular expression over a folder-relative path with `/`
 * separators. A pattern without a slash-led `**` matches from the folder's top, as VS Code's do.
 */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  let braces = 0;
  const g = glob.replace(/\\/g, '/').replace(/^\.\//, '').replace(/\/+$/, '');
  for (let i = 0; i < g.length; i++) {
    const c = g[i];
    if (c === '*') {
      if (g[i + 1] === '*') {
        // `**/` matches any number of whole segments (none too); a trailing `**` matches the rest.
        const slash = g[i + 2] === '/';
        re += slash ? '(?:[^/]*/)*' : '.*';
        i += slash ? 2 : 1;
      } else {
        re += '[^/]*';
      }
    } else if (c === '?') {
      re += '[^/]';
    } else if (c === '{') {
      braces++;
      re += '(?:';
    } else if (c === '}' && braces > 0) {
      braces--;
      re += ')';
    } else if (c === ',' && braces > 0) {
      re += '|';
    } else if (c === '[') {
      const close = g.indexOf(']', i + 1);
      if (close === -1) {
        re += '\\[';
      } else {
        let body = g.slice(i + 1, close);
        if (body.startsWith('!')) body = '^' + body.slice(1);
        re += `[${body.replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else {
      re += c.replace(/[.+^$()|\\]/g, '\\$&');
    }
  }
  while (braces-- > 0) re += ')';
  return new RegExp(`^${re}$`, process.platform === 'win32' || process.platform === 'darwin' ? 'i' : '');
}

/**
 * The `files.exclude` globs that are switched on (value `true`; conditional `{ when }` entries are left out, since
 * they depend on sibling files the walk does not look at).
 */
export function enabledGlobs(filesExclude: unknown): string[] {
  if (!filesExclude || typeof filesExclude !== 'object' || Array.isArray(filesExclude)) return [];
  return Object.entries(filesExclude as Record<string, unknown>)
    .filter(([, on]) => on === true)
    .map(([glob]) => glob);
}

/** A predicate over absolute paths inside `root` that is true when one of the globs matches the path. */
export function excludeMatcher(root: string, globs: readonly string[]): ((abs: string) => boolean) | undefined {
  const res = globs.map(globToRegExp);
  if (res.length === 0) return undefined;
  return (abs: string): boolean => {
    const rel = path.relative(root, abs);
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return false;
    const p = rel.split(path.sep).join('/');
    return res.some((r) => r.test(p));
  };
}

/** One workspace folder to walk, with its enabled `files.exclude` globs. */
export interface FolderSpec {
  root: string;
  excludeGlobs: string[];
}

/** Finds the Go and Python files of workspace folders the way `steady check` would, minus `files.exclude`. */
export function discoverFolders(folders: readonly FolderSpec[], onNotice: (m: string) => void): SourceFile[] {
  const files: SourceFile[] = [];
  const seen = new Set<string>();
  for (const f of folders) {
    const exclude = excludeMatcher(f.root, f.excludeGlobs);
    const found = discover([f.root], { cwd: f.root, onNotice, exclude: exclude && ((abs) => exclude(abs)) });
    for (const e of found.errors) onNotice(e);
    for (const file of found.files) {
      if (seen.has(file.path)) continue;
      seen.add(file.path);
      files.push({ ...file, explicit: false });
    }
  }
  return files;
}
