/** PY102 unsynchronized-shared-mutation: a collection changed by several threads without a lock. */
import type { Node } from '../../engine/syntax';
import { eol, indentAt } from '../../engine/fix';
import {
  addImport,
  aliasKeys,
  aloneOnLine,
  bindingsVia,
  calleeName,
  calleeText,
  callGraphOf,
  classOfMethod,
  collectionsOf,
  enclosingFunction,
  exprKey,
  forEachDescendant,
  indentSpanText,
  indentUnitAt,
  isLockGuarded,
  lineSpan,
  MODULE,
  moduleNames,
  mutationsOf,
  objectKey,
  pyCollections,
  pyFacts,
  qualifiedName,
  queueKind,
  statementOf,
  threadsOf,
  threadTargets,
  type PyMutation,
} from '../../engine/python';
import { startsLine } from '../../engine/fix';
import { defineRule, type FactProvider, type Fix, type RuleContext, type TextEdit } from '../../engine/rule';

/** Operations of deques and queues that are atomic in CPython: using only these needs no lock. */
const ATOMIC_OPS = new Set(['append', 'appendleft', 'pop', 'popleft', 'extend', 'extendleft', 'clear', 'put', 'put_nowait', 'get', 'get_nowait']);

/** Single calls that only add an element. */
const GROW_ONLY = new Set(['append', 'appendleft', 'add', 'update']);

/** Functions that run before the object they build is shared: their mutations race with nothing. */
const SETUP = /^(__init__|__new__|__post_init__|setUp|setup)$/;

/** One function that mutates an object, the thread contexts it runs in, and whether it holds no lock there. */
interface Context {
  qname: string;
  /** `main`, or `thread:<target>` (`thread:<target>#2` for a second instance of a target started in a loop). */
  runsIn: Set<string>;
  unguarded: boolean;
}

/** The functions each function of a segment calls, as candidate qualified names (see resolveTarget). */
const pyCalls: FactProvider<[string, string[]][]> = {
  id: 'py102.calls',
  language: 'python',
  collect(seg) {
    const { calls } = callGraphOf(seg);
    return calls.size ? [...calls].map(([q, c]): [string, string[]] => [q, [...c].sort()]) : undefined;
  },
};

/**
 * The thread contexts each function of the file runs in: a thread target runs in its own thread, a function called
 * from other functions of the file runs wherever its callers run, and any other function (an entry point, module
 * code) runs in the main thread.
 */
function runsIn(ctx: RuleContext): (qname: string) => Set<string> {
  const graph = ctx.memo(ctx.root, 'py102.graph', () => {
    const callers = new Map<string, Set<string>>();
    for (const f of ctx.facts(pyCalls)) {
      for (const [caller, callees] of f.value) {
        for (const c of callees) {
          let set = callers.get(c);
          if (!set) callers.set(c, (set = new Set()));
          if (c !== caller) set.add(caller);
        }
      }
    }
    return { callers, memo: new Map<string, Set<string>>() };
  });
  const targets = threadTargets(ctx);
  const multi = new Set(threadsOf(ctx).filter((t) => t.multi && t.target).map((t) => t.target!));
  return (start) => {
    const cached = graph.memo.get(start);
    if (cached) return cached;
    const out = new Set<string>();
    const seen = new Set<string>([start]);
    const stack = [start];
    while (stack.length) {
      const q = stack.pop()!;
      if (targets.has(q)) {
        out.add(`thread:${q}`);
        if (multi.has(q)) out.add(`thread:${q}#2`);
        continue;
      }
      const all = [...(graph.callers.get(q) ?? [])];
      // Setup methods run before the object is shared: a helper only they call adds no context.
      const callers = all.filter((c) => !SETUP.test(c.slice(c.lastIndexOf('.') + 1)));
      if (!all.length || q === MODULE) out.add('main');
      for (const c of callers) {
        if (!seen.has(c)) {
          seen.add(c);
          stack.push(c);
        }
      }
    }
    graph.memo.set(start, out);
    return out;
  };
}

/**
 * The functions that mutate each object (by every key it is known by), from the file's facts, leaving out setup
 * methods (`__init__`), which run before any thread can see the object.
 */
