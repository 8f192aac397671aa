/** GO401 goroutine-loop-without-exit: `for range ticker.C` or `for { select … }` with no way out. */
import type { Node } from '../../engine/syntax';
import { addGoImport, indentAt } from '../../engine/fix';
import {
  addAlignedStructField,
  blockBodyAt,
  calleeText,
  GO_FUNCS,
  ancestorsOf,
  contextInScope,
  enclosingFuncOf,
  enclosingTopFuncOf,
  findStruct,
  forEachDescendant,
  freshName,
  goEffects,
  goFunctions,
  goHeader,
  goPackageName,
  goStructs,
  goZeroValue,
  insertStatementAfter,
  isStopChannel,
  paramsOf,
  receiverOf,
  statementsOf,
} from '../../engine/golang';
import { defineRule, type Fix, type RuleContext, type TextEdit } from '../../engine/rule';

const EXIT_CALL = /^(os\.Exit|syscall\.Exit|panic|runtime\.Goexit|(\w+\.)*(Fatal|Fatalf|Fatalln|FailNow))$/;

/** The loop's shape: (a) ranging over a ticker/timer channel, (b) a bare `for` around a select. */
type Shape = { kind: 'range'; right: Node; left?: Node; op: string } | { kind: 'select'; selects: Node[] };

function shapeOf(loop: Node): Shape | undefined {
  const parts = loop.namedChildren.filter((n): n is Node => !!n && n.type !== 'comment' && n.type !== 'block');
  const body = loop.childForFieldName('body');
  if (!body) return undefined;
  if (parts.length === 1 && parts[0].type === 'range_clause') {
    const rc = parts[0];
    const right = rc.childForFieldName('right');
    if (!right) return undefined;
    const tick = right.type === 'selector_expression' && right.childForFieldName('field')?.text === 'C';
    const timeTick = right.type === 'call_expression' && calleeText(right) === 'time.Tick';
    if (!tick && !timeTick) return undefined;
    const op = rc.children.find((c) => c?.type === ':=' || c?.type === '=')?.type ?? '';
    return { kind: 'range', right, left: rc.childForFieldName('left') ?? undefined, op };
  }
  if (parts.length) return undefined;
  const selects = statementsOf(body).filter((s) => s.type === 'select_statement');
  return selects.length ? { kind: 'select', selects } : undefined;
}

/** The label of a labeled loop (`L: for …`), if any. */
function labelOf(ctx: RuleContext, loop: Node): string | undefined {
  const parent = ancestorsOf(ctx, loop).at(-1);
  return parent?.type === 'labeled_statement' ? parent.childForFieldName('label')?.text : undefined;
}

/** Whether `scope` (part of the loop's body) holds a statement or call that leaves the loop. */
function hasExit(scope: Node, loop: Node, label: string | undefined): boolean {
  let found = false;
  const test = (n: Node): void | false => {
    if (found) return false;
    switch (n.type) {
      case 'return_statement':
      case 'goto_statement':
        found = true;
        return;
      case 'break_statement':
      case 'continue_statement': {
        const target = n.namedChildren.find((c) => c?.type === 'label_name')?.text;
        if (target) {
          // `continue L` on this loop's own label stays in the loop; any other labeled jump leaves it.
          if (!(n.type === 'continue_statement' && target === label)) found = true;
          return;
        }
        if (n.type === 'continue_statement') return;
        for (let p = n.parent; p && p.id !== loop.id; p = p.parent) {
          if (p.type === 'for_statement' || p.type === 'select_statement' || /switch_statement$/.test(p.type)) return;
        }
        found = true;
        return;
      }
      case 'call_expression':
        if (EXIT_CALL.test(calleeText(n))) found = true;
        return;
    }
  };
  if (test(scope) === false) return found;
  forEachDescendant(scope, test);
  return found;
}

