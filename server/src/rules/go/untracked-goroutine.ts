/** GO402 untracked-goroutine: a long-running goroutine of a type with a Stop method that nothing waits for. */
import type { Node } from '../../engine/syntax';
import { addGoImport, indentAt, insertBefore } from '../../engine/fix';
import {
  GO_FUNCS,
  addAlignedStructField,
  callArgs,
  ancestorsOf,
  calleeText,
  findStruct,
  forEachDescendant,
  canImportSync,
  freshName,
  goEffects,
  goFunctions,
  goHeader,
  goStructs,
  isStopChannel,
  paramsOf,
  receiverOf,
  receiverRelative,
  statementsOf,
  type GoEffects,
  type GoFuncInfo,
} from '../../engine/golang';
import { defineRule, type Fix, type RuleContext, type SegmentFact, type TextEdit } from '../../engine/rule';

const TEARDOWN = ['Stop', 'Shutdown', 'Close', 'Halt'];
const SERVE = /\.(Serve|ServeTLS|ListenAndServe|ListenAndServeTLS|Accept|Run)$/;
const WAIT = /\.Wait$/;

/** What the goroutine's code does, from its func literal or its same-file callee. */
interface Target {
  /** How to name it in messages: `s.poll` or `this goroutine`. */
  label: string;
  /** Has a for statement; `loops` is also set by a select. */
  hasFor: boolean;
  loops: boolean;
  serves: boolean;
  waits: boolean;
  sends: boolean;
  /** Receiver-relative channels it ranges over, selectors its loop conditions read. */
  ranges: string[];
  loopReads: string[];
  receivesStop: boolean;
  tracked: boolean;
  /** The callee's declaration, for typed parameters when arguments must be captured. */
  decl?: Node;
}

/** Summarises a func literal's body (not entering nested literals), resolving direct calls to same-file callees. */
function literalTarget(lit: Node, recvName: string, callees: (callee: string) => SegmentFact<GoFuncInfo> | undefined, effects: (callee: string) => GoEffects | undefined): Target {
  const t: Target = { label: 'this goroutine', hasFor: false, loops: false, serves: false, waits: false, sends: false, ranges: [], loopReads: [], receivesStop: false, tracked: false };
  const body = lit.childForFieldName('body');
  if (!body) return t;
  forEachDescendant(body, (n) => {
    switch (n.type) {
      case 'for_statement': {
        t.loops = true;
        t.hasFor = true;
        const rc = n.namedChildren.find((c) => c?.type === 'range_clause');
        const right = rc?.childForFieldName('right');
        if (right) t.ranges.push(receiverRelative(right.text, recvName));
        const cond = n.namedChildren.find((c) => c && !/^(block|for_clause|range_clause|comment)$/.test(c.type)) ?? n.namedChildren.find((c) => c?.type === 'for_clause')?.childForFieldName('condition');
        if (cond) {
          forEachDescendant(cond, (d) => {
            if (d.type === 'selector_expression' && d.parent?.type !== 'selector_expression') {
              const op = d.parent?.type === 'call_expression' ? d.childForFieldName('operand')?.text : d.text;
              if (op) t.loopReads.push(receiverRelative(op, recvName));
            }
          });
          if (cond.type === 'selector_expression') t.loopReads.push(receiverRelative(cond.text, recvName));
        }
        break;
      }
      case 'select_statement':
        t.loops = true;
        break;
      case 'send_statement':
        t.sends = true;
        break;
      case 'unary_expression':
        if (n.child(0)?.type === '<-' && isStopChannel(n.childForFieldName('operand')?.text ?? '')) t.receivesStop = true;
        break;
      case 'call_expression': {
        const callee = calleeText(n);
        const parent = n.parent?.type;
        if (/\.Done$/.test(callee) && !callArgs(n).length && (parent === 'expression_statement' || parent === 'defer_statement')) t.tracked = true;
        if (SERVE.test(callee)) t.serves = true;
        if (WAIT.test(callee)) t.waits = true;
        const info = callees(callee);
        if (info) {
          if (info.value.hasFor || info.value.hasSelect) t.loops = true;
          if (info.value.hasFor) t.hasFor = true;
          if (info.value.receivesStop) t.receivesStop = true;
          if (info.value.defersDone) t.tracked = true;
          const eff = effects(callee);
          if (eff) {
            t.ranges.push(...eff.ranges);
            t.loopReads.push(...eff.loopReads);
            if (eff.calls.some((c) => SERVE.test(c))) t.serves = true;
          }
        }
        break;
      }
    }
  });
  return t;
}

