/** GO901 ticker-interval-unvalidated: a ticker interval or allocation size taken from configuration without a bound check. */
import type { Node } from '../../engine/syntax';
import { addGoImport, insertBefore, replaceNode } from '../../engine/fix';
import {
  GO_FUNCS,
  ancestorsOf,
  callArgs,
  calleeText,
  enclosingStatement,
  forEachDescendant,
  goHeader,
  goSignatures,
  paramsOf,
  unparen,
} from '../../engine/golang';
import { defineRule, type Fix, type FactProvider, type RuleContext, type TextEdit } from '../../engine/rule';

/** A selector path that reads configuration: `cfg.X`, `s.config.X`, `opts.X`, `o.Options.X`. */
const CONFIG_PATH = /(^|\.)(cfg|conf|config|configuration|settings|opts|options)\./i;
const TIME_UNIT = /^time\.(Nanosecond|Microsecond|Millisecond|Second|Minute|Hour)$/;

/** Lower-cased last components of operands compared with `<`, `<=`, `>` or `>=` (see orderedTails). */
interface Compares {
  /** Compared against a lower bound (`x <= 0`, `x < 1`, `x < minInterval`, `0 >= x`). */
  lower: string[];
  /** Compared against anything else (`x > maxSize`, `x >= limit`). */
  other: string[];
}

/** The last component of an operand (`cfg.Interval` → `interval`, `time.Duration(n)` → `n`), lower-cased. */
function tailOf(n: Node | null | undefined): string | undefined {
  const e = unparen(n);
  if (!e) return undefined;
  if (e.type === 'identifier') return e.text.toLowerCase();
  if (e.type === 'selector_expression') return e.childForFieldName('field')?.text.toLowerCase();
  if (e.type === 'call_expression') {
    // A conversion such as time.Duration(x) or int(x).
    const args = callArgs(e);
    if (args.length === 1 && /^(time\.Duration|u?int(8|16|32|64)?|float(32|64))$/.test(calleeText(e))) return tailOf(args[0]);
  }
  return undefined;
}

/** Whether an expression is a small constant bound: a number, a time unit, `N*time.Unit`, or a name saying min/default. */
function isLowerBound(n: Node | null | undefined): boolean {
  const e = unparen(n);
  if (!e) return false;
  const t = e.text.replace(/\s+/g, '');
  if (/^-?[0-9][0-9_.]*$/.test(t)) return Number(t.replace(/_/g, '')) <= 1;
  if (TIME_UNIT.test(t)) return true;
  if (/^[0-9]+\*time\.\w+$|^time\.\w+\*[0-9]+$/.test(t)) return true;
  return /(^|\.)(min|minimum|default|lowest|floor)\w*$/i.test(t);
}

/** The ordering comparisons of one top-level declaration, by operand tail. */
export const goOrderedCompares: FactProvider<Compares> = {
  id: 'go.orderedCompares',
  language: 'go',
  collect(seg) {
    if (seg.type === 'import_declaration' || seg.type === 'package_clause' || seg.type === 'comment') return undefined;
    const lower = new Set<string>();
    const other = new Set<string>();
    const visit = (n: Node): void => {
      if (n.type !== 'binary_expression') return;
      const op = n.childForFieldName('operator')?.type ?? '';
      if (!/^[<>]=?$/.test(op)) return;
      const l = n.childForFieldName('left');
      const r = n.childForFieldName('right');
      for (const [a, b] of [
        [l, r],
        [r, l],
      ]) {
        const t = tailOf(a);
        if (!t) continue;
        if (isLowerBound(b)) lower.add(t);
        else other.add(t);
      }
    };
    visit(seg);
    forEachDescendant(seg, visit, true);
    if (!lower.size && !other.size) return undefined;
    return { lower: [...lower].sort(), other: [...other].sort() };
  },
};

/** Whether an expression is wrapped in a clamp (`max(…)`, `min(…)` or a helper named like one). */
function isClamped(e: Node | null | undefined): boolean {
  const x = unparen(e);
  return x?.type === 'call_expression' && /(^|\.)(max|min|clamp)\w*$/i.test(calleeText(x));
}

/** What an interval or size expression reads that configuration controls. */
interface Source {
  /** The text shown in the message (`cfg.Interval`, `interval`). */
  text: string;
  /** Selector tails whose validation anywhere in the file clears the finding. */
  tails: string[];
  /** Parameter and local names whose validation in the same function clears it. */
  names: string[];
}

