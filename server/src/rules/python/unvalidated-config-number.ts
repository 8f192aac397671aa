/** PY901 unvalidated-config-number: a number parsed from configuration reaches a sleep, timeout or size unchecked. */
import type { Node } from '../../engine/syntax';
import {
  argument,
  bindingsVia,
  calleeName,
  calleeText,
  classOfMethod,
  enclosingFunction,
  exprKey,
  forEachDescendant,
  isLocalName,
  parameterNames,
  positionalArgs,
  pyFacts,
  receiverOf,
  resolvedCallee,
} from '../../engine/python';
import { defineRule, type FactProvider, type Fix, type RuleContext, type Severity } from '../../engine/rule';

/** Receivers and subscripted names that hold configuration. */
const CONFIGISH = /conf|cfg|setting|environ|option|opts\b|\bini\b|yaml|toml|\bparams?\b|\benv\b/i;

/** Whether an expression reads a configuration value: `cfg["a"]["b"]`, `os.environ[…]`, `os.getenv(…)`, `config.get(…)`. */
function isConfigSource(ctx: RuleContext, e: Node | undefined): boolean {
  if (!e) return false;
  if (e.type === 'subscript') {
    let root: Node | null = e;
    while (root?.type === 'subscript') root = root.childForFieldName('value');
    return !!root && CONFIGISH.test(root.text);
  }
  if (e.type === 'call') {
    const name = resolvedCallee(ctx, e);
    if (name === 'os.getenv' || name === 'os.environ.get') return true;
    const recv = receiverOf(e);
    return !!recv && /^get\w*$/.test(calleeName(e)) && CONFIGISH.test(recv.text);
  }
  return false;
}

/** How a value is parsed from configuration: 'int' or 'float', or undefined when it is not such a parse. */
function configParse(ctx: RuleContext, v: Node | null | undefined): 'int' | 'float' | undefined {
  if (v?.type !== 'call') return undefined;
  const callee = calleeText(v);
  if ((callee === 'int' || callee === 'float') && isConfigSource(ctx, positionalArgs(v)[0])) return callee;
  // configparser's typed getters parse by themselves.
  const recv = receiverOf(v);
  const m = /^get(int|float)$/.exec(calleeName(v));
  if (m && recv && CONFIGISH.test(recv.text)) return m[1] as 'int' | 'float';
  return undefined;
}

/** A number sink: what goes wrong there, whether that is a raise or hang (warning), and which floor the fix uses. */
interface Sink {
  what: string;
  outcome: string;
  severe: boolean;
  size: boolean;
  /** The default floor for sizes (1 for a queue's maxsize, where 0 means unbounded). */
  sizeFloor?: number;
}

/** The argument expressions of a call that are number sinks, with what the sink does. */
function sinkArgs(ctx: RuleContext, node: Node): [Node, Sink][] {
  if (node.type === 'binary_operator') {
    if (node.childForFieldName('operator')?.text !== '*') return [];
    const l = node.childForFieldName('left');
    const r = node.childForFieldName('right');
    const sink: Sink = { what: '[…] * n', outcome: 'a huge value allocates until memory runs out', severe: false, size: true };
    if (l?.type === 'list' && r) return [[r, sink]];
    if (r?.type === 'list' && l) return [[l, sink]];
    return [];
  }
  const name = resolvedCallee(ctx, node);
  const method = receiverOf(node) ? calleeName(node) : '';
  const one = (a: Node | undefined, sink: Sink): [Node, Sink][] => (a ? [[a, sink]] : []);
  if (name === 'time.sleep') {
    return one(positionalArgs(node)[0], { what: 'time.sleep()', outcome: 'a negative value raises ValueError and ends the loop or thread', severe: true, size: false });
  }
  if (method === 'settimeout') return one(positionalArgs(node)[0], { what: 'settimeout()', outcome: 'a negative value raises ValueError', severe: true, size: false });
  if (name === 'threading.Timer') {
    return one(argument(node, 'interval', 0), { what: 'threading.Timer()', outcome: 'a negative value fires at once and a huge one never', severe: false, size: false });
  }
  if (method === 'wait') {
    return one(argument(node, 'timeout', 0), { what: 'wait()', outcome: 'zero or a negative value returns at once (a busy loop) and a huge one blocks for good', severe: true, size: false });
  }
  if (/^(queue\.)?(Queue|LifoQueue|PriorityQueue)$|^multiprocessing\.Queue$/.test(name)) {
    return one(argument(node, 'maxsize', 0), { what: 'Queue(maxsize)', outcome: '0 or a negative value makes the queue unbounded', severe: false, size: true, sizeFloor: 1 });
  }
  if (name === 'range') {
    const sink: Sink = { what: 'range()', outcome: 'a huge value runs the loop practically forever', severe: true, size: true };
    return positionalArgs(node).map((a) => [a, sink] as [Node, Sink]);
  }
  if (name === 'bytearray') return one(positionalArgs(node)[0], { what: 'bytearray()', outcome: 'a negative value raises ValueError and a huge one exhausts memory', severe: true, size: true });
  if (method === 'listen') return one(positionalArgs(node)[0], { what: 'listen()', outcome: 'the kernel silently clips a huge or negative backlog', severe: false, size: true });
  return [];
}