export default defineRule({
  code: 'GO402',
  name: 'untracked-goroutine',
  language: 'go',
  category: 'shutdown/lifecycle',
  severity: 'warning',
  fix: 'sometimes',
  summary: 'A long-running goroutine started by a type with a Stop/Close method is not tracked, so Stop returns while it still runs.',
  kinds: ['go_statement'],
  facts: [goFunctions, goEffects, goStructs, goHeader],
  docs: {
    whatItDoes:
      'Flags `go …` in a method of a type that has a `Stop`, `Close`, `Shutdown` or `Halt` method in the same file, when the goroutine is long-running (its func literal or same-file callee has a loop, a select, or a blocking Serve/Accept) and untracked: no `X.Add(…)` just before it, no `X.Done()` inside it, and a callee that does not `defer X.Done()`. It is a warning when the goroutine has no cancellation path (no receive from `ctx.Done()` or a stop channel, no range over a channel that Stop closes, no loop condition on a field Stop writes), and info when it can be cancelled but nothing waits for it. Server wrappers whose Stop shuts the server down, one-shot result goroutines (`done <- cmd.Wait()`) and waiter helpers (`wg.Wait(); close(done)`) are left alone.',
    whyBad:
      'Stop returns while the goroutine still runs: it keeps using connections, files and buffers that Stop has just released, writes after the process thinks it has flushed, and shows up as a leaked goroutine in tests. With no cancellation path at all it can never end. Restarting such a component (in tests, or on reload) piles up copies of the goroutine.',
    example:
      'func (s *Service) Start() { go s.poll() } // poll loops forever, and Stop does not wait\nfunc (s *Service) Stop()  { s.cancel() }',
    useInstead:
      'func (s *Service) Start() {\n\ts.wg.Add(1)\n\tgo func() {\n\t\tdefer s.wg.Done()\n\t\ts.poll()\n\t}()\n}\n\nfunc (s *Service) Stop() {\n\ts.cancel()\n\ts.wg.Wait()\n}',
    fixSafety:
      'Safe when the type is declared in this file: calls `R.wg.Add(1)` before the `go` statement and `defer R.wg.Done()` first thing in the goroutine (wrapping a call in a func literal; arguments that could change before the goroutine starts, such as loop variables, are passed as parameters so they are still evaluated at the go statement), adds a `wg sync.WaitGroup` field unless the type already has a WaitGroup, and imports sync. Counting alone changes no behaviour. Two assisted actions also make Stop wait: `R.wg.Wait()` at the end of Stop, or a wait bounded to five seconds; waiting can block Stop, so review that the goroutine really ends when Stop cancels it.',
    related: 'gosec G118 (context-propagation leaks), uber-go/goleak (runtime, in tests), staticcheck SA2000 (wg.Add inside the goroutine); GO401 goroutine-loop-without-exit.',
  },
  check(node, ctx) {
    const chain = ancestorsOf(ctx, node);
    const top = chain.find((n) => n.type === 'function_declaration' || n.type === 'method_declaration');
    const recv = top && receiverOf(top);
    if (!top || !recv?.type) return;
    const funcs = ctx.facts(goFunctions);
    const teardowns = TEARDOWN.map((n) => funcs.find((f) => f.value.recvType === recv.type && f.value.name === n)).filter((f): f is SegmentFact<GoFuncInfo> => !!f);
    // Goroutines a teardown method starts for itself (waiters, interrupters) belong to that teardown.
    if (!teardowns.length || teardowns.some((t) => t.node.id === top.id)) return;
    const effects = ctx.facts(goEffects);
    const teardownEffects = teardowns.map((t) => effects.find((e) => e.node.id === t.node.id)?.value).filter((e): e is GoEffects => !!e);

    const call = node.namedChild(0);
    if (call?.type !== 'call_expression') return;
    const fnNode = call.childForFieldName('function');
    if (!fnNode) return;
    const resolve = (callee: string): SegmentFact<GoFuncInfo> | undefined => {
      if (recv.name && callee.startsWith(recv.name + '.') && callee.split('.').length === 2) {
        const m = callee.slice(recv.name.length + 1);
        return funcs.find((f) => f.value.recvType === recv.type && f.value.name === m);
      }
      if (/^\w+$/.test(callee)) return funcs.find((f) => f.value.recvType === '' && f.value.name === callee);
      return undefined;
    };
    const effectsOf = (callee: string): GoEffects | undefined => {
      const f = resolve(callee);
      return f && effects.find((e) => e.node.id === f.node.id)?.value;
    };

    let target: Target;
    if (fnNode.type === 'func_literal') {
      target = literalTarget(fnNode, recv.name, resolve, effectsOf);
    } else {
      const info = resolve(fnNode.text);
      if (!info) return; // not a same-file callee: nothing to judge by
      const eff = effectsOf(fnNode.text);
      target = {
        label: fnNode.text,
        hasFor: info.value.hasFor,
        loops: info.value.hasFor || info.value.hasSelect,
        serves: !!eff?.calls.some((c) => SERVE.test(c)),
        waits: !!eff?.calls.some((c) => WAIT.test(c)),
        sends: false,
        ranges: eff?.ranges ?? [],
        loopReads: eff?.loopReads ?? [],
        receivesStop: info.value.receivesStop,
        tracked: info.value.defersDone,
        decl: info.node,
      };
    }
    if (!target.loops && !target.serves) return; // one-shot: a result or waiter goroutine (cmd.Wait, wg.Wait)
    if (!target.hasFor && target.sends) return; // `errc <- srv.Serve(l)`, a select that sends its outcome: one-shot
    if (!target.loops && target.serves && teardownEffects.some((e) => e.calls.some((c) => /\.(Shutdown|Close|Stop|GracefulStop)$/.test(c)))) return;
    if (target.tracked || addBefore(chain, node)) return;

    // The teardown that stops the goroutine (closes what it ranges over, writes what its loop checks), if any.
    const stopsIt = (e: GoEffects): boolean => target.ranges.some((r) => e.closes.includes(r)) || target.loopReads.some((r) => e.writes.includes(r));
    const by = teardownEffects.findIndex(stopsIt);
    if (by > 0) {
      teardowns.unshift(...teardowns.splice(by, 1));
      teardownEffects.unshift(...teardownEffects.splice(by, 1));
    }
    const stopName = teardowns[0].value.name;
    const cancellable = target.receivesStop || by >= 0;
    const what = target.label === 'this goroutine' ? 'this goroutine' : `the goroutine running ${target.label}`;
    const message = cancellable
      ? `${stopName} returns before ${what} exits: nothing waits for it, so it can still be running (and using what ${stopName} released) after shutdown`
      : `${what} runs until the process exits: it has no cancellation path and nothing waits for it, so ${stopName} cannot stop it and every start leaks it`;
    ctx.report({ node, message, severity: cancellable ? 'info' : 'warning', fixes: buildFixes(ctx, chain, node, call, fnNode, top, recv, target, teardowns, teardownEffects, cancellable) });
  },
});

