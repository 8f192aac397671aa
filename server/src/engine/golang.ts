/**
 * Shared Go analyses (RULES.md §0): syntax helpers, the per-file function index (a fact, so it is rebuilt only for
 * declarations that changed) and lock regions.
 */
import type { Node } from 'web-tree-sitter';
import { indentAt } from './fix';
import type { FactProvider, RuleContext, TextEdit } from './rule';

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
  const stack: Node[] = [];
  for (let i = node.namedChildCount - 1; i >= 0; i--) stack.push(node.namedChild(i)!);
  while (stack.length) {
    const n = stack.pop()!;
    if (visit(n) === false) continue;
    if (!enterFuncLits && n.type === 'func_literal') continue;
    for (let i = n.namedChildCount - 1; i >= 0; i--) stack.push(n.namedChild(i)!);
  }
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
  return ctx.memo(fn, 'lockRegions', () => {
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
            const call = t.namedChild(0);
            const mm = call && mutexCall(call);
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
  });
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
  return ctx.facts(goHeader).flatMap((f) => f.value.imports ?? []);
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
