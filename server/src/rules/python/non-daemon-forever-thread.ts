/** PY401 non-daemon-forever-thread: a non-daemon thread whose target loops forever with no way to stop it. */
import type { Node } from '../../engine/syntax';
import { eol } from '../../engine/fix';
import {
  addImport,
  addKeywordArgument,
  afterImports,
  argument,
  bindingKey,
  bindingsOf,
  bindingsVia,
  findFunction,
  foreverLoops,
  freshModuleName,
  functionIndex,
  isThreadConstructor,
  joinsAndDaemons,
  keywordArg,
  loopRunsForever,
  mergeInsertions,
  pyFacts,
  resolveTarget,
  threadBinding,
  threadsOf,
  type BindingsOf,
} from '../../engine/python';
import { defineRule, type Fix, type RuleContext, type TextEdit } from '../../engine/rule';

/** The assisted stop-Event rewrite: a module-level Event set on SIGTERM, tested by the target's forever loops. */
function stopEventFix(ctx: RuleContext, fnNode: Node, bind: BindingsOf): Fix | undefined {
  const body = fnNode.childForFieldName('body');
  const at = afterImports(ctx.root);
  if (!body || at === undefined) return undefined;
  const loops = foreverLoops(body).filter((l) => loopRunsForever(l, fnNode, bind));
  // Only the outermost forever loops: an inner one ends with its outer loop's iteration anyway.
  const outer = loops.filter((l) => !loops.some((o) => o.id !== l.id && o.startIndex <= l.startIndex && o.endIndex >= l.endIndex));
  if (!outer.length) return undefined;
  const name = freshModuleName(ctx, 'stop_event');
  const nl = eol(ctx.text);
  const edits: (TextEdit | undefined)[] = [
    addImport(ctx.text, ctx.root, 'signal'),
    addImport(ctx.text, ctx.root, 'threading'),
    {
      start: at,
      end: at,
      newText: `${nl}${nl}${name} = threading.Event()${nl}signal.signal(signal.SIGTERM, lambda *_: ${name}.set())`,
    },
  ];
  for (const l of outer) {
    const cond = l.childForFieldName('condition')!;
    edits.push({ start: cond.startIndex, end: cond.endIndex, newText: `not ${name}.is_set()` });
  }
  return { title: `Stop the loop with a threading.Event set on SIGTERM`, applicability: 'assisted', edits: mergeInsertions(edits) };
}

export default defineRule({
  code: 'PY401',
  name: 'non-daemon-forever-thread',
  language: 'python',
  category: 'shutdown/lifecycle',
  severity: 'warning',
  fix: 'always',
  summary: 'A non-daemon thread runs a loop that never ends and is never joined or signalled, so the process cannot exit.',
  kinds: ['call'],
  facts: [pyFacts],
  docs: {
    whatItDoes:
      'Flags `threading.Thread(target=F)` when `F` is defined in this file and runs a `while True:` loop that nothing ' +
      'ends: the thread is not a daemon (no `daemon=True`, no `t.daemon = True`), `F` tests no `threading.Event` ' +
      '(`.is_set()`, or a `.wait(…)` whose result it checks), its loop has no exit guarded by a module flag, ' +
      '`self` attribute or sentinel (`if item is None: break`), it is not ended by a stop exception (`except ' +
      'RunFinishedError:` around the loop), and the function holding the thread variable never joins it (`t.join()`, ' +
      '`t.join(timeout=…)`, or a loop joining the list it was appended to). A loop that only breaks on data ' +
      '(`if not chunk: break`) still counts: at exit the thread sits blocked in its read, holding the process.',
    whyBad:
      'Python waits for every non-daemon thread before the interpreter exits. When the main code returns, or Ctrl-C ' +
      'raises KeyboardInterrupt in the main thread, the process does not exit: it hangs on the forever loop until it is ' +
      'killed with SIGKILL, skipping every cleanup handler. Service managers then wait out their stop timeout on each restart.',
    example: 'def poll_forever(sock):\n    while True:\n        handle(sock.recv(2048))\n\nthreading.Thread(target=poll_forever, args=(sock,)).start()',
    useInstead: 'threading.Thread(target=poll_forever, args=(sock,), daemon=True).start()',
    fixSafety:
      'Assisted, because both change how the program exits. `daemon=True` lets the interpreter exit while the thread runs ' +
      '(it is killed abruptly, mid-iteration). The alternative adds a module-level `stop_event = threading.Event()` set by a ' +
      'SIGTERM handler and rewrites the target\'s `while True:` to `while not stop_event.is_set():`, so the loop ends after ' +
      'its current iteration; code that blocks inside the loop (a `recv`, a `sleep`) still delays the exit.',
    related: 'No Ruff, Pylint or Bandit rule checks thread lifetimes; PY402 no-termination-signal-handler; GO401 goroutine-loop-without-exit.',
  },
  check(call, ctx) {
    if (!isThreadConstructor(call)) return;
    const target = argument(call, 'target', 1);
    if (!target) return;
    const daemon = keywordArg(call, 'daemon');
    if (daemon && daemon.type !== 'false' && daemon.type !== 'none') return;
    const qname = resolveTarget(target);
    const fn = qname ? functionIndex(ctx).get(qname) : undefined;
    if (!fn || !fn.info.forever || fn.info.testsEvent) return;
    const b = threadBinding(call);
    if (b.node) {
      const bound = (b.list ? '[]' : '') + bindingKey(b.node, bindingsVia(ctx));
      const { joins, daemons } = joinsAndDaemons(ctx);
      const appended = threadsOf(ctx).filter((t) => t.bound === bound).flatMap((t) => t.appendedTo ?? []);
      if ([bound, ...appended].some((k) => joins.has(k) || daemons.has(k))) return;
    }
    const name = target.text.replace(/\s+/g, '');
    const fixes: Fix[] = [];
    const kw: TextEdit | undefined = daemon
      ? { start: daemon.startIndex, end: daemon.endIndex, newText: 'True' }
      : addKeywordArgument(call, 'daemon=True');
    if (kw) fixes.push({ title: 'Make the thread a daemon (daemon=True)', applicability: 'assisted', edits: [kw] });
    const fnNode = findFunction(fn.segment, qname!);
    const stop = fnNode && stopEventFix(ctx, fnNode, (f) => bindingsOf(f));
    if (stop) fixes.push(stop);
    ctx.report({
      node: call,
      message: `${name} loops forever in a non-daemon thread that nothing stops or joins: the interpreter waits for it at exit, so the process hangs after the main code returns or on Ctrl-C`,
      fixes,
    });
  },
});