/** Whether the statement before the go statement (comments skipped) is `X.Add(…)`. */
function addBefore(chain: Node[], goStmt: Node): boolean {
  const siblings = (chain.at(-1)?.namedChildren ?? []).filter((n): n is Node => !!n && n.type !== 'comment');
  const prev = siblings[siblings.findIndex((n) => n.id === goStmt.id) - 1];
  const c = prev?.type === 'expression_statement' ? prev.namedChild(0) : undefined;
  return c?.type === 'call_expression' && /\.Add$/.test(calleeText(c));
}

/** The names declared by the for statements around `node` inside its function (range and for-clause variables). */
function loopVars(chain: Node[]): Set<string> {
  const out = new Set<string>();
  for (let i = chain.length - 1; i >= 0 && !GO_FUNCS.has(chain[i].type); i--) {
    const n = chain[i];
    if (n.type !== 'for_statement') continue;
    for (const c of n.namedChildren) {
      const decl = c?.type === 'range_clause' ? c : c?.type === 'for_clause' ? c.childForFieldName('initializer') : null;
      if (!decl) continue;
      const defines = decl.type === 'short_var_declaration' || decl.children.some((x) => x?.type === ':=');
      if (defines) for (const id of decl.childForFieldName('left')?.namedChildren ?? []) if (id?.type === 'identifier') out.add(id.text);
    }
  }
  return out;
}

/** Whether an identifier is assigned after `node` in its function, or anywhere in a loop around `node`. */
function reassigned(chain: Node[], node: Node, name: string): boolean {
  let fn: Node | undefined;
  let loop: Node | undefined;
  for (let i = chain.length - 1; i >= 0 && !fn; i--) {
    if (GO_FUNCS.has(chain[i].type)) fn = chain[i];
    else if (chain[i].type === 'for_statement') loop = chain[i];
  }
  if (!fn) return false;
  let found = false;
  forEachDescendant(fn, (n) => {
    if (found) return false;
    if (n.type !== 'assignment_statement' && n.type !== 'inc_statement' && n.type !== 'dec_statement') return;
    const left = n.type === 'assignment_statement' ? n.childForFieldName('left')?.namedChildren ?? [] : [n.namedChild(0)];
    if (!left.some((l) => l?.text === name)) return;
    if (n.startIndex > node.endIndex || (loop && n.startIndex >= loop.startIndex && n.endIndex <= loop.endIndex)) found = true;
  });
  return found;
}

