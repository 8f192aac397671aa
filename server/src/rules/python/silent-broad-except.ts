/** PY301 silent-broad-except: a bare or `except Exception` handler that drops the error without a trace. */
import type { Node } from '../../engine/syntax';
import { eol, indentAt, insertBefore } from '../../engine/fix';
import {
  addImport,
  ancestorsOf,
  bindingsVia,
  calleeName,
  calleeText,
  caughtTypes,
  classOfMethod,
  enclosingFunction,
  exceptParts,
  exprKey,
  forEachDescendant,
  importedNames,
  indentUnitAt,
  isForeverCondition,
  keywordArg,
  laterSiblings,
  mergeInsertions,
  moduleNames,
  moduleRunVia,
  positionalArgs,
  PY_SCOPES,
  pyFacts,
  qualifiedName,
  statementsOf,
  targetNames,
  threadTargets,
  topLevelOf,
} from '../../engine/python';
import { defineRule, type Fix, type RuleContext, type TextEdit } from '../../engine/rule';

const BROAD = new Set(['Exception', 'BaseException', 'builtins.Exception', 'builtins.BaseException']);
const RECORDS_ERROR = /^(traceback\.(print_exc|format_exc|print_exception|format_exception)|sys\.exc_info|sys\.exception|logging\.exception)$/;
/** A call that only reports: print, a function or method named after logging, or a logger's or stream's method. */
function isLogCall(call: Node): boolean {
  const callee = calleeText(call);
  const dot = callee.lastIndexOf('.');
  const name = callee.slice(dot + 1);
  if (/^(print|echo|secho|warn)$/.test(name) && dot < 0) return true;
  if (/log/i.test(name) && !/login|logout|logic|dialog|catalog/i.test(name)) return true;
  const recv = dot < 0 ? '' : callee.slice(0, dot);
  return /(^|\.)(_*log\w*|_*logger\w*|LOG\w*|std(err|out)|console|warnings|click)$/i.test(recv) &&
    /^(debug|info|warn|warning|error|critical|fatal|log|write|writelines|print|echo|secho)$/.test(name);
}
/** Calls that release something: a handler around only these is best-effort cleanup. */
const CLEANUP = /^(close|shutdown|unlink|remove|rmdir|rmtree|kill|terminate|cancel|release|stop|disconnect|quit|detach|unregister|join|wait|flush|cleanup|__exit__)$/;

/** Whether a statement of the handler is one that only drops the error: pass, continue, ..., a string, a log call, an assignment. */
function droppingStatement(s: Node): 'pass' | 'continue' | 'log' | 'assign' | undefined {
  if (s.type === 'pass_statement') return 'pass';
  if (s.type === 'continue_statement') return 'continue';
  if (s.type !== 'expression_statement') return undefined;
  const e = s.namedChild(0);
  if (!e) return undefined;
  if (e.type === 'ellipsis' || e.type === 'string' || e.type === 'concatenated_string') return 'pass';
  if (e.type === 'assignment' || e.type === 'augmented_assignment') return 'assign';
  if (e.type === 'call' && isLogCall(e)) return 'log';
  return undefined;
}

/** Whether the handler re-raises, mentions the bound exception, or records the error (logging.exception, exc_info=…). */
function recordsError(block: Node, alias: string | undefined): boolean {
  let found = false;
  forEachDescendant(block, (n) => {
    if (found) return false;
    if (n.type === 'raise_statement') found = true;
    else if (alias && n.type === 'identifier' && n.text === alias) found = true;
    else if (n.type === 'call') {
      const callee = calleeText(n);
      if (RECORDS_ERROR.test(callee) || calleeName(n) === 'exception') found = true;
      const exc = keywordArg(n, 'exc_info') ?? keywordArg(n, 'stack_info');
      if (exc && exc.type !== 'false' && exc.type !== 'none') found = true;
    }
  });
  return found;
}

/** Names (and `self.x` attributes) a subtree assigns, outside nested scopes. */
const ASSIGNING_TYPES: ReadonlySet<string> = new Set([
  'assignment', 'augmented_assignment', 'for_statement', 'as_pattern', 'import_statement', 'import_from_statement', 'named_expression',
]);

