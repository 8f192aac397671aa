/** GO302 panic-on-recoverable-error: `panic` on an error a caller could handle, in library or worker code. */
import type { Node } from '../../engine/syntax';
import { addGoImport, insertAfter, replaceNode } from '../../engine/fix';
import {
  GO_FUNCS,
  ancestorsOf,
  callArgs,
  calleeText,
  forEachDescendant,
  goStructs,
  goHeader,
  goPackageName,
  goZeroValue,
  paramsOf,
  statementsOf,
  unparen,
} from '../../engine/golang';
import { defineRule, type FactProvider, type Fix, type RuleContext, type TextEdit } from '../../engine/rule';

/** What one top-level callable contributes to goroutine reachability. */
interface Launch {
  /** The callable's name (last component). */
  name: string;
  /** Whether it defers a recover(). */
  recovers: boolean;
  /** Names (last components) of what it calls. */
  calls: string[];
  /** Names started by `go` here: direct targets, and calls inside `go func(){…}()` literals that do not recover. */
  launches: string[];
}

/** The last component of a callee text (`s.worker.run` → `run`). */
function lastName(callee: string): string {
  return callee.split('.').pop() ?? callee;
}

/** Whether a function body defers a func literal that calls recover() (not looking into other nested literals). */
function defersRecover(body: Node | null | undefined): boolean {
  for (const s of statementsOf(body)) {
    if (s.type !== 'defer_statement') continue;
    const call = s.namedChild(0);
    const f = call?.childForFieldName('function');
    if (f?.type !== 'func_literal') continue;
    let found = false;
    forEachDescendant(f, (n) => {
      if (found) return false;
      if (n.type === 'call_expression' && calleeText(n) === 'recover') found = true;
    });
    if (found) return true;
  }
  return false;
}

/** Per callable: its name, whether it recovers, what it calls and what it starts with `go`. */
export const goLaunches: FactProvider<Launch> = {
  id: 'go.launches',
  language: 'go',
  collect(seg) {
    if (seg.type !== 'function_declaration' && seg.type !== 'method_declaration') return undefined;
    const body = seg.childForFieldName('body');
    const calls = new Set<string>();
    const launches = new Set<string>();
    if (body) {
      forEachDescendant(
        body,
        (n) => {
          if (n.type === 'call_expression') {
            const f = n.childForFieldName('function');
            if (f && f.type !== 'func_literal') calls.add(lastName(calleeText(n)));
          } else if (n.type === 'go_statement') {
            const call = n.namedChild(0);
            const f = call?.childForFieldName('function');
            if (!f) return;
            if (f.type !== 'func_literal') launches.add(lastName(f.text));
            else if (!defersRecover(f.childForFieldName('body'))) {
              forEachDescendant(f, (d) => {
                const g = d.type === 'call_expression' ? d.childForFieldName('function') : null;
                if (g && g.type !== 'func_literal') launches.add(lastName(calleeText(d)));
              });
            }
          }
        },
        true,
      );
    }
    return {
      name: seg.childForFieldName('name')?.text ?? '',
      recovers: defersRecover(body),
      calls: [...calls].sort(),
      launches: [...launches].sort(),
    };
  },
};

/** An error-like name: `err`, `e`, `errRead`, `writeErr`, `parseError`. */
const ERROR_NAME = /^(err|e)$|^err[A-Z0-9_]|[a-z0-9]Err$|Error$/;

/**
 * Calls that fail only on a programming error (a bad key size, a value that cannot be marshalled): their error
 * is an invariant, and panicking on it is the usual idiom.
 */
const INFALLIBLE =
  /^(json\.Marshal\w*|xml\.Marshal\w*|aes\.NewCipher|cipher\.NewGCM\w*|rand\.Read|hex\.DecodeString|base64\.\w+\.DecodeString|regexp\.Compile|template\.New|x509\.ParseCertificate|\w+\.Write(String|Byte|Rune)?)$/;

/** Panic messages that assert an invariant rather than report a run-time failure. */
const INVARIANT = /internal error|impossible|unexpectedly|ErrAbortHandler|unreachable|can(no|')t happen|should(n't| not| never) happen|\bbug\b|invariant/i;

/** Whether an expression is a literal constant (string, number, nil, true/false). */
function isConstant(n: Node): boolean {
  return /^(interpreted_string_literal|raw_string_literal|int_literal|float_literal|nil|true|false|rune_literal)$/.test(n.type);
}

