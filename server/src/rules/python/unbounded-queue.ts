/** PY501 unbounded-queue: a queue or deque without a bound, fed by a loop that never ends. */
import type { Node } from '../../engine/syntax';
import {
  addKeywordArgument,
  aliasKeys,
  argument,
  bindingsVia,
  calleeName,
  calleeText,
  collectionsOf,
  constructorBounded,
  enclosingFunction,
  exprKey,
  forEachDescendant,
  keywordArg,
  moduleRunVia,
  objectKey,
  positionalArgs,
  pyCollections,
  pyFacts,
  queueKind,
  receiverOf,
  threadsOf,
  threadTargets,
  topLevelOf,
} from '../../engine/python';
import { defineRule, type Fix, type RuleContext, type TextEdit } from '../../engine/rule';

/** The bound the fix inserts: the `maxsize` rule option, else 10000. */
function configuredBound(ctx: RuleContext): string {
  const v = ctx.options.maxsize;
  if (typeof v === 'number' && Number.isInteger(v) && v > 0) return String(v);
  if (typeof v === 'string' && /^[A-Za-z_][\w.]*$|^[1-9][\d_]*$/.test(v.trim())) return v.trim();
  return '10_000';
}

/** Whether the code holding the construction drains the queue with `X.join()` (a bounded batch of work). */
function joinedNear(ctx: RuleContext, call: Node, target: Node): boolean {
  const fn = enclosingFunction(call);
  const scopes = fn ? [fn] : moduleRunVia(ctx, topLevelOf(call));
  const key = exprKey(target);
  let found = false;
  for (const s of scopes) {
    forEachDescendant(
      s,
      (n) => {
        if (found) return false;
        const r = receiverOf(n);
        if (calleeName(n) === 'join' && r && exprKey(r) === key && positionalArgs(n).length === 0) found = true;
      },
      false,
      new Set(['call']),
    );
  }
  return found;
}

/** The assisted fix: pass a bound (or swap a SimpleQueue, which takes none, for a Queue). */
function boundFix(ctx: RuleContext, call: Node, kind: 'queue' | 'simple' | 'deque'): Fix | undefined {
  const n = configuredBound(ctx);
  const callee = calleeText(call);
  if (kind === 'simple') {
    // queue.SimpleQueue() → queue.Queue(maxsize=N); a bare SimpleQueue would need a new import.
    const f = call.childForFieldName('function');
    const args = call.childForFieldName('arguments');
    if (f?.type !== 'attribute' || !args || positionalArgs(call).length) return undefined;
    const attr = f.childForFieldName('attribute')!;
    const edits: TextEdit[] = [
      { start: attr.startIndex, end: attr.endIndex, newText: 'Queue' },
      { start: args.startIndex, end: args.endIndex, newText: `(maxsize=${n})` },
    ];
    return { title: `Use a bounded ${callee.replace(/SimpleQueue$/, 'Queue')}(maxsize=${n})`, applicability: 'assisted', edits };
  }
  const kw = kind === 'deque' ? 'maxlen' : 'maxsize';
  const given = kind === 'deque' ? argument(call, 'maxlen', 1) : argument(call, 'maxsize', 0);
  let edit: TextEdit | undefined;
  if (given) edit = { start: given.startIndex, end: given.endIndex, newText: n };
  else if (kind === 'deque' && positionalArgs(call).length === 0 && keywordArg(call, 'iterable') === undefined) edit = addKeywordArgument(call, `maxlen=${n}`);
  else edit = addKeywordArgument(call, `${kw}=${n}`);
  if (!edit) return undefined;
  return {
    title: kind === 'deque' ? `Bound the deque: maxlen=${n} (drops the oldest items when full)` : `Bound the queue: maxsize=${n}`,
    applicability: 'assisted',
    edits: [edit],
  };
}

