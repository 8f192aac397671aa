/** PY303 possibly-unbound-after-except: a name the `try` binds is read after a handler that did not bind it. */
import type { Node } from '../../engine/syntax';
import { eol, indentAt, insertAfter, insertBefore, startsLine } from '../../engine/fix';
import {
  aloneOnLine,
  ancestorsOf,
  calleeText,
  exceptParts,
  forEachDescendant,
  indentSpanText,
  indentUnitAt,
  lineSpan,
  isForeverCondition,
  moduleRunVia,
  owningLoop,
  PY_SCOPES,
  pyFacts,
  statementCall,
  statementsOf,
  targetNames,
  topLevelOf,
} from '../../engine/python';
import { defineRule, type Fix, type RuleContext, type TextEdit } from '../../engine/rule';

/** Calls that end the process. */
const EXIT_CALL = /^(sys\.exit|exit|quit|os\._exit|os\.abort)$/;

/** Functions whose names say they never return: `usage()`, `die()`, `parser.error()`, `cls._report_invalid_netmask()`. */
const NO_RETURN_NAME = /(^|_)(exit|die|abort|fail|usage|bail|fatal)(_|$)|^_*(raise|throw)|invalid|^error$/i;

/** Receivers whose `error`/`fatal` methods only log. */
const LOGGER = /log|warn|console|print|stderr|stdout/i;

/**
 * Whether a statement never falls through to the next one: raise, return, continue, break, a call ending the process
 * or named as never returning, or an if/else whose every branch ends so.
 */
function exits(stmt: Node | undefined, depth = 0): boolean {
  if (!stmt || depth > 20) return false;
  if (/^(raise|return|continue|break)_statement$/.test(stmt.type)) return true;
  const call = statementCall(stmt);
  if (call) {
    const callee = calleeText(call);
    if (EXIT_CALL.test(callee)) return true;
    const dot = callee.lastIndexOf('.');
    return NO_RETURN_NAME.test(callee.slice(dot + 1)) && !LOGGER.test(callee.slice(0, Math.max(dot, 0)));
  }
  if (stmt.type === 'if_statement') {
    if (!stmt.namedChildren.some((c) => c?.type === 'else_clause')) return false;
    const blocks = [stmt.childForFieldName('consequence')];
    for (const c of stmt.namedChildren) {
      if (c?.type === 'elif_clause') blocks.push(c.childForFieldName('consequence'));
      if (c?.type === 'else_clause') blocks.push(c.childForFieldName('body') ?? c.namedChildren.find((x) => x?.type === 'block') ?? null);
    }
    return blocks.every((b) => {
      const stmts = b ? statementsOf(b) : [];
      return exits(stmts[stmts.length - 1], depth + 1);
    });
  }
  return false;
}

/** The names each direct statement of a try body binds by assignment, with whether it could fail before binding. */
function boundByTry(body: Node): Map<string, boolean> {
  const out = new Map<string, boolean>();
  let mayFail = false;
  for (const s of statementsOf(body)) {
    if (!mayFail && canRaise(s)) mayFail = true;
    if (s.type !== 'expression_statement') continue;
    for (let a = s.namedChild(0); a?.type === 'assignment'; a = a.childForFieldName('right')) {
      // Annotated declarations without a value (`x: int`) bind nothing.
      if (!a.childForFieldName('right')) break;
      const names = new Set<string>();
      targetNames(a.childForFieldName('left'), names);
      for (const n of names) if (!out.has(n)) out.set(n, mayFail);
    }
  }
  return out;
}

const RAISING_TYPES: ReadonlySet<string> = new Set(['call', 'subscript', 'await', 'raise_statement', 'assert_statement', 'binary_operator']);

/** Whether a statement can raise before it completes (it calls, subscripts, awaits or divides). */
function canRaise(stmt: Node): boolean {
  let found = RAISING_TYPES.has(stmt.type);
  if (!found) {
    forEachDescendant(
      stmt,
      (n) => {
        if (found) return false;
        if (n.type !== 'binary_operator' || /^(\/|\/\/|%|\*\*|@)$/.test(n.childForFieldName('operator')?.text ?? '')) found = true;
      },
      false,
      RAISING_TYPES,
    );
  }
  return found;
}

