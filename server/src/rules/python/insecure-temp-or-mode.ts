/** PY801 insecure-temp-or-mode: predictable temporary paths and file modes that expose or hand over a file. */
import type { Node } from '../../engine/syntax';
import { eol, indentAt, lineEnd } from '../../engine/fix';
import {
  addImport,
  addKeywordArgument,
  aloneOnLine,
  argument,
  bindingsOf,
  calleeName,
  enclosingFunction,
  forEachDescendant,
  keywordArg,
  mergeInsertions,
  positionalArgs,
  pyFacts,
  receiverOf,
  resolvedCallee,
} from '../../engine/python';
import { defineRule, type Fix, type RuleContext } from '../../engine/rule';

/** The secret-looking names of GO801: a file whose path or writer says it holds a credential. */
const SECRET = /cred|secret|token|passw|private|apikey|api_key|\.pem|\.key|kubeconfig|netrc|htpasswd|auth/i;
/** Words that contain a secret-looking part but name something public. */
const NOT_SECRET = /author|tokeni[sz]|oauthlib/i;
const SHARED_TMP = /^(\/tmp\/|\/var\/tmp\/|\/dev\/shm\/)/;
const CALLS: ReadonlySet<string> = new Set(['call']);

/** Permission bits of the `stat` module, for modes written as `stat.S_IRUSR | stat.S_IWUSR`. */
const STAT_BITS: Readonly<Record<string, number>> = {
  S_ISUID: 0o4000, S_ISGID: 0o2000, S_ISVTX: 0o1000,
  S_IRWXU: 0o700, S_IRUSR: 0o400, S_IWUSR: 0o200, S_IXUSR: 0o100, S_IREAD: 0o400, S_IWRITE: 0o200, S_IEXEC: 0o100,
  S_IRWXG: 0o070, S_IRGRP: 0o040, S_IWGRP: 0o020, S_IXGRP: 0o010,
  S_IRWXO: 0o007, S_IROTH: 0o004, S_IWOTH: 0o002, S_IXOTH: 0o001,
};

/** The value of a literal mode (`0o644`, `420`, `stat.S_IRUSR | stat.S_IWUSR`), or undefined when it is computed. */
function modeValue(n: Node | undefined): number | undefined {
  if (!n) return undefined;
  if (n.type === 'integer') {
    const t = n.text.replace(/_/g, '').toLowerCase();
    const v = t.startsWith('0o') ? parseInt(t.slice(2), 8) : t.startsWith('0x') ? parseInt(t.slice(2), 16) : t.startsWith('0b') ? parseInt(t.slice(2), 2) : Number(t);
    return Number.isInteger(v) ? v : undefined;
  }
  if (n.type === 'attribute' || n.type === 'identifier') {
    const name = n.text.slice(n.text.lastIndexOf('.') + 1);
    return STAT_BITS[name];
  }
  if (n.type === 'parenthesized_expression') return modeValue(n.namedChild(0) ?? undefined);
  if (n.type === 'binary_operator' && n.childForFieldName('operator')?.text === '|') {
    const a = modeValue(n.childForFieldName('left') ?? undefined);
    const b = modeValue(n.childForFieldName('right') ?? undefined);
    return a === undefined || b === undefined ? undefined : a | b;
  }
  return undefined;
}

