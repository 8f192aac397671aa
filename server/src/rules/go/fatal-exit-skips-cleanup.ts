/** GO403 fatal-exit-skips-cleanup: `log.Fatal*`/`os.Exit` in goroutines, library code, or after deferred cleanup. */
import type { Node } from '../../engine/syntax';
import { changeGoImports } from '../../engine/fix';
import {
  callArgs,
  GO_FUNCS,
  ancestorsOf,
  calleeText,
  forEachDescendant,
  goEffects,
  goQualifierUses,
  qualifierUses,
  goHeader,
  goImportPaths,
  goPackageName,
  goStructs,
  goZeroValue,
  paramsOf,
  receiverOf,
  statementsOf,
  topLevelMentions,
} from '../../engine/golang';
import { defineRule, type FactProvider, type Fix, type RuleContext, type Severity, type TextEdit } from '../../engine/rule';

/** The calls this rule looks at: os.Exit and log-style Fatal calls. */
const EXIT_CALLEE = /(^os\.Exit|\.Fatal|\.Fatalf|\.Fatalln)$/;
const FATAL = /^(?:(\w+(?:\.\w+)*)\.)?(Fatal|Fatalf|Fatalln)$/;
const CLI_IMPORT = /(^|\/)(spf13\/cobra|urfave\/cli(\/v\d+)?|kingpin(\.v\d+)?|alecthomas\/kong|peterbourgon\/ff(\/v\d+)?)$/;
const CLI_PACKAGE = /^(cmd|cli|commands?)$/;
const WRAPPER_NAME = /^(Fatal|Exit|Must)/;
/** Parameter types whose Fatal stops only the test goroutine (testing.T and friends), not the process. */
const TESTING_TYPE = /^\*?testing\.(T|B|F|TB)$|^\*?check\.C$/;

/** Deferred calls that do not matter when the process exits: cancelling contexts, stopping timers, unlocking. */
function harmlessDefer(call: Node, depth = 0): boolean {
  if (depth > 20) return false;
  const callee = calleeText(call);
  if (/^(\w+\.)*(cancel\w*|\w*[cC]ancel)$/.test(callee) || /\.(Stop|Unlock|RUnlock|Done)$/.test(callee)) return true;
  if (callee === 'signal.Stop' || callee === 'os.Exit') return true;
  const f = call.childForFieldName('function');
  if (f?.type === 'func_literal') {
    const stmts = statementsOf(f.childForFieldName('body'));
    return stmts.every((s) => {
      const c = s.type === 'expression_statement' ? s.namedChild(0) : null;
      return c?.type === 'call_expression' && harmlessDefer(c, depth + 1);
    });
  }
  return false;
}

/** How the exit call reads: the function it calls and what the fix can turn it into. */
interface ExitCall {
  callee: string;
  /** `log`, a logger expression, or '' for os.Exit. */
  receiver: string;
  method: 'Fatal' | 'Fatalf' | 'Fatalln' | 'Exit';
}

function exitCallOf(call: Node, funcs: Node[], isTestFile: boolean): ExitCall | undefined {
  const callee = calleeText(call);
  if (callee === 'os.Exit') return { callee, receiver: '', method: 'Exit' };
  const m = FATAL.exec(callee);
  if (!m || !m[1]) return undefined;
  // In tests, t.Fatal, b.Fatal and suite helpers stop the test, not the process: only the log package counts.
  if (isTestFile && m[1] !== 'log') return undefined;
  for (const f of funcs) {
    if (paramsOf(f.childForFieldName('parameters')).some((p) => p.name === m[1] && TESTING_TYPE.test(p.type))) return undefined;
  }
  return { callee, receiver: m[1], method: m[2] as ExitCall['method'] };
}

/**
 * The callees each function or method starts with `go` (outside func literals): what goroutineContext needs of the
 * function index, as a fact of its own, so that an edit inside a long function without any `go` statement does not
 * re-collect that function's whole index.
 */
const goTargets: FactProvider<string[]> = {
  id: 'go403.goTargets',
  language: 'go',
  collect(seg) {
    if (seg.type !== 'function_declaration' && seg.type !== 'method_declaration') return undefined;
    const body = seg.childForFieldName('body');
    // A go statement is the keyword `go` and then its call: without that text there is nothing to walk.
    if (!body || !/\bgo\s/.test(body.text)) return [];
    const out: string[] = [];
    forEachDescendant(body, (n) => {
      if (n.type !== 'go_statement') return;
      const call = n.namedChild(0);
      if (call?.type !== 'call_expression') return;
      const f = call.childForFieldName('function');
      if (f && f.type !== 'func_literal') out.push(f.text);
    });
    return out;
  },
};