function mutators(ctx: RuleContext): Map<string, Context[]> {
  return ctx.memo(ctx.root, 'py102.mutators', () => {
    const where = runsIn(ctx);
    const out = new Map<string, Context[]>();
    for (const f of ctx.facts(pyFacts)) {
      for (const info of f.value.functions ?? []) {
        if (SETUP.test(info.qname.slice(info.qname.lastIndexOf('.') + 1))) continue;
        for (const [key, guarded] of info.mutations ?? []) {
          for (const k of aliasKeys(ctx, key)) {
            let l = out.get(k);
            if (!l) out.set(k, (l = []));
            l.push({ qname: info.qname, runsIn: where(info.qname), unguarded: !guarded });
          }
        }
      }
    }
    return out;
  });
}

/** A readable name of a thread context. */
function contextName(c: string): string {
  if (c === 'main') return 'the main thread';
  const t = c.slice('thread:'.length);
  return t.endsWith('#2') ? `another ${t.slice(0, -2)} thread` : `the ${t} thread`;
}

/** The lock to take: an existing one of the class or module (preferring one named after the object), or a new one. */
function lockFor(ctx: RuleContext, key: string, object: Node, fn: Node | null): { name: string; create?: TextEdit[] } | undefined {
  const objName = exprKey(object).split('.').pop()!.replace(/^_+/, '');
  const pick = (names: string[]): string | undefined =>
    names.find((n) => n.toLowerCase().includes(objName.toLowerCase())) ?? (names.length === 1 ? names[0] : undefined);
  const nl = eol(ctx.text);
  if (key.includes('.self.') && fn) {
    const cls = classOfMethod(fn);
    const self = object.text.split('.')[0];
    if (!cls) return undefined;
    const locks: string[] = [];
    let creation: Node | undefined;
    const attr = exprKey(object).slice(self.length);
    forEachDescendant(
      cls,
      (n) => {
        const left = n.childForFieldName('left');
        const right = n.childForFieldName('right');
        if (left?.type !== 'attribute') return;
        const root = left.childForFieldName('object');
        if (root?.type !== 'identifier') return;
        const a = exprKey(left).slice(root.text.length);
        if (right?.type === 'call' && /(^|\.)(R?Lock|Condition|Semaphore|BoundedSemaphore)$/.test(calleeText(right))) locks.push(a);
        if (a === attr && !creation && enclosingFunction(n)?.childForFieldName('name')?.text === '__init__') creation = n.parent ?? n;
      },
      true,
      new Set(['assignment']),
    );
    const existing = pick(locks);
    if (existing) return { name: `${self}${existing}` };
    if (!creation || creation.type !== 'expression_statement') return undefined;
    const lock = `${self}${attr}_lock`;
    const edits: TextEdit[] = [{ start: creation.endIndex, end: creation.endIndex, newText: `${nl}${indentAt(ctx.text, creation.startIndex)}${lock} = threading.Lock()` }];
    const imp = addImport(ctx.text, ctx.root, 'threading');
    if (imp) edits.push(imp);
    return { name: lock, create: edits };
  }
  if (key.startsWith('module:')) {
    const names = moduleNames(ctx);
    const locks = [...names.assigns].filter(([, c]) => /(^|\.)(R?Lock|Condition|Semaphore|BoundedSemaphore)$/.test(c)).map(([n]) => n);
    const existing = pick(locks);
    if (existing) return { name: existing };
    const name = key.slice('module:'.length);
    // The module-level statement that creates the object (a segment of its own in the facts).
    const made = ctx.facts(pyFacts).find((f) => f.node.type === 'expression_statement' && f.value.module?.assigns?.some(([n]) => n === name));
    if (!made) return undefined;
    const lock = `${name}_lock`;
    if (names.assigns.has(lock) || names.defines.has(lock)) return undefined;
    const edits: TextEdit[] = [{ start: made.node.endIndex, end: made.node.endIndex, newText: `${nl}${lock} = threading.Lock()` }];
    const imp = addImport(ctx.text, ctx.root, 'threading');
    if (imp) edits.push(imp);
    return { name: lock, create: edits };
  }
  return undefined;
}

