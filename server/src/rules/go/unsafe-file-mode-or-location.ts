/**
 * GO801 unsafe-file-mode-or-location: a file or directory created world-writable, a secret written readable by
 * other users, or a fixed path in a shared temporary directory.
 */
import type { Node } from '../../engine/syntax';
import { removeGoImport, replaceNode } from '../../engine/fix';
import { addGoImports, callArgs, calleeText, enclosingFuncOf, enclosingTopFuncOf, forEachDescendant, goHeader, goQualifierUses, localBinding, qualifierUses, unparen } from '../../engine/golang';
import { defineRule, type Fix, type RuleContext, type TextEdit } from '../../engine/rule';

/** Calls that create or re-mode a file system entry: the index of their path and mode arguments, and what they make. */
const MODE_CALLS: Record<string, { path: number; mode: number; what: 'file' | 'dir' | 'entry' }> = {
  'os.WriteFile': { path: 0, mode: 2, what: 'file' },
  'ioutil.WriteFile': { path: 0, mode: 2, what: 'file' },
  'os.OpenFile': { path: 0, mode: 2, what: 'file' },
  'os.Chmod': { path: 0, mode: 1, what: 'entry' },
  'os.Mkdir': { path: 0, mode: 1, what: 'dir' },
  'os.MkdirAll': { path: 0, mode: 1, what: 'dir' },
};