const BINDERS: ReadonlySet<string> = new Set([
  'assignment', 'augmented_assignment', 'for_statement', 'for_in_clause', 'as_pattern', 'named_expression', 'import_statement',
  'import_from_statement', 'function_definition', 'class_definition', 'global_statement', 'nonlocal_statement', 'delete_statement',
]);

/** Every name a subtree binds (outside nested scopes, whose own names still count), with `global`/`nonlocal` names. */
function boundNames(node: Node): Set<string> {
  const out = new Set<string>();
  forEachDescendant(
    node,
    (n) => {
      switch (n.type) {
        case 'assignment':
        case 'augmented_assignment':
        case 'for_statement':
        case 'for_in_clause':
          targetNames(n.childForFieldName('left'), out);
          break;
        case 'as_pattern':
          targetNames(n.childForFieldName('alias'), out);
          break;
        case 'named_expression':
          targetNames(n.childForFieldName('name'), out);
          break;
        case 'function_definition':
        case 'class_definition':
          out.add(n.childForFieldName('name')?.text ?? '');
          break;
        case 'import_statement':
        case 'import_from_statement':
          for (const name of n.childrenForFieldName('name')) {
            if (name?.type === 'aliased_import') out.add(name.childForFieldName('alias')?.text ?? '');
            else if (name) out.add(n.type === 'import_statement' ? name.text.split('.')[0] : (name.text.split('.').pop() ?? ''));
          }
          break;
        case 'global_statement':
        case 'nonlocal_statement':
          for (const c of n.namedChildren) if (c?.type === 'identifier') out.add(c.text);
          break;
      }
    },
    false,
    BINDERS,
  );
  return out;
}

/** An identifier that names something other than a variable: an attribute, a keyword argument, a parameter. */
function isNameUse(id: Node): boolean {
  const p = id.parent;
  if (!p) return false;
  if (p.type === 'attribute' && p.childForFieldName('attribute')?.id === id.id) return false;
  if (p.type === 'keyword_argument' && p.childForFieldName('name')?.id === id.id) return false;
  if (p.type === 'dotted_name' || p.type === 'aliased_import' || p.type === 'global_statement' || p.type === 'nonlocal_statement') return false;
  return true;
}

/** Whether an identifier occurrence stores to the name (and does not read it first). */
function isStore(id: Node): boolean {
  let child = id;
  for (let p = id.parent; p; child = p, p = p.parent) {
    switch (p.type) {
      case 'pattern_list':
      case 'tuple_pattern':
      case 'list_pattern':
      case 'list_splat_pattern':
      case 'as_pattern_target':
      case 'parenthesized_expression':
      case 'tuple':
      case 'list':
      case 'expression_list':
        continue;
      case 'assignment':
      case 'for_statement':
      case 'for_in_clause':
        return p.childForFieldName('left')?.id === child.id;
      case 'named_expression':
        return p.childForFieldName('name')?.id === child.id;
      case 'as_pattern':
        return p.childForFieldName('alias')?.id === child.id;
      default:
        return false;
    }
  }
  return false;
}

const IDENT: ReadonlySet<string> = new Set(['identifier']);

/** The identifiers of a scope's code by name, in document order (nested functions, lambdas and classes excluded). */
function identifiersIn(ctx: RuleContext, scope: Node): Map<string, Node[]> {
  return ctx.memo(scope, 'py303.ids', () => {
    const out = new Map<string, Node[]>();
    forEachDescendant(
      scope,
      (n) => {
        let l = out.get(n.text);
        if (!l) out.set(n.text, (l = []));
        l.push(n);
      },
      false,
      IDENT,
    );
    return out;
  });
}

/** Whether code at `use` can run after the `try` completed: it is not in another branch of an if/match/try holding both. */
function reachableAfter(tryStmt: Node, use: Node): boolean {
  const a = [...ancestorsOf(tryStmt), tryStmt];
  const b = [...ancestorsOf(use), use];
  let i = 0;
  while (i < a.length && i < b.length && a[i].id === b[i].id) i++;
  const lca = a[i - 1];
  const ct = a[i];
  const cu = b[i];
  if (!lca || !ct || !cu) return true;
  if (lca.type === 'if_statement') return false;
  if (lca.type === 'block' && lca.parent?.type === 'match_statement') return false;
  if (lca.type === 'try_statement') {
    if (cu.type === 'finally_clause') return true;
    return ct.id === lca.childForFieldName('body')?.id;
  }
  return true;
}

