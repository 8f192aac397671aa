/** GO406 blocking-chan-op-ignores-cancel: a bare send or receive in a function that otherwise selects on cancellation. */
import type { Node } from '../../engine/syntax';
import { indentAt } from '../../engine/fix';
import { GO_FUNCS, ancestorsOf, calleeText, callArgs, forEachDescendant, isStopChannel, paramsOf, replaceStatement } from '../../engine/golang';
import { defineRule, type Fix, type RuleContext } from '../../engine/rule';

/** The nearest enclosing function (declaration or literal) in an ancestor chain, with its index. */
function nearestFunc(chain: Node[]): { fn: Node; at: number } | undefined {
  for (let i = chain.length - 1; i >= 0; i--) if (GO_FUNCS.has(chain[i].type)) return { fn: chain[i], at: i };
  return undefined;
}

/** The operand of a `<-X` receive (the unary expression's operand), or undefined for other nodes. */
function receiveOperand(n: Node | null | undefined): Node | undefined {
  if (n?.type !== 'unary_expression' || n.child(0)?.type !== '<-') return undefined;
  return n.childForFieldName('operand') ?? undefined;
}

/** The cancellation channel a function selects on (`ctx.Done()`, `s.quit`), from its own select statements. */
function cancelChannel(ctx: RuleContext, fn: Node): string | undefined {
  return ctx.memo(fn, 'go406.cancel', () => {
    let found: string | undefined;
    const body = fn.childForFieldName('body');
    if (!body) return undefined;
    forEachDescendant(body, (n) => {
      if (found) return false;
      if (n.type !== 'communication_case') return;
      const comm = n.childForFieldName('communication');
      if (comm?.type !== 'receive_statement') return;
      const op = receiveOperand(comm.childForFieldName('right'));
      if (op && isStopChannel(op.text)) found = op.text;
    });
    return found;
  });
}

/** Buffered channels made in `fn` (`ch := make(chan T, n)` with a literal n), with their capacity. */
function bufferedChannels(ctx: RuleContext, fn: Node): Map<string, number> {
  return ctx.memo(fn, 'go406.buffered', () => {
    const out = new Map<string, number>();
    const body = fn.childForFieldName('body');
    if (!body) return out;
    forEachDescendant(body, (n) => {
      if (n.type !== 'short_var_declaration' && n.type !== 'assignment_statement' && n.type !== 'var_spec') return;
      const left = n.type === 'var_spec' ? n.childrenForFieldName('name') : (n.childForFieldName('left')?.namedChildren ?? []);
      const right = (n.type === 'var_spec' ? n.childForFieldName('value') : n.childForFieldName('right'))?.namedChildren ?? [];
      left.forEach((l, i) => {
        const r = right[i];
        if (!l || r?.type !== 'call_expression' || calleeText(r) !== 'make') return;
        const args = callArgs(r);
        if (args[0]?.type !== 'channel_type' || args[1]?.type !== 'int_literal') return;
        out.set(l.text, Number(args[1].text.replace(/_/g, '')));
      });
    });
    return out;
  });
}

/** Sends on `ch` in `fn` (nested literals included); a send inside a loop counts as unbounded. */
function sendCount(fn: Node, ch: string): number {
  let count = 0;
  const body = fn.childForFieldName('body');
  if (!body) return 0;
  forEachDescendant(body, (n) => {
    if (n.type === 'for_statement') {
      let inLoop = false;
      forEachDescendant(n, (d) => void (d.type === 'send_statement' && d.childForFieldName('channel')?.text === ch && (inLoop = true)), true);
      if (inLoop) count += 1_000_000;
      return false;
    }
    if (n.type === 'send_statement' && n.childForFieldName('channel')?.text === ch) count++;
  }, true);
  return count;
}

/** Whether `fn` itself sends on `ch` (a channel used as a semaphore). */
function sendsOn(ctx: RuleContext, fn: Node, ch: string): boolean {
  return ctx.memo(fn, `go406.sends:${ch}`, () => {
    let found = false;
    const body = fn.childForFieldName('body');
    if (body) forEachDescendant(body, (n) => void (n.type === 'send_statement' && n.childForFieldName('channel')?.text === ch && (found = true)));
    return found;
  });
}

