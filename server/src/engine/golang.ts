/**
 * Shared Go analyses (RULES.md §0): syntax helpers, the per-file function index (a fact, so it is rebuilt only for
 * declarations that changed) and lock regions.
 */
import { declarationMentions, type Node } from './syntax';
import { addGoImport, indentAt, insertAfter, lineStart, reindent } from './fix';
import type { FactProvider, RuleContext, TextEdit } from './rule';
import { ancestorChain, walkNamedDescendants } from './walk';

/** Node types that start a new function scope. */
export const GO_FUNCS = new Set(['function_declaration', 'method_declaration', 'func_literal']);

/** The nearest enclosing function_declaration, method_declaration or func_literal. */
export function enclosingFunc(node: Node): Node | null {
  for (let n = node.parent; n; n = n.parent) if (GO_FUNCS.has(n.type)) return n;
  return null;
}

/** The nearest enclosing top-level function_declaration or method_declaration. */
export function enclosingTopFunc(node: Node): Node | null {
  for (let n = node.parent; n; n = n.parent) {
    if (n.type === 'function_declaration' || n.type === 'method_declaration') return n;
  }
  return null;
}

/** The receiver of a method declaration: its name (may be empty) and type name without `*` or type parameters. */
export function receiverOf(method: Node): { name: string; type: string } | undefined {
  if (method.type !== 'method_declaration') return undefined;
  const params = method.childForFieldName('receiver');
  const decl = params?.namedChildren.find((n) => n?.type === 'parameter_declaration');
  if (!decl) return undefined;
  const name = decl.childForFieldName('name')?.text ?? '';
  const type = (decl.childForFieldName('type')?.text ?? '').replace(/^\*/, '').replace(/\[.*$/, '').trim();
  return { name, type };
}

/** The callee text of a call_expression (`close`, `os.Open`, `s.mu.Lock`), or '' for other nodes. */
export function calleeText(call: Node): string {
  if (call.type !== 'call_expression') return '';
  return call.childForFieldName('function')?.text ?? '';
}

/** The argument nodes of a call_expression. */
export function callArgs(call: Node): Node[] {
  const args = call.childForFieldName('arguments');
  return args ? (args.namedChildren.filter((n) => n && n.type !== 'comment') as Node[]) : [];
}

/** The root identifier of an expression such as `s.mu.x[k]` (here `s`), or undefined. */
export function rootIdent(expr: Node): string | undefined {
  let n: Node | null = expr;
  while (n) {
    switch (n.type) {
      case 'identifier':
        return n.text;
      case 'selector_expression':
        n = n.childForFieldName('operand');
        break;
      case 'index_expression':
        n = n.childForFieldName('operand');
        break;
      case 'parenthesized_expression':
        n = n.namedChild(0);
        break;
      case 'unary_expression':
        n = n.childForFieldName('operand');
        break;
      default:
        return undefined;
    }
  }
  return undefined;
}

/** The statement node (a direct child of a statement_list) that contains `node`, or null. */
export function enclosingStatement(node: Node): Node | null {
  let n: Node | null = node;
  while (n && n.parent && n.parent.type !== 'statement_list') {
    if (GO_FUNCS.has(n.type)) return null;
    n = n.parent;
  }
  return n && n.parent ? n : null;
}

/** Visits the descendants of `node` iteratively, not entering func_literal bodies unless asked. */
export function forEachDescendant(node: Node, visit: (n: Node) => void | false, enterFuncLits = false): void {
  walkNamedDescendants(node, visit, enterFuncLits ? undefined : (n) => n.type === 'func_literal');
}

/** If `stmt` is `X.Lock()`-style (expression_statement of a call to a selector), its operand and method. */
export function mutexCall(stmt: Node): { mutex: string; op: string } | undefined {
  let e: Node | null = stmt;
  if (e.type === 'expression_statement') e = e.namedChild(0);
  if (!e || e.type !== 'call_expression') return undefined;
  const f = e.childForFieldName('function');
  if (!f || f.type !== 'selector_expression') return undefined;
  const op = f.childForFieldName('field')?.text ?? '';
  if (op !== 'Lock' && op !== 'RLock' && op !== 'Unlock' && op !== 'RUnlock') return undefined;
  if (callArgs(e).length) return undefined;
  return { mutex: f.childForFieldName('operand')?.text ?? '', op };
}

/** A lock region (§0.2): from `M.Lock()` to the first later sibling unlock, or to the end of the function if deferred. */
export interface LockRegion {
  mutex: string;
  op: 'Lock' | 'RLock';
  lock: Node;
  /** The sibling unlock statement ending the region, if any. */
  unlock?: Node;
  /** The `defer M.Unlock()` sibling, if the region lasts until the function returns. */
  deferUnlock?: Node;
  /** The statement_list holding the lock. */
  list: Node;
  start: number;
  end: number;
}

/** The lock regions of a function body (not including nested func_literals, which have their own). */
export function lockRegions(ctx: RuleContext, fn: Node): LockRegion[] {
  return ctx.memo(fn, 'lockRegions', () => computeLockRegions(fn));
}

/** The lock regions of a function body, computed without a rule context (for fact providers); see lockRegions. */
export function computeLockRegions(fn: Node): LockRegion[] {
  const out: LockRegion[] = [];
  const body = fn.childForFieldName('body');
  if (!body) return out;
  const lists: Node[] = [];
  forEachDescendant(body, (n) => {
    if (n.type === 'statement_list') lists.push(n);
  });
  if (body.type === 'statement_list') lists.push(body);
  for (const list of lists) {
    const stmts = list.namedChildren.filter((n) => n && n.type !== 'comment') as Node[];
    stmts.forEach((s, i) => {
      const m = mutexCall(s);
      if (!m || (m.op !== 'Lock' && m.op !== 'RLock')) return;
      const unlockOp = m.op === 'Lock' ? 'Unlock' : 'RUnlock';
      let unlock: Node | undefined;
      let deferUnlock: Node | undefined;
      for (let j = i + 1; j < stmts.length; j++) {
        const t = stmts[j];
        if (t.type === 'defer_statement') {
          const mm = deferredMutexCall(t);
          if (mm && mm.mutex === m.mutex && mm.op === unlockOp) {
            deferUnlock = t;
            break;
          }
        }
        const mm = mutexCall(t);
        if (mm && mm.mutex === m.mutex && mm.op === unlockOp) {
          unlock = t;
          break;
        }
      }
      const fnBodyEnd = body.endIndex;
      out.push({
        mutex: m.mutex,
        op: m.op as 'Lock' | 'RLock',
        lock: s,
        unlock,
        deferUnlock,
        list,
        start: s.endIndex,
        end: deferUnlock ? fnBodyEnd : unlock ? unlock.startIndex : list.endIndex,
      });
    });
  }
  return out;
}

/**
 * The mutex operation a `defer` statement performs when the function returns: `defer M.Unlock()`, or a deferred
 * func literal whose body has `M.Unlock()` as one of its top-level statements (`defer func() { M.Unlock() }()`).
 */
export function deferredMutexCall(stmt: Node): { mutex: string; op: string } | undefined {
  if (stmt.type !== 'defer_statement') return undefined;
  const call = stmt.namedChild(0);
  if (!call || call.type !== 'call_expression') return undefined;
  const direct = mutexCall(call);
  if (direct) return direct;
  const f = call.childForFieldName('function');
  if (f?.type !== 'func_literal') return undefined;
  const list = f.childForFieldName('body')?.namedChildren.find((n) => n?.type === 'statement_list');
  for (const s of list?.namedChildren ?? []) {
    const m = s && mutexCall(s);
    if (m && (m.op === 'Unlock' || m.op === 'RUnlock')) return m;
  }
  return undefined;
}

/** The lock regions of the enclosing function that hold `node` (code inside a nested func_literal is outside). */
export function regionsHolding(ctx: RuleContext, node: Node): LockRegion[] {
  const fn = enclosingFunc(node);
  if (!fn) return [];
  return lockRegions(ctx, fn).filter((r) => node.startIndex >= r.start && node.endIndex <= r.end);
}

/** One callable of the function index (§0.1). */
export interface GoFuncInfo {
  name: string;
  /** Receiver type name for methods ('' for functions). */
  recvType: string;
  recvName: string;
  /** Mutex paths relative to the receiver (`mu` for `s.mu.Lock()`), or full text for package-level mutexes. */
  firstOps: Record<string, string>;
  /** Mutex paths the callable locks (Lock or RLock) outside func_literals, with the operations used. */
  acquires: Record<string, string[]>;
  /** Line (0-based, relative to the declaration) of the first Lock of each path. */
  lockLine: Record<string, number>;
  hasFor: boolean;
  hasSelect: boolean;
  /** Calls a blocking `.Wait()`, `Serve`, `ListenAndServe` or similar. */
  blocking: boolean;
  /** Receives from `ctx.Done()` or a stop/quit/done channel. */
  receivesStop: boolean;
  /** Contains `defer X.Done()` (a WaitGroup done). */
  defersDone: boolean;
  /** Text of the result type list ('' when none). */
  result: string;
  /** Text of the parameter list. */
  params: string;
  /** Callees started with `go` inside this callable (`f`, `s.m`). */
  goTargets: string[];
}

const STOP_CHAN = /(^|\.)(ctx\.Done\(\)|Done\(\)|quit\w*|stop\w*|done\w*|shutdown\w*|closing|exit\w*|cancel\w*)$/i;

/** Whether a receive operand looks like a cancellation channel (`ctx.Done()`, `s.quit`, `stopCh`). */
export function isStopChannel(text: string): boolean {
  return STOP_CHAN.test(text.trim());
}

function collectFunc(decl: Node): GoFuncInfo {
  const recv = receiverOf(decl) ?? { name: '', type: '' };
  const info: GoFuncInfo = {
    name: decl.childForFieldName('name')?.text ?? '',
    recvType: recv.type,
    recvName: recv.name,
    firstOps: {},
    acquires: {},
    lockLine: {},
    hasFor: false,
    hasSelect: false,
    blocking: false,
    receivesStop: false,
    defersDone: false,
    result: decl.childForFieldName('result')?.text ?? '',
    params: decl.childForFieldName('parameters')?.text ?? '',
    goTargets: [],
  };
  const body = decl.childForFieldName('body');
  if (!body) return info;
  const prefix = recv.name ? recv.name + '.' : '';
  forEachDescendant(body, (n) => {
    switch (n.type) {
      case 'for_statement':
        info.hasFor = true;
        break;
      case 'select_statement':
        info.hasSelect = true;
        break;
      case 'go_statement': {
        const call = n.namedChild(0);
        if (call?.type === 'call_expression') {
          const f = call.childForFieldName('function');
          if (f && f.type !== 'func_literal') info.goTargets.push(f.text);
        }
        break;
      }
      case 'defer_statement': {
        const call = n.namedChild(0);
        if (call?.type === 'call_expression' && /\.Done$/.test(calleeText(call))) info.defersDone = true;
        break;
      }
      case 'unary_expression':
        if (n.child(0)?.type === '<-' && isStopChannel(n.childForFieldName('operand')?.text ?? '')) info.receivesStop = true;
        break;
      case 'call_expression': {
        const callee = calleeText(n);
        if (/\.(Wait|Serve|ListenAndServe|ListenAndServeTLS|Accept)$/.test(callee)) info.blocking = true;
        const m = mutexCall(n);
        if (m) {
          let path: string | undefined;
          if (prefix && m.mutex.startsWith(prefix)) path = m.mutex.slice(prefix.length);
          else if (!m.mutex.includes('.')) path = m.mutex;
          if (path !== undefined) {
            if (!(path in info.firstOps)) info.firstOps[path] = m.op;
            if (m.op === 'Lock' || m.op === 'RLock') {
              const ops = (info.acquires[path] ??= []);
              if (!ops.includes(m.op)) ops.push(m.op);
              if (!(path in info.lockLine)) info.lockLine[path] = n.startPosition.row - decl.startPosition.row;
            }
          }
        }
        break;
      }
    }
  });
  return info;
}

/** The function index: one entry per top-level function or method. */
export const goFunctions: FactProvider<GoFuncInfo> = {
  id: 'go.functions',
  language: 'go',
  collect(seg) {
    if (seg.type !== 'function_declaration' && seg.type !== 'method_declaration') return undefined;
    return collectFunc(seg);
  },
};

/** A top-level function's or method's signature only: what callers can know without reading its body. */
export interface GoSignature {
  name: string;
  recvType: string;
  recvName: string;
  /** Text of the result type list ('' when none). */
  result: string;
  /** Text of the parameter list. */
  params: string;
}

/**
 * The signatures of the file's functions and methods. Unlike goFunctions it does not change when a body changes, so
 * rules that need only signatures are not re-run on every declaration at each keystroke.
 */
export const goSignatures: FactProvider<GoSignature> = {
  id: 'go.signatures',
  language: 'go',
  collect(seg) {
    if (seg.type !== 'function_declaration' && seg.type !== 'method_declaration') return undefined;
    const recv = receiverOf(seg) ?? { name: '', type: '' };
    return {
      name: seg.childForFieldName('name')?.text ?? '',
      recvType: recv.type,
      recvName: recv.name,
      result: seg.childForFieldName('result')?.text ?? '',
      params: seg.childForFieldName('parameters')?.text ?? '',
    };
  },
};

/** A struct type declared in the file: its name and its fields in order. */
export interface GoStructInfo {
  name: string;
  fields: { names: string[]; type: string }[];
}

/** Struct types declared at top level (`type T struct {…}`, also inside grouped type declarations). */
export const goStructs: FactProvider<GoStructInfo[]> = {
  id: 'go.structs',
  language: 'go',
  collect(seg) {
    if (seg.type !== 'type_declaration') return undefined;
    const out: GoStructInfo[] = [];
    for (const spec of seg.namedChildren) {
      if (spec?.type !== 'type_spec') continue;
      const t = spec.childForFieldName('type');
      if (t?.type !== 'struct_type') continue;
      const list = t.namedChildren.find((n) => n?.type === 'field_declaration_list');
      const fields = (list?.namedChildren ?? [])
        .filter((f) => f?.type === 'field_declaration')
        .map((f) => ({
          names: f!.childrenForFieldName('name').map((x) => x?.text ?? ''),
          type: f!.childForFieldName('type')?.text ?? '',
        }));
      out.push({ name: spec.childForFieldName('name')?.text ?? '', fields });
    }
    return out.length ? out : undefined;
  },
};

/** The package name and import paths of the file (from the package clause and import declarations). */
export const goHeader: FactProvider<{ package?: string; imports?: string[]; buildTag?: string }> = {
  id: 'go.header',
  language: 'go',
  collect(seg) {
    if (seg.type === 'package_clause') return { package: seg.namedChild(0)?.text ?? '' };
    if (seg.type === 'import_declaration') {
      return {
        imports: seg
          .descendantsOfType('import_spec')
          .map((s) => s?.childForFieldName('path')?.text.replace(/^["`]|["`]$/g, '') ?? ''),
      };
    }
    if (seg.type === 'comment' && seg.text.startsWith('//go:build')) return { buildTag: seg.text.slice(10).trim() };
    return undefined;
  },
};

/** The package name of the file ('' if it has no package clause). */
export function goPackageName(ctx: RuleContext): string {
  return ctx.facts(goHeader).find((f) => f.value.package !== undefined)?.value.package ?? '';
}

/** The import paths of the file. */
export function goImportPaths(ctx: RuleContext): string[] {
  return ctx.memo(ctx.root, 'goImportPaths', () => ctx.facts(goHeader).flatMap((f) => f.value.imports ?? []));
}

/** The struct declaration node (`type_spec`) of a type declared in this file, and its field list. */
export function findStruct(ctx: RuleContext, name: string): { spec: Node; fields: Node; info: GoStructInfo } | undefined {
  for (const f of ctx.facts(goStructs)) {
    const info = f.value.find((s) => s.name === name);
    if (!info) continue;
    for (const spec of f.node.namedChildren) {
      if (spec?.type !== 'type_spec' || spec.childForFieldName('name')?.text !== name) continue;
      const fields = spec.childForFieldName('type')?.namedChildren.find((n) => n?.type === 'field_declaration_list');
      if (fields) return { spec, fields, info };
    }
  }
  return undefined;
}

/** An edit inserting a field line into a struct's field list, after the field named `after` (or at the end). */
export function addStructField(text: string, fields: Node, line: string, after?: string): TextEdit {
  const decls = fields.namedChildren.filter((n) => n?.type === 'field_declaration') as Node[];
  const anchor = (after && decls.find((d) => d.childrenForFieldName('name').some((x) => x?.text === after))) || decls[decls.length - 1];
  if (anchor) {
    // Insert after the field's trailing comment, if it has one on the same line.
    let end = anchor.endIndex;
    const next = anchor.nextSibling;
    if (next?.type === 'comment' && next.startPosition.row === anchor.endPosition.row) end = next.endIndex;
    return { start: end, end, newText: `\n${indentAt(text, anchor.startIndex)}${line}` };
  }
  const open = fields.child(0)!;
  const close = fields.child(fields.childCount - 1)!;
  if (open.endPosition.row === close.startPosition.row) {
    return { start: open.endIndex, end: close.startIndex, newText: `\n\t${line}\n` };
  }
  return { start: open.endIndex, end: open.endIndex, newText: `\n\t${line}` };
}

// ---------------------------------------------------------------------------------------------------------------
// Lifecycle helpers: statements and error checks, identifier uses, contexts in scope, body re-indentation, zero
// values, gofmt-aligned struct fields, and the per-callable effects fact (calls, closes, writes, loop reads).

/** The statements of a block or statement_list, without comments. */
export function statementsOf(node: Node | null | undefined): Node[] {
  if (!node) return [];
  const list = node.type === 'statement_list' ? node : node.namedChildren.find((n) => n?.type === 'statement_list');
  return list ? (list.namedChildren.filter((n) => n && n.type !== 'comment') as Node[]) : [];
}

/** The statement after `stmt` in its statement_list, skipping comments, or null. */
export function nextStatement(stmt: Node): Node | null {
  for (let n = stmt.nextNamedSibling; n; n = n.nextNamedSibling) if (n.type !== 'comment') return n;
  return null;
}

/** Whether a condition compares `name` with nil (`name != nil`, `nil == name`), and with which operator. */
export function nilComparison(cond: Node, name: string): '!=' | '==' | undefined {
  let found: '!=' | '==' | undefined;
  const check = (n: Node): void => {
    if (found || n.type !== 'binary_expression') return;
    const op = n.childForFieldName('operator')?.type;
    if (op !== '!=' && op !== '==') return;
    const l = n.childForFieldName('left')?.text;
    const r = n.childForFieldName('right')?.text;
    if ((l === name && r === 'nil') || (l === 'nil' && r === name)) found = op;
  };
  check(cond);
  forEachDescendant(cond, (n) => check(n));
  return found;
}

/**
 * The `if` statement directly after `stmt` (comments skipped) that checks `errName` against nil, with the
 * comparison it makes; undefined when the next statement is something else.
 */
export function errCheckAfter(stmt: Node, errName: string): { ifStmt: Node; op: '!=' | '==' } | undefined {
  if (!errName || errName === '_') return undefined;
  const next = nextStatement(stmt);
  if (next?.type !== 'if_statement' || next.childForFieldName('initializer')) return undefined;
  const cond = next.childForFieldName('condition');
  const op = cond && nilComparison(cond, errName);
  return op ? { ifStmt: next, op } : undefined;
}

const EXIT_CALL = /^(os\.Exit|panic|runtime\.Goexit|(\w+\.)*(Fatal|Fatalf|Fatalln|Exit|Exitf|Panic|Panicf|Panicln))$/;

/** Whether a statement always leaves the enclosing block (return, goto, break, continue, panic, exit, fatal log). */
export function statementTerminates(stmt: Node, nesting = 0): boolean {
  if (nesting > 100) return false;
  let s: Node | null = stmt;
  for (let depth = 0; s && depth < 64; depth++) {
    switch (s.type) {
      case 'return_statement':
      case 'goto_statement':
      case 'break_statement':
      case 'continue_statement':
        return true;
      case 'expression_statement': {
        const call = s.namedChild(0);
        return call?.type === 'call_expression' && EXIT_CALL.test(calleeText(call));
      }
      case 'block': {
        const stmts = statementsOf(s);
        s = stmts.length ? stmts[stmts.length - 1] : null;
        break;
      }
      case 'if_statement': {
        const alt = s.childForFieldName('alternative');
        if (!alt) return false;
        const cons = s.childForFieldName('consequence');
        const last = statementsOf(cons);
        if (!last.length || !statementTerminates(last[last.length - 1], nesting + 1)) return false;
        s = alt;
        break;
      }
      default:
        return false;
    }
  }
  return false;
}

/** The identifiers named `name` inside `scope`, func_literal bodies included. */
export function identifiersNamed(scope: Node, name: string): Node[] {
  const out: Node[] = [];
  forEachDescendant(
    scope,
    (n) => {
      if (n.type === 'identifier' && n.text === name) out.push(n);
    },
    true,
  );
  return out;
}

/** `base`, or `base2`, `base3`… : the first that no identifier of `scope` (func_literals included) spells. */
export function freshName(scope: Node, base: string): string {
  const taken = new Set<string>();
  forEachDescendant(
    scope,
    (n) => {
      if (n.type === 'identifier' || n.type === 'field_identifier' || n.type === 'package_identifier') taken.add(n.text);
    },
    true,
  );
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}${i}`)) return `${base}${i}`;
}

/** A parameter or result: its name ('' when unnamed) and type text. */
export type Param = Readonly<{ name: string; type: string }>;

const paramsCache = new WeakMap<Node, readonly Param[]>();
const NO_PARAMS: readonly Param[] = Object.freeze([]);

/**
 * The names and type texts of a parameter_list (`(a, b int, ctx context.Context)`), in order. Kept per node: a node
 * of the syntax tree keeps its text as long as it lives.
 */
export function paramsOf(list: Node | null | undefined): readonly Param[] {
  if (!list) return NO_PARAMS;
  let out = paramsCache.get(list);
  if (!out) paramsCache.set(list, (out = readParams(list)));
  return out;
}

function readParams(list: Node): { name: string; type: string }[] {
  const out: { name: string; type: string }[] = [];
  for (const d of list.namedChildren) {
    if (d?.type !== 'parameter_declaration' && d?.type !== 'variadic_parameter_declaration') continue;
    const type = d.childForFieldName('type')?.text ?? '';
    const names = d.childrenForFieldName('name').filter((n): n is Node => !!n);
    if (!names.length) out.push({ name: '', type: d.type === 'variadic_parameter_declaration' ? `...${type}` : type });
    for (const nm of names) out.push({ name: nm.text, type: d.type === 'variadic_parameter_declaration' ? `...${type}` : type });
  }
  return out;
}

const CONTEXT_CTOR = /^(context\.With(Cancel|Timeout|Deadline|CancelCause|TimeoutCause|DeadlineCause|Value)|signal\.NotifyContext)$/;

/**
 * A context.Context expression usable at `node`: a `context.Context` parameter of an enclosing function, a local
 * bound earlier from `context.With…`/`signal.NotifyContext`, or a `context.Context` field of the enclosing method's
 * receiver when its struct is declared in this file (needs the goStructs fact). Undefined when there is none.
 */
export function contextInScope(ctx: RuleContext, node: Node): string | undefined {
  const chain = [...ancestorsOf(ctx, node), node];
  for (let i = chain.length - 1; i >= 0; i--) {
    const n = chain[i];
    const p = chain[i - 1];
    if (p?.type === 'statement_list') {
      const siblings = p.namedChildren.filter((x): x is Node => !!x);
      for (let j = siblings.findIndex((x) => x.id === n.id) - 1; j >= 0; j--) {
        const s = siblings[j];
        if (s.type !== 'short_var_declaration' && s.type !== 'assignment_statement') continue;
        const call = s.childForFieldName('right')?.namedChild(0);
        const first = s.childForFieldName('left')?.namedChild(0);
        if (call?.type === 'call_expression' && CONTEXT_CTOR.test(calleeText(call)) && first?.type === 'identifier' && first.text !== '_') {
          return first.text;
        }
      }
    }
    if (GO_FUNCS.has(n.type) && n.id !== node.id) {
      const param = paramsOf(n.childForFieldName('parameters')).find((x) => x.type === 'context.Context' && x.name && x.name !== '_');
      if (param) return param.name;
    }
  }
  const top = chain.find((n) => n.type === 'function_declaration' || n.type === 'method_declaration');
  const recv = top && receiverOf(top);
  if (recv?.name && recv.name !== '_') {
    const field = findStruct(ctx, recv.type)?.info.fields.find((f) => f.type === 'context.Context' && f.names.length);
    if (field) return `${recv.name}.${field.names[0]}`;
  }
  return undefined;
}

/** Offsets of line starts in [start, end) that lie inside a multi-line raw string (their text must not move). */
function rawStringLineStarts(text: string, scope: Node): Set<number> {
  const out = new Set<number>();
  forEachDescendant(
    scope,
    (n) => {
      if (n.type !== 'raw_string_literal' || n.startPosition.row === n.endPosition.row) return;
      for (let i = text.indexOf('\n', n.startIndex); i !== -1 && i < n.endIndex; i = text.indexOf('\n', i + 1)) out.add(i + 1);
    },
    true,
  );
  return out;
}

/**
 * The inside of a block re-indented so its statements sit at `to`: `tail` is what followed `{` on its line (a
 * comment, or ''), `body` the following lines joined by newlines (lines inside multi-line raw strings keep their
 * text). A one-line block `{ x() }` yields its statement at `to`.
 */
export function blockBodyAt(text: string, block: Node, to: string): { tail: string; body: string } {
  const open = block.child(0);
  const close = block.child(block.childCount - 1);
  if (!open || !close || open.type !== '{' || close.type !== '}') return { tail: '', body: '' };
  const inner = text.slice(open.endIndex, close.startIndex);
  const firstNl = inner.indexOf('\n');
  if (firstNl === -1) return { tail: '', body: inner.trim() ? to + inner.trim() : '' };
  const tail = inner.slice(0, firstNl).trim();
  let restStart = open.endIndex + firstNl + 1;
  let rest = inner.slice(firstNl + 1);
  const lastNl = rest.lastIndexOf('\n');
  if (lastNl !== -1 && rest.slice(lastNl + 1).trim() === '') rest = rest.slice(0, lastNl);
  else if (lastNl === -1 && rest.trim() === '') rest = '';
  const keep = rawStringLineStarts(text, block);
  const from = indentAt(text, block.startIndex) + '\t';
  const lines = rest === '' ? [] : rest.split('\n');
  const out: string[] = [];
  for (const line of lines) {
    const cr = line.endsWith('\r') ? '\r' : '';
    const l = cr ? line.slice(0, -1) : line;
    if (keep.has(restStart)) out.push(line);
    else if (l.trim() === '') out.push(cr);
    else out.push(to + (l.startsWith(from) ? l.slice(from.length) : l.replace(/^[ \t]+/, '')) + cr);
    restStart += line.length + 1;
  }
  while (out.length && out[out.length - 1].trim() === '') out.pop();
  return { tail, body: out.join('\n') };
}

const NUMERIC = /^(u?int(8|16|32|64)?|uintptr|float(32|64)|complex(64|128)|byte|rune|time\.Duration)$/;

/**
 * The zero value of a Go type written as text: `0`, `""`, `false`, `nil`, `T{}` for struct types in `structs` and
 * composite literals of known struct types, else the universal `*new(T)`.
 */
export function goZeroValue(type: string, structs: ReadonlySet<string> = new Set()): string {
  const t = type.trim();
  if (NUMERIC.test(t)) return '0';
  if (t === 'string') return '""';
  if (t === 'bool') return 'false';
  if (/^(\*|\[\]|map\[|chan\b|<-chan\b|func\b|interface\b)/.test(t) || t === 'error' || t === 'any') return 'nil';
  if (/^(context\.Context|io\.\w+|net\.(Conn|Listener|Addr|PacketConn)|http\.(Handler|RoundTripper|ResponseWriter)|fs\.FS|reflect\.Type)$/.test(t)) {
    return 'nil';
  }
  if (/^\[\d+\]/.test(t) || structs.has(t) || /^(time\.Time|sync\.\w+|struct\s*\{)/.test(t)) return `${t}{}`;
  return `*new(${t})`;
}

/** Renders rows of cells the way gofmt's tabwriter aligns them: every cell but the last padded to its column. */
function alignCells(rows: string[][]): string[] {
  const widths: number[][] = rows.map(() => []);
  const maxCols = Math.max(0, ...rows.map((r) => r.length - 1));
  for (let c = 0; c < maxCols; c++) {
    let i = 0;
    while (i < rows.length) {
      if (rows[i].length - 1 <= c) {
        i++;
        continue;
      }
      let j = i;
      let w = 0;
      while (j < rows.length && rows[j].length - 1 > c) w = Math.max(w, rows[j++][c].length);
      for (let k = i; k < j; k++) widths[k][c] = w + 1;
      i = j;
    }
  }
  return rows.map((r, i) => r.map((cell, c) => (c < r.length - 1 ? cell.padEnd(widths[i][c]) : cell)).join('').trimEnd());
}

/** The comment that trails a field declaration on its own line, if any. */
function trailingFieldComment(d: Node): Node | undefined {
  const c = d.nextSibling;
  return c?.type === 'comment' && c.startPosition.row === d.endPosition.row ? c : undefined;
}

/** A single-line field declaration as gofmt's alignment cells (names, type, tag, trailing comment), else undefined. */
function fieldCells(text: string, d: Node): string[] | undefined {
  const names = d.childrenForFieldName('name').filter((n): n is Node => !!n);
  const t = d.childForFieldName('type');
  if (!names.length || !t || d.startPosition.row !== d.endPosition.row) return undefined;
  const row = [text.slice(names[0].startIndex, names[names.length - 1].endIndex).replace(/\s*,\s*/g, ', '), t.text];
  const tag = d.childForFieldName('tag');
  if (tag) row.push(tag.text);
  const c = trailingFieldComment(d);
  if (c) row.push(c.text);
  return row;
}

/**
 * An edit adding the field `name type` at the end of a struct's field list, aligned as gofmt aligns the block of
 * single-line fields it joins (the block is re-rendered when the new name is wider than its name column).
 */
export function addAlignedStructField(text: string, fields: Node, name: string, type: string): TextEdit {
  const decls = fields.namedChildren.filter((n): n is Node => n?.type === 'field_declaration');
  const last = decls[decls.length - 1];
  if (!last) return addStructField(text, fields, `${name} ${type}`);
  const cells = (d: Node): string[] | undefined => fieldCells(text, d);
  const section: { decl: Node; row: string[] }[] = [];
  for (let i = decls.length - 1; i >= 0; i--) {
    const row = cells(decls[i]);
    if (!row) break;
    if (section.length && decls[i].endPosition.row + 1 !== section[0].decl.startPosition.row) break;
    section.unshift({ decl: decls[i], row });
  }
  const lastEnd = trailingFieldComment(last)?.endIndex ?? last.endIndex;
  const indent = indentAt(text, last.startIndex);
  const nl = text.includes('\r\n') ? '\r\n' : '\n';
  if (!section.length) return { start: lastEnd, end: lastEnd, newText: `${nl}${indent}${name} ${type}` };
  const first = section[0];
  const nameCol = first.decl.childForFieldName('type')!.startIndex - first.decl.startIndex;
  if (name.length + 1 <= nameCol) {
    return { start: lastEnd, end: lastEnd, newText: `${nl}${indent}${name.padEnd(nameCol)}${type}` };
  }
  const rendered = alignCells([...section.map((s) => s.row), [name, type]]);
  return { start: first.decl.startIndex, end: lastEnd, newText: rendered.join(nl + indent) };
}

/**
 * What a callable does that other rules pair with it, receiver-relative (`$.quit` for `s.quit` in a method with
 * receiver `s`): the callees it calls, the channels it closes, the fields it writes (assignments and atomic
 * stores), the channels it ranges over and the selectors its `for` conditions (and the `if` conditions that leave a
 * loop) read. func_literal bodies included.
 */
export interface GoEffects {
  name: string;
  recvType: string;
  calls: string[];
  closes: string[];
  writes: string[];
  ranges: string[];
  loopReads: string[];
}

/** Replaces a leading receiver name with `$` (`s.mu.x` → `$.mu.x`). */
export function receiverRelative(expr: string, recvName: string): string {
  const t = expr.replace(/^&/, '').trim();
  return recvName && (t === recvName || t.startsWith(recvName + '.')) ? '$' + t.slice(recvName.length) : t;
}

/** The per-callable effects fact (see GoEffects). */
export const goEffects: FactProvider<GoEffects> = {
  id: 'go.effects',
  language: 'go',
  collect(seg) {
    if (seg.type !== 'function_declaration' && seg.type !== 'method_declaration') return undefined;
    const recv = receiverOf(seg) ?? { name: '', type: '' };
    const rel = (e: string): string => receiverRelative(e, recv.name);
    const calls = new Set<string>();
    const closes = new Set<string>();
    const writes = new Set<string>();
    const ranges = new Set<string>();
    const loopReads = new Set<string>();
    /** End offsets of the for statements around the node being visited (visits run in source order). */
    const loopEnds: number[] = [];
    const body = seg.childForFieldName('body');
    if (body) {
      forEachDescendant(
        body,
        (n) => {
          if (n.type === 'call_expression') {
            const callee = calleeText(n);
            const f = n.childForFieldName('function');
            if (f && f.type !== 'func_literal') calls.add(rel(callee));
            const args = callArgs(n);
            if (callee === 'close' && args[0]) closes.add(rel(args[0].text));
            if (/\.(Store|Swap|CompareAndSwap)$/.test(callee) && f?.type === 'selector_expression') {
              writes.add(rel(f.childForFieldName('operand')?.text ?? ''));
            }
            if (/^atomic\.(Store|Swap|CompareAndSwap|Add)\w*$/.test(callee) && args[0]) writes.add(rel(args[0].text));
          } else if (n.type === 'assignment_statement' || n.type === 'inc_statement' || n.type === 'dec_statement') {
            const left = n.type === 'assignment_statement' ? n.childForFieldName('left')?.namedChildren ?? [] : [n.namedChild(0)];
            for (const l of left) if (l && l.type !== 'identifier') writes.add(rel(l.text));
          } else if (n.type === 'range_clause') {
            const r = n.childForFieldName('right');
            if (r) ranges.add(rel(r.text));
          } else if (n.type === 'for_statement' || n.type === 'if_statement') {
            let conds: (Node | null | undefined)[];
            if (n.type === 'for_statement') {
              while (loopEnds.length && loopEnds[loopEnds.length - 1] <= n.startIndex) loopEnds.pop();
              loopEnds.push(n.endIndex);
              const cond = n.namedChildren.find((c) => c && c.type !== 'block' && c.type !== 'for_clause' && c.type !== 'range_clause' && c.type !== 'comment');
              conds = [cond, n.namedChildren.find((c) => c?.type === 'for_clause')?.childForFieldName('condition')];
            } else {
              // `if s.closed { return }` inside a loop is a loop exit on a field as well.
              while (loopEnds.length && loopEnds[loopEnds.length - 1] <= n.startIndex) loopEnds.pop();
              const leaves = () => statementsOf(n.childForFieldName('consequence')).some((x) => x.type === 'return_statement' || x.type === 'break_statement');
              conds = loopEnds.length && leaves() ? [n.childForFieldName('condition')] : [];
            }
            for (const c of conds) {
              if (!c) continue;
              if (c.type === 'selector_expression') loopReads.add(rel(c.text));
              forEachDescendant(c, (d) => {
                if (d.type === 'selector_expression' && d.parent?.type !== 'selector_expression') {
                  const op = d.parent?.type === 'call_expression' ? d.childForFieldName('operand')?.text : d.text;
                  if (op) loopReads.add(rel(op));
                }
              });
            }
          }
        },
        true,
      );
    }
    return {
      name: seg.childForFieldName('name')?.text ?? '',
      recvType: recv.type,
      calls: [...calls].sort(),
      closes: [...closes].sort(),
      writes: [...writes].sort(),
      ranges: [...ranges].sort(),
      loopReads: [...loopReads].sort(),
    };
  },
};

// ---------------------------------------------------------------------------------------------------------------
// Concurrency helpers: package-level variables, the lock state at a point of a region, and inserting a struct
// field after a given field with gofmt alignment.

/** Names declared by the file's top-level `var` declarations (one fact per declaration). */
export const goPackageVars: FactProvider<string[]> = {
  id: 'go.packageVars',
  language: 'go',
  collect(seg) {
    if (seg.type !== 'var_declaration') return undefined;
    const names: string[] = [];
    for (const spec of seg.descendantsOfType('var_spec')) {
      for (const n of spec?.childrenForFieldName('name') ?? []) if (n && n.text !== '_') names.push(n.text);
    }
    return names.length ? names : undefined;
  },
};

/** The names of the file's package-level variables (needs the goPackageVars fact). */
export function goPackageVarNames(ctx: RuleContext): Set<string> {
  return ctx.memo(ctx.root, 'goPackageVarNames', () => new Set(ctx.facts(goPackageVars).flatMap((f) => f.value)));
}

/**
 * How a region's mutex is held at `node` (a node inside the region): walking up from `node` to the region's
 * statement_list, the nearest earlier sibling statement that operates on the mutex decides. An unlock releases it
 * (undefined), a `Lock`/`RLock` re-takes it; without such a sibling the region's own lock holds. With
 * `deferReleases`, a sibling `defer M.Unlock()` also counts as released (it runs before the function returns);
 * `releases` can name further statements that release the mutex (an unlocking helper call).
 */
export function lockStateAt(
  region: LockRegion,
  node: Node,
  deferReleases = false,
  releases?: (stmt: Node) => boolean,
): 'Lock' | 'RLock' | undefined {
  let cur: Node | null = node;
  for (let guard = 0; cur && guard < 10000; guard++) {
    let stmt: Node = cur;
    while (stmt.parent && stmt.parent.type !== 'statement_list') stmt = stmt.parent;
    const list = stmt.parent;
    if (!list) return region.op;
    for (let s = stmt.previousNamedSibling; s; s = s.previousNamedSibling) {
      if (s.id === region.lock.id) return region.op;
      let m = mutexCall(s);
      if (!m && deferReleases) {
        const d = deferredMutexCall(s);
        if (d && (d.op === 'Unlock' || d.op === 'RUnlock')) m = d;
      }
      if (!m && releases?.(s)) return undefined;
      if (!m || m.mutex !== region.mutex) continue;
      return m.op === 'Lock' || m.op === 'RLock' ? m.op : undefined;
    }
    if (list.id === region.list.id) return region.op;
    cur = list;
  }
  return region.op;
}

/**
 * An edit inserting the field `name type` directly after the field named `after` (at the end when there is no such
 * field), re-rendering the block of consecutive single-line fields it joins as gofmt aligns it.
 */
export function insertAlignedStructField(text: string, fields: Node, name: string, type: string, after?: string): TextEdit {
  const decls = fields.namedChildren.filter((n): n is Node => n?.type === 'field_declaration');
  const anchorIdx = after ? decls.findIndex((d) => d.childrenForFieldName('name').some((x) => x?.text === after)) : -1;
  if (anchorIdx < 0) return addAlignedStructField(text, fields, name, type);
  const cells = (d: Node): string[] | undefined => fieldCells(text, d);
  const anchor = decls[anchorIdx];
  const indent = indentAt(text, anchor.startIndex);
  const nl = text.includes('\r\n') ? '\r\n' : '\n';
  const anchorEnd = trailingFieldComment(anchor)?.endIndex ?? anchor.endIndex;
  const anchorRow = cells(anchor);
  if (!anchorRow || anchor.startPosition.row === fields.startPosition.row) {
    return addStructField(text, fields, `${name} ${type}`, after);
  }
  let lo = anchorIdx;
  let hi = anchorIdx;
  while (lo > 0 && cells(decls[lo - 1]) && decls[lo - 1].endPosition.row + 1 === decls[lo].startPosition.row) lo--;
  while (hi + 1 < decls.length && cells(decls[hi + 1]) && decls[hi].endPosition.row + 1 === decls[hi + 1].startPosition.row) hi++;
  const rows: string[][] = [];
  for (let i = lo; i <= hi; i++) {
    rows.push(cells(decls[i])!);
    if (i === anchorIdx) rows.push([name, type]);
  }
  const last = decls[hi];
  const end = trailingFieldComment(last)?.endIndex ?? last.endIndex;
  const lines = alignCells(rows);
  const newAt = anchorIdx - lo + 1;
  const start = decls[lo].startIndex;
  // When the block's alignment does not change, insert just the new line.
  const others = lines.filter((_, i) => i !== newAt).join(nl + indent);
  if (others === text.slice(start, end).replace(/\r?\n[ \t]*/g, nl + indent)) {
    return { start: anchorEnd, end: anchorEnd, newText: nl + indent + lines[newAt] };
  }
  const rendered = lines.join(nl + indent);
  return { start, end, newText: rendered };
}

/** How an expression's value is used where it stands (see classifyUse). */
export type GoUseKind =
  | 'method' // x.M(…)
  | 'field' // x.f, x.M (not called), x[i]
  | 'compare' // x == nil, x != nil
  | 'assigned' // the target of =, :=, ++, a range variable
  | 'declared' // a parameter or var name
  | 'call' // x(…): x is a function value
  | 'arg' // an argument of a call
  | 'go-arg' // an argument of a call started with go
  | 'return'
  | 'store' // into a field, index, composite literal or append
  | 'send' // sent on a channel
  | 'alias' // assigned to another local name
  | 'key' // the key of a keyed literal element (a field name, not the value)
  | 'other';

/** One use of a value: its kind, the call involved (for method/arg/go-arg), and the selected name for method/field. */
export interface GoUse {
  kind: GoUseKind;
  call?: Node;
  name?: string;
  /** For alias: the name it is assigned to. */
  alias?: string;
}

/**
 * Classifies how the value of `expr` (usually an identifier) is used by its parent, looking through parentheses
 * and `&`/`*`. Rules use it to tell a hand-off (returned, stored, sent, passed on) from a local use.
 */
export function classifyUse(expr: Node): GoUse {
  let n: Node = expr;
  for (;;) {
    const p = n.parent;
    if (p?.type === 'parenthesized_expression') n = p;
    else if (p?.type === 'unary_expression' && /^[&*]$/.test(p.child(0)?.type ?? '')) n = p;
    else break;
  }
  const p = n.parent;
  if (!p) return { kind: 'other' };
  switch (p.type) {
    case 'selector_expression': {
      if (p.childForFieldName('operand')?.id !== n.id) return { kind: 'other' };
      const name = p.childForFieldName('field')?.text ?? '';
      const call = p.parent;
      if (call?.type === 'call_expression' && call.childForFieldName('function')?.id === p.id) return { kind: 'method', call, name };
      return { kind: 'field', name };
    }
    case 'index_expression':
    case 'slice_expression':
      return { kind: p.childForFieldName('operand')?.id === n.id ? 'field' : 'other' };
    case 'binary_expression': {
      const op = p.childForFieldName('operator')?.type;
      const other = p.childForFieldName('left')?.id === n.id ? p.childForFieldName('right') : p.childForFieldName('left');
      return { kind: (op === '==' || op === '!=') && other?.type === 'nil' ? 'compare' : 'other' };
    }
    case 'call_expression':
      return { kind: p.childForFieldName('function')?.id === n.id ? 'call' : 'other' };
    case 'argument_list': {
      const call = p.parent!;
      if (call.parent?.type === 'go_statement') return { kind: 'go-arg', call };
      if (calleeText(call) === 'append') return { kind: 'store', call };
      return { kind: 'arg', call };
    }
    case 'inc_statement':
    case 'dec_statement':
      return { kind: 'assigned' };
    case 'send_statement':
      return { kind: p.childForFieldName('value')?.id === n.id ? 'send' : 'other' };
    case 'return_statement':
      return { kind: 'return' };
    case 'literal_element': {
      const kv = p.parent;
      if (kv?.type === 'keyed_element' && kv.childForFieldName('key')?.id === p.id) return { kind: 'key' };
      return { kind: 'store' };
    }
    case 'keyed_element':
    case 'literal_value':
      return { kind: 'store' };
    case 'parameter_declaration':
    case 'variadic_parameter_declaration':
    case 'var_spec':
    case 'const_spec':
      if (p.childrenForFieldName('name').some((x) => x?.id === n.id)) return { kind: 'declared' };
      return p.type === 'var_spec' ? { kind: 'alias', alias: p.childForFieldName('name')?.text } : { kind: 'other' };
    case 'expression_list': {
      const g = p.parent;
      if (!g) return { kind: 'other' };
      if (g.type === 'return_statement') return { kind: 'return' };
      if (g.type === 'short_var_declaration' || g.type === 'assignment_statement' || g.type === 'range_clause') {
        const left = g.childForFieldName('left');
        if (left?.id === p.id) return { kind: 'assigned' };
        if (g.type === 'range_clause') return { kind: 'other' };
        const idx = p.namedChildren.findIndex((x) => x?.id === n.id);
        const target = left?.namedChildren.filter((x) => x && x.type !== 'comment')[idx];
        if (!target || target.type === 'identifier') return { kind: 'alias', alias: target?.text };
        return { kind: 'store' };
      }
      if (g.type === 'var_spec') return { kind: 'alias', alias: g.childrenForFieldName('name')[0]?.text };
      return { kind: 'other' };
    }
    default:
      return { kind: 'other' };
  }
}

/** Whether `fn` (a function or func_literal) itself declares `name`: receiver, parameter, result or a local. */
export function declaresName(fn: Node, name: string): boolean {
  for (const field of ['receiver', 'parameters', 'result']) {
    const list = fn.childForFieldName(field);
    if (list?.type === 'parameter_list' && paramsOf(list).some((p) => p.name === name)) return true;
  }
  const body = fn.childForFieldName('body');
  let found = false;
  if (body) {
    forEachDescendant(body, (n) => {
      if (found) return false;
      if (n.type === 'identifier' && n.text === name) {
        const p = n.parent;
        if (p?.type === 'var_spec' || p?.type === 'const_spec') found = p.childrenForFieldName('name').some((x) => x?.id === n.id);
        else if (p?.type === 'expression_list' && p.parent && /^(short_var_declaration|range_clause|receive_statement)$/.test(p.parent.type)) {
          const g = p.parent;
          const defines = g.type === 'short_var_declaration' || g.children.some((c) => c?.type === ':=');
          found = g.childForFieldName('left')?.id === p.id && defines;
        }
      }
    });
  }
  return found;
}

/** The function (declaration or func_literal) whose scope declares `name` as seen from `node`, or null (package level). */
export function declaringFunc(node: Node, name: string): Node | null {
  for (let f = enclosingFunc(node); f; f = enclosingFunc(f)) if (declaresName(f, name)) return f;
  return null;
}

/** Inserts `code` as a new statement after `stmt` at its indentation, past a comment trailing it on the same line. */
export function insertStatementAfter(text: string, stmt: Node, code: string): TextEdit {
  const edit = insertAfter(text, stmt, code);
  let c = stmt.nextSibling;
  if (!c && stmt.parent?.type === 'statement_list') c = stmt.parent.nextSibling;
  if (c?.type === 'comment' && c.startPosition.row === stmt.endPosition.row) return { ...edit, start: c.endIndex, end: c.endIndex };
  return edit;
}

/** Strips the parentheses around an expression. */
export function unparen(n: Node | null | undefined): Node | null {
  let e = n ?? null;
  for (let i = 0; e?.type === 'parenthesized_expression' && i < 1000; i++) e = e.namedChild(0);
  return e;
}

/** The declared type name (`T` for `T` or `*T`) of the receiver or parameter `name` in scope at `node`, or ''. */
export function declaredTypeOf(node: Node, name: string): string {
  for (let f: Node | null = enclosingFunc(node); f; f = enclosingFunc(f)) {
    const recv = receiverOf(f);
    if (recv && recv.name === name) return recv.type;
    const p = paramsOf(f.childForFieldName('parameters')).find((x) => x.name === name);
    if (p) return /^\*?[A-Za-z_]\w*$/.test(p.type) ? p.type.replace(/^\*/, '') : '';
    if (f.type !== 'func_literal') break;
  }
  return '';
}

/** The statements and comments inside a block or case clause, in order (comments may sit outside its statement_list). */
export function bodyItems(container: Node): Node[] {
  const out: Node[] = [];
  for (const c of container.namedChildren) {
    if (c?.type === 'statement_list') out.push(...(c.namedChildren.filter((n) => !!n) as Node[]));
    else if (c?.type === 'comment') out.push(c);
  }
  return out;
}

/**
 * Renders statements and comments as lines at `indent` (each re-indented from its own line's indentation), leaving
 * out `drop` and a comment trailing it, keeping trailing comments on their line and single blank lines between
 * statements. Statements that shared a line get a line each.
 */
export function renderStatements(text: string, items: readonly Node[], indent: string, drop?: Node): string[] {
  const lines: string[] = [];
  let prevRow = -1;
  let droppedRow = -1;
  for (const c of items) {
    if (drop && c.id === drop.id) {
      droppedRow = c.endPosition.row;
      prevRow = c.endPosition.row;
      continue;
    }
    if (c.type === 'comment' && c.startPosition.row === droppedRow) continue;
    const code = reindent(text.slice(c.startIndex, c.endIndex), indentAt(text, c.startIndex), indent);
    if (c.type === 'comment' && c.startPosition.row === prevRow && lines.length) {
      lines[lines.length - 1] += ' ' + code;
    } else {
      if (prevRow >= 0 && c.startPosition.row > prevRow + 1 && lines.length) lines.push('');
      lines.push(indent + code);
    }
    prevRow = c.endPosition.row;
  }
  return lines;
}

/** The operator of an assignment_statement (`=`, `+=`, …; the grammar has no field for it), or '' for other nodes. */
export function assignmentOperator(stmt: Node): string {
  if (stmt.type !== 'assignment_statement') return '';
  for (const c of stmt.children) if (c && !c.isNamed && /=$/.test(c.type)) return c.type;
  return '=';
}

/**
 * Whether the top-level declaration holding `node` mentions `word` at all: a cheap filter before walking up the
 * tree, which costs time proportional to the depth at every step.
 */
export function topLevelMentions(_ctx: RuleContext, node: Node, word: string): boolean {
  return declarationMentions(node, word);
}

/** The ancestors of `node`, the root first and its parent last. */
export function ancestorsOf(_ctx: RuleContext, node: Node): Node[] {
  return ancestorChain(node);
}

/** The nearest enclosing function_declaration, method_declaration or func_literal (see ancestorsOf). */
export function enclosingFuncOf(ctx: RuleContext, node: Node): Node | null {
  const a = ancestorsOf(ctx, node);
  for (let i = a.length - 1; i >= 0; i--) if (GO_FUNCS.has(a[i].type)) return a[i];
  return null;
}

/** The enclosing top-level function_declaration or method_declaration (see ancestorsOf). */
export function enclosingTopFuncOf(ctx: RuleContext, node: Node): Node | null {
  for (const n of ancestorsOf(ctx, node)) if (n.type === 'function_declaration' || n.type === 'method_declaration') return n;
  return null;
}

/** The function (declaration or func_literal) whose scope declares `name` as seen from `node` (see declaringFunc). */
export function declaringFuncOf(ctx: RuleContext, node: Node, name: string): Node | null {
  const a = ancestorsOf(ctx, node);
  for (let i = a.length - 1; i >= 0; i--) if (GO_FUNCS.has(a[i].type) && declaresName(a[i], name)) return a[i];
  return null;
}

/** How often each identifier is the operand of a selector (`log` in `log.Printf`) in one top-level declaration. */
export const goQualifierUses: FactProvider<Record<string, number>> = {
  id: 'go.qualifierUses',
  language: 'go',
  collect(seg) {
    if (seg.type === 'import_declaration' || seg.type === 'package_clause' || seg.type === 'comment') return undefined;
    const counts: Record<string, number> = {};
    for (const sel of seg.descendantsOfType('selector_expression')) {
      const op = sel?.childForFieldName('operand');
      if (op?.type === 'identifier') counts[op.text] = (counts[op.text] ?? 0) + 1;
    }
    for (const q of seg.descendantsOfType('qualified_type')) {
      const pkg = q?.childForFieldName('package')?.text;
      if (pkg) counts[pkg] = (counts[pkg] ?? 0) + 1;
    }
    return Object.keys(counts).length ? counts : undefined;
  },
};

/** How often `name` is used as a package qualifier in the whole file. */
export function qualifierUses(ctx: RuleContext, name: string): number {
  return ctx.facts(goQualifierUses).reduce((n, f) => n + (f.value[name] ?? 0), 0);
}

/** Package names of the standard library packages that `sync` itself imports: they cannot import `sync` (a cycle). */
const SYNC_DEPENDENCIES = new Set(['runtime', 'sync', 'atomic', 'race', 'unsafe', 'reflectlite']);

/** Whether a fix may add `import "sync"` to this file without creating an import cycle. */
export function canImportSync(ctx: RuleContext): boolean {
  return !SYNC_DEPENDENCIES.has(goPackageName(ctx));
}

/**
 * Edits replacing a statement with `newText`. A comment trailing the statement stays after the new text with one
 * space before it, and the trailing comments of the neighbouring lines that gofmt aligned with it are re-aligned
 * among themselves (the replaced statement no longer belongs to their block).
 */
export function replaceStatement(text: string, stmt: Node, newText: string): TextEdit[] {
  const trailing = trailingComment(stmt);
  if (!trailing) return [{ start: stmt.startIndex, end: stmt.endIndex, newText }];
  const edits: TextEdit[] = [{ start: stmt.startIndex, end: trailing.startIndex, newText: newText + ' ' }];
  for (const dir of [-1, 1]) {
    const group: { stmt: Node; comment: Node }[] = [];
    let row = stmt.startPosition.row;
    for (let s = siblingStatement(stmt, dir); s; s = siblingStatement(s, dir)) {
      const c = trailingComment(s);
      if (!c || s.startPosition.row !== s.endPosition.row || s.startPosition.row !== row + dir) break;
      group.push({ stmt: s, comment: c });
      row = s.startPosition.row;
    }
    if (!group.length) continue;
    const width = (s: Node): number => text.slice(lineStart(text, s.startIndex), s.endIndex).trim().length;
    const col = Math.max(...group.map((g) => width(g.stmt))) + 1;
    for (const g of group) {
      const pad = ' '.repeat(col - width(g.stmt));
      if (text.slice(g.stmt.endIndex, g.comment.startIndex) !== pad) edits.push({ start: g.stmt.endIndex, end: g.comment.startIndex, newText: pad });
    }
  }
  return edits;
}

/** The comment that trails a statement on its last line, if any. */
function trailingComment(stmt: Node): Node | undefined {
  let c = stmt.nextSibling;
  if (!c && stmt.parent?.type === 'statement_list') c = stmt.parent.nextSibling;
  return c?.type === 'comment' && c.startPosition.row === stmt.endPosition.row ? c : undefined;
}

/** The previous (dir -1) or next (dir 1) statement in the same statement_list, skipping comments. */
function siblingStatement(stmt: Node, dir: number): Node | null {
  for (let n = dir < 0 ? stmt.previousNamedSibling : stmt.nextNamedSibling; n; n = dir < 0 ? n.previousNamedSibling : n.nextNamedSibling) {
    if (n.type !== 'comment') return n;
  }
  return null;
}

/**
 * Whether an identifier of `expr` is declared anew (`:=`, `var`, a `:=` range clause) inside `fn` between two
 * offsets: the same text then names another variable (`name := …` in a loop), so two path expressions that read
 * alike need not be the same path.
 */
export function redeclaredBetween(fn: Node, expr: Node, from: number, to: number): boolean {
  const names = new Set<string>();
  if (expr.type === 'identifier') names.add(expr.text);
  forEachDescendant(expr, (n) => {
    if (n.type === 'identifier') names.add(n.text);
  });
  let found = false;
  forEachDescendant(
    fn,
    (n) => {
      if (found || n.startIndex >= to) return false;
      if (n.endIndex <= from) return false;
      let left: readonly (Node | null)[] = [];
      if (n.type === 'short_var_declaration' || (n.type === 'range_clause' && n.children.some((c) => c?.type === ':='))) left = n.childForFieldName('left')?.namedChildren ?? [];
      else if (n.type === 'var_spec') left = n.childrenForFieldName('name');
      if (n.startIndex >= from && left.some((x) => x && names.has(x.text))) found = true;
    },
    true,
  );
  return found;
}

/**
 * The expression the local `name` was last bound to before offset `at` in `fn`, by a `:=` declaration or an `=`
 * assignment (the matching right-hand value, or the single multi-value call), or undefined.
 */
export function localBinding(fn: Node, name: string, at: number): Node | undefined {
  let value: Node | undefined;
  const body = fn.childForFieldName('body');
  if (!body) return undefined;
  forEachDescendant(body, (n) => {
    if (n.startIndex >= at) return false;
    if (n.type !== 'short_var_declaration' && n.type !== 'assignment_statement') return;
    const left = n.childForFieldName('left')?.namedChildren ?? [];
    const i = left.findIndex((x) => x?.type === 'identifier' && x.text === name);
    const right = n.childForFieldName('right')?.namedChildren.filter((x) => x && x.type !== 'comment') ?? [];
    if (i >= 0 && right.length) value = (right.length === left.length ? right[i] : right[0]) ?? undefined;
  });
  return value;
}

/**
 * Whether `name` is declared anew inside `fn` around the last node of `chain` (that node's ancestors from the root,
 * then the node), so the name there no longer means `fn`'s own variable: by an earlier statement of an enclosing
 * block below the top level (`:=`, `var`, a `:=` range clause), an `if`/`switch` initializer or a `for` clause.
 * `self` also counts each enclosing statement's own declaration, `stopAtTop` leaves out the initializer of the
 * enclosing top-level statement, and `params` counts a parameter of an enclosing func literal.
 */
export function redeclaredAbove(chain: readonly Node[], fn: Node, name: string, opts: { self?: boolean; stopAtTop?: boolean; params?: boolean } = {}): boolean {
  const declares = (s: Node | null | undefined): boolean => {
    if (!s) return false;
    if (s.type === 'short_var_declaration' || s.type === 'range_clause') {
      return (s.type === 'short_var_declaration' || s.children.some((c) => c?.type === ':=')) && !!s.childForFieldName('left')?.namedChildren.some((x) => x?.text === name);
    }
    if (s.type === 'var_declaration') return s.descendantsOfType('var_spec').some((v) => v?.childrenForFieldName('name').some((x) => x?.text === name));
    if (s.type === 'for_clause') return declares(s.childForFieldName('initializer'));
    return false;
  };
  const top = fn.childForFieldName('body')?.namedChildren.find((n) => n?.type === 'statement_list');
  for (let i = chain.length - 1; i > 0 && chain[i].id !== fn.id; i--) {
    const n = chain[i];
    const p = chain[i - 1];
    if (p.type === 'statement_list') {
      if (p.id === top?.id) {
        if (opts.stopAtTop) return false;
      } else {
        for (let s: Node | null = opts.self ? n : n.previousNamedSibling; s; s = s.previousNamedSibling) if (declares(s)) return true;
      }
    }
    if (n.type === 'if_statement' || /switch_statement$/.test(n.type)) {
      if (declares(n.childForFieldName('initializer'))) return true;
    } else if (n.type === 'for_statement') {
      if (n.namedChildren.some((c) => (c?.type === 'for_clause' || c?.type === 'range_clause') && declares(c))) return true;
    } else if (opts.params && n.type === 'func_literal' && paramsOf(n.childForFieldName('parameters')).some((x) => x.name === name)) {
      return true;
    }
  }
  return false;
}

/** The edits that add each of `pkgs` to the file's imports, leaving out those already imported. */
export function addGoImports(text: string, root: Node, pkgs: readonly string[]): TextEdit[] {
  const edits: TextEdit[] = [];
  for (const pkg of pkgs) {
    const e = addGoImport(text, root, pkg);
    if (e) edits.push(e);
  }
  return edits;
}

/** Whether some node of `fn`'s body, outside nested func literals, passes `test` (the walk stops at the first). */
export function bodyHas(fn: Node, test: (n: Node) => boolean): boolean {
  const body = fn.childForFieldName('body');
  if (!body) return false;
  let found = false;
  forEachDescendant(body, (n) => {
    if (found) return false;
    if (test(n)) found = true;
  });
  return found;
}