/**
 * Whether a flag the handler sets is tested before the use: by an `if` after the try that leaves (`if failed:
 * return`), or by an `if` after the try that holds the use (`if ok: use(x)`).
 */
function guardedByFlag(tryStmt: Node, use: Node, flags: Set<string>): boolean {
  if (!flags.size) return false;
  const tests = (ifs: Node): boolean => {
    const cond = ifs.childForFieldName('condition');
    const ids = new Set<string>();
    if (cond) forEachDescendant(cond, (n) => void ids.add(n.text), false, IDENT);
    if (cond?.type === 'identifier') ids.add(cond.text);
    return [...flags].some((f) => ids.has(f));
  };
  for (const a of ancestorsOf(use)) {
    if ((a.type === 'if_statement' || a.type === 'elif_clause') && a.startIndex >= tryStmt.endIndex && tests(a)) return true;
  }
  const parent = tryStmt.parent;
  if (!parent) return false;
  for (const s of statementsOf(parent)) {
    if (s.startIndex < tryStmt.endIndex) continue;
    if (s.startIndex > use.startIndex) break;
    if (s.type !== 'if_statement') continue;
    const cons = s.childForFieldName('consequence');
    const stmts = cons ? statementsOf(cons) : [];
    if (tests(s) && exits(stmts[stmts.length - 1])) return true;
  }
  return false;
}

/**
 * Whether the use lies after the loop holding the try and that loop is left only once the try succeeded: a
 * `while True:` loop, or a loop the try body leaves with `break`.
 */
function afterRetryLoop(tryStmt: Node, body: Node, use: Node): boolean {
  const up = ancestorsOf(tryStmt);
  for (let i = up.length - 1; i >= 0 && !PY_SCOPES.has(up[i].type); i--) {
    const l = up[i];
    if (l.type !== 'for_statement' && l.type !== 'while_statement') continue;
    if (use.startIndex >= l.startIndex && use.endIndex <= l.endIndex) return false;
    if (l.type === 'while_statement' && isForeverCondition(l.childForFieldName('condition'))) return true;
    let breaks = false;
    forEachDescendant(body, (n) => {
      if (breaks) return false;
      if (n.type === 'break_statement' && owningLoop(n)?.id === l.id) breaks = true;
    });
    return breaks;
  }
  return false;
}

/** The statement holding `node` whose parent is a block or the module. */
function statementHolding(node: Node): Node | undefined {
  const chain = [...ancestorsOf(node), node];
  for (let i = chain.length - 1; i > 0; i--) {
    const p = chain[i - 1];
    if (p.type === 'block' || p.type === 'module') return chain[i];
  }
  return undefined;
}

/** The assisted fix that leaves the handlers (`continue` in a loop, `return` in a function). */
function exitFix(ctx: RuleContext, tryStmt: Node, handlers: Node[], inLoop: boolean, inFunction: boolean): Fix | undefined {
  const word = inLoop ? 'continue' : inFunction ? 'return' : undefined;
  if (!word) return undefined;
  const edits: TextEdit[] = [];
  for (const h of handlers) {
    const { block } = exceptParts(h);
    const stmts = block ? statementsOf(block) : [];
    const last = stmts[stmts.length - 1];
    if (!block || !last || !startsLine(ctx.text, last.startIndex) || !aloneOnLine(ctx.text, last)) return undefined;
    if (stmts.length === 1 && last.type === 'pass_statement') edits.push({ start: last.startIndex, end: last.endIndex, newText: word });
    else edits.push(insertAfter(ctx.text, last, word));
  }
  return {
    title: inLoop ? 'Continue the loop from the except handler' : 'Return from the except handler',
    applicability: 'assisted',
    edits,
  };
}