/** The receive cases of a select that wait on a cancellation channel (`ctx.Done()`, `quit`, `s.stop`…). */
function stopCases(select: Node): Node[] {
  return select.namedChildren.filter((c): c is Node => {
    if (c?.type !== 'communication_case') return false;
    const comm = c.childForFieldName('communication');
    const recv = comm?.type === 'receive_statement' ? comm.childForFieldName('right') : comm?.type === 'expression_statement' ? comm.namedChild(0) : comm;
    if (recv?.type !== 'unary_expression' || recv.child(0)?.type !== '<-') return false;
    const operand = recv.childForFieldName('operand')?.text ?? '';
    return isStopChannel(operand) || /^ctx\b/.test(operand);
  });
}

/**
 * Whether a cancellation case's channel variable is reassigned somewhere in the function (`cancelCh = nil` in the
 * case, or in a helper closure), the idiom that stops a closed channel from firing again.
 */
function disarmed(ctx: RuleContext, commCase: Node, loop: Node): boolean {
  const comm = commCase.childForFieldName('communication');
  const recv = comm?.type === 'receive_statement' ? comm.childForFieldName('right') : comm?.type === 'expression_statement' ? comm.namedChild(0) : comm;
  const operand = recv?.childForFieldName('operand');
  if (!operand || operand.type === 'call_expression') return false;
  const fn = ancestorsOf(ctx, loop).find((n) => GO_FUNCS.has(n.type));
  if (!fn) return false;
  let found = false;
  forEachDescendant(
    fn,
    (n) => {
      if (found) return false;
      if (n.type === 'assignment_statement' && n.childForFieldName('left')?.namedChildren.some((l) => l?.text === operand.text)) found = true;
    },
    true,
  );
  return found;
}

export default defineRule({
  code: 'GO401',
  name: 'goroutine-loop-without-exit',
  language: 'go',
  category: 'shutdown/lifecycle',
  severity: 'warning',
  fix: 'sometimes',
  summary: 'A ticker loop or a for-select loop has no return, break or exit path, so its goroutine can never be stopped.',
  kinds: ['for_statement'],
  facts: [goHeader, goFunctions, goEffects, goStructs],
  docs: {
    whatItDoes:
      'Flags `for range t.C` / `for range time.Tick(d)` loops and bare `for { select { … } }` loops that have no way out: no `return`, `goto`, labeled `break`, `break` that leaves the loop (a `break` inside a `select` or `switch` only leaves that), `os.Exit`, `log.Fatal*`, `panic` or `runtime.Goexit`. In a for-select loop, a case that receives from `ctx.Done()` or a quit/stop/done channel must itself leave the loop.',
    whyBad:
      '`Ticker.Stop` does not close `t.C`, so `for range t.C` never ends, and a for-select loop without a cancellation case runs until the process dies. Each such goroutine started per connection, per job or per test leaks its stack and whatever it references; a service cannot shut down cleanly, and tests that check for leaked goroutines (goleak) fail. A cancellation case that does not return spins at full CPU once the channel is closed.',
    example:
      'func (r *Reaper) run() {\n\tt := time.NewTicker(time.Second)\n\tdefer t.Stop()\n\tfor range t.C {\n\t\tr.sweep()\n\t}\n}',
    useInstead:
      'func (r *Reaper) run(ctx context.Context) {\n\tt := time.NewTicker(time.Second)\n\tdefer t.Stop()\n\tfor {\n\t\tselect {\n\t\tcase <-ctx.Done():\n\t\t\treturn\n\t\tcase <-t.C:\n\t\t\tr.sweep()\n\t\t}\n\t}\n}',
    fixSafety:
      'Safe when a `context.Context` is in scope (a parameter, a context bound earlier in the function, or a `context.Context` field of the receiver): a ticker loop becomes a for-select loop with a `case <-ctx.Done(): return` (the body moves into the ticker case, where `continue` keeps its meaning), and a for-select loop gets that case added; a cancellation case that does not leave the loop gets a `return`. Otherwise the fixes are assisted: add a `ctx context.Context` parameter (callers in this file pass their own context or `context.TODO()`), or add a `stop chan struct{}` field to the receiver\'s struct, which a Stop method must close.',
    related: 'staticcheck SA1015 (leaking time.Tick), tickeryzer (missing Ticker.Stop); GO402 untracked-goroutine, GO406 blocking-chan-op-ignores-cancel.',
  },
  check(node, ctx) {
    const shape = shapeOf(node);
    if (!shape) return;
    const label = labelOf(ctx, node);
    const body = node.childForFieldName('body')!;
    let openStops: Node[] = [];
    if (shape.kind === 'select') {
      openStops = shape.selects.flatMap(stopCases).filter((c) => !hasExit(c, node, label) && !disarmed(ctx, c, node));
      if (hasExit(body, node, label) && !openStops.length) return;
    } else if (hasExit(body, node, label)) {
      return;
    }
    const top = enclosingTopFuncOf(ctx, node);
    const topName = top?.childForFieldName('name')?.text ?? '';
    const mainPkg = goPackageName(ctx) === 'main';
    if (mainPkg && top?.type === 'function_declaration' && (topName === 'main' || topName === 'init')) return;
    const hint = mainPkg && !!top && startedOnlyFromMain(ctx, top);

    let message: string;
    if (openStops.length) {
      const c = openStops[0].childForFieldName('communication')?.text ?? '';
      message = `the ${c.replace(/:$/, '')} case does not leave the loop: once the channel is closed the loop spins at full CPU and the goroutine never ends`;
    } else if (shape.kind === 'range') {
      message =
        shape.right.type === 'call_expression'
          ? `ranging over ${shape.right.text} never ends: this goroutine and its ticker can never be stopped and leak`
          : `ranging over ${shape.right.text} never ends (Stop does not close the channel): this goroutine can never be stopped and leaks`;
    } else {
      message = 'this for-select loop has no return, break or cancellation case: the goroutine can never be stopped and leaks';
    }
    if (hint) message += ' (it runs for the life of the process, started from main)';
    ctx.report({ node, message, severity: hint ? 'hint' : 'warning', fixes: buildFixes(ctx, node, shape, openStops) });
  },
});

