/** PY103 lock-acquire-without-finally: `L.acquire()` whose `L.release()` is skipped when an exception is raised. */
import type { Node } from '../../engine/syntax';
import { eol, indentAt } from '../../engine/fix';
import {
  aloneOnLine,
  ancestorsOf,
  calleeName,
  caughtTypes,
  enclosingFunction,
  exceptParts,
  exprKey,
  forEachDescendant,
  indentSpanText,
  indentUnitAt,
  keywordArgs,
  laterSiblings,
  lineSpan,
  moduleRunVia,
  positionalArgs,
  PY_SCOPES,
  receiverOf,
  statementCall,
  statementsOf,
  topLevelOf,
} from '../../engine/python';
import { defineRule, type Fix, type RuleContext } from '../../engine/rule';

/** If `stmt` is the statement `L.<method>(...)`, the text of `L`. */
function lockMethodCall(stmt: Node, method: string): string | undefined {
  const call = statementCall(stmt);
  if (!call || calleeName(call) !== method) return undefined;
  const recv = receiverOf(call);
  return recv ? exprKey(recv) : undefined;
}

/** Whether any descendant of `node` (or `node` itself) calls `L.release()`. */
function containsRelease(node: Node, lock: string): boolean {
  let found = false;
  const check = (n: Node): void | false => {
    if (found) return false;
    if (n.type === 'call' && calleeName(n) === 'release' && receiverOf(n) && exprKey(receiverOf(n)!) === lock) found = true;
  };
  if (check(node) !== false) forEachDescendant(node, check);
  return found;
}

/** Whether a try statement's finally clause releases `lock`. */
function finallyReleases(tryStmt: Node, lock: string): boolean {
  const fin = tryStmt.namedChildren.find((c) => c?.type === 'finally_clause');
  return !!fin && containsRelease(fin, lock);
}

/** Whether a try statement releases `lock` on every exception: in its finally, or in a handler catching everything. */
function releasesOnError(tryStmt: Node, lock: string): boolean {
  if (finallyReleases(tryStmt, lock)) return true;
  return tryStmt.namedChildren.some((c) => {
    if (c?.type !== 'except_clause') return false;
    const types = caughtTypes(exceptParts(c).type);
    return (types.length === 0 || types.includes('BaseException')) && containsRelease(c, lock);
  });
}

/**
 * Whether the statement that runs right after the acquire protects the lock: a following `try` that releases it on
 * every exception. When the acquire ends an `if`/`else` block (`if lock: lock.acquire()`), the statement after that
 * `if` counts.
 */
function followedByProtection(stmt: Node, lock: string): boolean {
  for (let s: Node | null = stmt; s; ) {
    const next = laterSiblings(s)[0];
    if (next) return next.type === 'try_statement' && releasesOnError(next, lock);
    const block: Node | null = s.parent;
    let up: Node | null = block?.parent ?? null;
    if (up?.type === 'else_clause' || up?.type === 'elif_clause') up = up.parent;
    if (block?.type !== 'block' || up?.type !== 'if_statement') return false;
    s = up;
  }
  return false;
}

/** `try: L.acquire() except …: … else: L.release()`: the release runs right after the acquire. */
function releasedInElse(stmt: Node, lock: string): boolean {
  const block = stmt.parent;
  const tryStmt = block?.parent;
  if (tryStmt?.type !== 'try_statement' || tryStmt.childForFieldName('body')?.id !== block!.id) return false;
  if (laterSiblings(stmt).length) return false;
  const elseBlock = tryStmt.namedChildren.find((c) => c?.type === 'else_clause')?.childForFieldName('body');
  const first = elseBlock ? statementsOf(elseBlock)[0] : undefined;
  return !!first && lockMethodCall(first, 'release') === lock;
}

/** Whether `node` is inside the body, an except or else clause of a try whose finally releases `lock`. */
function protectedByEnclosingTry(node: Node, lock: string): boolean {
  const chain = [...ancestorsOf(node), node];
  for (let i = chain.length - 2; i >= 0; i--) {
    const n = chain[i];
    if (PY_SCOPES.has(n.type)) return false;
    if (n.type === 'try_statement' && chain[i + 1].type !== 'finally_clause' && finallyReleases(n, lock)) return true;
  }
  return false;
}

/** Statements that leave the block early (and so would skip or change the release). */
function exitsEarly(stmts: Node[]): boolean {
  return stmts.some((s) => {
    let found = s.type === 'return_statement' || s.type === 'break_statement' || s.type === 'continue_statement';
    forEachDescendant(s, (n) => {
      if (found) return false;
      if (n.type === 'return_statement') found = true;
      // break/continue inside an inner loop stay in the block.
      if ((n.type === 'break_statement' || n.type === 'continue_statement') && !loopBetween(n, s)) found = true;
    });
    return found;
  });
}

function loopBetween(n: Node, top: Node): boolean {
  for (let p = n.parent; p && p.id !== top.id; p = p.parent) if (p.type === 'for_statement' || p.type === 'while_statement') return true;
  return top.type === 'for_statement' || top.type === 'while_statement';
}

/** Whether an acquire call has no arguments that change its meaning (`acquire()`, `acquire(True)`, `acquire(blocking=True)`). */
function plainAcquire(call: Node): boolean {
  const pos = positionalArgs(call);
  const kws = keywordArgs(call);
  if (pos.length === 0 && kws.length === 0) return true;
  if (pos.length === 1 && kws.length === 0 && pos[0].type === 'true') return true;
  return pos.length === 0 && kws.length === 1 && kws[0].childForFieldName('name')?.text === 'blocking' && kws[0].childForFieldName('value')?.type === 'true';
}