/** The assisted fix that initialises the name before the try and checks it where it is used. */
function initFix(ctx: RuleContext, tryStmt: Node, name: string, use: Node): Fix | undefined {
  if (!startsLine(ctx.text, tryStmt.startIndex)) return undefined;
  const stmt = statementHolding(use);
  if (!stmt || stmt.startIndex < tryStmt.endIndex) return undefined;
  const init = insertBefore(ctx.text, tryStmt, `${name} = None`);
  const title = `Initialise ${name} = None before the try and check it before use`;
  const cond = stmt.type === 'if_statement' || stmt.type === 'while_statement' ? stmt.childForFieldName('condition') : null;
  if (cond && use.startIndex >= cond.startIndex && use.endIndex <= cond.endIndex) {
    // The use is already a test (`if db:`): the initialisation alone makes it work.
    return { title: `Initialise ${name} = None before the try`, applicability: 'assisted', edits: [init] };
  }
  // An assignment wrapped in a check would leave its own target unbound: only statements that bind nothing are wrapped.
  const simple =
    (stmt.type === 'expression_statement' && !/assignment/.test(stmt.namedChild(0)?.type ?? '')) || /^(return|delete|assert|raise)_statement$/.test(stmt.type);
  if (!simple || !aloneOnLine(ctx.text, stmt)) return undefined;
  const [from, to] = lineSpan(ctx.text, stmt);
  const indent = indentAt(ctx.text, stmt.startIndex);
  const unit = indentUnitAt(ctx.text, stmt);
  const nl = eol(ctx.text);
  const body = indentSpanText(ctx.text, from, to, unit, [stmt]);
  return { title, applicability: 'assisted', edits: [init, { start: from, end: to, newText: `${indent}if ${name} is not None:${nl}${body}` }] };
}

