/** PY701 check-then-act-filesystem: an exists() check followed by a create or remove that another writer can race. */
import type { Node } from '../../engine/syntax';
import { eol, indentAt, startsLine } from '../../engine/fix';
import {
  addImport,
  addKeywordArgument,
  ancestorsOf,
  argument,
  calleeName,
  caughtTypes,
  enclosingFunction,
  exceptParts,
  exprKey,
  forEachDescendant,
  indentUnitAt,
  isLockGuarded,
  keywordArg,
  positionalArgs,
  PY_SCOPES,
  pyFacts,
  qualifiedName,
  receiverOf,
  resolvedCallee,
  statementsOf,
  threadsOf,
} from '../../engine/python';
import { defineRule, type Fix, type RuleContext, type Severity } from '../../engine/rule';

const EXISTS_FUNCS = new Set(['os.path.exists', 'os.path.isfile', 'os.path.isdir', 'os.path.lexists']);
const PATH_CTOR = /^(pathlib\.)?Path$/;
const CALLS: ReadonlySet<string> = new Set(['call']);
/** Exceptions whose handler already deals with losing the race. */
const RACE_HANDLED = new Set(['FileExistsError', 'FileNotFoundError', 'OSError', 'IOError', 'EnvironmentError', 'Exception', 'BaseException', 'os.error']);

/** One existence test in an if condition: the path it tests and whether the branch runs when the path is missing. */
interface ExistsCheck {
  call: Node;
  path: string;
  /** True under `not`: the consequence runs when the path does not exist. */
  missing: boolean;
}

/** The path an existence test looks at: `os.path.exists(P)` → P, `Path(P).exists()` → P, `p.exists()` → p. */
function checkedPath(ctx: RuleContext, call: Node): string | undefined {
  const name = resolvedCallee(ctx, call);
  if (EXISTS_FUNCS.has(name)) {
    const p = positionalArgs(call)[0];
    return p ? exprKey(p) : undefined;
  }
  const method = calleeName(call);
  const recv = receiverOf(call);
  if (!recv || !/^(exists|is_file|is_dir)$/.test(method) || positionalArgs(call).length) return undefined;
  return pathOf(ctx, recv);
}

/** The key of a path expression: `Path(P)` is known by P, anything else by its text. */
function pathOf(ctx: RuleContext, expr: Node): string {
  if (expr.type === 'call' && PATH_CTOR.test(resolvedCallee(ctx, expr)) && positionalArgs(expr).length === 1) return exprKey(positionalArgs(expr)[0]);
  return exprKey(expr);
}

/** The existence tests of a condition, through `not`, parentheses, `and` and `or`. */
function existsChecks(ctx: RuleContext, cond: Node): ExistsCheck[] {
  const out: ExistsCheck[] = [];
  const stack: [Node, boolean][] = [[cond, false]];
  while (stack.length) {
    const [n, negated] = stack.pop()!;
    if (n.type === 'not_operator') {
      const arg = n.childForFieldName('argument');
      if (arg) stack.push([arg, !negated]);
    } else if (n.type === 'parenthesized_expression' || n.type === 'boolean_operator') {
      for (const c of n.namedChildren) if (c) stack.push([c, negated]);
    } else if (n.type === 'call') {
      const path = checkedPath(ctx, n);
      if (path) out.push({ call: n, path, missing: negated });
    }
  }
  return out;
}

/** What an acting call does to its path, if it is one this rule knows. */
interface Act {
  path: string;
  /** The path expression as written. */
  node: Node;
  /** 'create' acts race with a writer that creates the path first; 'remove' acts with one that removes it. */
  kind: 'create' | 'remove';
  /** What goes wrong when the race is lost. */
  outcome: string;
  /** The fix family: add exist_ok=True, rewrite to try/except FileExistsError, or to contextlib.suppress. */
  fix?: 'exist_ok' | 'try' | 'suppress';
  /** For open(): the mode string node. */
  mode?: Node;
}