/** The parameter names of the functions (declarations and literals) enclosing `node`, innermost first. */
function enclosingParams(chain: Node[]): Set<string> {
  const out = new Set<string>();
  for (let i = chain.length - 1; i >= 0; i--) {
    if (!GO_FUNCS.has(chain[i].type)) continue;
    for (const p of paramsOf(chain[i].childForFieldName('parameters'))) if (p.name && p.name !== '_') out.add(p.name);
  }
  return out;
}

/** A configuration-controlled value read directly by `expr`: a parameter (or a selector on one) or a config selector. */
function directSource(expr: Node, params: Set<string>): Source | undefined {
  let found: Source | undefined;
  const consider = (n: Node): void | false => {
    if (found) return false;
    if (n.type === 'call_expression' && isClamped(n)) return false;
    if (n.type === 'selector_expression') {
      if (n.parent?.type === 'selector_expression' && n.parent.childForFieldName('operand')?.id === n.id) return;
      if (n.parent?.type === 'call_expression' && n.parent.childForFieldName('function')?.id === n.id) return;
      const text = n.text;
      if (TIME_UNIT.test(text)) return false;
      let root: Node | null = n;
      while (root?.type === 'selector_expression') root = root.childForFieldName('operand');
      const rootName = root?.type === 'identifier' ? root.text : '';
      if (CONFIG_PATH.test(text) || (rootName && params.has(rootName))) {
        found = { text, tails: [n.childForFieldName('field')?.text.toLowerCase() ?? ''], names: [] };
      }
      return false;
    }
    if (n.type === 'identifier' && params.has(n.text)) {
      const p = n.parent;
      if (p?.type === 'call_expression' && p.childForFieldName('function')?.id === n.id) return;
      found = { text: n.text, tails: [], names: [n.text.toLowerCase()] };
    }
  };
  if (consider(expr) === false) return found;
  forEachDescendant(expr, consider);
  return found;
}

/** The right-hand sides assigned to local `name` in `fn` (`:=`, `=`, `var`), not entering nested literals. */
function assignmentsOf(fn: Node, name: string): Node[] {
  const out: Node[] = [];
  const body = fn.childForFieldName('body');
  if (!body) return out;
  forEachDescendant(body, (n) => {
    if (n.type === 'short_var_declaration' || n.type === 'assignment_statement') {
      const left = (n.childForFieldName('left')?.namedChildren ?? []).filter((x) => x && x.type !== 'comment');
      const right = (n.childForFieldName('right')?.namedChildren ?? []).filter((x) => x && x.type !== 'comment');
      const i = left.findIndex((x) => x?.type === 'identifier' && x.text === name);
      if (i >= 0) {
        const op = n.children.find((c) => c && !c.isNamed && /=$/.test(c.type))?.type ?? '=';
        // `d += x`, `d *= 2`: a compound update keeps the earlier value's provenance; a multi-value call is opaque.
        if (op === '=' || op === ':=') out.push(right.length === left.length ? right[i]! : n);
      }
    } else if (n.type === 'var_spec') {
      const names = n.childrenForFieldName('name');
      const i = names.findIndex((x) => x?.text === name);
      const value = n.childForFieldName('value');
      if (i >= 0 && value) out.push(value.namedChildren.filter((x) => x && x.type !== 'comment')[i] ?? n);
    }
  });
  return out;
}

/**
 * The configuration-controlled source of a duration or size expression: direct, or through a local assigned once
 * from one (one step). Undefined when the value is constant, clamped or local.
 */
function sourceOf(ctx: RuleContext, expr: Node, chain: Node[]): Source | undefined {
  if (isClamped(expr)) return undefined;
  const params = enclosingParams(chain);
  const direct = directSource(expr, params);
  if (direct) return direct;
  // One step through a local: `interval := time.Second / time.Duration(rate)`.
  let fn: Node | undefined;
  for (let i = chain.length - 1; i >= 0; i--) {
    if (GO_FUNCS.has(chain[i].type)) {
      fn = chain[i];
      break;
    }
  }
  if (!fn) return undefined;
  const locals: Node[] = [];
  const e = unparen(expr);
  if (e?.type === 'identifier') locals.push(e);
  else if (e) forEachDescendant(e, (n) => void (n.type === 'identifier' && n.parent?.type !== 'selector_expression' && locals.push(n)));
  for (const id of locals) {
    if (params.has(id.text)) continue;
    const rhs = assignmentsOf(fn, id.text);
    if (rhs.some((r) => isClamped(r))) return undefined;
    const srcs = rhs.filter((r) => r.type !== 'short_var_declaration' && r.type !== 'assignment_statement' && r.type !== 'var_spec').map((r) => directSource(r, params));
    const found = srcs.filter((s): s is Source => !!s);
    if (!found.length) continue;
    return { text: id.text, tails: found.flatMap((s) => s.tails), names: [id.text.toLowerCase(), ...found.flatMap((s) => s.names)] };
  }
  return undefined;
}