/** Whether `fn` (in package main) is started with go from main and called from no other function of the file. */
function startedOnlyFromMain(ctx: RuleContext, fn: Node): boolean {
  const name = fn.childForFieldName('name')?.text ?? '';
  const method = fn.type === 'method_declaration';
  const matches = (target: string): boolean => (method ? target.split('.').pop() === name && target.includes('.') : target === name);
  let fromMain = false;
  for (const f of ctx.facts(goFunctions)) {
    const isMain = f.value.recvType === '' && f.value.name === 'main';
    if (isMain && f.value.goTargets.some(matches)) fromMain = true;
  }
  if (!fromMain) return false;
  for (const f of ctx.facts(goEffects)) {
    if (f.value.recvType === '' && f.value.name === 'main') continue;
    if (f.value.calls.some((c) => matches(c.replace(/^\$/, 'recv')))) return false;
  }
  return true;
}

/** What `return` must say in the function holding the loop, and whether it keeps the function's semantics. */
function returnFor(ctx: RuleContext, fn: Node, ctxExpr: string | undefined): { text: string; exact: boolean } {
  const result = fn.childForFieldName('result');
  if (!result) return { text: 'return', exact: true };
  const params = result.type === 'parameter_list' ? paramsOf(result) : [{ name: '', type: result.text }];
  if (params.every((p) => p.name)) return { text: 'return', exact: true };
  const structs = new Set(ctx.facts(goStructs).flatMap((f) => f.value.map((s) => s.name)));
  const vals = params.map((p, i) => (i === params.length - 1 && p.type === 'error' && ctxExpr ? `${ctxExpr}.Err()` : goZeroValue(p.type, structs)));
  return { text: `return ${vals.join(', ')}`, exact: false };
}

