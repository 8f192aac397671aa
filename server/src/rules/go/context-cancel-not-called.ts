/** GO407 context-cancel-not-called: the cancel function of `context.WithCancel/Timeout/Deadline…` is dropped. */
import type { Node } from '../../engine/syntax';
import { insertBefore, replaceNode } from '../../engine/fix';
import {
  GO_FUNCS,
  addAlignedStructField,
  calleeText,
  ancestorsOf,
  classifyUse,
  declaringFuncOf,
  enclosingFuncOf,
  enclosingTopFuncOf,
  forEachDescendant,
  findStruct,
  freshName,
  goStructs,
  identifiersNamed,
  insertStatementAfter,
  paramsOf,
  receiverOf,
  statementsOf,
} from '../../engine/golang';
import { defineRule, type Fix, type RuleContext, type TextEdit } from '../../engine/rule';

const CTX_CTOR = /^context\.(WithCancel|WithTimeout|WithDeadline|WithCancelCause|WithTimeoutCause|WithDeadlineCause)$/;

/** Result types that keep reading from the request context after the function returns (GO405's shape). */
const STREAM_RESULT = /\*http\.Response|io\.ReadCloser|io\.Reader\b|\*sql\.Rows|\*bufio\.Reader|\*bufio\.Scanner/;

/** The pieces of a `ctx, cancel := context.WithX(…)` binding. */
interface Binding {
  stmt: Node;
  call: Node;
  ctxName?: string;
  cancel: Node;
}

function bindingOf(node: Node): Binding | undefined {
  let left: Node[];
  let right: Node | null | undefined;
  let stmt = node;
  if (node.type === 'var_spec') {
    left = node.childrenForFieldName('name').filter((n): n is Node => !!n);
    right = node.childForFieldName('value')?.namedChild(0);
    stmt = node.parent?.type === 'var_declaration' ? node.parent : node;
    if (node.parent?.type !== 'var_declaration') return undefined;
  } else {
    left = (node.childForFieldName('left')?.namedChildren ?? []).filter((n): n is Node => !!n && n.type !== 'comment');
    right = node.childForFieldName('right')?.namedChild(0);
  }
  if (right?.type !== 'call_expression' || !CTX_CTOR.test(calleeText(right)) || left.length !== 2) return undefined;
  const ctxName = left[0].type === 'identifier' && left[0].text !== '_' ? left[0].text : undefined;
  return { stmt, call: right, ctxName, cancel: left[1] };
}

/** Whether the named cancel function is used at all (called, deferred, returned, stored, passed, aliased). */
function cancelUsed(scope: Node, name: string): boolean {
  return identifiersNamed(scope, name).some((id) => {
    const k = classifyUse(id).kind;
    return k !== 'assigned' && k !== 'declared' && k !== 'compare' && k !== 'key';
  });
}

/** Why a deferred cancel would cut work short: the context outlives the function (returned, stored, goroutines). */
function contextEscapes(ctx: RuleContext, scope: Node, name: string | undefined, after: number): string | undefined {
  if (!name) return undefined;
  for (const id of identifiersNamed(scope, name)) {
    if (id.startIndex < after) continue;
    const use = classifyUse(id);
    if (use.kind === 'return') return `${name} is returned`;
    if (use.kind === 'store') return `${name} is stored`;
    if (use.kind === 'send') return `${name} is sent on a channel`;
    if (use.kind === 'go-arg') return `${name} is handed to a goroutine`;
    if (use.kind === 'alias') return `${name} is copied to ${use.alias ?? 'another variable'}`;
    // Inside a func_literal that is started with go or passed on (not called in place), ctx outlives the call.
    const chain = ancestorsOf(ctx, id);
    for (let i = chain.length - 1; i > 0 && chain[i].id !== scope.id; i--) {
      const f = chain[i];
      if (!GO_FUNCS.has(f.type)) continue;
      const call = chain[i - 1];
      const invoked = call?.type === 'call_expression' && call.childForFieldName('function')?.id === f.id;
      if (invoked && chain[i - 2]?.type === 'go_statement') return `${name} is used by a goroutine`;
      if (!invoked && f.type === 'func_literal') return `${name} is captured by a function value that may run later`;
    }
  }
  return undefined;
}

/** The innermost for_statement holding `stmt` inside `fn` (not across function boundaries). */
function enclosingLoop(chain: Node[], fn: Node): Node | undefined {
  for (let i = chain.length - 1; i >= 0 && chain[i].id !== fn.id; i--) {
    if (GO_FUNCS.has(chain[i].type)) return undefined;
    if (chain[i].type === 'for_statement') return chain[i];
  }
  return undefined;
}