/** Whether `x` names a ticker: a local bound from time.NewTicker in the function, or a name that says so. */
function isTicker(x: Node, chain: Node[]): boolean {
  const text = x.text;
  const last = text.split('.').pop() ?? text;
  if (/ticker/i.test(last)) return true;
  if (x.type !== 'identifier') return false;
  for (let i = chain.length - 1; i >= 0; i--) {
    if (!GO_FUNCS.has(chain[i].type)) continue;
    return assignmentsOf(chain[i], text).some((r) => r.type === 'call_expression' && calleeText(r) === 'time.NewTicker');
  }
  return false;
}

/**
 * Whether `src` is compared with a bound: a selector tail anywhere in the file (constructors often validate
 * defaults), a parameter or local name in the same top-level function.
 */
function validated(ctx: RuleContext, src: Source, kind: 'lower' | 'upper', chain: Node[]): boolean {
  const pick = (c: Compares): string[] => (kind === 'lower' ? c.lower : c.other);
  if (src.tails.some((t) => ctx.facts(goOrderedCompares).some((f) => pick(f.value).includes(t)))) return true;
  const top = chain.find((n) => n.type === 'function_declaration' || n.type === 'method_declaration');
  if (!top || !src.names.length) return false;
  const local = ctx.memo(top, 'go901.compares', () => goOrderedCompares.collect(top) ?? { lower: [], other: [] });
  return src.names.some((t) => pick(local).includes(t));
}

/** The Go version the fix may assume, from the `goVersion` option ("1.21"); undefined when not configured. */
function goMinor(ctx: RuleContext): number | undefined {
  const v = ctx.options.goVersion;
  const m = typeof v === 'string' || typeof v === 'number' ? /^(?:go)?1\.(\d+)/.exec(String(v)) : null;
  return m ? Number(m[1]) : undefined;
}

function fixesFor(ctx: RuleContext, call: Node, arg: Node): Fix[] {
  const floor = typeof ctx.options.floor === 'string' && ctx.options.floor.trim() ? ctx.options.floor.trim() : 'time.Second';
  const edits: TextEdit[] = [];
  if (/\btime\./.test(floor) && !ctx.facts(goHeader).some((f) => f.value.imports?.includes('time'))) {
    const imp = addGoImport(ctx.text, ctx.root, 'time');
    if (imp) edits.push(imp);
  }
  const minor = goMinor(ctx);
  // A file (package) that declares its own max predates the builtin, or shadows it.
  const ownMax = ctx.facts(goSignatures).some((f) => f.value.name === 'max' && !f.value.recvType);
  if ((minor === undefined || minor >= 21) && !ownMax) {
    return [
      {
        title: `Clamp the interval with max(${arg.text}, ${floor})`,
        applicability: 'safe',
        edits: [...edits, replaceNode(arg, `max(${arg.text}, ${floor})`)],
      },
    ];
  }
  const a = unparen(arg);
  const stmt = enclosingStatement(call);
  if (!stmt || !a || (a.type !== 'identifier' && a.type !== 'selector_expression')) return [];
  return [
    {
      title: `Insert a default for ${a.text} when it is not positive`,
      applicability: 'assisted',
      edits: [...edits, insertBefore(ctx.text, stmt, `if ${a.text} <= 0 {\n\t${a.text} = ${floor}\n}`)],
    },
  ];
}