/**
 * Whether `id` names an error bound from a fallible call: the last assignment to it before `at` (the if statement)
 * in the enclosing functions, including the if's own initializer, takes a call's result.
 */
function boundFromCall(ctx: RuleContext, id: Node, fnChain: Node[], at: Node): boolean {
  const name = id.text;
  if (!ERROR_NAME.test(name)) return false;
  const init = at.childForFieldName('initializer');
  for (const fn of fnChain) {
    let last: Node | undefined;
    for (const a of assignmentsIn(ctx, fn)) {
      if (a.start > at.endIndex) break;
      // Inside the if, only its initializer counts.
      if (a.start >= at.startIndex && init?.id !== a.stmt.id) continue;
      if (a.names.includes(name)) last = a.values[a.names.indexOf(name)] ?? a.values[0];
    }
    if (!last) continue;
    const r = unparen(last);
    if (r?.type !== 'call_expression') return false;
    return !INFALLIBLE.test(calleeText(r)) && !callArgs(r).every((a) => isConstant(a));
  }
  return false;
}

/** The `=` and `:=` assignments of a function body in source order (not in nested literals), memoized. */
function assignmentsIn(ctx: RuleContext, fn: Node): { start: number; stmt: Node; names: string[]; values: Node[] }[] {
  return ctx.memo(fn, 'go302.assigns', () => {
    const out: { start: number; stmt: Node; names: string[]; values: Node[] }[] = [];
    const body = fn.childForFieldName('body');
    if (!body) return out;
    forEachDescendant(body, (n) => {
      if (n.type !== 'short_var_declaration' && n.type !== 'assignment_statement') return;
      const left = (n.childForFieldName('left')?.namedChildren ?? []).filter((x): x is Node => !!x && x.type !== 'comment');
      const values = (n.childForFieldName('right')?.namedChildren ?? []).filter((x): x is Node => !!x && x.type !== 'comment');
      const names = left.map((l) => (l.type === 'identifier' ? l.text : ''));
      // One value for several names is a multi-value call: every name takes it.
      out.push({ start: n.startIndex, stmt: n, names, values: values.length === names.length ? values : names.map(() => values[0]) });
    });
    return out;
  });
}

/** Why an if condition makes a panic error-driven: it tests an error bound from a call, or a validation call. */
function errorCondition(ctx: RuleContext, cond: Node, fnChain: Node[], at: Node): string | undefined {
  let why: string | undefined;
  const visit = (n: Node): void | false => {
    if (why) return false;
    if (n.type === 'identifier' && n.parent?.type !== 'call_expression' && boundFromCall(ctx, n, fnChain, at)) why = n.text;
    else if (n.type === 'call_expression' && /^[vV]alid/.test(lastName(calleeText(n)))) why = `the result of ${calleeText(n)}(…)`;
  };
  visit(cond);
  forEachDescendant(cond, visit);
  return why;
}

/** Whether `fn` is started in a goroutine, directly or one call deep, with nothing recovering the panic. */
function reachableFromGo(ctx: RuleContext, top: Node, chain: Node[]): boolean {
  // Inside a `go func(){…}()` literal of this function.
  for (let i = chain.length - 1; i > 0; i--) {
    const f = chain[i];
    if (f.type !== 'func_literal') continue;
    if (defersRecover(f.childForFieldName('body'))) return false;
    const call = chain[i - 1];
    if (call?.type === 'call_expression' && call.childForFieldName('function')?.id === f.id && chain[i - 2]?.type === 'go_statement') return true;
  }
  const name = top.childForFieldName('name')?.text ?? '';
  const all = ctx.facts(goLaunches).map((f) => f.value);
  const self = all.find((l) => l.name === name);
  if (self?.recovers) return false;
  const launched = new Set(all.flatMap((l) => l.launches));
  if (launched.has(name)) return true;
  return all.some((g) => launched.has(g.name) && !g.recovers && g.calls.includes(name));
}