/** Whether the statements after `stmt` in the loop body can end the iteration early (continue, break, return, goto). */
function iterationCanEndEarly(stmt: Node, loop: Node): boolean {
  const body = loop.childForFieldName('body');
  if (!body) return true;
  let early = false;
  forEachDescendant(body, (n) => {
    if (early || n.endIndex <= stmt.endIndex) return;
    if (n.type === 'return_statement' || n.type === 'goto_statement') early = true;
    else if (n.type === 'continue_statement' || n.type === 'break_statement') {
      // An unlabeled break/continue inside an inner loop, switch or select stays inside it.
      if (n.namedChildCount > 0) early = true;
      else {
        for (let p = n.parent; p && p.id !== body.id; p = p.parent) {
          if (p.type === 'for_statement') return;
          if (n.type === 'break_statement' && /switch_statement|select_statement/.test(p.type)) return;
        }
        early = true;
      }
    }
  });
  return early;
}

function describe(callee: string): string {
  return /Timeout|Deadline/.test(callee)
    ? 'its timer and its registration with the parent context live until the deadline'
    : 'the context stays registered with its parent until the parent is cancelled';
}

export default defineRule({
  code: 'GO407',
  name: 'context-cancel-not-called',
  language: 'go',
  category: 'shutdown/lifecycle',
  severity: 'warning',
  fix: 'sometimes',
  summary: 'The cancel function of context.WithCancel/WithTimeout/WithDeadline is discarded or never called, so the context and its timer leak.',
  kinds: ['short_var_declaration', 'assignment_statement', 'var_spec'],
  facts: [goStructs],
  docs: {
    whatItDoes:
      'Flags `ctx, cancel := context.WithCancel|WithTimeout|WithDeadline(…)` (and the `…Cause` variants) where the cancel function is `_`, or is a local that is never called, deferred, returned, stored or passed on.',
    whyBad:
      'A derived context holds resources until it is cancelled: a timer for `WithTimeout`/`WithDeadline`, and an entry in its parent\'s list of children. Dropping the cancel function keeps both alive until the parent ends, which for a long-lived parent (a server or worker context) is a leak per call; goroutines that watch `ctx.Done()` are never told to stop before the deadline.',
    example:
      'func fetch(url string) (*http.Response, error) {\n\tctx, _ := context.WithTimeout(context.Background(), 5*time.Second)\n\treq, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)\n\treturn http.DefaultClient.Do(req)\n}',
    useInstead:
      'func ping(ctx context.Context, url string) error {\n\tctx, cancel := context.WithTimeout(ctx, 5*time.Second)\n\tdefer cancel()\n\treq, err := http.NewRequestWithContext(ctx, http.MethodHead, url, nil)\n\tif err != nil {\n\t\treturn err\n\t}\n\tresp, err := http.DefaultClient.Do(req)\n\tif err != nil {\n\t\treturn err\n\t}\n\treturn resp.Body.Close()\n}',
    fixSafety:
      'Safe: inserts `defer cancel()` after the assignment (`cancel(nil)` for the `Cause` variants), renaming a blank `_` to `cancel` (or `cancel2`… when `cancel` is taken) and declaring it when the statement is a plain `=`. Inside a loop whose iteration cannot end early, the fix calls `cancel()` at the end of the iteration instead, because deferred calls pile up until the function returns. The fix is only assisted when cancelling on return would cut work short: the function returns a response, reader or rows that still read from the context (GO405), the context is returned, stored or used by a goroutine, or the loop iteration can end early.',
    related: 'go vet lostcancel (needs a type-checked build); GO405 cancel-before-body-read is the inverse mistake.',
  },
  check(node, ctx) {
    const b = bindingOf(node);
    if (!b) return;
    const fn = enclosingFuncOf(ctx, node);
    if (!fn) return;
    const callee = calleeText(b.call);
    const blank = b.cancel.type === 'identifier' && b.cancel.text === '_';
    let name = b.cancel.text;
    if (!blank) {
      if (b.cancel.type !== 'identifier') return; // stored in a field or element
      const scope = node.type === 'assignment_statement' ? declaringFuncOf(ctx, node, name) : fn;
      if (!scope) return; // a package-level variable
      // A named result is returned implicitly.
      if (paramsOf(scope.childForFieldName('result')).some((p) => p.name === name)) return;
      if (cancelUsed(scope, name)) return;
    }
    const message = blank
      ? `the cancel function of ${callee} is discarded: ${describe(callee)}, and nothing tells work watching ${b.ctxName ?? 'the context'}.Done() to stop`
      : `${name} is never called: ${describe(callee)}, and nothing tells work watching ${b.ctxName ?? 'the context'}.Done() to stop`;
    const fixes = buildFixes(ctx, node, b, fn, blank);
    ctx.report({ node: b.stmt.type === 'var_declaration' ? node : b.stmt, message, fixes });
  },
});