export default defineRule({
  code: 'GO403',
  name: 'fatal-exit-skips-cleanup',
  language: 'go',
  category: 'shutdown/lifecycle',
  severity: 'warning',
  fix: 'sometimes',
  summary: 'log.Fatal or os.Exit in a goroutine, a library package or after deferred cleanup ends the process without running any deferred cleanup.',
  kinds: ['call_expression'],
  callees: EXIT_CALLEE,
  facts: [goHeader, goStructs, goEffects, goQualifierUses, goTargets],
  docs: {
    whatItDoes:
      'Flags `log.Fatal*`, `<logger>.Fatal*` and `os.Exit` (a) inside a goroutine\'s func literal or an HTTP handler, (b) in a function that this file starts with `go f(…)`, (c) in a library package (not `main`, not a CLI package using cobra, urfave/cli or kingpin, not named `cmd`/`cli`/`commands`, and not inside a logger wrapper named `Fatal*`/`Exit*`/`Must*`), and (d) after a `defer` that does real cleanup in the same function (reported at info). The terminal exit of a signal handler that has already shut the server down is left alone.',
    whyBad:
      'os.Exit ends the process on the spot: deferred functions of every goroutine are skipped, so buffers are not flushed, files not synced, transactions not committed and in-flight requests are cut off. A fatal log in a background goroutine turns one failed sub-task (a busy metrics port, a lost connection) into an outage of the whole service, and in a library it takes that decision away from the program that imported it.',
    example:
      'go func() {\n\tif err := http.ListenAndServe(":9090", metricsMux); err != nil {\n\t\tlog.Fatalf("metrics: %v", err) // a busy metrics port kills the whole server\n\t}\n}()',
    useInstead:
      'go func() {\n\tif err := http.ListenAndServe(":9090", metricsMux); err != nil {\n\t\tlog.Printf("metrics disabled: %v", err)\n\t\treturn\n\t}\n}()',
    fixSafety:
      'In a goroutine (or a function started with go) without results, the safe fix logs with `log.Print*` instead and returns; `os.Exit` becomes `return`. In a library function whose last result is `error`, the safe fix returns the zero values and the error (`fmt.Errorf` with the same format, the error itself for `log.Fatal(err)`). Loggers other than the standard `log` package keep their own `Fatal` semantics, so their rewrite is assisted, as is replacing an exit with a panic (which runs deferred calls and can be recovered) where no error can be returned. The exit-after-defer case has no fix.',
    related: 'gocritic exitAfterDefer, revive deep-exit; GO302 panic-on-recoverable-error.',
  },
  check(node, ctx) {
    if (!EXIT_CALLEE.test(calleeText(node))) return;
    const chain = ancestorsOf(ctx, node);
    const funcs = chain.filter((n) => GO_FUNCS.has(n.type)).reverse();
    const fn = funcs[0];
    if (!fn) return;
    const top = funcs[funcs.length - 1];
    const exit = exitCallOf(node, funcs, ctx.isTestFile);
    if (!exit) return;
    const topName = top.childForFieldName('name')?.text ?? '';
    // Logger wrappers: the exit is their contract.
    if (WRAPPER_NAME.test(topName)) return;
    if (terminalExit(ctx, node, fn)) return;

    if (exit.method !== 'Exit' && selfMethodDoesNotExit(ctx, node, top, exit)) return;
    const pkg = goPackageName(ctx);
    const goroutine = goroutineContext(ctx, chain, top);
    const handler = servesRequests(funcs);
    const imports = goImportPaths(ctx);
    const library =
      pkg !== 'main' &&
      !/_test$/.test(pkg) &&
      !ctx.isTestFile &&
      !CLI_PACKAGE.test(pkg) &&
      !/(^|[\\/])cmd[\\/]/.test(ctx.path) &&
      !imports.some((p) => CLI_IMPORT.test(p)) &&
      !WRAPPER_NAME.test(fn.childForFieldName('name')?.text ?? '');
    const afterDefer = deferBefore(ctx, node, fn);
    if (!goroutine && !handler && !library && !afterDefer) return;

    const what = exit.method === 'Exit' ? 'os.Exit' : exit.callee;
    let severity: Severity;
    let message: string;
    if (handler) {
      severity = 'error';
      message = `${what} in an HTTP handler ends the whole server on one bad request: every in-flight request is cut off and no deferred cleanup runs`;
    } else if (library) {
      severity = 'error';
      message = `${what} in library package ${pkg} exits the importing program: no deferred cleanup runs anywhere and the caller cannot handle the failure`;
      if (goroutine) message = `${what} in a goroutine of library package ${pkg} exits the importing program: no deferred cleanup runs anywhere and the caller cannot handle the failure`;
    } else if (goroutine) {
      severity = 'warning';
      message = `${what} in ${goroutine} exits the whole process: deferred cleanup in every goroutine is skipped and in-flight work is lost`;
    } else {
      severity = 'info';
      message = `${what} skips the deferred ${afterDefer}: the process exits without running it`;
    }
    const fixes = goroutine || handler || library ? buildFixes(ctx, chain, node, fn, top, exit, !!goroutine, handler) : [];
    ctx.report({ node, message, severity, fixes });
  },
});