/** Whether evaluating `e` inside the goroutine gives what the go statement evaluated (no loop variable, no call). */
function stable(e: Node, chain: Node[], goStmt: Node, vars: Set<string>, depth = 0): boolean {
  if (depth > 50) return false;
  const sub = (x: Node | null): boolean => !!x && stable(x, chain, goStmt, vars, depth + 1);
  switch (e.type) {
    case 'identifier':
      return !vars.has(e.text) && !reassigned(chain, goStmt, e.text);
    case 'int_literal':
    case 'float_literal':
    case 'imaginary_literal':
    case 'rune_literal':
    case 'interpreted_string_literal':
    case 'raw_string_literal':
    case 'nil':
    case 'true':
    case 'false':
      return true;
    case 'selector_expression':
      return sub(e.childForFieldName('operand'));
    case 'parenthesized_expression':
      return sub(e.namedChild(0));
    case 'unary_expression':
      return e.child(0)?.type !== '<-' && sub(e.childForFieldName('operand'));
    case 'binary_expression':
      return sub(e.childForFieldName('left')) && sub(e.childForFieldName('right'));
    default:
      return false;
  }
}

/** The WaitGroup field of the struct to use, and whether it must be added. */
function waitGroupField(info: { fields: { names: string[]; type: string }[] }): { name: string; add: boolean } | undefined {
  for (const f of info.fields) {
    if (f.type === 'sync.WaitGroup' || f.type === '*sync.WaitGroup') return { name: f.names[0] ?? 'WaitGroup', add: false };
  }
  const taken = new Set(info.fields.flatMap((f) => f.names));
  const name = ['wg', 'goroutines', 'bgWG'].find((n) => !taken.has(n));
  return name ? { name, add: true } : undefined;
}

function buildFixes(
  ctx: RuleContext,
  chain: Node[],
  goStmt: Node,
  call: Node,
  fnNode: Node,
  top: Node,
  recv: { name: string; type: string },
  target: Target,
  teardowns: SegmentFact<GoFuncInfo>[],
  teardownEffects: GoEffects[],
  cancellable: boolean,
): Fix[] {
  if (!recv.name || recv.name === '_' || chain.at(-1)?.type !== 'statement_list') return [];
  const st = findStruct(ctx, recv.type);
  if (!st) return [];
  const wg = waitGroupField(st.info);
  if (!wg) return [];
  const text = ctx.text;
  const nl = text.includes('\r\n') ? '\r\n' : '\n';
  const ind = indentAt(text, goStmt.startIndex);
  const R = `${recv.name}.${wg.name}`;
  const edits: TextEdit[] = [];
  let safe = true;
  let note = '';
  if (fnNode.type === 'func_literal') {
    const body = fnNode.childForFieldName('body')!;
    edits.push(insertBefore(text, goStmt, `${R}.Add(1)`));
    edits.push(doneFirst(text, body, `defer ${R}.Done()`, nl));
  } else {
    const vars = loopVars(chain);
    const args = callArgs(call);
    const capture: { param: string; type: string; arg: string }[] = [];
    const params = target.decl ? paramsOf(target.decl.childForFieldName('parameters')) : [];
    const inner: string[] = [];
    args.forEach((a, i) => {
      if (stable(a, chain, goStmt, vars)) {
        inner.push(a.text);
        return;
      }
      const p = params[i];
      const name = a.type === 'identifier' ? a.text : p?.name && p.name !== '_' ? p.name : `arg${i}`;
      if (!p || p.type.startsWith('...') || capture.some((c) => c.param === name)) {
        safe = false;
        note = ' (some arguments are now evaluated inside the goroutine)';
        inner.push(a.text);
        return;
      }
      capture.push({ param: name, type: p.type, arg: a.text });
      inner.push(name);
    });
    if (call.childForFieldName('arguments')?.text.includes('...')) {
      safe = false;
      note = ' (some arguments are now evaluated inside the goroutine)';
    }
    const callText = `${fnNode.text}(${inner.join(', ')})`;
    const lines = [
      `${R}.Add(1)`,
      `go func(${capture.map((c) => `${c.param} ${c.type}`).join(', ')}) {`,
      `\tdefer ${R}.Done()`,
      `\t${callText}`,
      `}(${capture.map((c) => c.arg).join(', ')})`,
    ];
    edits.push({ start: goStmt.startIndex, end: goStmt.endIndex, newText: lines.map((l, i) => (i ? ind + l : l)).join(nl) });
  }
  // A new WaitGroup field needs the sync import, which the packages sync itself depends on cannot have.
  if (wg.add && !canImportSync(ctx)) return [];
  if (wg.add) edits.push(addAlignedStructField(text, st.fields, wg.name, 'sync.WaitGroup'));
  const imp = addGoImport(text, ctx.root, 'sync');
  if (imp && wg.add) edits.push(imp);
  const fixes: Fix[] = [{ title: `Track the goroutine with ${R}${note}`, applicability: safe ? 'safe' : 'assisted', edits }];

  // Assisted: make the teardown method wait, unboundedly or for at most five seconds.
  const stop = teardowns[0];
  const stopRecv = receiverOf(stop.node);
  const stopEff = teardownEffects[0];
  const waits = stopEff?.calls.includes(`$.${wg.name}.Wait`);
  const stopBody = stop.node.childForFieldName('body');
  if (!waits && stopRecv?.name && stopRecv.name !== '_' && stopBody && stop.node.id !== top.id) {
    const SR = `${stopRecv.name}.${wg.name}`;
    const at = waitPoint(text, stopBody, nl);
    if (at) {
      // Without a cancellation path an unbounded wait would hang the teardown: offer only the bounded one then.
      if (cancellable) {
        fixes.push({ title: `Track the goroutine and wait for it at the end of ${stop.value.name}`, applicability: 'assisted', edits: [...edits, at(`${SR}.Wait()`)] });
      }
      const done = freshName(stop.node, 'done');
      const bounded = [
        `${done} := make(chan struct{})`,
        'go func() {',
        `\t${SR}.Wait()`,
        `\tclose(${done})`,
        '}()',
        'select {',
        `case <-${done}:`,
        'case <-time.After(5 * time.Second):',
        '}',
      ].join('\n');
      const boundedEdits = [...edits, at(bounded)];
      // Pushed after the sync import, so two insertions at one point stay in sorted order.
      const timeImp = addGoImport(text, ctx.root, 'time');
      if (timeImp) boundedEdits.push(timeImp);
      fixes.push({ title: `Track the goroutine and wait for it in ${stop.value.name} for at most 5 seconds`, applicability: 'assisted', edits: boundedEdits });
    }
  }
  return fixes;
}