/** Calls that take a path in argument 0 and create or remove what is there. */
const PATH_CALLS = /^(os\.(Create|OpenFile|WriteFile|RemoveAll)|ioutil\.WriteFile)$/;
const SHARED_TMP = /^["`](\/tmp\/|\/var\/tmp\/|\/dev\/shm\/)/;
const SECRET = /cred|secret|token|passw|private|apikey|api_key|\.pem\b|\.key\b|kubeconfig|netrc|htpasswd|auth(?!or)/i;

/** The value of a Go integer literal (`0o644`, `0644`, `0x1ff`, `420`), or undefined. */
function intValue(text: string): number | undefined {
  const t = text.replace(/_/g, '').toLowerCase();
  if (/^0o[0-7]+$/.test(t)) return parseInt(t.slice(2), 8);
  if (/^0x[0-9a-f]+$/.test(t)) return parseInt(t.slice(2), 16);
  if (/^0b[01]+$/.test(t)) return parseInt(t.slice(2), 2);
  if (/^0[0-7]*$/.test(t)) return parseInt(t || '0', 8);
  if (/^[1-9]\d*$/.test(t)) return parseInt(t, 10);
  return undefined;
}

/** A mode as the literal spells modes: `0o600` for `0o…` literals, `0600` otherwise. */
function modeText(mode: number, like: string): string {
  const oct = mode.toString(8).padStart(3, '0');
  return /^0[oO]/.test(like) ? `0o${oct}` : `0${oct}`;
}

/** The text an expression stands for, following local bindings a few levels (`p := filepath.Join(dir, "key.pem")`). */
function expandedText(fn: Node | null, expr: Node, at: number): string {
  let out = expr.text;
  if (!fn) return out;
  const seen = new Set<string>();
  let frontier: Node[] = [expr];
  for (let depth = 0; depth < 3 && frontier.length; depth++) {
    const next: Node[] = [];
    for (const e of frontier) {
      const ids: Node[] = e.type === 'identifier' ? [e] : [];
      forEachDescendant(e, (n) => {
        if (n.type === 'identifier') ids.push(n);
      });
      for (const id of ids) {
        if (seen.has(id.text)) continue;
        seen.add(id.text);
        const v = localBinding(fn, id.text, at);
        if (v) {
          out += ' ' + v.text;
          next.push(v);
        }
      }
    }
    frontier = next;
  }
  return out;
}

/** Whether an OpenFile flag argument can create the file (otherwise its mode is never used). */
function createsFile(flag: Node | undefined): boolean {
  return !flag || /O_CREATE|O_CREAT\b/.test(flag.text) || !/O_(RDONLY|WRONLY|RDWR|APPEND|TRUNC|EXCL|SYNC)/.test(flag.text);
}

/** Replaces the mode, dropping the `fs`/`os` import when `fs.ModePerm` was its only use. */
function modeEdits(ctx: RuleContext, modeArg: Node, newMode: string, isPerm: boolean): TextEdit[] {
  const edits = [replaceNode(modeArg, newMode)];
  const pkg = isPerm ? modeArg.text.split('.')[0] : '';
  if (pkg && qualifierUses(ctx, pkg) === 1) {
    const drop = removeGoImport(ctx.text, ctx.root, pkg);
    if (drop) edits.push(drop);
  }
  return edits;
}

/** Whether a function calls a Remove or RemoveAll (os, robustio, …) anywhere (func literals included). */
function removesFiles(fn: Node): boolean {
  let found = false;
  forEachDescendant(
    fn,
    (n) => {
      if (found) return false;
      if (n.type === 'call_expression' && /remove(all)?$/i.test(calleeText(n))) found = true;
    },
    true,
  );
  return found;
}

/** An edit that replaces a string literal path with `filepath.Join(os.TempDir(), "rest")`, plus its imports. */
function tempDirFix(ctx: RuleContext, lit: Node): Fix {
  const quote = lit.text[0];
  const inner = lit.text.slice(1, -1).replace(/^\/(tmp|var\/tmp|dev\/shm)\//, '');
  const edits: TextEdit[] = [replaceNode(lit, `filepath.Join(os.TempDir(), ${quote}${inner}${quote})`)];
  edits.push(...addGoImports(ctx.text, ctx.root, ['os', 'path/filepath']));
  return { title: 'Build the path from os.TempDir() (honours $TMPDIR)', applicability: 'assisted', edits };
}

export default defineRule({
  code: 'GO801',
  name: 'unsafe-file-mode-or-location',
  language: 'go',
  category: 'security/file-permissions',
  severity: 'warning',
  fix: 'always',
  summary: 'A file or directory is created world-writable, a secret is written readable by other users, or a fixed path in a shared temporary directory is used.',
  kinds: ['call_expression'],
  callees: new RegExp(`${PATH_CALLS.source}|^net\\.Listen$|^(${Object.keys(MODE_CALLS).map((k) => k.replace('.', '\\.')).join('|')})$`),
  // Fixes add or drop imports: findings are recomputed when the imports or the uses of a package change.
  facts: [goHeader, goQualifierUses],
  docs: {
    whatItDoes:
      'Checks the mode literal (or `os.ModePerm`/`fs.ModePerm`) of `os.WriteFile`, `ioutil.WriteFile`, `os.OpenFile` (when its flags can create the file), `os.Chmod`, `os.Mkdir` and `os.MkdirAll`. ' +
      'It flags (a) a world-writable mode (`mode & 0o002`, or `ModePerm`), and (b) a group- or other-readable mode (`mode & 0o044`) when the path, the data written or the enclosing function is named like a secret (`cred`, `secret`, `token`, `passw`, `private`, `apikey`, `.pem`, `.key`, `kubeconfig`, `netrc`, `htpasswd`, `auth`). ' +
      'It also flags (c) a string-literal path under `/tmp/`, `/var/tmp/` or `/dev/shm/` passed to `os.Create`, `os.OpenFile`, `os.WriteFile`, `os.RemoveAll` or `net.Listen("unix", …)`. ' +
      '0644/0755 modes on files that are not secrets, `os.CreateTemp`/`os.MkdirTemp`, empty marker files (`nil` data), `os.Chmod` that opens up a tree the same function then removes, and in tests paths under `t.TempDir()` are left alone. A world-writable secret is an error; everything else a warning. ' +
      'Unlike RULES.md (a), `0666`, `0777` and `ModePerm` passed to creating calls are not reported on their own: the umask filters them (`os.Create` itself uses 0666), and they are Go\'s convention for "let the umask decide". They still count for secrets and for `os.Chmod`, which the umask does not filter.',
    whyBad:
      'A world-writable file or directory lets any local user or compromised service replace its content: a config, a script or a socket directory becomes a privilege escalation. A credential file written 0644 can be read by every account on the host (and by every container sharing the volume). ' +
      'A fixed name in /tmp can be created first by another user as a symlink to a file the service owns, so the service overwrites or exposes it, and a stale file from a crashed run makes the next start fail.',
    example: 'os.WriteFile(filepath.Join(dir, "token.json"), tok, 0o644)\nos.MkdirAll(cacheDir, 0o777)\nos.WriteFile("/tmp/app.pid", pid, 0o644)',
    useInstead: 'os.WriteFile(filepath.Join(dir, "token.json"), tok, 0o600)\nos.MkdirAll(cacheDir, 0o755)\nos.WriteFile(filepath.Join(os.TempDir(), "app.pid"), pid, 0o644)',
    fixSafety:
      'Safe for modes: a secret gets `0o600` for files, `0o700` for directories, and the owner bits of the old mode for `os.Chmod`; a world-writable mode on anything else loses only the group and other write bits (`0o777` → `0o755`, `ModePerm` → `0o755`, `0o666` → `0o644`), so readers keep working. ' +
      'RULES.md proposes `0o750` for `ModePerm` directories; we keep other users\' read access there, since only the write bit is the defect. The literal keeps its style (`0o600` or `0600`). ' +
      'Assisted for shared temporary paths: replaces the literal with `filepath.Join(os.TempDir(), …)`, which honours `$TMPDIR` (point it at a private directory, or better use `os.CreateTemp`/`os.MkdirTemp`), and adds the imports.',
    related: 'gosec G301/G302/G306/G307 (any mode above a threshold, without regard to content) and G303 (predictable temp file); PY801 insecure-temp-or-mode.',
  },
  check(node, ctx) {
    const callee = calleeText(node);
    const args = callArgs(node);
    if (PATH_CALLS.test(callee) || callee === 'net.Listen') {
      const lit = callee === 'net.Listen' ? (/^["`]unix["`]$/.test(args[0]?.text ?? '') ? args[1] : undefined) : args[0];
      if (lit && /string_literal$/.test(lit.type) && SHARED_TMP.test(lit.text)) {
        ctx.report({
          node,
          message: `${callee} uses the fixed path ${lit.text} in a shared temporary directory: another local user can create it first (as a symlink to a file this process owns) to redirect, read or block it, and a stale file from a crashed run breaks the next start`,
          fixes: [tempDirFix(ctx, lit)],
        });
        return;
      }
    }
    const spec = MODE_CALLS[callee];
    if (!spec) return;
    const modeArg = unparen(args[spec.mode]);
    if (!modeArg) return;
    if (callee === 'os.OpenFile' && !createsFile(args[1])) return;
    let mode: number | undefined;
    const isPerm = /^(os|fs)\.ModePerm$/.test(modeArg.text);
    if (isPerm) mode = 0o777;
    else if (modeArg.type === 'int_literal') mode = intValue(modeArg.text);
    if (mode === undefined) return;
    // Creating calls are filtered by the umask; 0666/0777/ModePerm are Go's "let the umask decide" convention (os.Create
    // itself uses 0666), so only os.Chmod, which the umask does not touch, or an unusual world-writable mode count.
    const umaskConvention = callee !== 'os.Chmod' && (isPerm || mode === 0o666 || mode === 0o777);
    const worldWritable = (mode & 0o002) !== 0 && !umaskConvention;
    const readable = (mode & 0o046) !== 0;
    if (!worldWritable && !readable) return;
    const fn = enclosingFuncOf(ctx, node);
    const pathArg = args[spec.path];
    if (!pathArg) return;
    const pathText = expandedText(fn, pathArg, node.startIndex);
    if (ctx.isTestFile && /\.TempDir\(\)/.test(pathText) && !/\bos\.TempDir\(\)/.test(pathText)) return;
    const data = spec.mode === 2 && callee !== 'os.OpenFile' ? args[1] : undefined;
    const dataName = data && (data.type === 'identifier' || data.type === 'selector_expression') ? data.text : '';
    const top = enclosingTopFuncOf(ctx, node);
    const fnName = top?.childForFieldName('name')?.text ?? '';
    // An empty marker file holds nothing secret, whatever its name (`tokenFile`, nil data).
    const empty = !!data && /^(nil|\[\]byte\{\}|\[\]byte\((""|nil)\))$/.test(data.text);
    const secretIn = empty ? '' : SECRET.test(pathText) ? 'path' : SECRET.test(dataName) ? 'data' : SECRET.test(fnName) ? 'function' : '';
    if (!worldWritable && !secretIn) return;
    const openToOthers = (mode & 0o002) !== 0;
    // Opening up a tree right before deleting it (a module cache of read-only directories) exposes nothing.
    if (callee === 'os.Chmod' && !secretIn && top && removesFiles(top)) return;
    const what = spec.what === 'entry' ? 'entry' : spec.what;
    let fixed: number;
    if (secretIn) fixed = spec.what === 'dir' ? 0o700 : spec.what === 'file' ? 0o600 : mode & 0o700;
    else fixed = mode & ~0o022;
    const like = isPerm ? '0o' : modeArg.text;
    const newMode = modeText(fixed, like);
    const shown = isPerm ? modeArg.text : modeArg.text;
    const secretWhy = secretIn === 'path' ? 'the path names a secret' : secretIn === 'data' ? `${dataName} looks like a secret` : `${fnName} handles a secret`;
    let message: string;
    if (openToOthers) {
      message = secretIn
        ? `${callee} creates a world-writable ${what} (${shown}) holding a secret (${secretWhy}): any local user can read or replace it`
        : `${callee} gives the ${what} mode ${shown}, which is world-writable: any local user or compromised service can replace its content`;
    } else {
      message = `${callee} leaves a secret readable by group and others (${shown}; ${secretWhy}): every account on the host can read it`;
    }
    ctx.report({
      node,
      severity: openToOthers && secretIn ? 'error' : 'warning',
      message,
      fixes: [{ title: `Use mode ${newMode}`, applicability: 'safe', edits: modeEdits(ctx, modeArg, newMode, isPerm) }],
    });
  },
});