/**
 * Whether `R.Fatalf(…)` calls a method of the receiver's own type declared in this file that does not itself exit
 * the process (testing's common.Fatalf stops only the test goroutine).
 */
function selfMethodDoesNotExit(ctx: RuleContext, call: Node, top: Node, exit: ExitCall): boolean {
  const recv = receiverOf(top);
  if (!recv?.name || exit.receiver !== recv.name) return false;
  const method = ctx.facts(goEffects).find((f) => f.value.recvType === recv.type && f.value.name === exit.method);
  if (!method) return false;
  return !method.value.calls.some((c) => c === 'os.Exit' || /^log\.Fatal/.test(c));
}

/**
 * Whether the exit ends a shutdown sequence: the same function already received a signal or shut a server down
 * before it (`<-sig … srv.Shutdown(ctx) … os.Exit(0)`), or the exit reports the shutdown's own error.
 */
function terminalExit(ctx: RuleContext, call: Node, fn: Node): boolean {
  // Cheap filter: no shutdown step without one of these words in the declaration.
  const receivesSignal = topLevelMentions(ctx, call, '<-') && topLevelMentionsSig(ctx, call);
  if (!topLevelMentions(ctx, call, 'Shutdown') && !topLevelMentions(ctx, call, 'GracefulStop') && !receivesSignal) return false;
  const body = fn.childForFieldName('body');
  if (!body) return false;
  // Where the function's shutdown steps start (one walk per function, however many exits it has).
  const steps = ctx.memo(body, 'go403.shutdownSteps', () => {
    const out: number[] = [];
    forEachDescendant(body, (n) => {
      if (n.type === 'call_expression' && /\.(Shutdown|GracefulStop)$/.test(calleeText(n))) out.push(n.startIndex);
      else if (n.type === 'unary_expression' && n.child(0)?.type === '<-' && /sig/i.test(n.childForFieldName('operand')?.text ?? '')) out.push(n.startIndex);
    });
    return out;
  });
  return steps.some((start) => start <= call.endIndex);
}

/** Whether the declaration mentions `sig` in any letter case (a signal channel's name). */
function topLevelMentionsSig(ctx: RuleContext, call: Node): boolean {
  return ['sig', 'Sig', 'SIG', 'sIg', 'siG', 'SIg', 'SiG', 'sIG'].some((w) => topLevelMentions(ctx, call, w));
}

/** Why the exit runs on a goroutine: `a goroutine` for a go func literal, `s.poll, which is started with go`… */
function goroutineContext(ctx: RuleContext, chain: Node[], top: Node): string | undefined {
  for (let i = chain.length - 1; i > 1; i--) {
    const f = chain[i];
    if (f.type !== 'func_literal') continue;
    const c = chain[i - 1];
    if (c.type === 'call_expression' && c.childForFieldName('function')?.id === f.id && chain[i - 2].type === 'go_statement') return 'a goroutine';
  }
  const name = top.childForFieldName('name')?.text ?? '';
  if (!name) return undefined;
  const isMethod = top.type === 'method_declaration';
  for (const f of ctx.facts(goTargets)) {
    for (const t of f.value) {
      const last = t.split('.').pop();
      if (isMethod ? t.includes('.') && last === name : t === name) return `${name} (started with go in this file)`;
    }
  }
  return undefined;
}

/** Whether the exit runs while serving an HTTP request (a function with an http.ResponseWriter parameter). */
function servesRequests(funcs: Node[]): boolean {
  for (const f of funcs) {
    if (paramsOf(f.childForFieldName('parameters')).some((p) => p.type === 'http.ResponseWriter' || p.type === '*gin.Context' || p.type === 'echo.Context')) return true;
  }
  return false;
}

