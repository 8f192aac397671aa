/** PY402 no-termination-signal-handler: a long-running program that never handles SIGTERM. */
import type { Node } from '../../engine/syntax';
import { eol } from '../../engine/fix';
import {
  addImport,
  afterImports,
  calleeName,
  calleeText,
  callGraphOf,
  forEachDescendant,
  freshModuleName,
  importedNames,
  indentUnitAt,
  isForeverCondition,
  MODULE,
  mergeInsertions,
  moduleNames,
  owningLoop,
  positionalArgs,
  pyFacts,
  threadCall,
  threadsOf,
  topLevelOf,
} from '../../engine/python';
import { defineRule, type FactProvider, type Fix, type RuleContext, type TextEdit } from '../../engine/rule';

/** What one top-level statement contributes to the file's lifecycle picture. */
interface LifecycleFacts {
  /** `import signal`. */
  importsSignal?: boolean;
  /** Uses `signal.` (or a name imported from signal) beyond the import. */
  usesSignal?: boolean;
  /** Installs a SIGTERM handler (`signal.signal(SIGTERM, …)`, `add_signal_handler(SIGTERM, …)`) or an atexit flush/stop. */
  handles?: boolean;
  /** `if __name__ == "__main__":`. */
  mainGuard?: boolean;
  /** A `while True:` loop in module-level code (directly or in the main guard). */
  moduleLoop?: boolean;
  /** Calls `serve_forever()` / `run_forever()` anywhere. */
  serves?: boolean;
  /** Constructs a thread. */
  thread?: boolean;
  /** The functions called by the main guard's block (candidate qualified names). */
  mainCalls?: string[];
  /** Functions of this statement with a `while True:` loop that nothing leaves (no break, no return). */
  endless?: string[];
  /** Calls made by each function of this statement: [function, callees]. */
  calls?: [string, string[]][];
}

const FRAMEWORKS = /^(uvicorn|gunicorn|celery|django|twisted|aiohttp|hypercorn|daphne)(\.|$)/;
const ATEXIT_STOP = /flush|stop|close|shutdown|cleanup|clean_up|save|terminate|exit|join/i;
const WALKED: ReadonlySet<string> = new Set(['call', 'attribute']);