function stringValue(n: Node | undefined): string | undefined {
  if (n?.type !== 'string') return undefined;
  const content = n.namedChildren.filter((c) => c?.type === 'string_content');
  if (n.namedChildren.some((c) => c?.type === 'interpolation')) return undefined;
  return content.map((c) => c!.text).join('');
}

/** Recognises an acting call on a path. */
function actOf(ctx: RuleContext, call: Node): Act | undefined {
  const name = resolvedCallee(ctx, call);
  const first = positionalArgs(call)[0];
  switch (name) {
    case 'open':
    case 'io.open': {
      const modeNode = argument(call, 'mode', 1);
      const mode = stringValue(modeNode);
      if (!first || mode === undefined || !/[wxa]/.test(mode)) return undefined;
      const outcome = mode.includes('x')
        ? 'open() then raises FileExistsError'
        : mode.includes('w')
          ? 'open() then truncates the file the other writer just wrote'
          : 'both then append to the same file (a doubled header, interleaved records)';
      return { path: exprKey(first), node: first, kind: 'create', outcome, fix: mode.includes('x') || mode.includes('w') ? 'try' : undefined, mode: modeNode };
    }
    case 'os.makedirs': {
      const existOk = argument(call, 'exist_ok', 2);
      if (!first || (existOk && existOk.type !== 'false')) return undefined;
      return { path: exprKey(first), node: first, kind: 'create', outcome: 'os.makedirs() then raises FileExistsError', fix: existOk ? undefined : 'exist_ok' };
    }
    case 'os.mkdir':
      return first ? { path: exprKey(first), node: first, kind: 'create', outcome: 'os.mkdir() then raises FileExistsError', fix: 'try' } : undefined;
    case 'os.rename':
    case 'shutil.move': {
      const dst = argument(call, 'dst', 1);
      return dst ? { path: exprKey(dst), node: dst, kind: 'create', outcome: `${name}() then silently replaces (or moves into) what the other writer created` } : undefined;
    }
    case 'os.remove':
    case 'os.unlink':
      return first ? { path: exprKey(first), node: first, kind: 'remove', outcome: `${name}() then raises FileNotFoundError`, fix: 'suppress' } : undefined;
    case 'os.rmdir':
    case 'shutil.rmtree':
      return first && !keywordArg(call, 'ignore_errors') ? { path: exprKey(first), node: first, kind: 'remove', outcome: `${name}() then raises FileNotFoundError` } : undefined;
  }
  // pathlib: p.mkdir() / p.unlink() / p.touch(exist_ok=False) on the checked path object.
  const recv = receiverOf(call);
  if (!recv) return undefined;
  const method = calleeName(call);
  if (method === 'mkdir') {
    const existOk = argument(call, 'exist_ok', 2);
    if (existOk && existOk.type !== 'false') return undefined;
    if (positionalArgs(call).length > 2) return undefined;
    return { path: pathOf(ctx, recv), node: recv, kind: 'create', outcome: 'mkdir() then raises FileExistsError', fix: existOk ? undefined : 'exist_ok' };
  }
  if (method === 'unlink' && !positionalArgs(call).length && !keywordArg(call, 'missing_ok')) {
    return { path: pathOf(ctx, recv), node: recv, kind: 'remove', outcome: 'unlink() then raises FileNotFoundError' };
  }
  return undefined;
}

/** Whether a node runs inside a try (within its function) whose handlers catch the error of a lost race. */
function raceHandled(node: Node): boolean {
  const chain = [...ancestorsOf(node), node];
  for (let i = chain.length - 2; i >= 0; i--) {
    const n = chain[i];
    if (PY_SCOPES.has(n.type)) return false;
    if (n.type !== 'try_statement' || n.childForFieldName('body')?.id !== chain[i + 1].id) continue;
    for (const c of n.namedChildren) {
      if (c?.type !== 'except_clause') continue;
      const types = caughtTypes(exceptParts(c).type);
      if (types.length === 0 || types.some((t) => RACE_HANDLED.has(t))) return true;
    }
  }
  return false;
}