/** The text of a plain or f-string literal after its prefix and opening quote. */
function stringStart(n: Node | undefined): string | undefined {
  if (!n) return undefined;
  if (n.type === 'concatenated_string') return stringStart(n.namedChild(0) ?? undefined);
  if (n.type !== 'string') return undefined;
  const m = /^[a-zA-Z]*("""|'''|"|')/.exec(n.text);
  return m ? n.text.slice(m[0].length) : undefined;
}

/** A PEM file named as a certificate or chain (and not a key) holds public data. */
const PUBLIC_PEM = /(cert|chain|(^|[^a-z])ca|pub)[^/]*\.pem/i;

function isSecret(text: string): boolean {
  const t = text.replace(NOT_SECRET, '');
  if (PUBLIC_PEM.test(t) && !/key|secret|priv/i.test(t)) return false;
  return SECRET.test(t);
}

/** Whether a path expression, or the function writing it, names a secret. */
function secretTarget(path: Node | undefined, fn: Node | null): boolean {
  if (path && isSecret(path.text)) return true;
  const name = fn?.childForFieldName('name')?.text;
  return !!name && isSecret(name);
}

/** Whether the function already controls the mode of what it creates: a umask, an opener, os.open with a mode, or a chmod. */
function controlsMode(ctx: RuleContext, fn: Node | null): boolean {
  if (!fn) return false;
  return ctx.memo(fn, 'py801.controlsMode', () => {
    let found = false;
    forEachDescendant(
      fn,
      (n) => {
        if (found) return false;
        const name = resolvedCallee(ctx, n);
        if (/(^|\.)umask$|(^|\.)f?chmod$/.test(name) || (name === 'os.open' && argument(n, 'mode', 2)) || keywordArg(n, 'opener')) found = true;
      },
      false,
      CALLS,
    );
    return found;
  });
}

/** (a) `P = tempfile.mktemp(ARGS)` → `fd, P = tempfile.mkstemp(ARGS)` and `os.close(fd)`. */
function mkstempFix(ctx: RuleContext, call: Node, fn: Node | null): Fix[] {
  const assign = call.parent;
  const stmt = assign?.parent;
  if (assign?.type !== 'assignment' || stmt?.type !== 'expression_statement' || !aloneOnLine(ctx.text, stmt)) return [];
  const left = assign.childForFieldName('left');
  if (!left || (left.type !== 'identifier' && left.type !== 'attribute')) return [];
  const taken = fn ? bindingsOf(fn) : undefined;
  const fd = taken && (taken.locals.has('fd') || taken.params.includes('fd')) ? 'tmp_fd' : 'fd';
  const callee = ctx.textOf(call.childForFieldName('function')!);
  const dotted = callee.includes('.');
  const newCallee = dotted ? callee.replace(/mktemp$/, 'mkstemp') : 'tempfile.mkstemp';
  const nl = eol(ctx.text);
  const indent = indentAt(ctx.text, stmt.startIndex);
  const args = ctx.textOf(call.childForFieldName('arguments')!);
  const edits = mergeInsertions([
    addImport(ctx.text, ctx.root, 'os'),
    dotted ? undefined : addImport(ctx.text, ctx.root, 'tempfile'),
  ]);
  edits.push({ start: assign.startIndex, end: assign.endIndex, newText: `${fd}, ${ctx.textOf(left)} = ${newCallee}${args}` });
  // After the line, so a trailing comment stays with the assignment.
  let at = lineEnd(ctx.text, stmt.endIndex);
  if (ctx.text[at - 1] === '\r') at--;
  edits.push({ start: at, end: at, newText: `${nl}${indent}os.close(${fd})` });
  return [{ title: 'Create the file with tempfile.mkstemp instead', applicability: 'assisted', edits }];
}

export default defineRule({
  code: 'PY801',
  name: 'insecure-temp-or-mode',
  language: 'python',
  category: 'security/file-permissions',
  severity: 'warning',
  fix: 'sometimes',
  summary: 'A predictable temporary path, a world-writable mode, or a secret written with default permissions lets other local users read, replace or redirect the file.',
  kinds: ['call'],
  facts: [pyFacts],
  docs: {
    whatItDoes:
      'Flags (a) `tempfile.mktemp(…)`; (b) a string literal starting `/tmp/`, `/var/tmp/` or `/dev/shm/` passed as the ' +
      'path to `open`, `os.open`, `Path(…)` or a socket\'s `bind` (an AF_UNIX path); (c) `os.chmod(P, M)` or ' +
      '`p.chmod(M)` with a literal mode (an integer or `stat.S_*` flags) that is world-writable (without the sticky ' +
      'bit), or group- or other-readable when the path or the enclosing function name looks like a secret ' +
      '(`cred|secret|token|passw|private|apikey|api_key|.pem|.key|kubeconfig|netrc|htpasswd|auth`, as in GO801, ' +
      'ignoring "author", "tokenize" and certificate files such as `cert.pem`), and `os.open(P, flags, M)` with such a secret-readable mode; (d) `open(P, ' +
      '"w"|"a"|"x")` of a secret-looking path (the path itself, not the function name) in a function that sets no `os.umask`, passes no `opener=`, calls no ' +
      '`os.open(…, mode)` and no `chmod`. A world-writable mode passed to `os.open` is not reported: the umask ' +
      'removes it, unlike with chmod. Test files are skipped.',
    whyBad:
      '`mktemp` and fixed `/tmp` names are predictable: another local user can create the path first, or plant a ' +
      'symlink there, so the process writes its data where the attacker chose or reads a file the attacker controls. ' +
      'A world-writable file or directory can be replaced by anyone on the host. A token or key written with the ' +
      'default mode (0644 after the usual umask) is readable by every local account and survives a crash on disk.',
    example: 'tok_path = tempfile.mktemp()\nwith open(tok_path, "w") as f:\n    f.write(token)',
    useInstead: 'fd, tok_path = tempfile.mkstemp()\nwith os.fdopen(fd, "w") as f:\n    f.write(token)',
    fixSafety:
      '(c) has a safe fix that replaces the mode with `0o600`, or `0o700` when the mode gave the owner execute ' +
      'permission (a directory or a script). (a) has an assisted fix rewriting `P = tempfile.mktemp(ARGS)` to ' +
      '`fd, P = tempfile.mkstemp(ARGS)` followed by `os.close(fd)`: the file then already exists with mode 0600, so a ' +
      'later `open(P, "x")` fails and must become `"w"`. (d) has an assisted fix that adds ' +
      '`opener=lambda p, f: os.open(p, f, 0o600)`, which only applies when the file is created. (b) has no fix: the ' +
      'right location (a private directory from `tempfile.mkdtemp()`, `$XDG_RUNTIME_DIR`, a configured path) is a design choice.',
    related: 'Bandit B108 (hard-coded tmp path), B306 (mktemp), B103 (bad chmod); Ruff S108, S306, S103. GO801 is the Go counterpart.',
  },
  check(call, ctx) {
    if (ctx.isTestFile) return;
    const name = resolvedCallee(ctx, call);
    const fn = enclosingFunction(call);
    const first = positionalArgs(call)[0];
    const display = () => ctx.textOf(call.childForFieldName('function')!);

    if (name === 'tempfile.mktemp') {
      ctx.report({
        node: call,
        message: `${display()}() only returns a name: another local user can create that path (or a symlink) before this process opens it, and the data goes where they chose`,
        fixes: mkstempFix(ctx, call, fn),
      });
      return;
    }

    const pathCall = name === 'open' || name === 'io.open' || name === 'os.open' || name === 'pathlib.Path' || name === 'Path';
    const bindCall = calleeName(call) === 'bind' && !!receiverOf(call);
    const start = stringStart(first);
    if ((pathCall || bindCall) && start !== undefined && SHARED_TMP.test(start)) {
      ctx.report({
        node: call,
        message: `${ctx.textOf(first!)} is a fixed name in a world-writable directory: another local user can create it first, or plant a symlink there, and take over or redirect the file`,
      });
      return;
    }

    const isChmod = name === 'os.chmod' || name === 'os.lchmod' || (calleeName(call) === 'chmod' && !!receiverOf(call) && !name.startsWith('os.'));
    if (isChmod || name === 'os.open') {
      const pathChmod = isChmod && !name.startsWith('os.');
      const modeNode = pathChmod ? argument(call, 'mode', 0) : name === 'os.open' ? argument(call, 'mode', 2) : argument(call, 'mode', 1);
      const mode = modeValue(modeNode);
      if (!modeNode || mode === undefined) return;
      const path = pathChmod ? receiverOf(call) : first;
      const worldWritable = isChmod && (mode & 0o002) !== 0 && (mode & 0o1000) === 0;
      const exposed = (mode & 0o044) !== 0 && secretTarget(path, fn);
      if (!worldWritable && !exposed) return;
      const safe = (mode & 0o100) !== 0 ? '0o700' : '0o600';
      const octal = `0o${mode.toString(8)}`;
      ctx.report({
        node: call,
        message: worldWritable
          ? `mode ${octal} makes ${path ? ctx.textOf(path) : 'the file'} world-writable: any local user can replace its contents`
          : `mode ${octal} lets other local users read ${path ? ctx.textOf(path) : 'the file'}, which looks like a secret`,
        fixes: [{ title: `Use mode ${safe}`, applicability: 'safe', edits: [{ start: modeNode.startIndex, end: modeNode.endIndex, newText: safe }] }],
      });
      return;
    }

    if (name === 'open' || name === 'io.open') {
      const mode = stringStart(argument(call, 'mode', 1));
      // Only the path says what is written here: a function named after a token also writes other files.
      if (!first || mode === undefined || !/^[^'"]*[wax]/.test(mode) || !secretTarget(first, null) || controlsMode(ctx, fn)) return;
      if (keywordArg(call, 'opener')) return;
      const edit = addKeywordArgument(call, 'opener=lambda p, f: os.open(p, f, 0o600)');
      ctx.report({
        node: call,
        message: `${ctx.textOf(first)} looks like a secret but is created with the default mode (0644 under the usual umask): every local user can read it`,
        fixes: edit ? [{ title: 'Create the file with mode 0o600', applicability: 'assisted', edits: mergeInsertions([addImport(ctx.text, ctx.root, 'os'), edit]) }] : [],
      });
    }
  },
});