/** The edits turning the loop into one that also leaves when `stopExpr` (`<-ctx.Done()`, `<-r.stop`) fires. */
function loopEdits(ctx: RuleContext, loop: Node, shape: Shape, recv: string, ret: string): TextEdit[] {
  const text = ctx.text;
  const nl = text.includes('\r\n') ? '\r\n' : '\n';
  const ind = indentAt(text, loop.startIndex);
  if (shape.kind === 'select') {
    const sel = shape.selects[0];
    const open = sel.children.find((c) => c?.type === '{');
    if (!open) return [];
    let at = open.endIndex;
    const trailing = sel.namedChildren.find((c) => c?.type === 'comment' && c.startPosition.row === open.startPosition.row);
    if (trailing) at = trailing.endIndex;
    const si = indentAt(text, sel.startIndex);
    return [{ start: at, end: at, newText: `${nl}${si}case ${recv}:${nl}${si}\t${ret}` }];
  }
  const edits: TextEdit[] = [];
  let chan = shape.right.text;
  if (shape.right.type === 'call_expression') {
    // Hoist time.Tick out of the select, or every iteration would start a new ticker.
    const fn = enclosingTopFuncOf(ctx, loop) ?? loop;
    chan = freshName(fn, 'tick');
    const parent = ancestorsOf(ctx, loop).at(-1);
    const stmt = parent?.type === 'labeled_statement' ? parent : loop;
    edits.push({ start: stmt.startIndex, end: stmt.startIndex, newText: `${chan} := ${shape.right.text}${nl}${ind}` });
  }
  const left = shape.left && shape.left.text !== '_' ? `${shape.left.text} ${shape.op} ` : '';
  const { tail, body } = blockBodyAt(text, loop.childForFieldName('body')!, `${ind}\t\t`);
  const lines = [
    'for {',
    `${ind}\tselect {`,
    `${ind}\tcase ${recv}:`,
    `${ind}\t\t${ret}`,
    `${ind}\tcase ${left}<-${chan}:${tail ? ' ' + tail : ''}`,
    ...(body ? [body.split('\n').join(nl)] : []),
    `${ind}\t}`,
    `${ind}}`,
  ];
  edits.push({ start: loop.startIndex, end: loop.endIndex, newText: lines.join(nl) });
  return edits;
}

function buildFixes(ctx: RuleContext, loop: Node, shape: Shape, openStops: Node[]): Fix[] {
  const fn = enclosingFuncOf(ctx, loop);
  if (!fn) return [];
  const nl = ctx.text.includes('\r\n') ? '\r\n' : '\n';
  // A cancellation case that does not leave the loop: make it return.
  if (openStops.length) {
    const ret = returnFor(ctx, fn, undefined);
    const edits = openStops.map((c) => {
      const stmts = statementsOf(c);
      if (stmts.length) return insertStatementAfter(ctx.text, stmts[stmts.length - 1], ret.text);
      const colon = c.children.find((x) => x?.type === ':')!;
      return { start: colon.endIndex, end: colon.endIndex, newText: `${nl}${indentAt(ctx.text, c.startIndex)}\t${ret.text}` };
    });
    const contextOnly = openStops.every((c) => /\.Done\(\)$/.test(c.childForFieldName('communication')?.text.replace(/:$/, '') ?? ''));
    return [{ title: 'Return when the cancellation case fires', applicability: contextOnly && ret.exact ? 'safe' : 'assisted', edits }];
  }
  const ctxExpr = contextInScope(ctx, loop);
  if (ctxExpr) {
    const ret = returnFor(ctx, fn, ctxExpr);
    const edits = loopEdits(ctx, loop, shape, `<-${ctxExpr}.Done()`, ret.text);
    const title = shape.kind === 'range' ? `Select on ${ctxExpr}.Done() and return when it is cancelled` : `Add a case <-${ctxExpr}.Done() that returns`;
    return edits.length ? [{ title, applicability: ret.exact ? 'safe' : 'assisted', edits }] : [];
  }
  const fixes: Fix[] = [];
  const param = addContextParam(ctx, loop, shape, fn);
  if (param) fixes.push(param);
  const field = addStopField(ctx, loop, shape, fn);
  if (field) fixes.push(field);
  return fixes;
}

