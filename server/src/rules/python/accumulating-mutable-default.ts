/** PY503 accumulating-mutable-default: a mutable default argument that the function grows on every call. */
import type { Node } from '../../engine/syntax';
import { eol, indentAt, startsLine } from '../../engine/fix';
import {
  calleeName,
  calleeText,
  enclosingFunction,
  forEachDescendant,
  indentUnitAt,
  mutationsOf,
  receiverOf,
  statementsOf,
  targetNames,
} from '../../engine/python';
import { defineRule, type Fix, type RuleContext } from '../../engine/rule';

/** Constructors of mutable containers whose call is as shared as a literal when used as a default. */
const MUTABLE_CALL = /^(collections\.)?(list|dict|set|defaultdict|deque|OrderedDict|Counter)$/;

/** Whether a default value builds a new mutable container once, at definition time. */
function isMutableDefault(value: Node): boolean {
  if (value.type === 'list' || value.type === 'dictionary' || value.type === 'set') return true;
  return value.type === 'call' && MUTABLE_CALL.test(calleeText(value));
}

/** Whether a default is a mapping, which item assignment grows (on a list it only overwrites a slot). */
function isMapping(value: Node): boolean {
  return value.type === 'dictionary' || (value.type === 'call' && /(^|\.)(dict|defaultdict|OrderedDict|Counter)$/.test(calleeText(value)));
}

/** Parameter names that announce an intentional memo: disabling the sharing would disable the cache. */
const MEMO_NAME = /cache|memo/i;

/** The node types that grow or reset a parameter in a function body. */
const BODY_TYPES: ReadonlySet<string> = new Set(['call', 'assignment', 'augmented_assignment', 'delete_statement', 'for_statement', 'named_expression', 'not_operator', 'if_statement']);

/** What the body does with one parameter: the first growing mutation, and whether it is rebound or bounded. */
interface ParamUse {
  grow?: Node;
  /** The first item assignment (`P[k] = …`, `P[k] += …`), growth only for a mapping. */
  write?: Node;
  rebound: boolean;
  bounded: boolean;
}

/** Walks a function body once and records, per parameter name, its growth, rebinding and eviction. */
function paramUses(body: Node, names: Set<string>): Map<string, ParamUse> {
  const uses = new Map<string, ParamUse>();
  const use = (name: string): ParamUse => {
    let u = uses.get(name);
    if (!u) uses.set(name, (u = { rebound: false, bounded: false }));
    return u;
  };
  forEachDescendant(
    body,
    (n) => {
      if (n.type === 'assignment' || n.type === 'for_statement' || n.type === 'named_expression') {
        const bound = new Set<string>();
        targetNames(n.childForFieldName(n.type === 'named_expression' ? 'name' : 'left'), bound);
        for (const b of bound) if (names.has(b)) use(b).rebound = true;
      }
      if (n.type === 'if_statement') {
        // `if cache: return cache[0]` before filling it: the same once-only static.
        const cond = n.childForFieldName('condition');
        if (cond?.type === 'identifier' && names.has(cond.text)) use(cond.text).bounded = true;
      }
      if (n.type === 'not_operator') {
        // `if not cache: cache.append(load())` fills the container once: a lazily set static, not growth.
        const arg = n.childForFieldName('argument');
        if (arg?.type === 'identifier' && names.has(arg.text)) use(arg.text).bounded = true;
      }
      if (n.type === 'call') {
        const recv = receiverOf(n);
        const method = calleeName(n);
        // Eviction or a size check bounds the container: `if len(cache) > N: cache.clear()`.
        if (recv?.type === 'identifier' && names.has(recv.text) && /^(pop|popitem|popleft|clear|remove|discard)$/.test(method)) use(recv.text).bounded = true;
        if (calleeText(n) === 'len') {
          const a = n.childForFieldName('arguments')?.namedChild(0);
          if (a?.type === 'identifier' && names.has(a.text) && n.parent?.type === 'comparison_operator') use(a.text).bounded = true;
        }
        if (recv?.type === 'identifier' && names.has(recv.text) && method === 'setdefault') use(recv.text).grow ??= n;
      }
      if (n.type === 'augmented_assignment') {
        // `counts[word] += 1` adds the key when the container is a defaultdict or Counter.
        const left = n.childForFieldName('left');
        const v = left?.type === 'subscript' ? left.childForFieldName('value') : null;
        if (v?.type === 'identifier' && names.has(v.text)) use(v.text).write ??= n;
      }
      if (n.type === 'delete_statement') {
        for (const m of mutationsOf(n)) if (m.object.type === 'identifier' && names.has(m.object.text)) use(m.object.text).bounded = true;
        return;
      }
      for (const m of mutationsOf(n)) {
        if (m.object.type !== 'identifier' || !names.has(m.object.text)) continue;
        if (m.kind === 'remove') use(m.object.text).bounded = true;
        else if (m.kind === 'grow') use(m.object.text).grow ??= n;
        else if (m.kind === 'write') use(m.object.text).write ??= n;
      }
    },
    false,
    BODY_TYPES,
  );
  return uses;
}

/** The default parameters of a function whose value is a mutable container: [parameter, name, value]. */
function mutableDefaults(fn: Node): [Node, string, Node][] {
  const out: [Node, string, Node][] = [];
  for (const p of fn.childForFieldName('parameters')?.namedChildren ?? []) {
    if (p?.type !== 'default_parameter' && p?.type !== 'typed_default_parameter') continue;
    const name = p.childForFieldName('name');
    const value = p.childForFieldName('value');
    if (name?.type === 'identifier' && value && isMutableDefault(value)) out.push([p, name.text, value]);
  }
  return out;
}