/** The text of the first earlier `defer` of the same function that does real cleanup, if any. */
function deferBefore(ctx: RuleContext, call: Node, fn: Node): string | undefined {
  if (!topLevelMentions(ctx, call, 'defer')) return undefined;
  const body = fn.childForFieldName('body');
  if (!body) return undefined;
  // The function's cleanup defers in document order, with where each starts (one walk per function).
  const defers = ctx.memo(body, 'go403.cleanupDefers', () => {
    const out: [number, string][] = [];
    forEachDescendant(body, (n) => {
      if (n.type !== 'defer_statement') return;
      const c = n.namedChild(0);
      if (c?.type === 'call_expression' && !harmlessDefer(c)) {
        const f = c.childForFieldName('function');
        out.push([n.startIndex, f?.type === 'func_literal' ? 'func() {…}' : `${c.text.length > 40 ? calleeText(c) + '(…)' : c.text}`]);
      }
    });
    return out;
  });
  return defers.find(([start]) => start <= call.startIndex)?.[1];
}

/** The name of an http.ResponseWriter parameter of `fn`, if it has one. */
function writerParam(fn: Node): string | undefined {
  const p = paramsOf(fn.childForFieldName('parameters')).find((x) => x.type === 'http.ResponseWriter' && x.name && x.name !== '_');
  return p?.name;
}

/** The print-style replacement of a Fatal method. */
function printOf(method: ExitCall['method']): string {
  return method === 'Fatalf' ? 'Printf' : method === 'Fatalln' ? 'Println' : 'Print';
}

function buildFixes(ctx: RuleContext, chain: Node[], call: Node, fn: Node, top: Node, exit: ExitCall, inGoroutine: boolean, handler: boolean): Fix[] {
  const stmt = chain[chain.length - 1];
  if (stmt?.type !== 'expression_statement' || chain[chain.length - 2]?.type !== 'statement_list') return [];
  const fixes: Fix[] = [];
  const result = fn.childForFieldName('result');
  const results = result ? (result.type === 'parameter_list' ? paramsOf(result) : [{ name: '', type: result.text }]) : [];
  const stdLog = exit.receiver === 'log' || exit.method === 'Exit';
  const args = callArgs(call).map((a) => a.text);
  // Runs as the goroutine (or the request handler) itself: log and return instead of exiting.
  const own = (inGoroutine && (fn.type === 'func_literal' || fn.id === top.id)) || (handler && writerParam(fn));
  if (own) {
    const w = handler ? writerParam(fn) : undefined;
    const ret = results.length ? `return ${zeros(ctx, results).join(', ')}` : 'return';
    const needReturn = results.length > 0 || !endsFunction(stmt, fn);
    const lines: string[] = [];
    if (exit.method !== 'Exit') lines.push(`${exit.receiver}.${printOf(exit.method)}(${args.join(', ')})`);
    if (w) lines.push(`http.Error(${w}, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)`);
    if (needReturn || w) lines.push(ret);
    const safe = results.length === 0 && stdLog && !w;
    let title: string;
    if (w) title = exit.method === 'Exit' ? 'Answer 500 and return instead of exiting' : `Log with ${exit.receiver}.${printOf(exit.method)}, answer 500 and return instead of exiting`;
    else if (exit.method === 'Exit') title = needReturn ? 'Return from the goroutine instead of exiting the process' : 'Remove the exit and let the goroutine end';
    else title = `Log with ${exit.receiver}.${printOf(exit.method)} and return instead of exiting`;
    const edits = [replaceStatement(ctx, stmt, lines.join('\n'))];
    if (exit.method === 'Exit') edits.push(...changeGoImports(ctx.text, ctx.root, [], unusedAfter(ctx, exit)));
    fixes.push({ title, applicability: safe ? 'safe' : 'assisted', edits });
    return fixes;
  }
  // A function that returns an error: return it.
  const last = results[results.length - 1];
  if (last?.type === 'error') {
    const errExpr = errorExpr(exit, args);
    if (errExpr) {
      const edits: TextEdit[] = [replaceStatement(ctx, stmt, `return ${[...zeros(ctx, results.slice(0, -1)), errExpr.expr].join(', ')}`)];
      edits.push(...changeGoImports(ctx.text, ctx.root, errExpr.imports, unusedAfter(ctx, exit)));
      const safe = errExpr.exact && (stdLog || exit.method === 'Fatalf');
      fixes.push({ title: 'Return the error instead of exiting', applicability: safe ? 'safe' : 'assisted', edits });
      return fixes;
    }
  }
  // Otherwise a panic at least runs deferred calls and can be recovered by the caller.
  const panicArg = exit.method === 'Exit' ? `fmt.Sprintf("exit status %d", ${args[0] ?? '1'})` : exit.method === 'Fatalf' ? `fmt.Sprintf(${args.join(', ')})` : args.length === 1 ? args[0] : `fmt.Sprint(${args.join(', ')})`;
  const edits: TextEdit[] = [replaceStatement(ctx, stmt, `panic(${panicArg})`)];
  edits.push(...changeGoImports(ctx.text, ctx.root, panicArg.startsWith('fmt.') ? ['fmt'] : [], unusedAfter(ctx, exit)));
  fixes.push({ title: 'Panic instead of exiting so that deferred cleanup runs', applicability: 'assisted', edits });
  return fixes;
}