/** The assisted fix: wrap the statement in `with <lock>:`, creating the lock next to the object when there is none. */
function wrapFix(ctx: RuleContext, m: PyMutation, key: string, fn: Node | null): Fix | undefined {
  const stmt = statementOf(m.node);
  if (!stmt || !startsLine(ctx.text, stmt.startIndex) || !aloneOnLine(ctx.text, stmt)) return undefined;
  if (!/^(expression_statement|delete_statement|return_statement)$/.test(stmt.type)) return undefined;
  const lock = lockFor(ctx, key, m.object, fn);
  if (!lock) return undefined;
  const [from, to] = lineSpan(ctx.text, stmt);
  const indent = indentAt(ctx.text, stmt.startIndex);
  const body = indentSpanText(ctx.text, from, to, indentUnitAt(ctx.text, stmt), [stmt]);
  const edits: TextEdit[] = [...(lock.create ?? []), { start: from, end: to, newText: `${indent}with ${lock.name}:${eol(ctx.text)}${body}` }];
  return { title: `Hold ${lock.name} around this change${lock.create ? ' (a new threading.Lock)' : ''}`, applicability: 'assisted', edits };
}

export default defineRule({
  code: 'PY102',
  name: 'unsynchronized-shared-mutation',
  language: 'python',
  category: 'concurrency',
  severity: 'warning',
  fix: 'sometimes',
  summary: 'A collection is changed from several threads without a lock, so updates race with each other and with iteration.',
  kinds: ['call', 'delete_statement', 'assignment'],
  facts: [pyFacts, pyCollections, pyCalls],
  docs: {
    whatItDoes:
      'Builds the thread entry map (`threading.Thread(target=F, args=(…))`, `Timer`, `Thread.run` overrides) with ' +
      'argument-to-parameter aliasing, and collects the structural mutations of every function: `append`, `remove`, ' +
      '`pop`, `insert`, `extend`, `clear`, `popleft`, `appendleft`, `add`, `discard`, `update`, `bisect.insort(X, …)`, ' +
      '`del X[…]` and `X[k] = …` (augmented assignments such as `X += …` count as mutations that make `X` shared, but are ' +
      'not reported themselves: `+=` on a string or number rebinds rather than mutates). An object (a module global, a `self.` attribute, or a ' +
      'local passed to a thread) mutated in at least two contexts, at least one of them a thread (the main thread counts ' +
      'as one, a target started in a loop as two; a function called from others of the file runs where its callers run, ' +
      'so a helper of a thread target belongs to that thread), is reported at each mutation that is neither inside `with <lock>:` ' +
      '(an expression naming a lock, mutex, condition or semaphore) nor after `X.acquire()` before `X.release()`. ' +
      'Deques and queues changed only through their atomic operations (`append`, `popleft`, `put`, `get`, …) are left ' +
      'alone (`clear` included), so are `append`/`add`/`update` calls and `X[k] = v` stores on a collection nothing in ' +
      'the file removes from (threads collecting results: each is one atomic operation and nothing can be skipped), and ' +
      'so are mutations in `__init__`-style ' +
      'setup methods and helpers only they call, ' +
      'which run before any thread sees the object.',
    whyBad:
      'Two threads changing one list or dict interleave: a `remove` while another thread iterates makes that thread skip ' +
      'an element or raise `RuntimeError: dictionary changed size during iteration`, check-then-act sequences (`if x not ' +
      'in peers: peers.append(x)`) add duplicates, and `count += 1` loses increments. The GIL makes single bytecodes ' +
      'atomic, not these sequences, so the failures are rare, timing-dependent and impossible to reproduce in a test.',
    example:
      'def reaper(peers):\n    while True:\n        time.sleep(1)\n        for p in list(peers):\n            if p.dead():\n' +
      '                peers.remove(p)\n\nthreading.Thread(target=reaper, args=(peers,)).start()\nwhile True:\n    peers.append(accept())',
    useInstead:
      'def reaper(peers):\n    while True:\n        time.sleep(1)\n        with peers_lock:\n            for p in list(peers):\n' +
      '                if p.dead():\n                    peers.remove(p)\n\nthreading.Thread(target=reaper, args=(peers,)).start()\n' +
      'while True:\n    conn = accept()\n    with peers_lock:\n        peers.append(conn)',
    fixSafety:
      'Assisted, never part of fix-all: the choice of lock, and how much code it must cover (often the whole ' +
      'check-then-act sequence, not one statement), is a design decision. The fix wraps the flagged statement in ' +
      '`with <lock>:`, reusing a lock the class or module already creates (preferring one named after the object) or ' +
      'creating `<object>_lock = threading.Lock()` next to the object\'s creation (in `__init__` for attributes), and ' +
      'adds `import threading` when needed. Objects local to a function get no fix: the lock would have to be passed to ' +
      'the thread too.',
    related: 'No Ruff, Pylint or Bandit rule checks thread safety; PY101 mutate-during-iteration (escalated to error on the same objects); PY103 lock-acquire-without-finally; GO104 write-under-rlock.',
  },
  check(node, ctx) {
    const muts = mutationsOf(node);
    if (!muts.length) return;
    // Without a thread entry point in the file, no mutation runs in a thread (see runsIn): nothing to race with.
    if (threadTargets(ctx).size === 0) return;
    const m = muts[0];
    const fn = enclosingFunction(node);
    const qname = fn ? qualifiedName(fn) : MODULE;
    if (SETUP.test(qname.slice(qname.lastIndexOf('.') + 1))) return;
    const key = objectKey(m.object, bindingsVia(ctx));
    if (!key) return;
    if (isLockGuarded(node)) return;
    const keys = aliasKeys(ctx, key);
    const all = mutators(ctx);
    const sites = new Map<string, Context>();
    for (const k of keys) for (const c of all.get(k) ?? []) sites.set(c.qname, c);
    const list = [...sites.values()];
    const contexts = new Set(list.flatMap((c) => [...c.runsIn]));
    if (contexts.size < 2 || ![...contexts].some((c) => c.startsWith('thread:'))) return;
    // Deques and queues used through their atomic operations need no lock.
    const made = collectionsOf(ctx).made;
    const ctor = keys.map((k) => made.get(k)).find((x) => x);
    if (ctor && queueKind(ctx, ctor.callee) && node.type === 'call' && ATOMIC_OPS.has(calleeName(node))) return;
    // Appends to a collection nothing ever removes from (threads collecting results) cannot interleave badly: each
    // append is one atomic operation, and no removal can skip or lose an element.
    const removed = collectionsOf(ctx).removed;
    const growOnly = (node.type === 'call' && GROW_ONLY.has(calleeName(node))) || m.kind === 'write';
    if (growOnly && !keys.some((k) => [...removed].some((r) => aliasKeys(ctx, r).includes(k)))) return;
    const mine = runsIn(ctx)(qname);
    // The contexts this site races with: the others, or a second thread running this same code.
    let others = [...contexts].filter((c) => !mine.has(c));
    if (!others.length && mine.size > 1) others = [...mine].slice(1);
    if (!others.length) return;
    // The other sites, by function, in the contexts other than this one.
    const otherSites = list.filter((c) => c.qname !== qname && [...c.runsIn].some((r) => others.includes(r))).map((c) => c.qname);
    const names = (otherSites.length ? otherSites : others.map(contextName)).map((n) => (n === MODULE ? 'module-level code' : n));
    const shown = names.slice(0, 3);
    if (names.length > 3) shown.push(`${names.length - 3} more`);
    const joined = shown.length > 1 ? `${shown.slice(0, -1).join(', ')} and ${shown[shown.length - 1]}` : shown[0];
    const inWhat = [...mine].filter((c) => !c.endsWith('#2')).map(contextName).join(' and ');
    const from = otherSites.length ? ' from another thread' : '';
    const x = ctx.textOf(m.object);
    const fixes: Fix[] = [];
    const fix = wrapFix(ctx, m, key, fn);
    if (fix) fixes.push(fix);
    ctx.report({
      node,
      message: `${x} is changed here, in ${inWhat}, without a lock, while ${joined} also change${shown.length > 1 ? '' : 's'} it${from}: the updates interleave, so iterations skip elements or raise RuntimeError and check-then-act sequences lose updates`,
      fixes,
    });
  },
});