/** The severity from the thread context: info without threads in the file, error when several threads run the code. */
function severityFor(ctx: RuleContext, node: Node): Severity {
  const threads = threadsOf(ctx).filter((t) => t.kind !== 'Process');
  if (!threads.length) return 'info';
  const fn = enclosingFunction(node);
  if (fn) {
    const q = qualifiedName(fn);
    const runs = threads.filter((t) => t.target === q);
    if (runs.length > 1 || runs.some((t) => t.multi)) return 'error';
  }
  return 'warning';
}

/** The if statement's header `if <cond>:` as [start, end), when the statement is simple enough to rewrite. */
function rewritableHeader(ifStmt: Node, act: Node, check: ExistsCheck, text: string): [number, number] | undefined {
  if (ifStmt.namedChildren.some((c) => c?.type === 'else_clause' || c?.type === 'elif_clause')) return undefined;
  const cond = ifStmt.childForFieldName('condition');
  const body = ifStmt.childForFieldName('consequence');
  const inner = cond?.type === 'not_operator' ? cond.childForFieldName('argument') : cond;
  if (!cond || !body || inner?.id !== check.call.id) return undefined;
  const first = statementsOf(body)[0];
  if (!first || act.startIndex < first.startIndex || act.endIndex > first.endIndex || !startsLine(text, first.startIndex)) return undefined;
  let colon: Node | null = null;
  for (let i = 0; i < ifStmt.childCount; i++) if (ifStmt.child(i)?.type === ':') colon = ifStmt.child(i);
  return colon ? [ifStmt.startIndex, colon.endIndex] : undefined;
}

function fixesFor(ctx: RuleContext, ifStmt: Node, call: Node, act: Act, check: ExistsCheck): Fix[] {
  if (act.fix === 'exist_ok') {
    const edit = addKeywordArgument(call, 'exist_ok=True');
    return edit ? [{ title: 'Add exist_ok=True', applicability: 'safe', edits: [edit] }] : [];
  }
  const header = rewritableHeader(ifStmt, call, check, ctx.text);
  if (!header) return [];
  const nl = eol(ctx.text);
  const indent = indentAt(ctx.text, ifStmt.startIndex);
  const unit = indentUnitAt(ctx.text, statementsOf(ifStmt.childForFieldName('consequence')!)[0]);
  if (act.fix === 'try' && check.missing) {
    const edits = [
      { start: header[0], end: header[1], newText: 'try:' },
      { start: ifStmt.endIndex, end: ifStmt.endIndex, newText: `${nl}${indent}except FileExistsError:${nl}${indent}${unit}pass` },
    ];
    // open(P, 'w') becomes open(P, 'x'): creating must fail, not truncate, when the other writer won.
    const mode = act.mode;
    if (mode && !ctx.textOf(mode).includes('x')) {
      const t = ctx.textOf(mode);
      const at = t.search(/w/);
      edits.push({ start: mode.startIndex + at, end: mode.startIndex + at + 1, newText: 'x' });
    }
    return [{ title: 'Create in try/except FileExistsError instead of checking first', applicability: 'assisted', edits }];
  }
  if (act.fix === 'suppress' && !check.missing) {
    return [
      {
        title: 'Remove under contextlib.suppress(FileNotFoundError) instead of checking first',
        applicability: 'assisted',
        edits: [addImport(ctx.text, ctx.root, 'contextlib'), { start: header[0], end: header[1], newText: 'with contextlib.suppress(FileNotFoundError):' }].filter(
          (e): e is NonNullable<typeof e> => !!e,
        ),
      },
    ];
  }
  return [];
}