function assignedNames(node: Node): Set<string> {
  const out = new Set<string>();
  forEachDescendant(node, (n) => {
    if (n.type === 'assignment' || n.type === 'augmented_assignment' || n.type === 'for_statement') {
      const left = n.childForFieldName('left');
      targetNames(left, out);
      if (left?.type === 'attribute' || left?.type === 'subscript') out.add(exprKey(left));
    }
    if (n.type === 'as_pattern') targetNames(n.childForFieldName('alias'), out);
    if (n.type === 'import_statement' || n.type === 'import_from_statement') for (const x of importedNames(n)) out.add(x);
    if (n.type === 'named_expression') targetNames(n.childForFieldName('name'), out);
  }, false, ASSIGNING_TYPES);
  return out;
}

/** Whether `name` (an identifier or `self.x` text) is read somewhere in `scope` outside the handler. */
const NAME_TYPES: ReadonlySet<string> = new Set(['identifier', 'attribute']);
const ASSIGNMENT_TYPE: ReadonlySet<string> = new Set(['assignment']);

/** Where each name (or `self.x` text) is read in a scope node: computed once per analysis, so handlers stay linear. */
function readsIn(ctx: RuleContext, scope: Node): Map<string, number[]> {
  return ctx.memo(scope, 'py301.reads', () => {
    const out = new Map<string, number[]>();
    forEachDescendant(
      scope,
      (n) => {
        const p = n.parent;
        if (n.type === 'identifier' && p?.type === 'attribute') return;
        // A store is not a read.
        if (p?.type === 'assignment' && p.childForFieldName('left')?.id === n.id) return;
        const key = n.type === 'identifier' ? n.text : exprKey(n);
        let l = out.get(key);
        if (!l) out.set(key, (l = []));
        l.push(n.startIndex);
      },
      true,
      NAME_TYPES,
    );
    return out;
  });
}

/** Whether `name` (an identifier or `self.x` text) is read somewhere in `scopes` outside the handler. */
function readElsewhere(ctx: RuleContext, scopes: Node[], handler: Node, name: string): boolean {
  return scopes.some((scope) => (readsIn(ctx, scope).get(name) ?? []).some((at) => at < handler.startIndex || at >= handler.endIndex));
}

/** The first offset where each name is assigned in a scope node (computed once per analysis). */
function firstAssignments(ctx: RuleContext, scope: Node): Map<string, number> {
  return ctx.memo(scope, 'py301.assigned', () => {
    const out = new Map<string, number>();
    forEachDescendant(
      scope,
      (n) => {
        const names = new Set<string>();
        targetNames(n.childForFieldName('left'), names);
        for (const x of names) if (!out.has(x)) out.set(x, n.startIndex);
      },
      false,
      ASSIGNMENT_TYPE,
    );
    return out;
  });
}

/** The try body consists only of imports (an optional-dependency fallback) or only cleanup calls. */
function exemptTryBody(body: Node | null): boolean {
  if (!body) return false;
  const stmts = statementsOf(body);
  if (stmts.length && stmts.every((s) => s.type === 'import_statement' || s.type === 'import_from_statement')) return true;
  return stmts.length > 0 && stmts.every((s) => {
    if (s.type === 'delete_statement') return true;
    const c = s.type === 'expression_statement' ? s.namedChild(0) : null;
    return c?.type === 'call' && CLEANUP.test(calleeName(c));
  });
}

/**
 * A probe whose outcome the code branches on, so a failure is an expected result rather than lost information: the
 * `try` has an `else` clause, or its body ends in `return` and the statement after the `try` returns the fallback.
 */
function isProbe(tryStmt: Node | null, body: Node | null, handler: Node[]): boolean {
  if (!tryStmt || !body || !handler.every((s) => droppingStatement(s) === 'pass' || droppingStatement(s) === 'continue')) return false;
  if (tryStmt.namedChildren.some((c) => c?.type === 'else_clause')) return true;
  const stmts = statementsOf(body);
  const next = laterSiblings(tryStmt)[0];
  return stmts[stmts.length - 1]?.type === 'return_statement' && next?.type === 'return_statement';
}

/**
 * The default-value idiom with the default set before the try: `code = None` / `try: code = f.__code__` /
 * `except Exception: pass` keeps the default when the probe fails, and the default records the failure.
 */