/** The names and `self` attributes a sink argument uses directly or through arithmetic (`delay`, `delay / 1000`, `self.n`). */
function refsOf(e: Node): Node[] {
  const out: Node[] = [];
  const stack = [e];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.type === 'identifier' || n.type === 'attribute') out.push(n);
    else if (n.type === 'binary_operator' || n.type === 'unary_operator' || n.type === 'parenthesized_expression') {
      for (const c of n.namedChildren) if (c) stack.push(c);
    }
  }
  return out;
}

/** The names (identifiers, or `.attr` for attributes) compared with < <= > >= or passed to min()/max() in a node. */
function validatedNames(n: Node): string[] {
  const out: string[] = [];
  const add = (x: Node) => {
    forEachDescendant(x, (d) => {
      if (d.type === 'identifier' && d.parent?.type !== 'attribute') out.push(d.text);
      if (d.type === 'attribute') out.push(`.${d.childForFieldName('attribute')?.text ?? ''}`);
    });
    if (x.type === 'identifier') out.push(x.text);
    if (x.type === 'attribute') out.push(`.${x.childForFieldName('attribute')?.text ?? ''}`);
  };
  if (n.type === 'comparison_operator') {
    let ordered = false;
    for (let i = 0; i < n.childCount; i++) if (/^[<>]=?$/.test(n.child(i)?.type ?? '')) ordered = true;
    if (ordered) for (const c of n.namedChildren) if (c) add(c);
  } else if (n.type === 'call' && /^(min|max)$/.test(calleeText(n))) {
    for (const a of positionalArgs(n)) add(a);
  }
  return out;
}

const VALIDATION_TYPES: ReadonlySet<string> = new Set(['comparison_operator', 'call']);

/** Whether some code in [from, to) of `scope` validates `key` (a name, or `.attr`). */
function validatedIn(scope: Node, key: string, from = -1, to = Infinity): boolean {
  let found = false;
  forEachDescendant(
    scope,
    (n) => {
      if (found) return false;
      if (n.startIndex < from || n.startIndex >= to) return;
      if (validatedNames(n).includes(key)) found = true;
    },
    true,
    VALIDATION_TYPES,
  );
  return found;
}

/** Module-level configuration numbers of a segment, and the names its code validates anywhere. */
interface ConfigFacts {
  /** `NAME = int(cfg[…])` at module level: [name, parse]. */
  numbers?: [string, 'int' | 'float'][];
  /** Names compared or clamped anywhere in the segment. */
  validated?: string[];
}