export default defineRule({
  code: 'GO302',
  name: 'panic-on-recoverable-error',
  language: 'go',
  category: 'error-handling',
  severity: 'warning',
  fix: 'sometimes',
  summary: 'A function panics on an error a caller could handle, so one bad input or full disk kills the whole process.',
  kinds: ['call_expression'],
  callees: /^panic$/,
  facts: [goLaunches, goStructs, goHeader],
  docs: {
    whatItDoes:
      'Flags `panic(…)` inside the body of an `if` whose condition tests an error returned by a call (`if err := os.MkdirAll(…); err != nil { panic(err) }`, or an `err` bound earlier in the function) or the result of a `validate…` call. `main`, `init`, `Must…` helpers and tests are left alone. The finding is an error when the function runs in a goroutine started in this file (directly, or one call deep) with no deferred `recover()`.',
    whyBad:
      'A panic in a server or worker takes the whole process down, not just the request: every other connection, in-flight job and buffered write goes with it. Recovery middleware covers only the handler\'s own goroutine, so a panic in a worker goroutine crashes the process even behind gin or net/http recovery. Errors such as a full disk, a bad path or an invalid upload are expected at run time and belong to the caller.',
    example:
      'func (e *Engine) Dest(name string) string {\n\tdir := filepath.Join(e.root, name)\n\tif err := os.MkdirAll(dir, 0o755); err != nil {\n\t\tpanic(err) // one full disk kills the whole server\n\t}\n\treturn dir\n}',
    useInstead:
      'func (e *Engine) Dest(name string) (string, error) {\n\tdir := filepath.Join(e.root, name)\n\tif err := os.MkdirAll(dir, 0o755); err != nil {\n\t\treturn "", fmt.Errorf("mkdir %s: %w", dir, err)\n\t}\n\treturn dir, nil\n}',
    fixSafety:
      'Assisted, because it changes the signature: adds `error` to the result list (unless it is already last), replaces `panic(X)` with `return <zero values>, X` (`err` as is, a string as `errors.New`, `fmt.Sprintf` as `fmt.Errorf`, anything else as `fmt.Errorf("%v", X)`), adds `, nil` to the other returns and `return nil` at the end of a function that had no results. Callers in this file then get GO301 findings for the error they drop. Not offered for named results or panics inside function literals.',
    related: 'revive deep-exit covers os.Exit and log.Fatal only; forbidigo can ban panic outright; GO301 critical-error-discarded.',
  },
  check(node, ctx) {
    if (calleeText(node) !== 'panic' || callArgs(node).length !== 1 || ctx.isTestFile) return;
    // Test helper packages (httptest, fstest) panic on misuse by design.
    if (/test$|^testing$/.test(goPackageName(ctx))) return;
    const arg = callArgs(node)[0];
    const message = arg.type === 'call_expression' ? (callArgs(arg)[0]?.text ?? '') : arg.text;
    if (INVARIANT.test(message)) return;
    const chain = ancestorsOf(ctx, node);
    const top = chain.find((n) => n.type === 'function_declaration' || n.type === 'method_declaration');
    if (!top) return;
    const topName = top.childForFieldName('name')?.text ?? '';
    if (top.type === 'function_declaration' && /^(main|init)$/.test(topName)) return;
    if (/^(Must|must)/.test(topName) || /^(Test|Benchmark|Fuzz|Example)/.test(topName)) return;
    // The nearest enclosing if statements (inside the same function) that hold the panic in their consequence.
    const fnChain: Node[] = [];
    let why: string | undefined;
    for (let i = chain.length - 1; i >= 0 && !why; i--) {
      const n = chain[i];
      if (GO_FUNCS.has(n.type)) {
        fnChain.push(n);
        break;
      }
      const child = chain[i + 1] ?? node;
      if (n.type === 'if_statement' && n.childForFieldName('consequence')?.id === child.id) {
        const cond = n.childForFieldName('condition');
        const fns = chain.filter((x) => GO_FUNCS.has(x.type)).reverse();
        if (cond) why = errorCondition(ctx, cond, fns, n);
        break; // only the nearest if whose body holds the panic decides
      }
    }
    if (!why) return;
    const inGo = reachableFromGo(ctx, top, chain);
    // A file that recovers panics somewhere uses panic/recover as its error path (encoding/json, text/template).
    if (!inGo && ctx.facts(goLaunches).some((f) => f.value.recovers)) return;
    const where = inGo
      ? 'it runs in a goroutine with no recover(), so it crashes the whole process'
      : 'one bad input or failing call takes the whole process down';
    ctx.report({
      node,
      severity: inGo ? 'error' : undefined,
      message: `panics on ${why}, a failure the caller could handle: ${where}`,
      fixes: buildFix(ctx, node, chain, top, why),
    });
  },
});