/** Inserting `code` as the first statement of a func literal's body. */
function doneFirst(text: string, body: Node, code: string, nl: string): TextEdit {
  const open = body.child(0)!;
  const close = body.child(body.childCount - 1)!;
  const ind = indentAt(text, body.startIndex);
  if (open.startPosition.row === close.startPosition.row) {
    // go func() { s.run() }()  →  a multi-line body.
    const inner = text.slice(open.endIndex, close.startIndex).trim();
    return { start: open.endIndex, end: close.startIndex, newText: `${nl}${ind}\t${code}${inner ? `${nl}${ind}\t${inner}` : ''}${nl}${ind}` };
  }
  let at = open.endIndex;
  for (const n of body.namedChildren) if (n?.type === 'comment' && n.startPosition.row === open.startPosition.row) at = n.endIndex;
  return { start: at, end: at, newText: `${nl}${ind}\t${code}` };
}

/** Where a statement goes at the end of a method body: before a final return, else before the closing brace. */
function waitPoint(text: string, body: Node, nl: string): ((code: string) => TextEdit) | undefined {
  const stmts = statementsOf(body);
  const last = stmts[stmts.length - 1];
  const close = body.child(body.childCount - 1);
  if (!close || close.type !== '}') return undefined;
  if (last?.type === 'return_statement') return (code) => insertBefore(text, last, code);
  const ind = indentAt(text, body.startIndex) + '\t';
  const open = body.child(0)!;
  if (open.startPosition.row === close.startPosition.row) {
    // func (s *S) Stop() { s.cancel() }  →  a multi-line body ending with the new statement.
    const inner = text.slice(open.endIndex, close.startIndex).trim();
    return (code) => {
      const all = [...(inner ? [inner] : []), ...code.split('\n')];
      return { start: open.endIndex, end: close.startIndex, newText: `${nl}${all.map((l) => ind + l).join(nl)}${nl}${indentAt(text, body.startIndex)}` };
    };
  }
  const anchor = last ?? open;
  let end = anchor.endIndex;
  const after = body.namedChildren.find((n) => n?.type === 'comment' && n.startIndex >= end && n.startPosition.row === anchor.endPosition.row);
  if (after) end = after.endIndex;
  return (code) => ({ start: end, end, newText: nl + code.split('\n').map((l) => ind + l).join(nl) });
}