/** The config numbers bound at module level and the names validated, per segment (module globals cross segments). */
export const configNumbers: FactProvider<ConfigFacts> = {
  id: 'py901.configNumbers',
  language: 'python',
  collect(seg) {
    const facts: ConfigFacts = {};
    const validated = new Set<string>();
    forEachDescendant(seg, (n) => void validatedNames(n).forEach((v) => validated.add(v)), true, VALIDATION_TYPES);
    if (seg.type === 'expression_statement') {
      const a = seg.namedChild(0);
      const left = a?.type === 'assignment' ? a.childForFieldName('left') : null;
      const right = a?.childForFieldName('right');
      // No RuleContext here: imports are not followed, so match the common spellings directly.
      const callee = right?.type === 'call' ? calleeText(right) : '';
      const arg = right?.type === 'call' ? positionalArgs(right)[0] : undefined;
      const parsed = (callee === 'int' || callee === 'float') && arg && (arg.type === 'subscript' ? CONFIGISH.test(arg.text) : arg.type === 'call' && (/^os\.(getenv|environ\.get)$|^getenv$/.test(calleeText(arg)) || (/\.get\w*$/.test(calleeText(arg)) && CONFIGISH.test(receiverOf(arg)?.text ?? ''))));
      if (left?.type === 'identifier' && parsed) facts.numbers = [[left.text, callee as 'int' | 'float']];
    }
    if (validated.size) facts.validated = [...validated].sort();
    return facts.numbers || facts.validated ? facts : undefined;
  },
};

/** Where a configuration number used by a sink was parsed: the parse call, its kind and a description. */
interface Origin {
  parse: Node;
  kind: 'int' | 'float';
}

/** The origin of a local name: its last assignment before the sink in the function, if that is a config parse not validated since. */
function localOrigin(ctx: RuleContext, fn: Node, ref: Node, sink: Node): Origin | undefined {
  let last: Node | undefined;
  forEachDescendant(
    fn.childForFieldName('body') ?? fn,
    (n) => {
      const left = n.childForFieldName('left');
      if (left?.type === 'identifier' && left.text === ref.text && n.startIndex < sink.startIndex) last = n;
    },
    false,
    new Set(['assignment', 'augmented_assignment']),
  );
  const value = last?.type === 'assignment' ? last.childForFieldName('right') : null;
  const kind = configParse(ctx, value);
  if (!last || !value || !kind) return undefined;
  if (validatedIn(fn, ref.text, last.endIndex, sink.startIndex)) return undefined;
  return { parse: value, kind };
}

/** The origin of `self.X`: an assignment `self.X = <config parse>` in a method of the class, with no validation of X in the class. */
function attributeOrigin(ctx: RuleContext, fn: Node, ref: Node): Origin | undefined {
  const obj = ref.childForFieldName('object');
  const attr = ref.childForFieldName('attribute')?.text;
  const cls = classOfMethod(fn);
  if (!cls || !attr || obj?.type !== 'identifier' || obj.text !== parameterNames(fn)[0]) return undefined;
  let origin: Origin | undefined;
  forEachDescendant(
    cls,
    (n) => {
      if (origin) return false;
      const left = n.childForFieldName('left');
      if (left?.type !== 'attribute' || left.childForFieldName('attribute')?.text !== attr) return;
      const method = enclosingFunction(n);
      if (!method || left.childForFieldName('object')?.text !== parameterNames(method)[0]) return;
      const value = n.childForFieldName('right');
      const kind = configParse(ctx, value);
      if (value && kind) origin = { parse: value, kind };
    },
    true,
    new Set(['assignment']),
  );
  if (!origin || validatedIn(cls, `.${attr}`)) return undefined;
  return origin;
}

/** The origin of a module global: a module-level `NAME = int(cfg[…])` that no code of the file validates. */
function globalOrigin(ctx: RuleContext, ref: Node): Origin | undefined {
  const facts = ctx.facts(configNumbers);
  const name = ref.text;
  if (facts.some((f) => f.value.validated?.includes(name))) return undefined;
  for (const f of facts) {
    const hit = f.value.numbers?.find(([n]) => n === name);
    if (!hit) continue;
    const right = f.node.namedChild(0)?.childForFieldName('right');
    if (right) return { parse: right, kind: hit[1] };
  }
  return undefined;
}