/** Assisted: add `ctx context.Context` to the enclosing top-level function and pass a context at its calls here. */
function addContextParam(ctx: RuleContext, loop: Node, shape: Shape, fn: Node): Fix | undefined {
  const top = enclosingTopFuncOf(ctx, loop);
  const params = top?.childForFieldName('parameters');
  if (!top || !params) return undefined;
  const name = freshName(top, 'ctx');
  const ret = returnFor(ctx, fn, name);
  const edits = loopEdits(ctx, loop, shape, `<-${name}.Done()`, ret.text);
  if (!edits.length) return undefined;
  const open = params.child(0)!;
  const hasParams = params.namedChildren.some((p) => p?.type === 'parameter_declaration' || p?.type === 'variadic_parameter_declaration');
  edits.push({ start: open.endIndex, end: open.endIndex, newText: hasParams ? `${name} context.Context, ` : `${name} context.Context` });
  const imp = addGoImport(ctx.text, ctx.root, 'context');
  if (imp) edits.push(imp);
  const fname = top.childForFieldName('name')?.text ?? '';
  const recv = receiverOf(top);
  let callers = 0;
  for (const call of ctx.root.descendantsOfType('call_expression')) {
    if (!call || (call.startIndex >= top.startIndex && call.endIndex <= top.endIndex && !recursive(call, fname, recv))) continue;
    const f = call.childForFieldName('function');
    let matches = false;
    if (!recv && f?.type === 'identifier' && f.text === fname) matches = true;
    if (recv && f?.type === 'selector_expression' && f.childForFieldName('field')?.text === fname) {
      // Only calls through the receiver of another method of the same type: other operands may be other types.
      const caller = enclosingTopFuncOf(ctx, call);
      const cr = caller && receiverOf(caller);
      matches = !!cr && cr.type === recv.type && !!cr.name && f.childForFieldName('operand')?.text === cr.name;
    }
    if (!matches) continue;
    const args = call.childForFieldName('arguments');
    if (!args) continue;
    const argOpen = args.child(0)!;
    const value = contextInScope(ctx, call) ?? 'context.TODO()';
    const hasArgs = args.namedChildren.some((a) => a && a.type !== 'comment');
    edits.push({ start: argOpen.endIndex, end: argOpen.endIndex, newText: hasArgs ? `${value}, ` : value });
    callers++;
  }
  const title = `Add a ${name} context.Context parameter to ${fname} and return when it is cancelled${callers ? ` (updates ${callers} call${callers > 1 ? 's' : ''} in this file)` : ''}`;
  return { title, applicability: 'assisted', edits };
}

/** Whether a call inside `top` is a recursive call of `top` itself. */
function recursive(call: Node, fname: string, recv: { name: string } | undefined): boolean {
  const f = call.childForFieldName('function');
  if (!recv) return f?.type === 'identifier' && f.text === fname;
  return f?.type === 'selector_expression' && f.childForFieldName('field')?.text === fname && f.childForFieldName('operand')?.text === recv.name;
}

/** Assisted: add a `stop chan struct{}` field to the receiver's struct (declared in this file) and return when it is closed. */
function addStopField(ctx: RuleContext, loop: Node, shape: Shape, fn: Node): Fix | undefined {
  const top = enclosingTopFuncOf(ctx, loop);
  const recv = top && receiverOf(top);
  if (!recv?.name || recv.name === '_') return undefined;
  const st = findStruct(ctx, recv.type);
  if (!st) return undefined;
  const existing = st.info.fields.find((f) => /^(chan struct\{\}|<-chan struct\{\})$/.test(f.type) && f.names.some((n) => isStopChannel(n)));
  const taken = new Set(st.info.fields.flatMap((f) => f.names));
  const field = existing?.names.find((n) => isStopChannel(n)) ?? ['stop', 'stopCh', 'quit'].find((n) => !taken.has(n));
  if (!field) return undefined;
  const ret = returnFor(ctx, fn, undefined);
  const edits = loopEdits(ctx, loop, shape, `<-${recv.name}.${field}`, ret.text);
  if (!edits.length) return undefined;
  if (!existing) edits.push(addAlignedStructField(ctx.text, st.fields, field, 'chan struct{}'));
  return {
    title: existing
      ? `Return when ${recv.name}.${field} is closed`
      : `Add a ${field} chan struct{} field to ${recv.type} and return when it is closed (make it in the constructor and close it in Stop)`,
    applicability: 'assisted',
    edits,
  };
}