function keepsPresetDefault(ctx: RuleContext, tryStmt: Node | null, body: Node | null, handler: Node[]): boolean {
  if (!tryStmt || !body || !handler.every((s) => droppingStatement(s) === 'pass')) return false;
  const assigned = assignedNames(body);
  if (!assigned.size) return false;
  // Any assignment of the same name earlier in the function (or the module code) is the default.
  const fn = enclosingFunction(tryStmt);
  let scopes: Node[];
  if (fn) scopes = [fn.childForFieldName('body') ?? fn];
  else {
    scopes = moduleRunVia(ctx, topLevelOf(tryStmt));
  }
  return scopes.some((scope) => {
    const first = firstAssignments(ctx, scope);
    return [...assigned].some((n) => (first.get(n) ?? Infinity) < tryStmt.startIndex);
  });
}

/** Whether a node whose ancestors are `up` runs inside a `while True:` loop of its own function. */
function inForeverLoop(up: Node[]): boolean {
  for (let i = up.length - 1; i >= 0; i--) {
    if (PY_SCOPES.has(up[i].type)) return false;
    if (up[i].type === 'while_statement' && isForeverCondition(up[i].childForFieldName('condition'))) return true;
  }
  return false;
}

/** The logging call the assisted fix inserts, and the import it needs. */
function loggerFor(ctx: RuleContext): { call: (msg: string, exc: string) => string; binds: boolean; imp?: TextEdit } {
  const names = moduleNames(ctx);
  for (const [name, callee] of names.assigns) {
    if (/^logging\.getLogger$|^getLogger$/.test(callee)) return { call: (msg) => `${name}.exception(${JSON.stringify(msg)})`, binds: false };
  }
  let best: string | undefined;
  let count = 0;
  for (const [name, c] of [...names.logCalls].sort((a, b) => a[0].localeCompare(b[0]))) {
    if (c > count) {
      best = name;
      count = c;
    }
  }
  if (best) {
    const fn = best;
    return { call: (msg, exc) => `${fn}(f${JSON.stringify(`${msg}: {${exc}!r}`)})`, binds: true };
  }
  return {
    call: (msg) => `logging.getLogger(__name__).exception(${JSON.stringify(msg)})`,
    binds: false,
    imp: addImport(ctx.text, ctx.root, 'logging'),
  };
}