function option(ctx: RuleContext, key: string): number | undefined {
  const v = ctx.options[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export default defineRule({
  code: 'PY901',
  name: 'unvalidated-config-number',
  language: 'python',
  category: 'config-validation',
  severity: 'info',
  fix: 'always',
  summary: 'A number parsed from configuration reaches a sleep, timeout, queue size or allocation with no bounds check, so a bad value crashes, spins or hangs.',
  kinds: ['call', 'binary_operator'],
  facts: [pyFacts, configNumbers],
  docs: {
    whatItDoes:
      'Flags a sink that receives a number parsed from configuration with no bounds check in between. The value is ' +
      '`int(…)`/`float(…)` over a configuration read (`cfg["poll"]["interval"]`, `os.environ[…]`, `os.getenv(…)`, ' +
      '`config.get(…)`, a subscript of a name such as `settings` or `yaml_conf`), or `config.getint/getfloat(…)`; it ' +
      'reaches the sink as a local of the same function, a module global, or a `self` attribute set in another ' +
      'method of the class, directly or through arithmetic (`delay / 1000`). Sinks: `time.sleep(x)`, ' +
      '`sock.settimeout(x)`, `threading.Timer(x, …)`, `event.wait(x)`, `queue.Queue(maxsize=x)`, `range(x)`, ' +
      '`[…] * x`, `bytearray(x)` and `sock.listen(x)`. A comparison (`x < …`, `x >= …`) or `min(`/`max(` on the ' +
      'name between the parse and the sink (anywhere in the file for a global, anywhere in the class for an ' +
      'attribute) counts as validation. Severity: warning where a bad value raises or hangs (sleep, settimeout, ' +
      'wait, range, bytearray), info otherwise.',
    whyBad:
      'Configuration is input. `time.sleep(-1)` raises ValueError, which ends the polling thread that called it; ' +
      '`event.wait(0)` in a loop spins a core; a `maxsize` of 0 makes a queue unbounded; a typo that adds three ' +
      'zeros makes `range()` or `bytearray()` run or allocate until the host gives up. The value parses fine, so ' +
      'the failure shows up later, far from the configuration file that caused it.',
    example: 'interval = float(cfg["poll"]["interval"])\nwhile True:\n    poll()\n    time.sleep(interval)',
    useInstead: 'interval = max(0.0, float(cfg["poll"]["interval"]))\nwhile True:\n    poll()\n    time.sleep(interval)',
    fixSafety:
      'The safe fix clamps the parse where the value is bound: `float(E)` becomes `max(<floor>, float(E))`. The floor ' +
      'is 0 for sleeps, timeouts and waits (rule option `floor`), 1 for a queue\'s `maxsize` and 0 for other sizes ' +
      '(rule option `sizeFloor`). RULES.md gives sizes a floor of 1; here only `maxsize` gets it, because 0 is a valid ' +
      '`range()` or `bytearray()` length and a floor of 1 would change valid configurations. Values that were valid are ' +
      'unchanged; an upper bound is left to the user.',
    related: 'None. GO901 ticker-interval-unvalidated is the Go counterpart.',
  },
  check(node, ctx) {
    const sinks = sinkArgs(ctx, node);
    if (!sinks.length) return;
    const fn = enclosingFunction(node);
    const bind = bindingsVia(ctx);
    for (const [arg, sink] of sinks) {
      for (const ref of refsOf(arg)) {
        let origin: Origin | undefined;
        if (ref.type === 'identifier') {
          if (fn && isLocalName(fn, ref.text, bind)) origin = localOrigin(ctx, fn, ref, node);
          else if (!fn || !validatedIn(fn, ref.text, -1, node.startIndex)) origin = globalOrigin(ctx, ref);
        } else if (fn) {
          origin = attributeOrigin(ctx, fn, ref);
        }
        if (!origin) continue;
        const floor = sink.size ? (option(ctx, 'sizeFloor') ?? sink.sizeFloor ?? 0) : (option(ctx, 'floor') ?? 0);
        const floorText = origin.kind === 'float' && Number.isInteger(floor) ? `${floor}.0` : String(floor);
        const severity: Severity = sink.severe ? 'warning' : 'info';
        const fix: Fix = {
          title: `Clamp the parsed value with max(${floorText}, …)`,
          applicability: 'safe',
          edits: [{ start: origin.parse.startIndex, end: origin.parse.endIndex, newText: `max(${floorText}, ${ctx.textOf(origin.parse)})` }],
        };
        ctx.report({
          node,
          severity,
          message: `${ctx.textOf(ref)} comes from configuration (${exprKey(origin.parse).length > 60 ? origin.kind + '(…)' : ctx.textOf(origin.parse)}) and reaches ${sink.what} unchecked: ${sink.outcome}`,
          fixes: [fix],
        });
        return;
      }
    }
  },
});