/** The error a fatal call's arguments describe, whether it is exactly what was logged, and the imports it needs. */
function errorExpr(exit: ExitCall, args: string[]): { expr: string; exact: boolean; imports: string[] } | undefined {
  if (exit.method === 'Exit') {
    return { expr: `fmt.Errorf("exit status %d", ${args[0] ?? '1'})`, exact: false, imports: ['fmt'] };
  }
  if (exit.method === 'Fatalf') return args.length ? { expr: `fmt.Errorf(${args.join(', ')})`, exact: true, imports: ['fmt'] } : undefined;
  if (args.length === 1) {
    const a = args[0];
    if (/^(err|\w+Err|\w+Error|e)$/.test(a)) return { expr: a, exact: true, imports: [] };
    if (/^"([^"\\%]|\\.)*"$/.test(a)) return { expr: `errors.New(${a})`, exact: true, imports: ['errors'] };
    return { expr: `fmt.Errorf("%v", ${a})`, exact: true, imports: ['fmt'] };
  }
  if (!args.length) return undefined;
  // Print/Println semantics as a format: string literals inline, other operands as %v (%w for the error).
  let format = '';
  let exact = true;
  const values: string[] = [];
  const lit = (a: string): boolean => /^"([^"\\]|\\.)*"$/.test(a);
  args.forEach((a, i) => {
    if (i > 0) {
      if (exit.method === 'Fatalln') format += ' ';
      else if (!lit(a) && !lit(args[i - 1])) {
        format += ' ';
        exact = false; // Print adds the space only when neither operand is a string
      }
    }
    if (lit(a)) format += a.slice(1, -1).replace(/%/g, '%%');
    else {
      format += i === args.length - 1 && /^(err|\w+Err)$/.test(a) ? '%w' : '%v';
      values.push(a);
    }
  });
  if (!values.length) return { expr: `errors.New("${format.replace(/%%/g, '%')}")`, exact, imports: ['errors'] };
  return { expr: `fmt.Errorf("${format}", ${values.join(', ')})`, exact, imports: ['fmt'] };
}

/** Zero values for the given results, as source text. */
function zeros(ctx: RuleContext, results: readonly { readonly type: string }[]): string[] {
  const structs = new Set(ctx.facts(goStructs).flatMap((f) => f.value.map((s) => s.name)));
  return results.map((r) => goZeroValue(r.type, structs));
}

/** Whether `stmt` is the last statement of the function's body (so a `return` after it would be redundant). */
function endsFunction(stmt: Node, fn: Node): boolean {
  const stmts = statementsOf(fn.childForFieldName('body'));
  return stmts[stmts.length - 1]?.id === stmt.id;
}

/** Replaces a statement with one or more lines at its indentation ('' removes the statement and its line). */
/** The package whose import the fix must remove: the exiting call's, when that call is its only use (Go rejects unused imports). */
function unusedAfter(ctx: RuleContext, exit: ExitCall): string | undefined {
  const pkg = exit.method === 'Exit' ? 'os' : exit.receiver;
  return /^[A-Za-z_]\w*$/.test(pkg) && qualifierUses(ctx, pkg) === 1 ? pkg : undefined;
}

function replaceStatement(ctx: RuleContext, stmt: Node, code: string): TextEdit {
  const text = ctx.text;
  const indent = /[ \t]*$/.exec(text.slice(text.lastIndexOf('\n', stmt.startIndex - 1) + 1, stmt.startIndex))?.[0] ?? '';
  if (code === '') {
    const lineStart = stmt.startIndex - indent.length;
    const nl = text.indexOf('\n', stmt.endIndex);
    return { start: lineStart, end: nl === -1 ? stmt.endIndex : nl + 1, newText: '' };
  }
  const nl = text.includes('\r\n') ? '\r\n' : '\n';
  return { start: stmt.startIndex, end: stmt.endIndex, newText: code.split('\n').join(nl + indent) };
}