export default defineRule({
  code: 'GO406',
  name: 'blocking-chan-op-ignores-cancel',
  language: 'go',
  category: 'shutdown/lifecycle',
  severity: 'warning',
  fix: 'sometimes',
  summary: 'A bare channel send or receive in a function that selects on ctx.Done() elsewhere blocks forever once the other side has stopped.',
  kinds: ['send_statement', 'expression_statement'],
  docs: {
    whatItDoes:
      'In a function or function literal that has a `select` case receiving from `ctx.Done()`, `X.Done()` or a stop channel (`quit`, `stop`, `done`, `cancel…`), flags a channel send or a bare receive statement that is not itself a `select` case, so it cannot be interrupted by that cancellation. A bare receive inside a case body (`case <-pause: … <-resume`) counts too.',
    whyBad:
      'The function already knows it must stop on cancellation, but this one operation does not listen: once the reader has exited on `ctx.Done()` (or the writer has stopped), the send or receive blocks forever. The goroutine leaks with everything it holds, and a shutdown that waits for it (a WaitGroup, an errgroup) hangs.',
    example:
      'for {\n\tselect {\n\tcase <-ctx.Done():\n\t\treturn\n\tcase <-tick.C:\n\t\tout <- probe() // blocks forever once the reader has exited on ctx.Done\n\t}\n}',
    useInstead:
      'for {\n\tselect {\n\tcase <-ctx.Done():\n\t\treturn\n\tcase <-tick.C:\n\t\tselect {\n\t\tcase out <- probe():\n\t\tcase <-ctx.Done():\n\t\t\treturn\n\t\t}\n\t}\n}',
    fixSafety:
      'Safe when the function has no results: wraps the operation in `select { case <op>: case <-<cancel>: return }`, using the cancellation channel the function already selects on. With named results the same fix is assisted (the bare return hands back their current values); with unnamed results no fix is offered.',
    related: 'none: vet, staticcheck and golangci-lint do not model cancellation of channel operations.',
  },
  check(node, ctx) {
    if (ctx.isTestFile) return; // tests own both ends of their channels and time out on a hang
    let channel: Node | undefined;
    let stmt: Node;
    if (node.type === 'send_statement') {
      channel = node.childForFieldName('channel') ?? undefined;
      stmt = node;
    } else {
      // A bare receive statement (dispatched on the statement: a node's parent is costly to find when deeply nested).
      stmt = node;
      const recv = node.namedChild(0);
      channel = receiveOperand(recv);
      if (!channel || !recv) return;
      node = recv;
    }
    if (!channel || isStopChannel(channel.text)) return;
    const parent = stmt.parent;
    if (parent?.type === 'communication_case' && parent.childForFieldName('communication')?.id === stmt.id) return;
    const chain = ancestorsOf(ctx, node);
    const near = nearestFunc(chain);
    if (!near) return;
    const cancel = cancelChannel(ctx, near.fn);
    if (!cancel) return;
    // Only operations that repeat (inside a loop of this function) wait on a partner that may have left; a
    // one-shot watcher (`select { case <-ctx.Done(): … case <-done: }; res <- err`) reports to a caller that waits.
    let inLoop = false;
    for (let i = chain.length - 1; i > near.at && !inLoop; i--) inLoop = chain[i].type === 'for_statement';
    if (!inLoop) return;
    // A select with a default case never blocks on its operations (§ Must NOT trigger).
    for (let i = chain.length - 1; i > near.at; i--) {
      if (chain[i].type === 'select_statement' && chain[i].namedChildren.some((c) => c?.type === 'default_case')) return;
    }
    // An operation in the body of the case that received the cancellation is the reaction to it (reporting
    // ctx.Err(), waiting for a worker to notice): wrapping it in the same cancellation would skip it.
    for (let i = chain.length - 1; i > near.at; i--) {
      const c = chain[i];
      if (c.type !== 'communication_case') continue;
      const comm = c.childForFieldName('communication');
      const op = comm?.type === 'receive_statement' ? receiveOperand(comm.childForFieldName('right')) : undefined;
      if (op && isStopChannel(op.text)) return;
    }
    if (node.type === 'send_statement') {
      // A buffered channel made here (or in an enclosing function) with room for every send never blocks.
      for (let i = near.at; i >= 0; i--) {
        if (!GO_FUNCS.has(chain[i].type)) continue;
        const cap = bufferedChannels(ctx, chain[i]).get(channel.text);
        if (cap !== undefined) {
          if (sendCount(chain[i], channel.text) <= cap) return;
          break;
        }
      }
    } else if (sendsOn(ctx, near.fn, channel.text)) {
      return; // releasing a channel semaphore this function filled (`sem <- token` … `<-sem`)
    }
    const op = node.type === 'send_statement' ? `send on ${channel.text}` : `receive from ${channel.text}`;
    ctx.report({
      node,
      message: `this ${op} ignores ${cancel}: once the other side has stopped, it blocks forever and the goroutine leaks`,
      fixes: buildFix(ctx, stmt, near.fn, cancel),
    });
  },
});

function buildFix(ctx: RuleContext, stmt: Node, fn: Node, cancel: string): Fix[] {
  const results = paramsOf(fn.childForFieldName('result'));
  const resultNode = fn.childForFieldName('result');
  let applicability: 'safe' | 'assisted';
  if (!resultNode) applicability = 'safe';
  else if (results.length && results.every((r) => r.name)) applicability = 'assisted';
  else return [];
  const indent = indentAt(ctx.text, stmt.startIndex);
  if (ctx.text.slice(ctx.text.lastIndexOf('\n', stmt.startIndex - 1) + 1, stmt.startIndex).trim()) return [];
  const nl = ctx.text.includes('\r\n') ? '\r\n' : '\n';
  const lines = ['select {', `case ${stmt.text}:`, `case <-${cancel}:`, '\treturn', '}'];
  return [
    {
      title: `Wrap the operation in a select that also returns on ${cancel}`,
      applicability,
      edits: replaceStatement(ctx.text, stmt, lines.join(nl + indent)),
    },
  ];
}