/** The fix: default `None`, and `if P is None: P = <literal>` as the first statement after the docstring. */
function noneDefaultFix(ctx: RuleContext, fn: Node, param: Node, name: string, value: Node): Fix | undefined {
  const body = fn.childForFieldName('body');
  const stmts = body ? statementsOf(body) : [];
  if (!body || !stmts.length || !startsLine(ctx.text, stmts[0].startIndex)) return undefined;
  const nl = eol(ctx.text);
  const indent = indentAt(ctx.text, stmts[0].startIndex);
  const unit = indentUnitAt(ctx.text, stmts[0]);
  const guard = `if ${name} is None:${nl}${indent}${unit}${name} = ${ctx.textOf(value)}`;
  const first = stmts[0];
  const doc = first.type === 'expression_statement' && first.namedChild(0)?.type === 'string' ? first : undefined;
  const insert = doc
    ? { start: doc.endIndex, end: doc.endIndex, newText: `${nl}${indent}${guard}` }
    : { start: first.startIndex, end: first.startIndex, newText: `${guard}${nl}${indent}` };
  return {
    title: `Default ${name} to None and create the ${value.type === 'dictionary' ? 'dict' : value.type === 'call' ? calleeText(value) : value.type} per call`,
    // An annotated parameter keeps its annotation, which no longer admits None: the user should widen it.
    applicability: param.type === 'typed_default_parameter' ? 'assisted' : 'safe',
    edits: [{ start: value.startIndex, end: value.endIndex, newText: 'None' }, insert],
  };
}

export default defineRule({
  code: 'PY503',
  name: 'accumulating-mutable-default',
  language: 'python',
  category: 'unbounded-growth',
  severity: 'warning',
  fix: 'sometimes',
  summary: 'A mutable default argument that the function appends to grows for the life of the process and is shared by every caller.',
  kinds: ['function_definition'],
  docs: {
    whatItDoes:
      'Flags a parameter whose default is a mutable container (`[]`, `{}`, a set, or `list()`, `dict()`, `set()`, ' +
      '`defaultdict(…)`, `deque()`, `OrderedDict()`, `Counter()`) when the function body grows it: `P.append/extend/' +
      'add/update/insert/setdefault(…)`, `P += …`, or `P[k] = …` when `P` is a dict (item assignment on a list only ' +
      'overwrites a slot, as in the `counter=[0]` idiom). A parameter that is only read is left to Ruff B006, and so ' +
      'are the defaults of nested functions, which are rebuilt each time the enclosing function runs. A default named ' +
      'like a memo (`_cache`, `memo`) is reported without a fix, because a per-call default would defeat the cache. ' +
      'Nothing is reported when the body rebinds the parameter (`P = P or []`, `if P is None: P = []`, `P = list(P)`), ' +
      'or bounds it: a memo dict with a size check (`if len(cache) > 1000: cache.clear()`), removals ' +
      '(`pop`, `clear`, `del P[k]`), or an emptiness test (`if not P: P.append(…)`, `if P: return P[0]`) that fills it once. RULES.md names the size-checked memo exemption for `_cache`/`memo` only; it ' +
      'applies here whatever the name, because the container cannot grow without bound.',
    whyBad:
      'The default is evaluated once, when `def` runs, so every call that omits the argument appends to the same ' +
      'object. In a long-running service the list or dict grows with every request until the process runs out of ' +
      'memory, and callers see each other\'s data: a history, a set of seen ids or a header dict leaks between ' +
      'unrelated requests.',
    example: 'def record(event, history=[]):\n    history.append(event)\n    return history',
    useInstead: 'def record(event, history=None):\n    if history is None:\n        history = []\n    history.append(event)\n    return history',
    fixSafety:
      'The fix changes the default to `None` and inserts `if P is None: P = <original default>` as the first ' +
      'statement of the body (after the docstring), so each call that omits the argument gets a fresh container. ' +
      'It is safe, except that callers can no longer observe the shared state they may have relied on. For an ' +
      'annotated parameter (`P: list = []`) the fix is assisted, because the annotation must be widened to admit ' +
      '`None`. No fix is offered when the body shares the `def` line.',
    related: 'Ruff/flake8-bugbear B006 mutable-argument-default flags every mutable default, including read-only ones; Pylint W0102 dangerous-default-value.',
  },
  check(fn, ctx) {
    // A nested function's defaults are built again each time the enclosing function runs: no process-long growth.
    if (enclosingFunction(fn)) return;
    const defaults = mutableDefaults(fn);
    const body = fn.childForFieldName('body');
    if (!defaults.length || !body) return;
    const uses = paramUses(body, new Set(defaults.map(([, n]) => n)));
    for (const [param, name, value] of defaults) {
      const u = uses.get(name);
      if (!u || u.rebound || u.bounded) continue;
      const writes = isMapping(value) ? u.write : undefined;
      const grow = u.grow && writes ? (u.grow.startIndex < writes.startIndex ? u.grow : writes) : (u.grow ?? writes);
      if (!grow) continue;
      if (MEMO_NAME.test(name)) {
        // An intentional memo: making it per call would defeat it, so the remedy is a bound, not a fresh default.
        ctx.report({
          node: grow,
          message: `the memo default ${name} is shared by every call and never evicts: it grows with every new key for the life of the process (bound it, or use functools.lru_cache(maxsize=…))`,
        });
        continue;
      }
      const fix = noneDefaultFix(ctx, fn, param, name, value);
      ctx.report({
        node: grow,
        message: `the default ${ctx.textOf(value)} of ${name} is created once and shared by every call: each call grows it, so it leaks memory for the life of the process and leaks data between callers`,
        fixes: fix ? [fix] : [],
      });
    }
  },
});