export default defineRule({
  code: 'PY501',
  name: 'unbounded-queue',
  language: 'python',
  category: 'unbounded-growth',
  severity: 'warning',
  fix: 'sometimes',
  summary: 'A queue or deque without a size bound is fed by a loop that never ends, so a slow consumer lets it grow until memory runs out.',
  kinds: ['call'],
  facts: [pyFacts, pyCollections],
  docs: {
    whatItDoes:
      'Flags `queue.Queue()`, `queue.LifoQueue()`, `queue.PriorityQueue()`, `queue.SimpleQueue()`, `asyncio.Queue()` and ' +
      '`multiprocessing.Queue()` constructed without `maxsize` (or with `maxsize=0`), and `collections.deque()` without ' +
      '`maxlen`, when the queue is stored in a module global, a `self.` attribute, or a local passed to a thread ' +
      '(`Thread(args=…)`, or read by a nested thread function), and something feeds it (`put`, `put_nowait`, `append`, ' +
      '`appendleft`, `insert`, `extend`) inside a `while True:` loop, or inside any `while` loop of a thread target. ' +
      'A `while True:` loop counts when nothing in it breaks out or returns (outside a thread target, a loop that ' +
      'breaks after each item is a parser, not a producer). Sentinel puts (`q.put(None)`), feeds followed by ' +
      '`return`/`break`, and feeds by a function that also takes from the same object (a lookahead or pushback buffer) ' +
      'do not count. Queues fed only by `for` loops (a finite batch), queues drained with `q.join()` by the code that made them, and ' +
      'queues whose size is checked somewhere (`len(d) > N`, `q.qsize() >= N`, `q.full()`) are left alone. Bare names ' +
      'count when imported from `queue`, `asyncio`, `multiprocessing` or `collections`.',
    whyBad:
      'A producer that runs forever (a socket receive loop, a poller) outpaces its consumer as soon as the consumer slows ' +
      'down (a slow disk, a stalled downstream, a burst of packets). An unbounded queue absorbs the difference silently: ' +
      'memory grows, latency grows with it, and the process is eventually killed by the OOM killer, losing everything ' +
      'queued. A bound turns the overload into back-pressure or counted drops that monitoring can see.',
    example: 'packets = queue.Queue()\n\ndef receiver(sock):\n    while True:\n        packets.put(sock.recvfrom(2048))',
    useInstead:
      'packets = queue.Queue(maxsize=10_000)\ndropped = 0\n\ndef receiver(sock):\n    global dropped\n    while True:\n' +
      '        try:\n            packets.put_nowait(sock.recvfrom(2048))\n        except queue.Full:\n            dropped += 1',
    fixSafety:
      'Assisted, because a bound changes behaviour under load: `put()` on a full queue blocks the producer (use ' +
      '`put_nowait` and count `queue.Full` drops for receivers that must not block), and a full `deque(maxlen=…)` silently ' +
      'drops its oldest items. The fix adds `maxsize=N` (`maxlen=N` for a deque) or replaces a zero bound; ' +
      '`queue.SimpleQueue()`, which takes no bound, becomes `queue.Queue(maxsize=N)`. N is 10_000 unless the rule option ' +
      '`maxsize` sets it (a positive integer or a constant name). A bare `SimpleQueue()` gets no fix.',
    related: 'No Ruff, Pylint or Bandit rule checks queue bounds; PY502 peer-keyed-growth-without-cap; GO501 peer-keyed-map-without-eviction.',
  },
  check(call, ctx) {
    const callee = calleeText(call);
    const last = callee.slice(callee.lastIndexOf('.') + 1);
    if (!/^(Queue|LifoQueue|PriorityQueue|SimpleQueue|JoinableQueue|deque)$/.test(last)) return;
    const kind = queueKind(ctx, callee);
    if (!kind || constructorBounded(call)) return;
    const assign = call.parent;
    if (assign?.type !== 'assignment' || assign.childForFieldName('right')?.id !== call.id) return;
    const target = assign.childForFieldName('left');
    if (!target || (target.type !== 'identifier' && target.type !== 'attribute')) return;
    const key = objectKey(target, bindingsVia(ctx));
    if (!key) return;
    const { fed, sizeChecked } = collectionsOf(ctx);
    const targets = threadTargets(ctx);
    // The feeds of this object: those whose key, or a key it aliases (a thread parameter), is this one.
    const feeds = fed.filter(([k]) => aliasKeys(ctx, k).includes(key));
    const producer = feeds.find(([, fn, forever]) => forever || targets.has(fn));
    if (!producer) return;
    const shared =
      key.startsWith('module:') ||
      key.includes('.self.') ||
      threadsOf(ctx).some((t) => t.args.includes(key)) ||
      feeds.some(([k, fn]) => k === key && !key.startsWith(`${fn}:`));
    if (!shared) return;
    if ([...sizeChecked].some((k) => aliasKeys(ctx, k).includes(key))) return;
    if (joinedNear(ctx, call, target)) return;
    const fixes: Fix[] = [];
    const fix = boundFix(ctx, call, kind);
    if (fix) fixes.push(fix);
    const [, fn, forever] = producer;
    const where = forever ? `a while True loop in ${fn}` : `the thread target ${fn}`;
    const what = kind === 'deque' ? 'has no maxlen' : kind === 'simple' ? 'cannot be bounded' : 'has no maxsize';
    const made = ctx.textOf(call);
    const shown = made.length <= 60 && !made.includes('\n') ? made : `${callee}(…)`;
    ctx.report({
      node: call,
      message: `${ctx.textOf(target)} = ${shown} ${what} and is fed by ${where}: when the consumer falls behind, it grows without limit until the process runs out of memory`,
      fixes,
    });
  },
});