function buildFixes(ctx: RuleContext, node: Node, b: Binding, fn: Node, blank: boolean): Fix[] {
  const stmt = b.stmt;
  const chain = ancestorsOf(ctx, stmt);
  if (chain[chain.length - 1]?.type !== 'statement_list') return [];
  const callee = calleeText(b.call);
  const cause = /CancelCause$/.test(callee);
  const edits: TextEdit[] = [];
  let name = b.cancel.text;
  if (blank) {
    name = freshName(enclosingTopFuncOf(ctx, node) ?? fn, 'cancel');
    edits.push(replaceNode(b.cancel, name));
    if (node.type === 'assignment_statement') {
      edits.push(insertBefore(ctx.text, stmt, `var ${name} context.${cause ? 'CancelCauseFunc' : 'CancelFunc'}`));
    }
  }
  const invoke = `${name}(${cause ? 'nil' : ''})`;
  const fnName = fn.type === 'func_literal' ? 'the function literal' : (fn.childForFieldName('name')?.text ?? 'the function');
  const escapes = contextEscapes(ctx, fn, b.ctxName, stmt.endIndex);
  const streamResult = STREAM_RESULT.exec(fn.childForFieldName('result')?.text ?? '')?.[0];
  const loop = enclosingLoop(chain, fn);
  const deferEdits = [...edits, insertStatementAfter(ctx.text, stmt, `defer ${invoke}`)];
  if (streamResult && !escapes) {
    return [
      {
        title: `Insert defer ${invoke} (the ${streamResult} that ${fnName} returns still reads from ${b.ctxName ?? 'the context'}; cancelling on return aborts it)`,
        applicability: 'assisted',
        edits: deferEdits,
      },
    ];
  }
  if (escapes) {
    const fixes: Fix[] = [];
    const store = storeInField(ctx, node, stmt, name, edits);
    if (store) fixes.push(store);
    fixes.push({
      title: `Insert defer ${invoke} (${escapes}, so cancelling when ${fnName} returns stops work that still uses it)`,
      applicability: 'assisted',
      edits: deferEdits,
    });
    return fixes;
  }
  if (loop) {
    const body = loop.childForFieldName('body');
    const stmts = statementsOf(body);
    const last = stmts[stmts.length - 1];
    const direct = chain[chain.length - 2]?.id === body?.id;
    if (last && direct && !iterationCanEndEarly(stmt, loop)) {
      const end = last.id === stmt.id ? stmt : last;
      return [
        {
          title: `Call ${invoke} at the end of each iteration`,
          applicability: 'safe',
          edits: [...edits, insertStatementAfter(ctx.text, end, invoke)],
        },
      ];
    }
    return [
      {
        title: `Insert defer ${invoke} (deferred calls in a loop run only when ${fnName} returns)`,
        applicability: 'assisted',
        edits: deferEdits,
      },
    ];
  }
  return [{ title: `Insert defer ${invoke}`, applicability: 'safe', edits: deferEdits }];
}

/** An assisted fix keeping the cancel function on the receiver (so a Stop or Close method can call it). */
function storeInField(ctx: RuleContext, node: Node, stmt: Node, name: string, edits: TextEdit[]): Fix | undefined {
  const top = enclosingTopFuncOf(ctx, node);
  const recv = top && receiverOf(top);
  if (!recv?.name || recv.name === '_') return undefined;
  const st = findStruct(ctx, recv.type);
  if (!st) return undefined;
  const existing = st.info.fields.find((f) => f.type === 'context.CancelFunc' && f.names.length);
  const taken = new Set(st.info.fields.flatMap((f) => f.names));
  const field = existing?.names[0] ?? (taken.has('cancel') ? 'cancelFunc' : 'cancel');
  const out = [...edits, insertStatementAfter(ctx.text, stmt, `${recv.name}.${field} = ${name}`)];
  if (!existing) out.push(addAlignedStructField(ctx.text, st.fields, field, 'context.CancelFunc'));
  return {
    title: `Store ${name} in ${recv.name}.${field} so that ${recv.type} can cancel the work when it stops`,
    applicability: 'assisted',
    edits: out,
  };
}