function isMainGuard(n: Node): boolean {
  if (n.type !== 'if_statement') return false;
  const cond = n.childForFieldName('condition');
  return !!cond && /^__name__\s*==\s*['"]__main__['"]$|^['"]__main__['"]\s*==\s*__name__$/.test(cond.text.trim());
}

/**
 * Whether a `while True:` loop has no way out: no `break` of its own, no `return`, no `yield` (a generator's loop runs
 * only as far as it is consumed), no `sys.exit()`-style call, and no enclosing `try` that catches an exception other
 * than KeyboardInterrupt (`except StopIteration:` around the loop is how it ends).
 */
function endlessLoop(loop: Node): boolean {
  if (!isForeverCondition(loop.childForFieldName('condition'))) return false;
  const body = loop.childForFieldName('body');
  let exits = false;
  if (body) {
    forEachDescendant(body, (n) => {
      if (exits) return false;
      if (n.type === 'return_statement' || n.type === 'yield' || (n.type === 'break_statement' && owningLoop(n)?.id === loop.id)) exits = true;
      else if (n.type === 'call' && /^(sys\.exit|exit|quit|os\._exit)$/.test(calleeText(n))) exits = true;
    });
  }
  if (exits) return false;
  let child: Node = loop;
  for (let p = loop.parent; p && p.type !== 'function_definition' && p.type !== 'module'; child = p, p = p.parent) {
    if (p.type !== 'try_statement' || p.childForFieldName('body')?.id !== child.id) continue;
    for (const c of p.namedChildren) {
      if (c?.type !== 'except_clause') continue;
      const caught = c.namedChildren.find((x) => x && x.type !== 'block' && x.type !== 'comment');
      if (!caught || !/^(KeyboardInterrupt|SystemExit)$/.test(caught.text)) return false;
    }
  }
  return true;
}

/** The `while True:` loops of module-level code: at top level, or inside module-level if/try/with blocks. */
function moduleLoops(top: Node): Node[] {
  const out: Node[] = [];
  const visit = (n: Node): void | false => {
    if (n.type === 'while_statement' && endlessLoop(n)) {
      out.push(n);
      return false;
    }
    if (n.type === 'function_definition' || n.type === 'class_definition' || n.type === 'decorated_definition' || n.type === 'lambda') return false;
  };
  if (visit(top) !== false) forEachDescendant(top, visit);
  return out;
}

/** The lifecycle facts of every top-level statement. */
const lifecycleFacts: FactProvider<LifecycleFacts> = {
  id: 'py402.lifecycle',
  language: 'python',
  collect(top) {
    const f: LifecycleFacts = {};
    if (top.type === 'import_statement' && importedNames(top).includes('signal') && /\bsignal\b/.test(top.text)) f.importsSignal = true;
    if (top.type === 'import_from_statement' && /^from\s+signal\s/.test(top.text)) f.usesSignal = true;
    if (isMainGuard(top)) f.mainGuard = true;
    if (moduleLoops(top).length) f.moduleLoop = true;
    const check = (n: Node): void => {
      if (n.type === 'attribute' && n.childForFieldName('object')?.text === 'signal' && top.type !== 'import_statement') f.usesSignal = true;
      if (n.type !== 'call') return;
      const callee = calleeText(n);
      const name = calleeName(n);
      if (name === 'serve_forever' || name === 'run_forever' || callee === 'asyncio.run') f.serves = true;
      if (threadCall(n)?.kind === 'Thread' || threadCall(n)?.kind === 'Timer') f.thread = true;
      if ((name === 'signal' || name === 'add_signal_handler') && /SIGTERM|SIGBREAK|valid_signals|Signals\b/.test(n.text)) f.handles = true;
      if ((name === 'signal' || name === 'add_signal_handler') && positionalArgs(n)[0]?.type === 'identifier' && /SIGTERM/.test(top.text)) f.handles = true;
      if (callee === 'atexit.register' || (callee === 'register' && /atexit/.test(top.text))) {
        const fn = positionalArgs(n)[0];
        if (fn && ATEXIT_STOP.test(fn.text)) f.handles = true;
      }
    };
    check(top);
    forEachDescendant(top, (n) => void check(n), true, WALKED);
    // Who calls whom, and which functions loop with no way out, to follow the main guard to the code it runs.
    const { calls: graph, loops } = callGraphOf(top);
    const endless = new Set<string>();
    for (const [q, loop] of loops) if (q !== MODULE && endlessLoop(loop)) endless.add(q);
    const guardCalls = f.mainGuard ? (graph.get(MODULE) ?? new Set<string>()) : new Set<string>();
    const calls = new Map([...graph].filter(([q]) => q !== MODULE));
    if (guardCalls.size) f.mainCalls = [...guardCalls].sort();
    if (endless.size) f.endless = [...endless].sort();
    if (calls.size) f.calls = [...calls].map(([q, c]): [string, string[]] => [q, [...c].sort()]);
    return Object.keys(f).length ? f : undefined;
  },
};

type Anchor = 'import' | 'thread' | 'loop' | 'guard';

/** Whether the file runs for a long time, is not owned by a framework, and has no SIGTERM handler; and where to report. */
function verdict(ctx: RuleContext): { anchor: Anchor; segment: number; reason: string; unusedImport: boolean } | undefined {
  return ctx.memo(ctx.root, 'py402.verdict', () => {
    const facts = ctx.facts(lifecycleFacts);
    const any = (k: keyof LifecycleFacts) => facts.some((f) => f.value[k]);
    if (any('handles')) return undefined;
    if (moduleNames(ctx).imports.some(([, mod]) => FRAMEWORKS.test(mod))) return undefined;
    const endless = new Set(facts.flatMap((f) => f.value.endless ?? []));
    const calls = new Map<string, string[]>();
    for (const f of facts) for (const [q, c] of f.value.calls ?? []) calls.set(q, c);
    // The functions the main guard runs, directly or through the calls of the file (breadth-first, bounded).
    const reached = new Set<string>(facts.flatMap((f) => f.value.mainCalls ?? []));
    const queue = [...reached];
    while (queue.length && reached.size < 500) {
      for (const c of calls.get(queue.shift()!) ?? []) {
        if (!reached.has(c)) {
          reached.add(c);
          queue.push(c);
        }
      }
    }
    const forever = [...reached].some((q) => endless.has(q));
    const foreverThread = threadsOf(ctx).some((t) => !!t.target && t.kind !== 'Process' && (reached.has(t.scope) || t.scope === MODULE) && endless.has(t.target));
    let reason: string | undefined;
    if (any('moduleLoop')) reason = 'it loops forever at module level';
    else if (any('mainGuard')) {
      if (any('serves')) reason = 'its main code serves forever';
      else if (foreverThread) reason = 'it starts threads that loop forever';
      else if (forever) reason = 'its main code runs a loop that never ends';
    }
    if (!reason) return undefined;
    const first = (k: keyof LifecycleFacts) => facts.findIndex((f) => f.value[k]);
    let anchor: Anchor = 'guard';
    let segment = first('mainGuard');
    if (first('importsSignal') >= 0) {
      anchor = 'import';
      segment = first('importsSignal');
    } else if (first('thread') >= 0) {
      anchor = 'thread';
      segment = first('thread');
    } else if (first('moduleLoop') >= 0) {
      anchor = 'loop';
      segment = first('moduleLoop');
    }
    if (segment < 0) return undefined;
    return { anchor, segment: facts[segment].node.id, reason, unusedImport: any('importsSignal') && !any('usesSignal') };
  });
}

/** The assisted fix: an Event, a handler that sets it on SIGTERM and SIGINT, and module loops that test it. */
function handlerFix(ctx: RuleContext): Fix | undefined {
  const at = afterImports(ctx.root);
  if (at === undefined) return undefined;
  const stop = freshModuleName(ctx, 'stop_event');
  const handler = freshModuleName(ctx, '_on_term');
  const nl = eol(ctx.text);
  const unit = indentUnitAt(ctx.text, ctx.root.namedChild(0) ?? ctx.root);
  const code = [
    '',
    '',
    `${stop} = threading.Event()`,
    '',
    '',
    `def ${handler}(signum, frame):`,
    `${unit}${stop}.set()`,
    '',
    '',
    `signal.signal(signal.SIGTERM, ${handler})`,
    `signal.signal(signal.SIGINT, ${handler})`,
  ].join(nl);
  const edits: (TextEdit | undefined)[] = [addImport(ctx.text, ctx.root, 'signal'), addImport(ctx.text, ctx.root, 'threading'), { start: at, end: at, newText: code }];
  for (const f of ctx.facts(lifecycleFacts)) {
    if (!f.value.moduleLoop) continue;
    for (const loop of moduleLoops(f.node)) {
      const cond = loop.childForFieldName('condition')!;
      edits.push({ start: cond.startIndex, end: cond.endIndex, newText: `not ${stop}.is_set()` });
    }
  }
  return {
    title: 'Handle SIGTERM and SIGINT by setting a stop event',
    applicability: 'assisted',
    edits: mergeInsertions(edits),
  };
}

export default defineRule({
  code: 'PY402',
  name: 'no-termination-signal-handler',
  language: 'python',
  category: 'shutdown/lifecycle',
  severity: 'info',
  fix: 'sometimes',
  summary: 'A long-running program installs no SIGTERM handler, so a service stop kills it without any cleanup.',
  kinds: ['import_statement', 'call', 'while_statement', 'if_statement'],
  facts: [pyFacts, lifecycleFacts],
  docs: {
    whatItDoes:
      'Flags a program that runs until it is stopped — a `while True:` loop in module-level code, or, under ' +
      '`if __name__ == "__main__":`, a `serve_forever()`/`run_forever()`/`asyncio.run` call, a thread whose target loops ' +
      'forever, or any function of the file with a `while True:` loop that nothing ends — when the file installs no ' +
      'termination handling: no `signal.signal(signal.SIGTERM, …)`, no `loop.add_signal_handler(SIGTERM, …)`, and no ' +
      '`atexit.register` of a flush, stop, close or save function. Files without a main guard or module-level loop ' +
      '(libraries) and files importing a framework that owns the signals (`uvicorn`, `gunicorn`, `celery`, `django`, ' +
      'and beyond the catalogue `twisted`, `aiohttp`, `hypercorn`, `daphne`) are left alone. The finding sits on ' +
      '`import signal` when there is one (and then says when `signal` is never used), otherwise on the first ' +
      '`Thread(…)`/`Timer(…)` construction, the module-level `while True:`, or the main guard.',
    whyBad:
      '`docker stop`, `systemctl stop`, Kubernetes and most supervisors stop a process with SIGTERM. Python has no handler ' +
      'for it by default, so the process dies on the spot: `finally` blocks, `with` exits and atexit functions do not ' +
      'run, buffered log lines and queued data are lost, files are left half-written and peers see connections reset. ' +
      'Only SIGINT (Ctrl-C) becomes `KeyboardInterrupt`, so the shutdown path that works in development never runs in ' +
      'production.',
    example: 'import signal\nimport threading\n\nthreading.Thread(target=pump, daemon=True).start()\nwhile True:\n    handle(q.get())',
    useInstead:
      'import signal\nimport threading\n\nstop_event = threading.Event()\n\n\ndef _on_term(signum, frame):\n    stop_event.set()\n\n\n' +
      'signal.signal(signal.SIGTERM, _on_term)\nthreading.Thread(target=pump, daemon=True).start()\n' +
      'while not stop_event.is_set():\n    handle(q.get(timeout=1))',
    fixSafety:
      'Assisted, because it changes how the program stops: inserts after the imports a module-level ' +
      '`stop_event = threading.Event()`, a handler `_on_term` that sets it, and `signal.signal(...)` registrations for ' +
      'SIGTERM and SIGINT (SIGINT then no longer raises `KeyboardInterrupt`), adds the `signal` and `threading` imports, ' +
      'and rewrites module-level `while True:` loops to `while not stop_event.is_set():`. Loops inside functions and ' +
      'threads must be taught to test the event by hand, and blocking calls in them need timeouts.',
    related: 'No Ruff, Pylint or Bandit rule checks signal handling (Pyflakes F401 reports an unused `import signal` only as an unused import); PY401 non-daemon-forever-thread; GO404 signal-notify-without-sigterm.',
  },
  check(node, ctx) {
    if (ctx.isTestFile) return;
    // Only module-level statements and their contents can be anchors; find the top-level node cheaply first.
    const v = verdict(ctx);
    if (!v) return;
    switch (v.anchor) {
      case 'import':
        if (node.type !== 'import_statement' || node.id !== v.segment) return;
        break;
      case 'guard':
        if (node.type !== 'if_statement' || node.id !== v.segment) return;
        break;
      case 'loop': {
        if (node.type !== 'while_statement') return;
        const top = topLevelOf(node);
        if (top.id !== v.segment || moduleLoops(top)[0]?.id !== node.id) return;
        break;
      }
      case 'thread': {
        const tc = node.type === 'call' ? threadCall(node) : undefined;
        if (!tc || tc.kind === 'Process') return;
        const top = topLevelOf(node);
        if (top.id !== v.segment) return;
        let first: Node | undefined;
        const find = (n: Node): void | false => {
          if (first) return false;
          const t = n.type === 'call' ? threadCall(n) : undefined;
          if (t && t.kind !== 'Process') first = n;
        };
        if (find(top) !== false && !first) forEachDescendant(top, find, true, new Set(['call']));
        if (first?.id !== node.id) return;
        break;
      }
    }
    const fixes: Fix[] = [];
    const fix = handlerFix(ctx);
    if (fix) fixes.push(fix);
    const unused = v.unusedImport ? '; signal is imported but never used' : '';
    ctx.report({
      node,
      message: `This program runs until it is stopped (${v.reason}) but handles no SIGTERM${unused}: a service stop (docker stop, systemctl stop, Kubernetes) kills it on the spot, skipping finally blocks, atexit functions and buffered writes`,
      fixes,
    });
  },
});