export default defineRule({
  code: 'PY303',
  name: 'possibly-unbound-after-except',
  language: 'python',
  category: 'error-handling',
  severity: 'warning',
  fix: 'sometimes',
  summary: 'A name assigned in a try body is read after an except handler that neither binds it nor exits, so it raises NameError.',
  kinds: ['try_statement'],
  facts: [pyFacts],
  docs: {
    whatItDoes:
      'For a `try` without an `else` clause, takes the names its body assigns in its own statements (`db = open_db(path)`). ' +
      'When an `except` handler neither exits (its last statement is not `raise`, `return`, `continue`, `break` or ' +
      '`sys.exit(…)`) nor binds the name itself, and the name is not bound earlier in the function (a parameter, a default ' +
      'such as `db = None`, a `global` declaration), the first occurrence of the name after the `try` is flagged when it ' +
      'is a read. Beyond the catalogue: assignments that cannot fail (only constants before them in the body) are ignored, ' +
      'occurrences in another branch of an `if`/`match` holding the `try` are not reachable from it, a handler ending in an ' +
      '`if`/`else` whose every branch exits, or in a call named as never returning (`usage()`, `die()`, `parser.error()`, ' +
      '`_report_invalid_…()`; logger methods excepted), exits too, a name the handler sets and an `if` tests before or ' +
      'around the use (`if failed: return`, `if ok: use(x)`) counts as a guard, and a use after a retry loop that is left ' +
      'only on success (`while True:`, or a `break` in the `try` body) is fine.',
    whyBad:
      'When the call in the `try` fails, the handler logs and carries on, and the next line that reads the name raises ' +
      '`NameError` (or `UnboundLocalError`). The original failure, which the handler meant to absorb, turns into a crash ' +
      'in a different place, with a traceback that hides the cause; in a loop it repeats for every later item.',
    example: 'try:\n    db = open_db(path)\nexcept OSError as exc:\n    log(exc)\nrow = db.get(key)',
    useInstead: 'try:\n    db = open_db(path)\nexcept OSError as exc:\n    log(exc)\n    return None\nrow = db.get(key)',
    fixSafety:
      'Assisted, because both change what happens after a failure. One fix ends each non-exiting handler with `continue` ' +
      '(when the `try` is in a loop) or `return` (in a function). The other inserts `name = None` before the `try` and wraps ' +
      'the statement that reads it in `if name is not None:` (when the read is already an `if`/`while` test, the ' +
      'initialisation alone).',
    related: 'Pylint E0606 possibly-used-before-assignment and E0601 used-before-assignment; Ruff has no equivalent; PY301 silent-broad-except.',
  },
  check(tryStmt, ctx) {
    if (tryStmt.namedChildren.some((c) => c?.type === 'else_clause')) return;
    const body = tryStmt.childForFieldName('body');
    if (!body) return;
    const bound = boundByTry(body);
    if (![...bound.values()].some((x) => x)) return;
    const handlers = tryStmt.namedChildren.filter((c): c is Node => c?.type === 'except_clause' || c?.type === 'except_group_clause');
    const open: { clause: Node; binds: Set<string> }[] = [];
    for (const h of handlers) {
      const { block } = exceptParts(h);
      const stmts = block ? statementsOf(block) : [];
      if (exits(stmts[stmts.length - 1])) continue;
      open.push({ clause: h, binds: block ? boundNames(block) : new Set() });
    }
    if (!open.length) return;
    // The code of the scope: the function body, or the module-level statements of this run.
    const up = ancestorsOf(tryStmt);
    let fn: Node | null = null;
    let inLoop = false;
    for (let i = up.length - 1; i >= 0; i--) {
      if (up[i].type === 'class_definition') return;
      if (up[i].type === 'function_definition') {
        fn = up[i];
        break;
      }
      if (up[i].type === 'for_statement' || up[i].type === 'while_statement') inLoop = true;
    }
    const scopes = fn ? [fn] : moduleRunVia(ctx, topLevelOf(tryStmt));
    const idsOf = (name: string): Node[] => scopes.flatMap((s) => identifiersIn(ctx, s).get(name) ?? []);
    const params = new Set<string>();
    if (fn) {
      const ps = fn.childForFieldName('parameters');
      if (ps) forEachDescendant(ps, (n) => void params.add(n.text), true, IDENT);
    }
    const globals = new Set<string>();
    for (const s of scopes) {
      forEachDescendant(s, (n) => {
        for (const c of n.namedChildren) if (c?.type === 'identifier') globals.add(c.text);
      }, false, new Set(['global_statement', 'nonlocal_statement']));
    }
    // At module level, names bound by other runs of module code (before or after a definition) count as bound.
    const elsewhere = new Set<string>();
    if (!fn) {
      const run = new Set(scopes.map((s) => s.id));
      for (const f of ctx.facts(pyFacts)) {
        if (run.has(f.node.id)) continue;
        const m = f.value.module;
        for (const [n] of m?.assigns ?? []) elsewhere.add(n);
        for (const [n] of m?.imports ?? []) elsewhere.add(n);
        for (const n of m?.defines ?? []) elsewhere.add(n);
      }
    }
    for (const [name, mayFail] of bound) {
      if (!mayFail || params.has(name) || globals.has(name) || elsewhere.has(name)) continue;
      const unbinding = open.filter((h) => !h.binds.has(name));
      if (!unbinding.length) continue;
      // Bound before the try (a default, an earlier assignment, a loop variable)?
      let earlier = false;
      let use: Node | undefined;
      for (const id of idsOf(name)) {
        if (id.startIndex < tryStmt.startIndex && isBindingElsewhere(id)) {
          earlier = true;
          break;
        }
        if (!isNameUse(id)) continue;
        if (id.startIndex < tryStmt.startIndex) {
          if (isStore(id)) {
            earlier = true;
            break;
          }
          continue;
        }
        if (id.startIndex < tryStmt.endIndex) continue;
        if (!reachableAfter(tryStmt, id)) continue;
        use = id;
        break;
      }
      if (earlier || !use || isStore(use)) continue;
      const flags = new Set<string>();
      for (const h of unbinding) for (const f of h.binds) if (f !== name) flags.add(f);
      if (guardedByFlag(tryStmt, use, flags) || afterRetryLoop(tryStmt, body, use)) continue;
      const fixes: Fix[] = [];
      const exit = exitFix(ctx, tryStmt, unbinding.map((h) => h.clause), inLoop, !!fn);
      if (exit) fixes.push(exit);
      const init = initFix(ctx, tryStmt, name, use);
      if (init) fixes.push(init);
      ctx.report({
        node: use,
        message: `${name} is unbound here when the try above fails before assigning it, because its except handler neither binds ${name} nor exits: this line raises NameError instead of handling the failure`,
        fixes,
      });
    }
  },
});

/** Identifiers that bind without being an assignment target: `import x`, `from m import x`, `import m as x`, `def x`. */
function isBindingElsewhere(id: Node): boolean {
  const p = id.parent;
  if (!p) return false;
  if ((p.type === 'function_definition' || p.type === 'class_definition') && p.childForFieldName('name')?.id === id.id) return true;
  if (p.type === 'aliased_import') return p.childForFieldName('alias')?.id === id.id;
  if (p.type === 'dotted_name') {
    const gp = p.parent;
    if (gp?.type === 'import_statement') return p.namedChild(0)?.id === id.id;
    if (gp?.type === 'import_from_statement') return gp.childForFieldName('module_name')?.id !== p.id;
  }
  return false;
}