/** The error value a `return` should carry instead of `panic(arg)`, and the imports it needs. */
function errorValue(arg: Node, why: string): { text: string; pkg?: string } {
  if (arg.type === 'identifier' && arg.text === why) return { text: arg.text };
  const isString = (n: Node | null | undefined): boolean =>
    n?.type === 'interpreted_string_literal' || n?.type === 'raw_string_literal' || (n?.type === 'binary_expression' && n.child(1)?.type === '+' && isString(n.childForFieldName('left')));
  if (isString(arg)) return { text: `errors.New(${arg.text})`, pkg: 'errors' };
  if (arg.type === 'call_expression' && calleeText(arg) === 'fmt.Sprintf') {
    return { text: `fmt.Errorf${arg.childForFieldName('arguments')?.text ?? '()'}`, pkg: 'fmt' };
  }
  if (arg.type === 'call_expression' && /^(fmt\.Errorf|errors\.New)$/.test(calleeText(arg))) return { text: arg.text };
  return { text: `fmt.Errorf("%v", ${arg.text})`, pkg: 'fmt' };
}

function buildFix(ctx: RuleContext, panicCall: Node, chain: Node[], top: Node, why: string): Fix[] {
  // The panic must belong to the declaration itself, not to a func literal inside it.
  const inner = [...chain].reverse().find((n) => GO_FUNCS.has(n.type));
  if (inner?.id !== top.id) return [];
  const stmt = chain[chain.length - 1];
  if (stmt?.type !== 'expression_statement') return [];
  const resultNode = top.childForFieldName('result');
  const results = paramsOf(resultNode);
  if (results.some((r) => r.name)) return [];
  const structs = new Set(ctx.facts(goStructs).flatMap((f) => f.value.map((s) => s.name)));
  const types = resultNode ? (resultNode.type === 'parameter_list' ? results.map((r) => r.type) : [resultNode.text]) : [];
  const hasError = types.length > 0 && types[types.length - 1] === 'error';
  const zeros = (hasError ? types.slice(0, -1) : types).map((t) => goZeroValue(t, structs));
  const edits: TextEdit[] = [];
  const pkgs = new Set<string>();
  if (!hasError) {
    if (!resultNode) {
      const params = top.childForFieldName('parameters')!;
      edits.push({ start: params.endIndex, end: params.endIndex, newText: ' error' });
    } else if (resultNode.type === 'parameter_list') {
      const close = resultNode.child(resultNode.childCount - 1)!;
      edits.push({ start: close.startIndex, end: close.startIndex, newText: ', error' });
    } else {
      edits.push(replaceNode(resultNode, `(${resultNode.text}, error)`));
    }
  }
  const arg = callArgs(panicCall)[0];
  const ev = errorValue(arg, why);
  if (ev.pkg) pkgs.add(ev.pkg);
  edits.push(replaceNode(stmt, `return ${[...zeros, ev.text].join(', ')}`));
  if (!hasError) {
    // Every other return gains the nil error.
    const body = top.childForFieldName('body');
    let bad = false;
    if (body) {
      forEachDescendant(body, (n) => {
        if (n.type !== 'return_statement') return;
        const list = n.namedChildren.find((c) => c?.type === 'expression_list');
        if (!list) {
          if (types.length) bad = true; // a bare return of named results
          else edits.push(replaceNode(n, 'return nil'));
        } else if (list.namedChildren.filter((c) => c && c.type !== 'comment').length === 1 && types.length > 1) {
          bad = true; // return f() of a multi-value call
        } else {
          edits.push({ start: list.endIndex, end: list.endIndex, newText: ', nil' });
        }
      });
    }
    if (bad) return [];
    if (!types.length) {
      const stmts = statementsOf(body);
      const last = stmts[stmts.length - 1];
      if (last && last.type !== 'return_statement') edits.push(insertAfter(ctx.text, last, 'return nil'));
    }
  }
  for (const p of pkgs) {
    const imp = addGoImport(ctx.text, ctx.root, p);
    if (imp) edits.push(imp);
  }
  const name = top.childForFieldName('name')?.text ?? 'the function';
  return [{ title: `Return the error from ${name} instead of panicking`, applicability: 'assisted', edits }];
}