export default defineRule({
  code: 'PY701',
  name: 'check-then-act-filesystem',
  language: 'python',
  category: 'data-integrity',
  severity: 'warning',
  fix: 'sometimes',
  summary: 'A file or directory is created or removed after an exists() check, so a concurrent writer between the two makes the call fail or clobber data.',
  kinds: ['if_statement'],
  facts: [pyFacts],
  docs: {
    whatItDoes:
      'Flags an `if` whose condition tests `[not] os.path.exists/isfile/isdir/lexists(P)`, `Path(P).exists()` (or ' +
      '`is_file()`/`is_dir()`, also on a path variable) when its branch then acts on the same `P` (compared by text): ' +
      'after "missing", `open(P, "w"|"x"|"a")`, `os.makedirs(P)` without `exist_ok=True`, `os.mkdir(P)`, ' +
      '`os.rename(_, P)`, `shutil.move(_, P)` or `p.mkdir()`; after "exists", `os.remove(P)`, `os.unlink(P)`, ' +
      '`os.rmdir(P)`, `shutil.rmtree(P)` or `p.unlink()`. The `else` branch counts with the opposite sense. It is ' +
      'not reported when the act runs under a lock (`with lock:`) or inside a `try` that catches the error a lost race ' +
      'raises (`FileExistsError`, `FileNotFoundError`, `OSError` or broader). Severity: info when the file starts no ' +
      'thread (a single-threaded script can still race another process), warning when it does, error when the function ' +
      'is the target of several threads. Test files are skipped: their set-up and tear-down own their scratch files.',
    whyBad:
      'The check and the act are two system calls. Another thread, or another process such as a second instance or ' +
      'a log rotator, can create or delete the path in between. The act then raises (`FileExistsError` from ' +
      '`open(P, "x")` or `makedirs`, `FileNotFoundError` from `remove`), typically in code that was written assuming ' +
      'it cannot, or it silently truncates a file the other writer just wrote.',
    example: 'if not os.path.isfile(path):\n    handle = open(path, "x")',
    useInstead: 'try:\n    handle = open(path, "x")\nexcept FileExistsError:\n    handle = open(path, "a")',
    fixSafety:
      'For `os.makedirs(P)` and `p.mkdir()` a safe fix adds `exist_ok=True`. For `open(P, "x"|"w")` and ' +
      '`os.mkdir(P)` after `if not exists(P):` an assisted fix turns the `if` into `try:` … `except FileExistsError: ' +
      'pass` (and the mode `"w"` into `"x"`); for `os.remove(P)`/`os.unlink(P)` after `if exists(P):` it turns the ' +
      '`if` into `with contextlib.suppress(FileNotFoundError):`. Both are assisted because any other ' +
      '`FileExistsError`/`FileNotFoundError` raised in the block is now swallowed too. They are offered when the ' +
      'condition is only the existence test, the `if` has no `else`, and the act is in its first statement.',
    related: 'None in Ruff, Pylint or Bandit. GO702 check-then-create is the Go counterpart.',
  },
  check(ifStmt, ctx) {
    // Test set-up and tear-down own their scratch files.
    if (ctx.isTestFile) return;
    const cond = ifStmt.childForFieldName('condition');
    if (!cond) return;
    const checks = existsChecks(ctx, cond);
    if (!checks.length) return;
    const branches: [Node, boolean][] = [];
    const body = ifStmt.childForFieldName('consequence');
    if (body) branches.push([body, false]);
    const elseBody = ifStmt.namedChildren.find((c) => c?.type === 'else_clause')?.childForFieldName('body');
    if (elseBody && checks.length === 1) branches.push([elseBody, true]);
    for (const [block, flipped] of branches) {
      forEachDescendant(
        block,
        (call) => {
          const act = actOf(ctx, call);
          if (!act) return;
          const check = checks.find((c) => c.path === act.path && (c.missing !== flipped) === (act.kind === 'create'));
          if (!check || raceHandled(call) || isLockGuarded(call)) return;
          const checkName = ctx.textOf(check.call.childForFieldName('function')!);
          ctx.report({
            node: call,
            severity: severityFor(ctx, call),
            message: `${ctx.textOf(act.node)} can be ${act.kind === 'create' ? 'created' : 'removed'} by another thread or process between the ${checkName}() check and this call: ${act.outcome}`,
            fixes: fixesFor(ctx, ifStmt, call, act, check),
          });
        },
        false,
        CALLS,
      );
    }
  },
});