/** The fixes for `acquire` … `release` siblings: the `with L:` rewrite (safe) or a try/finally wrapper (assisted). */
function fixesFor(ctx: RuleContext, acquire: Node, lock: string, lockText: string): Fix[] {
  const text = ctx.text;
  const later = laterSiblings(acquire);
  const relIndex = later.findIndex((s) => lockMethodCall(s, 'release') === lock);
  if (relIndex < 0) return [];
  const release = later[relIndex];
  const between = later.slice(0, relIndex);
  if (!between.length) return [];
  if (!aloneOnLine(text, acquire) || !aloneOnLine(text, release)) return [];
  // Another release in between would release twice.
  if (between.some((s) => containsRelease(s, lock))) return [];
  const unit = indentUnitAt(text, acquire);
  const indent = indentAt(text, acquire.startIndex);
  const nl = eol(text);
  const from = lineSpan(text, acquire)[1];
  const [relStart, relEnd] = lineSpan(text, release);
  const body = indentSpanText(text, from, relStart, unit, between);
  const call = statementCall(acquire)!;
  if (plainAcquire(call) && !exitsEarly(between)) {
    return [
      {
        title: `Use with ${lockText}: instead of acquire/release`,
        applicability: 'safe',
        edits: [
          { start: acquire.startIndex, end: acquire.endIndex, newText: `with ${lockText}:` },
          { start: from, end: relEnd, newText: body },
        ],
      },
    ];
  }
  const releaseLine = text.slice(relStart, relEnd);
  return [
    {
      title: `Release ${lockText} in a finally clause`,
      applicability: 'assisted',
      edits: [{ start: from, end: relEnd, newText: `${indent}try:${nl}${body}${indent}finally:${nl}${unit}${releaseLine}` }],
    },
  ];
}

export default defineRule({
  code: 'PY103',
  name: 'lock-acquire-without-finally',
  language: 'python',
  category: 'concurrency',
  severity: 'warning',
  fix: 'sometimes',
  summary: 'A lock taken with acquire() is released without try/finally, so an exception in between leaves it held and every other thread hangs.',
  kinds: ['expression_statement'],
  docs: {
    whatItDoes:
      'Flags a statement `L.acquire()` that is later matched by `L.release()` in the same function, when the release is ' +
      'not in the `finally` clause of a `try` that directly follows the acquire or that encloses it. An acquire used as a ' +
      'condition (`if L.acquire(blocking=False):`) or whose result is stored is not flagged; neither is a function that ' +
      'only acquires (a `lock()` helper or `__enter__`), which leaves the release to its caller.',
    whyBad:
      'Any exception between `acquire()` and `release()` (a failed query, a `KeyError`, a closed socket) skips the ' +
      'release. The lock stays held forever, and every other thread that takes it blocks: the service hangs without a crash ' +
      'or a log line, usually long after the original error was swallowed somewhere up the stack.',
    example: 'lock.acquire()\nrow = db.execute(query).fetchone()\nlock.release()',
    useInstead: 'with lock:\n    row = db.execute(query).fetchone()',
    fixSafety:
      'Safe when `L.release()` is a later statement of the same block, `acquire()` has no timeout or non-blocking argument, ' +
      'and nothing in between returns, breaks, continues or releases the lock: the span becomes `with L:` with its ' +
      'statements indented one level. Otherwise, when the release is a later statement of the same block, an assisted fix ' +
      'wraps the statements in `try:` … `finally: L.release()` (it changes what happens on the early exits, which now ' +
      'release the lock).',
    related: 'Pylint R1732 consider-using-with (needs inferred lock types); Ruff has no lock rule.',
  },
  check(stmt, ctx) {
    const lock = lockMethodCall(stmt, 'acquire');
    if (lock === undefined) return;
    const parent = stmt.parent;
    if (!parent || (parent.type !== 'block' && parent.type !== 'module')) return;
    const next = laterSiblings(stmt)[0];
    // acquire(); try: … finally: L.release()
    if (followedByProtection(stmt, lock)) return;
    if (protectedByEnclosingTry(stmt, lock) || releasedInElse(stmt, lock)) return;
    // Only acquire/release pairs: a function that just acquires leaves the release to its caller.
    const fnBody = enclosingFunction(stmt)?.childForFieldName('body');
    // At module level, look only at the statements of this run of module-level code.
    const scope = fnBody ? [fnBody] : moduleRunVia(ctx, topLevelOf(stmt));
    const releasedLater = scope.some((s) => {
      let found = false;
      const check = (n: Node): void | false => {
        if (found) return false;
        if (n.startIndex >= stmt.endIndex && n.type === 'call' && calleeName(n) === 'release' && receiverOf(n) && exprKey(receiverOf(n)!) === lock) found = true;
      };
      if (check(s) !== false) forEachDescendant(s, check);
      return found;
    });
    if (!releasedLater) return;
    // acquire() immediately followed by release() waits for the lock; nothing in between can fail.
    if (next && lockMethodCall(next, 'release') === lock) return;
    const lockText = ctx.textOf(receiverOf(statementCall(stmt)!)!);
    ctx.report({
      node: stmt,
      message: `an exception between ${lockText}.acquire() and ${lockText}.release() leaves ${lockText} held forever: every other thread that takes it then hangs`,
      fixes: fixesFor(ctx, stmt, lock, lockText),
    });
  },
});