/** Appends `{exc!r}` to the message of an existing constant log call, or `repr(exc)` as a new argument of print. */
function appendToLogCall(ctx: RuleContext, call: Node, exc: string): TextEdit | undefined {
  const first = positionalArgs(call)[0];
  if (first?.type === 'string' && first.namedChildren.every((c) => c?.type !== 'interpolation')) {
    const t = ctx.textOf(first);
    const m = /^([rRuUfF]*)('''|"""|'|")([\s\S]*)\2$/.exec(t);
    if (m && !/[bB]/.test(m[1])) {
      const isF = /[fF]/.test(m[1]);
      const body = isF ? m[3] : m[3].replace(/\{/g, '{{').replace(/\}/g, '}}');
      const sep = /[:.!]\s*$/.test(body) ? ' ' : ': ';
      const prefix = m[1].replace(/[uU]/g, '').replace(/[fF]/g, '');
      return { start: first.startIndex, end: first.endIndex, newText: `${prefix}f${m[2]}${body.replace(/\s*$/, '')}${sep}{${exc}!r}${m[2]}` };
    }
  }
  if (first?.type === 'string' && first.namedChildren.some((c) => c?.type === 'interpolation')) {
    const end = first.namedChildren.find((c) => c?.type === 'string_end');
    if (end) return { start: end.startIndex, end: end.startIndex, newText: `: {${exc}!r}` };
  }
  if (calleeText(call) === 'print') {
    const args = call.childForFieldName('arguments')!;
    const pos = positionalArgs(call);
    const last = pos[pos.length - 1];
    if (last) return { start: last.endIndex, end: last.endIndex, newText: `, repr(${exc})` };
    return { start: args.startIndex + 1, end: args.startIndex + 1, newText: `repr(${exc})` };
  }
  return undefined;
}

/** The assisted fix: bind the exception and log it (or append it to the handler's existing log call). */
function loggingFix(ctx: RuleContext, clause: Node, type: Node | null, alias: Node | null, block: Node, stmts: Node[]): Fix {
  const text = ctx.text;
  const fn = enclosingFunction(clause);
  const where = fn ? qualifiedName(fn) : 'module code';
  const msg = `unexpected error in ${where}`;
  const exc = alias?.text ?? 'exc';
  const colon = clause.children.find((c) => c?.type === ':')!;
  const header = (binds: boolean): TextEdit | undefined => {
    if (!type) return { start: clause.child(0)!.endIndex, end: clause.child(0)!.endIndex, newText: binds ? ` Exception as ${exc}` : ' Exception' };
    if (!alias && binds) return { start: type.endIndex, end: type.endIndex, newText: ` as ${exc}` };
    return undefined;
  };
  const existing = stmts.map((s) => s.namedChild(0)).find((c): c is Node => !!c && c.type === 'call' && droppingStatement(c.parent!) === 'log');
  const appended = existing && appendToLogCall(ctx, existing, exc);
  if (existing && appended) {
    return {
      title: `Log the exception in the existing ${calleeText(existing)} call`,
      applicability: 'assisted',
      edits: mergeInsertions([header(true), appended]),
    };
  }
  const logger = loggerFor(ctx);
  const edits: (TextEdit | undefined)[] = [logger.imp, header(logger.binds)];
  const line = logger.call(msg, exc);
  const singleLine = block.startPosition.row === colon.startPosition.row;
  if (singleLine) {
    // `except: pass` on one line: lay the handler out on its own lines.
    const indent = indentAt(text, clause.startIndex) + indentUnitAt(text, clause.parent ?? clause);
    const nl = eol(text);
    const kept = stmts.filter((s) => droppingStatement(s) !== 'pass').map((s) => ctx.textOf(s));
    edits.push({ start: colon.endIndex, end: block.endIndex, newText: [line, ...kept].map((l) => `${nl}${indent}${l}`).join('') });
  } else {
    const pass = stmts.find((s) => droppingStatement(s) === 'pass');
    if (pass) edits.push({ start: pass.startIndex, end: pass.endIndex, newText: line });
    else edits.push(insertBefore(text, stmts[0], line));
  }
  const title = logger.binds ? `Log the exception with ${line.slice(0, line.indexOf('('))}` : 'Log the exception with its traceback';
  return { title, applicability: 'assisted', edits: mergeInsertions(edits) };
}

export default defineRule({
  code: 'PY301',
  name: 'silent-broad-except',
  language: 'python',
  category: 'error-handling',
  severity: 'warning',
  fix: 'always',
  summary: 'A bare or broad except handler drops the error without logging or re-raising it, so failures vanish.',
  kinds: ['except_clause'],
  facts: [pyFacts],
  docs: {
    whatItDoes:
      'Flags `except:`, `except Exception:` and `except BaseException:` handlers (also inside a tuple) whose body only ' +
      'passes, continues, assigns, or makes a log or print call, and that neither re-raise, mention the bound exception, ' +
      'nor record it (`logger.exception`, `traceback.print_exc`, `sys.exc_info`, `exc_info=True`). It leaves alone the ' +
      'default-value idiom (the handler assigns a name the `try` body assigns, or passes while the body overwrites a ' +
      'default set before the `try`), optional-import fallbacks, handlers that set a flag read elsewhere, and, beyond the ' +
      'catalogue, best-effort cleanup (a `try` holding only `close()`-style calls or `del`), `__del__`, and probes whose ' +
      'outcome the code branches on (a `try` with an `else` clause, or `return True` in the body and `return False` after). ' +
      'Log calls are `print`, ' +
      'functions named after logging, and the reporting methods of loggers and standard streams; any other call in the ' +
      'handler (such as a validator\'s `self.error(…)`, which raises) means the error is handled. A bare `except:` inside a ' +
      'thread target (a `Thread(target=…)` function or a `Thread.run` override) or a `while True:` loop is an error.',
    whyBad:
      'The handler turns every failure, including ones nobody anticipated (a closed log file, a full disk, a bug), into ' +
      'silence: the program keeps running in a broken state and the logs show nothing to explain it. A bare `except:` also ' +
      'catches `KeyboardInterrupt` and `SystemExit`, so a worker loop cannot be stopped and a thread dies or spins without a ' +
      'trace of the cause.',
    example: 'try:\n    logfile.write(line + "\\n")\nexcept:\n    pass',
    useInstead: 'try:\n    logfile.write(line + "\\n")\nexcept OSError as exc:\n    sys.stderr.write(f"log write failed: {exc!r}\\n")',
    fixSafety:
      'Safe: a bare `except:` becomes `except Exception:`, which stops swallowing `KeyboardInterrupt` and `SystemExit` and ' +
      'handles real errors as before. Assisted: log the error — the handler\'s constant log call gets the exception ' +
      'appended (`{exc!r}`), or `pass` is replaced by a call to the module\'s logger (`logger.exception(…)`), the file\'s ' +
      'own logging function (the most-called function whose name contains "log"), or ' +
      '`logging.getLogger(__name__).exception(…)`, binding `as exc` where the message needs it.',
    related: 'Ruff E722, BLE001, S110, S112; Pylint W0702 bare-except, W0718 broad-exception-caught; Bandit B110, B112; PY302 hot-retry-loop.',
  },
  check(clause, ctx) {
    const { type, alias, block } = exceptParts(clause);
    if (!block) return;
    const types = caughtTypes(type);
    const bare = !type;
    if (!bare && !types.some((t) => BROAD.has(t))) return;
    // `except* Exception` groups are handled like plain handlers.
    const stmts = statementsOf(block);
    if (!stmts.length || !stmts.every((s) => droppingStatement(s))) return;
    if (recordsError(block, alias?.text)) return;
    const tryStmt = clause.parent;
    const tryBody = tryStmt?.childForFieldName('body') ?? null;
    if (exemptTryBody(tryBody)) return;
    // The ancestors are computed once: each upward step costs a walk from the root in deep code.
    const up = ancestorsOf(clause);
    let fn: Node | null = null;
    for (let i = up.length - 1; i >= 0 && up[i].type !== 'class_definition'; i--) {
      if (up[i].type === 'function_definition') {
        fn = up[i];
        break;
      }
    }
    if (fn?.childForFieldName('name')?.text === '__del__') return;
    if (keepsPresetDefault(ctx, tryStmt, tryBody, stmts) || isProbe(tryStmt, tryBody, stmts)) return;
    const handlerAssigns = assignedNames(block);
    if (handlerAssigns.size) {
      // Default-value idiom: the handler assigns what the try body assigns.
      const bodyAssigns = tryBody ? assignedNames(tryBody) : new Set<string>();
      if ([...handlerAssigns].some((n) => bodyAssigns.has(n))) return;
      // An error flag read elsewhere records the failure.
      // Module-level code looks only at its own run of statements (the engine caches findings per run).
      const scope = fn ? [fn] : moduleRunVia(ctx, up[1] ?? clause);
      const cls = fn && classOfMethod(fn);
      for (const n of handlerAssigns) {
        const where = n.includes('.') && cls ? [cls] : scope;
        if (readElsewhere(ctx, where, block, n)) return;
        // A global or nonlocal set by the handler is state other code reads.
        if (fn && (bindingsVia(ctx)(fn).globals.has(n) || bindingsVia(ctx)(fn).nonlocals.has(n))) return;
      }
    }
    const thread = fn ? threadTargets(ctx).has(qualifiedName(fn)) : false;
    const severe = bare && (thread || inForeverLoop(up));
    const what = bare ? 'bare except' : `except ${ctx.textOf(type!)}`;
    let message = `${what} drops the error without logging or re-raising it: failures here vanish without a trace`;
    if (bare) {
      message += severe
        ? `, and it also swallows SystemExit and KeyboardInterrupt, so this ${thread ? 'thread' : 'loop'} can neither be stopped nor tell why it failed`
        : ' (it also swallows SystemExit and KeyboardInterrupt)';
    }
    const fixes: Fix[] = [];
    if (bare) {
      const kw = clause.child(0)!;
      fixes.push({ title: 'Catch Exception instead of everything', applicability: 'safe', edits: [{ start: kw.endIndex, end: kw.endIndex, newText: ' Exception' }] });
    }
    fixes.push(loggingFix(ctx, clause, type, alias, block, stmts));
    ctx.report({ node: clause, message, severity: severe ? 'error' : 'warning', fixes });
  },
});