export default defineRule({
  code: 'GO901',
  name: 'ticker-interval-unvalidated',
  language: 'go',
  category: 'config-validation',
  severity: 'warning',
  fix: 'sometimes',
  summary: 'A ticker interval from configuration or a parameter is never checked to be positive, so "0s" in a config file panics the process.',
  kinds: ['call_expression'],
  callees: /^(time\.NewTicker|time\.Tick|make)$|Reset$/,
  facts: [goOrderedCompares, goSignatures, goHeader],
  docs: {
    whatItDoes:
      'Flags `time.NewTicker(D)`, `time.Tick(D)` and `ticker.Reset(D)` where `D` comes from a parameter, a configuration field (`cfg.X`, `s.config.X`, `opts.X`) or a local computed from one, and nothing in the file compares that value with a lower bound (`if cfg.Interval <= 0 { … }`). It also flags, at info, `make([]T, N)` and `make(chan T, N)` where `N` is a configuration field, or a parameter of a `New…` constructor, that nothing in the file bounds from above.',
    whyBad:
      '`time.NewTicker` and `Ticker.Reset` panic with "non-positive interval" when the duration is zero or negative, and `time.Tick` returns a nil channel that blocks its reader forever. `time.ParseDuration("0s")`, an unset YAML field and `"-5s"` all parse without error, so one bad value in a config file crashes the service at start-up, or later when a reload resets the ticker. A size taken from configuration without an upper bound lets one typo allocate gigabytes.',
    example: 'func (s *Service) run(cfg Config) {\n\tt := time.NewTicker(cfg.CheckInterval) // panics when the file says "0s"\n\tdefer t.Stop()\n\tfor range t.C {\n\t\ts.check()\n\t}\n}',
    useInstead:
      'func (s *Service) run(cfg Config) {\n\tif cfg.CheckInterval <= 0 {\n\t\tcfg.CheckInterval = 30 * time.Second\n\t}\n\tt := time.NewTicker(cfg.CheckInterval)\n\tdefer t.Stop()\n\tfor range t.C {\n\t\ts.check()\n\t}\n}',
    fixSafety:
      'Safe: rewrites the interval `D` to `max(D, time.Second)` (Go 1.21 builtin), so a non-positive value ticks once a second instead of panicking. Options (in a `[rules.GO901]` table of steady.toml): `floor` sets the lower bound expression (default `time.Second`; `time.Nanosecond` keeps semantics closest for positive values), and `goVersion` (for example `"1.20"`) tells the rule the module\'s Go version; below 1.21, or when the file declares its own `max` function, the fix becomes an assisted `if D <= 0 { D = <floor> }` inserted before the statement, offered when `D` is a variable or field. Allocation sizes (the info findings) get no fix: the right upper bound is a product decision.',
    related: 'none: no linter models this run-time panic.',
  },
  check(node, ctx) {
    if (ctx.isTestFile) return; // test code sets its own intervals; no configuration reaches it
    const callee = calleeText(node);
    const f = node.childForFieldName('function');
    let kind: 'ticker' | 'tick' | 'reset' | 'make';
    if (callee === 'time.NewTicker') kind = 'ticker';
    else if (callee === 'time.Tick') kind = 'tick';
    else if (callee === 'make') kind = 'make';
    else if (f?.type === 'selector_expression' && f.childForFieldName('field')?.text === 'Reset') kind = 'reset';
    else return;
    const args = callArgs(node);
    const chain = ancestorsOf(ctx, node);
    if (kind === 'make') return checkMake(ctx, node, args, chain);
    if (args.length !== 1) return;
    if (kind === 'reset' && !isTicker(f!.childForFieldName('operand')!, chain)) return;
    const src = sourceOf(ctx, args[0], chain);
    if (!src || validated(ctx, src, 'lower', chain)) return;
    const what =
      kind === 'tick'
        ? `time.Tick returns a nil channel when ${src.text} is zero or negative, and receiving from it blocks forever`
        : `${kind === 'reset' ? 'Ticker.Reset' : 'time.NewTicker'} panics with "non-positive interval" when ${src.text} is zero or negative`;
    ctx.report({
      node,
      message: `${what}: nothing in this file checks that ${src.text} is positive, and "0s" parses as a valid duration`,
      fixes: fixesFor(ctx, node, args[0]),
    });
  },
});

/** Part (b): `make([]T, N)` / `make(chan T, N)` sized by configuration with no upper bound anywhere in the file. */
function checkMake(ctx: RuleContext, node: Node, args: Node[], chain: Node[]): void {
  if (args.length < 2) return;
  const type = args[0];
  if (type.type !== 'slice_type' && type.type !== 'channel_type') return;
  const size = unparen(args[args.length - 1]);
  if (!size || isClamped(size)) return;
  let src: Source | undefined;
  if (size.type === 'selector_expression' && CONFIG_PATH.test(size.text)) {
    src = { text: size.text, tails: [size.childForFieldName('field')?.text.toLowerCase() ?? ''], names: [] };
  } else if (size.type === 'identifier') {
    const top = chain.find((n) => n.type === 'function_declaration' || n.type === 'method_declaration');
    const fn = [...chain].reverse().find((n) => GO_FUNCS.has(n.type));
    if (!top || fn?.id !== top.id || !/^New/.test(top.childForFieldName('name')?.text ?? '')) return;
    if (!paramsOf(top.childForFieldName('parameters')).some((p) => p.name === size.text)) return;
    src = { text: size.text, tails: [], names: [size.text.toLowerCase()] };
  }
  if (!src || validated(ctx, src, 'upper', chain)) return;
  ctx.report({
    node,
    severity: 'info',
    message: `config-sized allocation has no upper bound: make allocates whatever ${src.text} says, so one typo in the configuration can exhaust memory`,
  });
}
