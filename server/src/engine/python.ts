/**
 * Shared Python analyses (RULES.md §0.3, §0.4): syntax helpers, name binding, mutation and lock-guard detection,
 * the thread entry map, and per-file summaries (facts) of functions, thread constructions and module-level names,
 * so that a rule looking at one top-level declaration sees the rest of the file only through facts.
 *
 * A Python file's segments are its top-level definitions (a function, or a class with all of its methods) and the
 * runs of other module-level statements between them. Code in one segment may look at its own tree freely; anything
 * from another segment comes from the `pyFacts` provider below.
 */
import type { Node } from './syntax';
import { eol, indentAt, lineEnd, lineStart, startsLine } from './fix';
import type { FactProvider, RuleContext, TextEdit } from './rule';
import { ancestorChain, walkPreOrder } from './walk';

// ---------------------------------------------------------------------------------------------------------------
// Syntax helpers

/** Node types that open a new Python scope (their bodies are not part of the enclosing function's code). */
export const PY_SCOPES = new Set(['function_definition', 'lambda', 'class_definition']);

/**
 * Visits the named descendants of `node` in document order, iteratively (so deep nesting cannot overflow the
 * stack); a visit returning false skips that node's children. Nested scopes (functions, lambdas,
 * classes) are visited but not entered unless `enterScopes` is set. With `only`, just the nodes of those types are
 * handed to `visit` (the walk still descends through the others).
 */
export function forEachDescendant(
  node: Node,
  visit: (n: Node) => void | false,
  enterScopes = false,
  only?: ReadonlySet<string>,
): void {
  walkPreOrder(
    node,
    (n) => !((!only || only.has(n.type)) && visit(n) === false) && (enterScopes || !PY_SCOPES.has(n.type)),
    (n) => n.namedChildren,
  );
}

/**
 * The ancestors of `node`, outermost first (the root … its parent).
 */
export function ancestorsOf(node: Node): Node[] {
  return ancestorChain(node);
}

/** The nearest enclosing function_definition (lambdas are looked through); null at module level or in a class body. */
export function enclosingFunction(node: Node): Node | null {
  const up = ancestorsOf(node);
  for (let i = up.length - 1; i >= 0; i--) {
    if (up[i].type === 'function_definition') return up[i];
    if (up[i].type === 'class_definition') return null;
  }
  return null;
}

/** The class whose body directly defines a method (through decorators), or null for plain functions. */
export function classOfMethod(fn: Node): Node | null {
  let p = fn.parent;
  if (p?.type === 'decorated_definition') p = p.parent;
  if (p?.type === 'block') p = p.parent;
  return p?.type === 'class_definition' ? p : null;
}

/** The dotted name of a function or class from its enclosing definitions: `worker`, `Server.run`, `main.loop`. */
export function qualifiedName(def: Node): string {
  return [...ancestorsOf(def), def]
    .filter((n) => n.type === 'function_definition' || n.type === 'class_definition')
    .map((n) => n.childForFieldName('name')?.text ?? '?')
    .join('.');
}

/** The top-level statement holding `node` (`node` itself at top level). */
export function topLevelOf(node: Node): Node {
  const up = ancestorsOf(node);
  return up.length > 1 ? up[1] : node;
}

/** The qualified name of the code that holds `node`: its innermost function, or `<module>` at module level. */
export function scopeName(node: Node): string {
  const fn = enclosingFunction(node);
  return fn ? qualifiedName(fn) : MODULE;
}

/** The pseudo-name of module-level code (the main thread's context when it starts threads). */
export const MODULE = '<module>';

/** An expression's text with white space removed, so `self .x` and `self.x` compare equal. */
export function exprKey(node: Node): string {
  return node.text.replace(/\s+/g, '');
}

/** The callee text of a call (`open`, `threading.Thread`, `self.lock.acquire`), or '' for other nodes. */
export function calleeText(call: Node): string {
  if (call.type !== 'call') return '';
  const f = call.childForFieldName('function');
  return f ? exprKey(f) : '';
}

/** The last component of a call's callee (`acquire` for `self.lock.acquire(...)`). */
export function calleeName(call: Node): string {
  const t = calleeText(call);
  return t.slice(t.lastIndexOf('.') + 1);
}

/** For a call `O.m(...)`, the receiver node `O`; undefined for other calls. */
export function receiverOf(call: Node): Node | undefined {
  const f = call.childForFieldName('function');
  if (f?.type !== 'attribute') return undefined;
  return f.childForFieldName('object') ?? undefined;
}

/** The argument nodes of a call that are not keyword arguments (splats included), without comments. */
export function positionalArgs(call: Node): Node[] {
  const args = call.childForFieldName('arguments');
  if (!args || args.type !== 'argument_list') return args ? [args] : [];
  return args.namedChildren.filter((n): n is Node => !!n && n.type !== 'comment' && n.type !== 'keyword_argument');
}

/** The keyword_argument nodes of a call. */
export function keywordArgs(call: Node): Node[] {
  const args = call.childForFieldName('arguments');
  if (!args || args.type !== 'argument_list') return [];
  return args.namedChildren.filter((n): n is Node => !!n && n.type === 'keyword_argument');
}

/** The value of a call's keyword argument `name=…`, if present. */
export function keywordArg(call: Node, name: string): Node | undefined {
  for (const kw of keywordArgs(call)) {
    if (kw.childForFieldName('name')?.text === name) return kw.childForFieldName('value') ?? undefined;
  }
  return undefined;
}

/** A call's argument by keyword, else by position (`Thread(None, target)` passes target second). */
export function argument(call: Node, name: string, position: number): Node | undefined {
  const kw = keywordArg(call, name);
  if (kw) return kw;
  const pos = positionalArgs(call);
  const a = pos[position];
  if (!a || a.type === 'list_splat' || a.type === 'dictionary_splat') return undefined;
  // A splat before the position makes the positions unknown.
  if (pos.slice(0, position).some((p) => p.type === 'list_splat')) return undefined;
  return a;
}

/**
 * An edit adding the keyword argument `kw` (e.g. `daemon=True`) to a call, keeping the argument list's layout: after
 * the last argument, on its own line when the arguments are laid out one per line with a trailing comma. Returns
 * undefined when the call already passes that keyword.
 */
export function addKeywordArgument(call: Node, kw: string): TextEdit | undefined {
  const args = call.childForFieldName('arguments');
  if (!args) return undefined;
  const name = kw.split('=')[0].trim();
  if (keywordArg(call, name)) return undefined;
  if (args.type === 'generator_expression') {
    // f(x for x in y) has no argument list of its own: parenthesise the generator.
    return { start: args.startIndex, end: args.endIndex, newText: `((${args.text.slice(1, -1)}), ${kw})` };
  }
  const items = args.namedChildren.filter((n): n is Node => !!n && n.type !== 'comment');
  const close = args.child(args.childCount - 1)!;
  if (items.length === 0) return { start: args.startIndex + 1, end: args.startIndex + 1, newText: kw };
  const last = items[items.length - 1];
  let comma: Node | null = null;
  for (let s = last.nextSibling; s && s.startIndex < close.startIndex; s = s.nextSibling) if (s.type === ',') comma = s;
  if (comma) {
    if (close.startPosition.row > comma.endPosition.row) {
      // One argument per line with a trailing comma: add a line in the same style.
      const argsText = args.text;
      const at = last.startIndex - args.startIndex;
      const ls = argsText.lastIndexOf('\n', at - 1) + 1;
      const indent = /^[ \t]*/.exec(argsText.slice(ls))![0];
      const nl = argsText.includes('\r\n') ? '\r\n' : '\n';
      return { start: comma.endIndex, end: comma.endIndex, newText: `${nl}${indent}${kw},` };
    }
    return { start: comma.endIndex, end: comma.endIndex, newText: ` ${kw}` };
  }
  return { start: last.endIndex, end: last.endIndex, newText: `, ${kw}` };
}

/** The statements of a block (or module) without comments. */
export function statementsOf(block: Node): Node[] {
  return block.namedChildren.filter((n): n is Node => !!n && n.type !== 'comment');
}

/** The statement holding `node` whose parent is a block or the module (`node` itself when it is one). */
export function statementOf(node: Node): Node | null {
  const chain = [...ancestorsOf(node), node];
  for (let i = chain.length - 1; i > 0; i--) {
    const parent = chain[i - 1];
    if (parent.type === 'block' || parent.type === 'module') return chain[i];
    if (PY_SCOPES.has(chain[i].type)) return null;
  }
  return null;
}

/** Top-level definitions: each is a segment of its own, so module-level code between them forms separate runs. */
const PY_DEFINITIONS = new Set(['function_definition', 'class_definition', 'decorated_definition']);

/**
 * The module-level statements in the same run as the top-level statement `stmt`: the statements between the nearest
 * definitions before and after it. The engine caches findings per run, so module-level checks look no further.
 */
export function moduleRun(stmt: Node): Node[] {
  const { list, index } = siblingsOf(stmt, true);
  let from = index;
  while (from > 0 && !PY_DEFINITIONS.has(list[from - 1].type)) from--;
  let to = index + 1;
  while (to < list.length && !PY_DEFINITIONS.has(list[to].type)) to++;
  return list.slice(from, to).filter((n) => n.type !== 'comment');
}

/** moduleRun for rules: the runs of the whole file are cut once per analysis. */
export function moduleRunVia(ctx: RuleContext, stmt: Node): Node[] {
  const runs = ctx.memo(ctx.root, 'py.moduleRuns', () => {
    const out = new Map<number, Node[]>();
    let run: Node[] = [];
    const flush = () => {
      const code = run.filter((n) => n.type !== 'comment');
      for (const n of run) out.set(n.id, code);
      run = [];
    };
    for (const n of ctx.root.namedChildren) {
      if (!n) continue;
      if (PY_DEFINITIONS.has(n.type)) flush();
      else run.push(n);
    }
    flush();
    return out;
  });
  return runs.get(stmt.id) ?? moduleRun(stmt);
}

/**
 * The named siblings of `node` (its parent's named children, comments included when asked) and its index among
 * them. Stepping sibling by sibling costs a scan of the parent each time in tree-sitter; this reads them once.
 */
export function siblingsOf(node: Node, withComments = false, parent: Node | null = node.parent): { list: Node[]; index: number } {
  const list = (parent ? parent.namedChildren : [node]).filter((n): n is Node => !!n && (withComments || n.type !== 'comment' || n.id === node.id));
  return { list, index: Math.max(0, list.findIndex((n) => n.id === node.id)) };
}

/** The statements after `stmt` in its block, without comments. */
export function laterSiblings(stmt: Node): Node[] {
  const { list, index } = siblingsOf(stmt);
  return list.slice(index + 1);
}

/** The call of an expression statement `f(...)`, if that is all the statement is. */
export function statementCall(stmt: Node): Node | undefined {
  if (stmt.type !== 'expression_statement' || stmt.namedChildCount !== 1) return undefined;
  const c = stmt.namedChild(0);
  return c?.type === 'call' ? c : undefined;
}

/** Whether a `while` condition is a constant truth (`True`, `1`, possibly parenthesised): the loop runs forever. */
export function isForeverCondition(cond: Node | null): boolean {
  while (cond?.type === 'parenthesized_expression') cond = cond.namedChild(0);
  if (!cond) return false;
  if (cond.type === 'true') return true;
  if (cond.type === 'integer') return !/^0+$|^0[xob]0+$/i.test(cond.text.replace(/_/g, ''));
  return false;
}

/** The `while True:` / `while 1:` loops of a function body (outside nested scopes). */
export function foreverLoops(body: Node): Node[] {
  const out: Node[] = [];
  forEachDescendant(body, (n) => {
    if (n.type === 'while_statement' && isForeverCondition(n.childForFieldName('condition'))) out.push(n);
  });
  return out;
}

/** The nearest loop (for/while) that a `break`/`continue` at `node` belongs to, within its scope. */
export function owningLoop(node: Node): Node | null {
  const up = ancestorsOf(node);
  for (let i = up.length - 1; i >= 0; i--) {
    if (up[i].type === 'for_statement' || up[i].type === 'while_statement') return up[i];
    if (PY_SCOPES.has(up[i].type)) return null;
  }
  return null;
}

/** The parts of an except clause: its exception type (null when bare), its bound name and its handler block. */
export function exceptParts(clause: Node): { type: Node | null; alias: Node | null; block: Node | null } {
  let value = clause.childForFieldName('value');
  let alias: Node | null = null;
  if (value?.type === 'as_pattern') {
    alias = value.childForFieldName('alias')?.namedChild(0) ?? null;
    value = value.namedChild(0);
  }
  if (!value) {
    // Older grammars put the type as a plain child; take the first expression before the block.
    for (const c of clause.namedChildren) {
      if (!c || c.type === 'block' || c.type === 'comment') continue;
      if (c.type === 'as_pattern') {
        alias = c.childForFieldName('alias')?.namedChild(0) ?? null;
        value = c.namedChild(0);
      } else value = c;
      break;
    }
  }
  const block = clause.namedChildren.find((c) => c?.type === 'block') ?? null;
  return { type: value ?? null, alias, block };
}

/** The exception class names an except clause catches (`['Exception']`, `['OSError', 'ValueError']`), [] if bare. */
export function caughtTypes(type: Node | null): string[] {
  if (!type) return [];
  let t: Node | null = type;
  while (t?.type === 'parenthesized_expression') t = t.namedChild(0);
  if (!t) return [];
  if (t.type === 'tuple') return t.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment').map(exprKey);
  return [exprKey(t)];
}

// ---------------------------------------------------------------------------------------------------------------
// Indentation and block edits

/**
 * One level of indentation as the block holding `stmt` writes it (its indentation minus its parent statement's),
 * else the first indented block of the file, else four spaces.
 */
export function indentUnitAt(text: string, stmt: Node): string {
  const block = stmt.parent;
  if (block?.type === 'block' && block.parent) {
    const inner = indentAt(text, stmt.startIndex);
    const outer = indentAt(text, block.parent.startIndex);
    if (inner.length > outer.length && inner.startsWith(outer) && startsLine(text, stmt.startIndex)) return inner.slice(outer.length);
  }
  const root = stmt.tree.rootNode;
  let unit: string | undefined;
  forEachDescendant(
    root,
    (n) => {
      if (unit !== undefined) return false;
      if (n.type !== 'block' || !n.parent) return;
      const first = statementsOf(n)[0];
      if (!first || !startsLine(text, first.startIndex)) return;
      const inner = indentAt(text, first.startIndex);
      const outer = indentAt(text, n.parent.startIndex);
      if (inner.length > outer.length && inner.startsWith(outer)) unit = inner.slice(outer.length);
    },
    true,
  );
  return unit ?? '    ';
}

/** The [start, end) ranges of string literals in `nodes` that span several lines (their lines must not move). */
export function multilineStrings(nodes: readonly Node[]): [number, number][] {
  const out: [number, number][] = [];
  for (const node of nodes) {
    const check = (n: Node): void | false => {
      if (n.type === 'string' && n.startPosition.row !== n.endPosition.row) {
        out.push([n.startIndex, n.endIndex]);
        return false;
      }
    };
    if (check(node) !== false) forEachDescendant(node, check, true);
  }
  return out;
}

/**
 * The text of [from, to) with `unit` added in front of every non-blank line that starts there, except lines that
 * start inside a multi-line string of `nodes` (indenting those would change the string). `from` must start a line.
 */
export function indentSpanText(text: string, from: number, to: number, unit: string, nodes: readonly Node[]): string {
  const strings = multilineStrings(nodes);
  let out = '';
  let pos = from;
  while (pos < to) {
    const nl = text.indexOf('\n', pos);
    const end = nl === -1 || nl + 1 > to ? to : nl + 1;
    const line = text.slice(pos, end);
    const inString = strings.some(([s, e]) => s < pos && pos < e);
    out += line.trim() === '' || inString ? line : unit + line;
    pos = end;
  }
  return out;
}

/** The [start, end) span of the whole line(s) holding `node`, including the final line break if there is one. */
export function lineSpan(text: string, node: Node): [number, number] {
  const e = lineEnd(text, node.endIndex);
  return [lineStart(text, node.startIndex), e < text.length ? e + 1 : e];
}

/** Whether a statement is alone on its line(s): nothing but white space before it and white space or a comment after. */
export function aloneOnLine(text: string, stmt: Node): boolean {
  if (!startsLine(text, stmt.startIndex)) return false;
  const rest = text.slice(stmt.endIndex, lineEnd(text, stmt.endIndex));
  return /^[ \t]*(#.*)?\r?$/.test(rest);
}

/**
 * An edit adding `import module` among the file's leading imports, in sorted position within the first group of
 * imports (the standard-library group by PEP 8 convention, after any `from __future__` group); undefined when the
 * module is already imported that way.
 */
export function addImport(text: string, root: Node, module: string): TextEdit | undefined {
  const leading: Node[] = [];
  // The first statement, which is the module docstring when it is a string (comments may precede it).
  let doc = root.firstNamedChild;
  while (doc?.type === 'comment') doc = doc.nextNamedSibling;
  if (!(doc?.type === 'expression_statement' && doc.firstNamedChild?.type === 'string')) doc = null;
  for (let i = 0; i < root.namedChildCount; i++) {
    const n = root.namedChild(i)!;
    if (n.type === 'import_statement' || n.type === 'import_from_statement' || n.type === 'future_import_statement') leading.push(n);
    else if (n.type === 'comment' || (doc && n.startIndex === doc.startIndex)) continue;
    else break;
  }
  const moduleOf = (n: Node): string =>
    n.type === 'import_statement' ? (n.childrenForFieldName('name')[0]?.text ?? '') : exprKey(n.childForFieldName('module_name') ?? n);
  for (const n of leading) {
    if (n.type !== 'import_statement') continue;
    for (const name of n.childrenForFieldName('name')) if (name?.type === 'dotted_name' && name.text === module) return undefined;
  }
  const groups: Node[][] = [];
  for (const n of leading) {
    const g = groups[groups.length - 1];
    const prev = g?.[g.length - 1];
    if (prev && n.startPosition.row === prev.endPosition.row + 1) g.push(n);
    else groups.push([n]);
  }
  const nl = eol(text);
  const group = groups.find((g) => !g.every((n) => n.type === 'future_import_statement'));
  if (!group) {
    const after = leading[leading.length - 1];
    if (after) return { start: after.endIndex, end: after.endIndex, newText: `${nl}${nl}import ${module}` };
    if (doc) {
      return { start: doc.endIndex, end: doc.endIndex, newText: `${nl}${nl}import ${module}` };
    }
    // PEP 8: two blank lines before a top-level definition, one before other code.
    let first = root.namedChild(0);
    while (first?.type === 'comment') first = first.nextNamedSibling;
    const def = first && /^(function_definition|class_definition|decorated_definition)$/.test(first.type);
    const at = first && first.startPosition.row > 0 && root.namedChild(0)?.type === 'comment' ? lineStart(text, first.startIndex) : 0;
    return { start: at, end: at, newText: `import ${module}${nl}${nl}${def ? nl : ''}` };
  }
  const before = group.find((n) => moduleOf(n).toLowerCase() > module.toLowerCase());
  if (before) return { start: before.startIndex, end: before.startIndex, newText: `import ${module}${nl}` };
  const last = group[group.length - 1];
  return { start: last.endIndex, end: last.endIndex, newText: `${nl}import ${module}` };
}

/** The offset right after the file's leading imports (and docstring), where module-level statements can go. */
export function afterImports(root: Node): number | undefined {
  let last: Node | undefined;
  for (let i = 0; i < root.namedChildCount; i++) {
    const n = root.namedChild(i)!;
    if (n.type === 'import_statement' || n.type === 'future_import_statement' || n.type === 'import_from_statement') last = n;
    else if (i === 0 && n.type === 'expression_statement' && n.firstNamedChild?.type === 'string') last = n;
    else if (n.type !== 'comment') break;
  }
  return last?.endIndex;
}

/**
 * Merges a set of edits whose zero-width insertions share an offset into one edit each (so the order of the inserted
 * texts is the order given), keeping the others.
 */
export function mergeInsertions(edits: readonly (TextEdit | undefined)[]): TextEdit[] {
  const out: TextEdit[] = [];
  for (const e of edits) {
    if (!e) continue;
    const same = out.find((o) => o.start === o.end && e.start === e.end && o.start === e.start);
    if (same) same.newText += e.newText;
    else out.push({ ...e });
  }
  return out;
}


// ---------------------------------------------------------------------------------------------------------------
// Name binding (§0.4)

/** The names a function binds: its parameters, local bindings, and its `global` / `nonlocal` declarations. */
export interface PyBindings {
  params: string[];
  locals: Set<string>;
  globals: Set<string>;
  nonlocals: Set<string>;
}

/** The parameter names of a function_definition or lambda, in order. */
export function parameterNames(fn: Node): string[] {
  const params = fn.childForFieldName('parameters');
  if (!params) return [];
  const out: string[] = [];
  for (const p of params.namedChildren) {
    if (!p) continue;
    switch (p.type) {
      case 'identifier':
        out.push(p.text);
        break;
      case 'default_parameter':
      case 'typed_default_parameter':
        out.push(p.childForFieldName('name')?.text ?? '');
        break;
      case 'typed_parameter': {
        const id = p.namedChildren.find((c) => c?.type === 'identifier' || c?.type === 'list_splat_pattern' || c?.type === 'dictionary_splat_pattern');
        out.push(id?.type === 'identifier' ? id.text : (id?.namedChild(0)?.text ?? ''));
        break;
      }
      case 'list_splat_pattern':
      case 'dictionary_splat_pattern':
        out.push(p.namedChild(0)?.text ?? '');
        break;
    }
  }
  return out.filter((x) => x);
}

/** Adds the identifiers a binding target (name, tuple or list pattern, starred name) binds. */
export function targetNames(target: Node | null, out: Set<string>): void {
  if (!target) return;
  const stack: Node[] = [target];
  while (stack.length) {
    const n = stack.pop()!;
    switch (n.type) {
      case 'identifier':
        out.add(n.text);
        break;
      case 'pattern_list':
      case 'tuple_pattern':
      case 'list_pattern':
      case 'tuple':
      case 'list':
      case 'expression_list':
      case 'list_splat_pattern':
      case 'parenthesized_expression':
      case 'as_pattern_target':
        for (const c of n.namedChildren) if (c) stack.push(c);
        break;
    }
  }
}

/** The names an import statement binds (`import a.b` binds `a`; `from m import x as y` binds `y`). */
export function importedNames(stmt: Node): string[] {
  const out: string[] = [];
  for (const name of stmt.childrenForFieldName('name')) {
    if (!name) continue;
    if (name.type === 'aliased_import') out.push(name.childForFieldName('alias')?.text ?? '');
    else if (stmt.type === 'import_statement') out.push(name.text.split('.')[0]);
    else out.push(name.text.split('.').pop() ?? '');
  }
  return out.filter((x) => x);
}

/** Computes the names a function binds (§0.4), walking its body but not nested scopes (whose names it binds). */
export function bindingsOf(fn: Node): PyBindings {
  const b: PyBindings = { params: parameterNames(fn), locals: new Set(), globals: new Set(), nonlocals: new Set() };
  const body = fn.childForFieldName('body');
  if (!body) return b;
  forEachDescendant(body, (n) => addBinding(n, b), false, BINDING_TYPES);
  return finishBindings(b);
}

/** Node types that bind names in their scope. */
export const BINDING_TYPES: ReadonlySet<string> = new Set([
  'assignment', 'augmented_assignment', 'for_statement', 'as_pattern', 'named_expression', 'delete_statement',
  'import_statement', 'import_from_statement', 'function_definition', 'class_definition', 'global_statement',
  'nonlocal_statement',
]);

/** Records the names one node binds in the scope whose bindings are `b` (nested definitions bind their name). */
export function addBinding(n: Node, b: PyBindings): void {
  switch (n.type) {
    case 'assignment':
    case 'augmented_assignment':
    case 'for_statement':
      targetNames(n.childForFieldName('left'), b.locals);
      break;
    case 'as_pattern':
      targetNames(n.childForFieldName('alias'), b.locals);
      break;
    case 'named_expression':
      targetNames(n.childForFieldName('name'), b.locals);
      break;
    case 'delete_statement':
      for (const c of n.namedChildren) if (c?.type === 'identifier') b.locals.add(c.text);
      break;
    case 'import_statement':
    case 'import_from_statement':
      for (const x of importedNames(n)) b.locals.add(x);
      break;
    case 'function_definition':
    case 'class_definition':
      b.locals.add(n.childForFieldName('name')?.text ?? '');
      break;
    case 'global_statement':
      for (const c of n.namedChildren) if (c?.type === 'identifier') b.globals.add(c.text);
      break;
    case 'nonlocal_statement':
      for (const c of n.namedChildren) if (c?.type === 'identifier') b.nonlocals.add(c.text);
      break;
  }
}

/** Removes `global` and `nonlocal` names from the locals once a scope's bindings are complete. */
function finishBindings(b: PyBindings): PyBindings {
  for (const g of b.globals) b.locals.delete(g);
  for (const g of b.nonlocals) b.locals.delete(g);
  return b;
}

/** A cache of bindings per function node, for one analysis (pass `ctx` to share it between rules). */
export type BindingsOf = (fn: Node) => PyBindings;

/** A bindings lookup cached through the rule context's memo. */
export function bindingsVia(ctx: RuleContext): BindingsOf {
  return (fn) => ctx.memo(fn, 'py.bindings', () => bindingsOf(fn));
}


/** Whether a name read in `fn` is bound by `fn` itself (a parameter or a local), not a global or closure variable. */
export function isLocalName(fn: Node, name: string, bind: BindingsOf): boolean {
  const b = bind(fn);
  return !b.globals.has(name) && !b.nonlocals.has(name) && (b.locals.has(name) || b.params.includes(name));
}

/**
 * The file-wide identity of a possibly shared object named by `expr` where it appears: `module:NAME` for a module
 * global, `FUNC:NAME` for a parameter or local of FUNC (a closure variable resolves to its defining function), and
 * `CLASS.self.ATTR` for an attribute of `self` in a method. Undefined for other expressions.
 */
export function objectKey(expr: Node, bind: BindingsOf): string | undefined {
  const fn = enclosingFunction(expr);
  if (expr.type === 'identifier') {
    const name = expr.text;
    if (!fn) return insideClassBody(expr) ? undefined : `module:${name}`;
    const b = bind(fn);
    if (b.globals.has(name)) return `module:${name}`;
    if (b.locals.has(name) || b.params.includes(name)) return `${qualifiedName(fn)}:${name}`;
    for (let outer = enclosingFunction(fn); outer; outer = enclosingFunction(outer)) {
      const ob = bind(outer);
      if (ob.globals.has(name)) return `module:${name}`;
      if (ob.locals.has(name) || ob.params.includes(name)) return `${qualifiedName(outer)}:${name}`;
    }
    return `module:${name}`;
  }
  if (expr.type === 'attribute' && fn) {
    let root: Node | null = expr;
    while (root?.type === 'attribute') root = root.childForFieldName('object');
    if (root?.type !== 'identifier') return undefined;
    const cls = classOfMethod(fn);
    const self = bind(fn).params[0];
    if (cls && self && root.text === self && !isStaticMethod(fn)) return `${qualifiedName(cls)}.self${exprKey(expr).slice(self.length)}`;
  }
  return undefined;
}

function insideClassBody(node: Node): boolean {
  const up = ancestorsOf(node);
  for (let i = up.length - 1; i >= 0; i--) {
    if (up[i].type === 'class_definition') return true;
    if (up[i].type === 'function_definition') return false;
  }
  return false;
}

function isStaticMethod(fn: Node): boolean {
  const d = fn.parent;
  if (d?.type !== 'decorated_definition') return false;
  return d.namedChildren.some((c) => c?.type === 'decorator' && /\bstaticmethod\b/.test(c.text));
}

// ---------------------------------------------------------------------------------------------------------------
// Mutations and lock guards

/** What a structural mutation does to a collection. */
export type MutationKind = 'remove' | 'grow' | 'reorder' | 'write';

/** Methods that change a list, deque, set or dict in place, by what they do to its size or order. */
export const MUTATING_METHODS: Readonly<Record<string, MutationKind>> = {
  append: 'grow',
  appendleft: 'grow',
  extend: 'grow',
  extendleft: 'grow',
  insert: 'grow',
  add: 'grow',
  update: 'grow',
  remove: 'remove',
  pop: 'remove',
  popleft: 'remove',
  popitem: 'remove',
  discard: 'remove',
  clear: 'remove',
  difference_update: 'remove',
  intersection_update: 'remove',
  symmetric_difference_update: 'grow',
  sort: 'reorder',
  reverse: 'reorder',
};

/** How many positional arguments each mutating method takes, [min, max]: other arities are some other class's method. */
const MUTATOR_ARITY: Readonly<Record<string, [number, number]>> = {
  append: [1, 1],
  appendleft: [1, 1],
  extend: [1, 1],
  extendleft: [1, 1],
  insert: [2, 2],
  add: [1, 1],
  update: [0, 99],
  remove: [1, 1],
  pop: [0, 2],
  popleft: [0, 0],
  popitem: [0, 0],
  discard: [1, 1],
  clear: [0, 0],
  difference_update: [0, 99],
  intersection_update: [0, 99],
  symmetric_difference_update: [1, 1],
  sort: [0, 0],
  reverse: [0, 0],
};

/** One structural mutation: the node to report, the collection expression, and its kind. */
export interface PyMutation {
  node: Node;
  object: Node;
  kind: MutationKind;
}

/**
 * The structural mutations a node performs itself (not its children): `X.append(…)`-style method calls,
 * `bisect.insort(X, …)`, `del X[…]`, augmented assignment to `X`, and item assignment `X[k] = …` (kind 'write').
 */
export function mutationsOf(n: Node): PyMutation[] {
  switch (n.type) {
    case 'call': {
      const f = n.childForFieldName('function');
      if (f?.type === 'attribute') {
        const method = f.childForFieldName('attribute')?.text ?? '';
        const kind = MUTATING_METHODS[method];
        const obj = f.childForFieldName('object');
        const arity = positionalArgs(n).length;
        const [min, max] = MUTATOR_ARITY[method] ?? [0, 99];
        const kwOk = method === 'update' || method === 'sort' || keywordArgs(n).length === 0;
        if (kind && arity >= min && arity <= max && kwOk && obj && (obj.type === 'identifier' || obj.type === 'attribute')) return [{ node: n, object: obj, kind }];
      }
      if (/^(bisect\.)?insort(_left|_right)?$/.test(calleeText(n))) {
        const first = positionalArgs(n)[0];
        if (first && (first.type === 'identifier' || first.type === 'attribute')) return [{ node: n, object: first, kind: 'grow' }];
      }
      return [];
    }
    case 'delete_statement': {
      const out: PyMutation[] = [];
      const targets = n.namedChildren.flatMap((c) => (c?.type === 'expression_list' ? c.namedChildren : [c]));
      for (const t of targets) {
        const v = t?.type === 'subscript' ? t.childForFieldName('value') : null;
        if (v && (v.type === 'identifier' || v.type === 'attribute')) out.push({ node: n, object: v, kind: 'remove' });
      }
      return out;
    }
    case 'augmented_assignment': {
      const left = n.childForFieldName('left');
      if (!left || (left.type !== 'identifier' && left.type !== 'attribute')) return [];
      const op = n.childForFieldName('operator')?.text ?? '';
      if (!['+=', '|=', '-=', '&=', '^=', '*='].includes(op)) return [];
      return [{ node: n, object: left, kind: op === '-=' || op === '&=' ? 'remove' : 'grow' }];
    }
    case 'assignment': {
      const left = n.childForFieldName('left');
      const v = left?.type === 'subscript' ? left.childForFieldName('value') : null;
      if (v && (v.type === 'identifier' || v.type === 'attribute')) return [{ node: n, object: v, kind: 'write' }];
      return [];
    }
  }
  return [];
}

const LOCKISH = /lock|mutex|cond|sem/i;

/**
 * Whether `node` runs while a lock is held: inside `with <lock-like expr>:`, or after a sibling `X.acquire()` with
 * no `X.release()` in between, in any enclosing block of its function.
 */
export function isLockGuarded(node: Node): boolean {
  const chain = [...ancestorsOf(node), node];
  for (let i = chain.length - 1; i > 0; i--) {
    const n = chain[i];
    const parent = chain[i - 1];
    if (PY_SCOPES.has(n.type) && i !== chain.length - 1) return false;
    if (n.type === 'with_statement') {
      const clause = n.namedChildren.find((c) => c?.type === 'with_clause');
      for (const item of clause?.namedChildren ?? []) {
        let v = item?.childForFieldName('value') ?? null;
        if (v?.type === 'as_pattern') v = v.namedChild(0);
        if (v && LOCKISH.test(v.text)) return true;
      }
    }
    if (parent.type === 'block' || parent.type === 'module') {
      const { list, index } = siblingsOf(n, false, parent);
      for (let k = index - 1; k >= 0; k--) {
        const call = statementCall(list[k]);
        if (!call) continue;
        const name = calleeName(call);
        if (name === 'release') break;
        if (name === 'acquire') return true;
      }
    }
  }
  return false;
}

// ---------------------------------------------------------------------------------------------------------------
// Thread entry map (§0.3)

/** Which kind of concurrent entry point a call creates. */
export type PyThreadKind = 'Thread' | 'Timer' | 'Process';

/** A recognised `Thread(target=…)`, `Timer(t, f)`, `Process(target=…)` or `start_new_thread(f, args)` call. */
export interface PyThreadCall {
  kind: PyThreadKind;
  target?: Node;
  args?: Node;
}

/** Recognises a call that starts a thread, timer or process, with its target and argument tuple. */
export function threadCall(call: Node): PyThreadCall | undefined {
  if (call.type !== 'call') return undefined;
  const callee = calleeText(call);
  if (/^(threading\.)?Thread$/.test(callee)) return { kind: 'Thread', target: argument(call, 'target', 1), args: argument(call, 'args', 3) };
  if (/^(threading\.)?Timer$/.test(callee)) return { kind: 'Timer', target: argument(call, 'function', 1), args: argument(call, 'args', 2) };
  if (/^(_?thread\.)?start_new_thread$/.test(callee)) return { kind: 'Thread', target: argument(call, 'function', 0), args: argument(call, 'args', 1) };
  if (/^((multiprocessing|mp)\.)?Process$/.test(callee)) return { kind: 'Process', target: argument(call, 'target', 1), args: argument(call, 'args', 3) };
  return undefined;
}

/** Callees threadCall recognises. */
const THREAD_CALLEE = /^((threading\.)?(Thread|Timer)|(_?thread\.)?start_new_thread|((multiprocessing|mp)\.)?Process)$/;

/** Whether a call is `threading.Thread(...)` / `Thread(...)`. */
export function isThreadConstructor(call: Node): boolean {
  return /^(threading\.)?Thread$/.test(calleeText(call));
}

/**
 * Resolves a thread target expression to the qualified name of a function that may be defined in this file: a
 * nested function of an enclosing function, a method through `self.m`, or a top-level function or `Class.method`.
 * The name is only a candidate: look it up in the functions of the `pyFacts` facts.
 */
export function resolveTarget(target: Node): string | undefined {
  if (target.type === 'lambda') {
    const body = target.childForFieldName('body');
    const f = body?.type === 'call' ? body.childForFieldName('function') : null;
    return f ? resolveTarget(f) : undefined;
  }
  if (target.type === 'identifier') {
    const name = target.text;
    for (let fn = enclosingFunction(target); fn; fn = enclosingFunction(fn)) {
      const body = fn.childForFieldName('body');
      let found = false;
      if (body) {
        forEachDescendant(body, (n) => {
          if (found) return false;
          if (n.type === 'function_definition' && n.childForFieldName('name')?.text === name) found = true;
        });
      }
      if (found) return `${qualifiedName(fn)}.${name}`;
    }
    return name;
  }
  if (target.type === 'attribute') {
    const obj = target.childForFieldName('object');
    const attr = target.childForFieldName('attribute')?.text ?? '';
    const fn = enclosingFunction(target);
    const cls = fn && classOfMethod(fn);
    if (obj?.type === 'identifier' && fn && cls && (obj.text === parameterNames(fn)[0] || obj.text === cls.childForFieldName('name')?.text)) {
      return `${qualifiedName(cls)}.${attr}`;
    }
    if (obj?.type === 'identifier') return `${obj.text}.${attr}`;
  }
  return undefined;
}

/** Finds the function_definition with a qualified name inside a segment (the live node behind a fact). */
export function findFunction(segment: Node, qname: string): Node | undefined {
  let found: Node | undefined;
  const check = (n: Node): void | false => {
    if (found) return false;
    if (n.type === 'function_definition' && qualifiedName(n) === qname) found = n;
  };
  if (check(segment) !== false && !found) forEachDescendant(segment, check, true);
  return found;
}

// ---------------------------------------------------------------------------------------------------------------
// Facts

/** The summary of one function (or of the module-level code of a segment, named `<module>`). */
export interface PyFuncInfo {
  qname: string;
  params: string[];
  /** Has a `while True:` loop, outside nested scopes, with no exit guarded by a flag, event or sentinel. */
  forever: boolean;
  /** Tests a threading.Event (`.is_set()`, or a `.wait(…)` whose result is used). */
  testsEvent: boolean;
  /** The `run` method of a `threading.Thread` subclass (a thread entry point). */
  threadRun?: boolean;
  /** A method called through an instance (its first parameter is not passed in a thread's args). */
  method?: boolean;
  /** Mutations of objects other code can see: `[object key, guarded by a lock]`. */
  mutations?: [string, boolean][];
}

function testsEventCall(n: Node): boolean {
  if (n.type !== 'call') return false;
  const name = calleeName(n);
  if (name === 'is_set' || name === 'isSet') return true;
  return name === 'wait' && !!receiverOf(n) && n.parent?.type !== 'expression_statement';
}

/**
 * Whether a condition tests a stop signal: a flag that is not a local of `fn` (a module global or an attribute such
 * as `self.running`), an Event test, or a sentinel comparison (`item is None`), alone or under `not`/`and`/`or`.
 */
export function testsStopSignal(cond: Node, fn: Node | null, bind: BindingsOf): boolean {
  const stack: Node[] = [cond];
  while (stack.length) {
    const c = stack.pop()!;
    switch (c.type) {
      case 'parenthesized_expression':
      case 'not_operator':
      case 'boolean_operator':
        for (const x of c.namedChildren) if (x) stack.push(x);
        break;
      case 'call':
        if (testsEventCall(c)) return true;
        break;
      case 'comparison_operator':
        if (/\bis\s+(not\s+)?None\b|\bis\s+(not\s+)?[A-Z_][A-Z0-9_]{2,}\b|[=!]=\s*[A-Z_][A-Z0-9_]{2,}\b/.test(c.text)) return true;
        break;
      case 'identifier':
        if (!(fn && isLocalName(fn, c.text, bind))) return true;
        break;
      case 'attribute': {
        let root: Node | null = c;
        while (root?.type === 'attribute') root = root.childForFieldName('object');
        if (root?.type === 'identifier' && !(fn && isLocalName(fn, root.text, bind) && root.text !== bind(fn).params[0])) return true;
        break;
      }
    }
  }
  return false;
}

/** Whether a `break`/`return` inside a forever loop is guarded by a stop flag, event or sentinel test. */
function isStopExit(exit: Node, loop: Node, fn: Node | null, bind: BindingsOf): boolean {
  for (let n = exit.parent; n && n.id !== loop.id; n = n.parent) {
    if (n.type !== 'if_statement' && n.type !== 'elif_clause') continue;
    const cond = n.childForFieldName('condition');
    if (cond && testsStopSignal(cond, fn, bind)) return true;
  }
  return false;
}

/** Exception names that announce the end of a worker's life (raised to stop it, not by failure). */
const STOP_EXCEPTION = /(Finished|Closed|Stop|Exit|Shutdown|Cancel|Terminat|Interrupt|Quit|Done)\w*$/;

/** Whether a `while True:` loop can only be left by an exception or an unguarded exit (it runs until the process ends). */
export function loopRunsForever(loop: Node, fn: Node | null, bind: BindingsOf): boolean {
  const body = loop.childForFieldName('body');
  if (!body) return false;
  // `try: while True: … except RunFinishedError:` ends the loop with an exception meant as the stop signal.
  let child: Node = loop;
  for (let p = loop.parent; p && !PY_SCOPES.has(p.type); child = p, p = p.parent) {
    if (p.type !== 'try_statement' || p.childForFieldName('body')?.id !== child.id) continue;
    for (const c of p.namedChildren) {
      if (c?.type === 'except_clause' && caughtTypes(exceptParts(c).type).some((t) => STOP_EXCEPTION.test(t) && !/KeyboardInterrupt/.test(t))) return false;
    }
  }
  let stoppable = false;
  forEachDescendant(body, (n) => {
    if (stoppable) return false;
    if (n.type === 'return_statement' || (n.type === 'break_statement' && owningLoop(n)?.id === loop.id)) {
      if (isStopExit(n, loop, fn, bind)) stoppable = true;
    }
  });
  return !stoppable;
}

function threadBases(cls: Node): boolean {
  const bases = cls.childForFieldName('superclasses');
  return !!bases && /(^|[(,\s.])Thread\s*[,)]/.test(bases.text);
}

/** One function (or the module-level code) being summarised during the single walk of a segment. */
interface Summary {
  node: Node | null;
  info: PyFuncInfo;
  bindings: PyBindings;
  threadLocals: Set<string>;
  loops: Node[];
  mutations: PyMutation[];
}

function newSummary(fn: Node | null): Summary {
  const info: PyFuncInfo = { qname: fn ? qualifiedName(fn) : MODULE, params: fn ? parameterNames(fn) : [], forever: false, testsEvent: false };
  const cls = fn && classOfMethod(fn);
  if (fn && cls && fn.childForFieldName('name')?.text === 'run' && threadBases(cls)) info.threadRun = true;
  if (fn && cls && !isStaticMethod(fn)) info.method = true;
  return { node: fn, info, bindings: { params: info.params, locals: new Set(), globals: new Set(), nonlocals: new Set() }, threadLocals: new Set(), loops: [], mutations: [] };
}

/** One thread, timer or process construction of the file (§0.3). */
export interface PyThreadInfo {
  kind: PyThreadKind;
  /** The callee as written (`threading.Thread`). */
  callee: string;
  /** The candidate qualified name of the target function (see resolveTarget). */
  target?: string;
  /** Object keys (see objectKey) of the positional arguments passed to the target, null where not a name. */
  args: (string | null)[];
  /** Passes a `daemon=` keyword other than False/None. */
  daemon: boolean;
  /** The key (see bindingKey) of the variable the thread is bound to, or `[]` and the key of the list holding it. */
  bound?: string;
  /** `[]` and the keys of the lists the bound thread is appended to. */
  appendedTo?: string[];
  /** Constructed in a loop or comprehension (several threads run the same target). */
  multi?: boolean;
  /** The qualified name of the code constructing it. */
  scope: string;
}

const TIMEOUTISH = /timeout|wait|delay|sec|interval/i;

/** Whether `X.join(...)` is a thread join (no arguments, a timeout keyword, or a number) and not `str.join`. */
export function isThreadJoin(call: Node): boolean {
  if (calleeName(call) !== 'join' || !receiverOf(call)) return false;
  const recv = receiverOf(call)!;
  if (recv.type === 'string' || recv.type === 'concatenated_string') return false;
  const pos = positionalArgs(call);
  const kws = keywordArgs(call);
  if (kws.some((k) => k.childForFieldName('name')?.text !== 'timeout')) return false;
  if (pos.length === 0) return true;
  if (pos.length > 1 || kws.length) return false;
  const a = pos[0];
  return a.type === 'integer' || a.type === 'float' || ((a.type === 'identifier' || a.type === 'attribute') && TIMEOUTISH.test(a.text));
}

/**
 * Where a thread construction is stored: the variable or attribute it is assigned to (`t = Thread(…)`), or the list
 * it is appended to or built in (`threads.append(Thread(…))`, `threads = [Thread(…) for …]`, with `list` set).
 */
export function threadBinding(call: Node): { node?: Node; list?: boolean } {
  let p = call.parent;
  const assignable = (n: Node | null | undefined) => !!n && (n.type === 'identifier' || n.type === 'attribute');
  if (p?.type === 'assignment' && p.childForFieldName('right')?.id === call.id) {
    const left = p.childForFieldName('left');
    return assignable(left) ? { node: left! } : {};
  }
  if (p?.type === 'argument_list') {
    const outer = p.parent;
    if (outer?.type === 'call' && calleeName(outer) === 'append' && receiverOf(outer)) return { node: receiverOf(outer)!, list: true };
    return {};
  }
  if (p?.type === 'list_comprehension' || p?.type === 'generator_expression') {
    p = p.parent;
    if (p?.type === 'assignment' && assignable(p.childForFieldName('left'))) return { node: p.childForFieldName('left')!, list: true };
  }
  return {};
}

/** The key a thread variable, list or join receiver is matched by: its object key, else its text. */
export function bindingKey(node: Node, bind: BindingsOf): string {
  return objectKey(node, bind) ?? exprKey(node);
}

function insideLoop(node: Node): boolean {
  const up = ancestorsOf(node);
  for (let i = up.length - 1; i >= 0; i--) {
    if (/^(for_statement|while_statement|list_comprehension|generator_expression)$/.test(up[i].type)) return true;
    if (PY_SCOPES.has(up[i].type)) return false;
  }
  return false;
}

/** Module-level names of a segment: assignments (with the callee that produced them), imports, definitions. */
export interface PyModuleInfo {
  /** Names assigned at module level, with the callee of the assigned call if any (`logger` ← `logging.getLogger`). */
  assigns?: [string, string][];
  /** Imports: `[bound name, module, imported name]` (`['closing', 'contextlib', 'closing']`, `['os', 'os', '']`). */
  imports?: [string, string, string][];
  /** Functions and classes defined at top level. */
  defines?: string[];
  /** Calls of bare functions whose name mentions `log`, with a string first argument, by name. */
  logCalls?: Record<string, number>;
}

const LOG_NAME = /log/i;
const NOT_LOG = /login|logout|logic|logo|dialog|catalog|blog|backlog|analog|logit|logarithm|^log(2|10|1p)?$/i;

function isStringNode(n: Node | undefined): boolean {
  return !!n && (n.type === 'string' || n.type === 'concatenated_string');
}

/** Everything the Python rules need to know about one top-level segment from elsewhere in the file. */
export interface PySegmentFacts {
  /** Every function and method of the segment; its module-level code as `<module>` when it mutates globals. */
  functions?: PyFuncInfo[];
  /** Thread, timer and process constructions (§0.3). */
  threads?: PyThreadInfo[];
  /** Keys of the receivers of `.join()`, `.join(timeout=…)` or `.join(<number>)`, and of lists iterated to join (`[]…`). */
  joins?: string[];
  /** Keys of the receivers of `X.daemon = True` or `X.setDaemon(True)`, and of lists iterated to set it (`[]…`). */
  daemons?: string[];
  /** Module-level names. */
  module?: PyModuleInfo;
}

/** The node types the segment walk looks at (the rest are only walked through). */
const FACT_TYPES: ReadonlySet<string> = new Set([...BINDING_TYPES, 'lambda', 'call', 'while_statement', 'delete_statement', 'augmented_assignment', 'assignment']);

/** For `for t in threads: t.join()` (or a comprehension), the iterated list whose loop variable `recv` names. */
function loopListOf(call: Node, recv: string): Node | undefined {
  for (let n = call.parent; n; n = n.parent) {
    if (n.type === 'function_definition' || n.type === 'class_definition') return undefined;
    const clauses = n.type === 'for_statement' ? [n] : /comprehension|generator_expression/.test(n.type) ? n.namedChildren.filter((c): c is Node => c?.type === 'for_in_clause') : [];
    for (const c of clauses) {
      const left = c.childForFieldName('left');
      if (left?.type === 'identifier' && left.text === recv) return c.childForFieldName('right') ?? undefined;
    }
  }
  return undefined;
}

function importsOf(n: Node, out: [string, string, string][]): void {
  if (n.type === 'import_statement') {
    for (const name of n.childrenForFieldName('name')) {
      if (!name) continue;
      if (name.type === 'aliased_import') out.push([name.childForFieldName('alias')?.text ?? '', exprKey(name.childForFieldName('name')!), '']);
      else out.push([name.text.split('.')[0], exprKey(name), '']);
    }
  } else {
    const mod = exprKey(n.childForFieldName('module_name') ?? n);
    for (const name of n.childrenForFieldName('name')) {
      if (!name) continue;
      if (name.type === 'aliased_import') out.push([name.childForFieldName('alias')?.text ?? '', mod, exprKey(name.childForFieldName('name')!)]);
      else out.push([name.text, mod, name.text]);
    }
  }
}

/**
 * Collects the facts of one segment in a single walk: function summaries (bindings, event tests, forever loops,
 * mutations of objects other code can see), the thread entry map, joins and daemon flags, and module-level names.
 */
export function collectSegment(seg: Node): PySegmentFacts {
  const summaries: Summary[] = [];
  const byFn = new Map<number, PyBindings>();
  let def: Node | null = seg;
  if (def.type === 'decorated_definition') def = def.childForFieldName('definition');
  const isDef = !!def && (def.type === 'function_definition' || def.type === 'class_definition');
  const moduleCode = isDef ? null : newSummary(null);
  // The scope stack: [end offset, summary or null for class bodies and lambdas, whose code is not summarised].
  const stack: [number, Summary | null][] = [[seg.endIndex, moduleCode]];
  if (moduleCode) summaries.push(moduleCode);
  const threadCalls: Node[] = [];
  const joinCalls: Node[] = [];
  const daemonNodes: Node[] = [];
  const appendCalls: Node[] = [];
  const assigns: [string, string][] = [];
  const imports: [string, string, string][] = [];
  const logCalls: Record<string, number> = {};
  const onNode = (n: Node): void => {
    while (stack.length > 1 && n.startIndex >= stack[stack.length - 1][0]) stack.pop();
    const cur = stack[stack.length - 1][1];
    const atModule = !!cur && cur === moduleCode;
    if (BINDING_TYPES.has(n.type) && cur) addBinding(n, cur.bindings);
    switch (n.type) {
      case 'function_definition': {
        const sum = newSummary(n);
        summaries.push(sum);
        byFn.set(n.id, sum.bindings);
        stack.push([n.endIndex, sum]);
        return;
      }
      case 'class_definition':
      case 'lambda':
        stack.push([n.endIndex, null]);
        return;
      case 'import_statement':
      case 'import_from_statement':
        if (atModule) importsOf(n, imports);
        return;
      case 'call': {
        // The callee text is computed once: most calls are none of the kinds below.
        const f = n.childForFieldName('function');
        const callee = f ? exprKey(f) : '';
        const name = callee.slice(callee.lastIndexOf('.') + 1);
        const tc = THREAD_CALLEE.test(callee) ? threadCall(n) : undefined;
        if (tc) threadCalls.push(n);
        if (name === 'join' && isThreadJoin(n)) joinCalls.push(n);
        if (name === 'setDaemon' && positionalArgs(n)[0]?.type === 'true') daemonNodes.push(n);
        if (name === 'append') appendCalls.push(n);
        if (f?.type === 'identifier' && LOG_NAME.test(callee) && !NOT_LOG.test(callee) && isStringNode(positionalArgs(n)[0])) {
          logCalls[callee] = (logCalls[callee] ?? 0) + 1;
        }
        if (cur) {
          if ((name === 'is_set' || name === 'isSet' || name === 'wait') && testsEventCall(n)) cur.info.testsEvent = true;
          if (tc?.args) for (const a of tc.args.namedChildren) if (a?.type === 'identifier') cur.threadLocals.add(a.text);
          if (name in MUTATING_METHODS || name.startsWith('insort')) cur.mutations.push(...mutationsOf(n));
        }
        return;
      }
      case 'assignment': {
        const left = n.childForFieldName('left');
        const right = n.childForFieldName('right');
        if (left?.type === 'attribute' && left.childForFieldName('attribute')?.text === 'daemon' && right?.type === 'true') daemonNodes.push(n);
        if (atModule) {
          const names = new Set<string>();
          targetNames(left, names);
          const callee = right?.type === 'call' ? calleeText(right) : '';
          for (const name of names) assigns.push([name, callee]);
        }
        break;
      }
      case 'while_statement':
        if (cur?.node && isForeverCondition(n.childForFieldName('condition'))) cur.loops.push(n);
        return;
    }
    if (cur) cur.mutations.push(...mutationsOf(n));
  };
  if (FACT_TYPES.has(seg.type)) onNode(seg);
  forEachDescendant(seg, onNode, true, FACT_TYPES);
  for (const sum of summaries) finishBindings(sum.bindings);
  const bind: BindingsOf = (fn) => byFn.get(fn.id) ?? bindingsOf(fn);
  const facts: PySegmentFacts = {};

  const functions: PyFuncInfo[] = [];
  for (const sum of summaries) {
    const info = sum.info;
    info.forever = sum.loops.some((l) => loopRunsForever(l, sum.node, bind));
    const own = `${info.qname}:`;
    const keep = (key: string) =>
      sum.node ? !key.startsWith(own) || sum.threadLocals.has(key.slice(own.length)) || info.params.includes(key.slice(own.length)) : key.startsWith('module:');
    const seen = new Map<string, boolean>();
    for (const m of sum.mutations) {
      const key = objectKey(m.object, bind);
      if (!key || !keep(key)) continue;
      seen.set(key, (seen.get(key) ?? true) && isLockGuarded(m.node));
    }
    if (seen.size) info.mutations = [...seen].sort((a, b) => a[0].localeCompare(b[0]));
    if (sum.node || info.mutations) functions.push(info);
  }
  if (functions.length) facts.functions = functions;

  const threads: PyThreadInfo[] = [];
  for (const n of threadCalls) {
    const tc = threadCall(n)!;
    const args = tc.args && (tc.args.type === 'tuple' || tc.args.type === 'list') ? tc.args.namedChildren.filter((a): a is Node => !!a && a.type !== 'comment') : [];
    const daemonArg = keywordArg(n, 'daemon');
    const info: PyThreadInfo = {
      kind: tc.kind,
      callee: calleeText(n),
      target: tc.target ? resolveTarget(tc.target) : undefined,
      args: args.map((a) => objectKey(a, bind) ?? null),
      daemon: !!daemonArg && daemonArg.type !== 'false' && daemonArg.type !== 'none',
      scope: scopeName(n),
    };
    const b = threadBinding(n);
    if (b.node) info.bound = (b.list ? '[]' : '') + bindingKey(b.node, bind);
    if (b.list || insideLoop(n)) info.multi = true;
    if (b.node && !b.list) {
      // `threads.append(t)` in the same scope: joining the list joins the thread.
      const v = exprKey(b.node);
      const scope = enclosingFunction(n)?.id;
      const lists = new Set<string>();
      for (const a of appendCalls) {
        if (enclosingFunction(a)?.id === scope && positionalArgs(a).some((x) => exprKey(x) === v)) lists.add(`[]${bindingKey(receiverOf(a)!, bind)}`);
      }
      if (lists.size) info.appendedTo = [...lists].sort();
    }
    threads.push(info);
  }
  if (threads.length) facts.threads = threads;

  const joins = new Set<string>();
  const daemons = new Set<string>();
  const record = (set: Set<string>, recv: Node, at: Node) => {
    set.add(bindingKey(recv, bind));
    if (recv.type === 'identifier') {
      const list = loopListOf(at, recv.text);
      if (list) set.add(`[]${bindingKey(list, bind)}`);
    }
  };
  for (const c of joinCalls) record(joins, receiverOf(c)!, c);
  for (const d of daemonNodes) record(daemons, d.type === 'call' ? receiverOf(d)! : d.childForFieldName('left')!.childForFieldName('object')!, d);
  if (joins.size) facts.joins = [...joins].sort();
  if (daemons.size) facts.daemons = [...daemons].sort();

  const module: PyModuleInfo = {};
  if (isDef) module.defines = [def!.childForFieldName('name')?.text ?? ''];
  if (assigns.length) module.assigns = assigns;
  if (imports.length) module.imports = imports;
  if (Object.keys(logCalls).length) module.logCalls = logCalls;
  if (Object.keys(module).length) facts.module = module;
  return facts;
}

/** The facts of every top-level segment (see PySegmentFacts): the one provider the Python rules share. */
export const pyFacts: FactProvider<PySegmentFacts> = segmentFacts('py.facts', collectSegment);

// ---------------------------------------------------------------------------------------------------------------
// File-wide queries over the facts (memoised per analysis)

/** The file's functions by qualified name. */
export function functionIndex(ctx: RuleContext): Map<string, { info: PyFuncInfo; segment: Node }> {
  return ctx.memo(ctx.root, 'py.functionIndex', () => {
    const out = new Map<string, { info: PyFuncInfo; segment: Node }>();
    for (const f of ctx.facts(pyFacts)) for (const info of f.value.functions ?? []) if (info.qname !== MODULE) out.set(info.qname, { info, segment: f.node });
    return out;
  });
}

/** The keys of every joined thread and every thread made a daemon after construction, file-wide. */
export function joinsAndDaemons(ctx: RuleContext): { joins: Set<string>; daemons: Set<string> } {
  return ctx.memo(ctx.root, 'py.joins', () => {
    const facts = ctx.facts(pyFacts);
    return { joins: new Set(facts.flatMap((f) => f.value.joins ?? [])), daemons: new Set(facts.flatMap((f) => f.value.daemons ?? [])) };
  });
}

/** Every thread construction of the file. */
export function threadsOf(ctx: RuleContext): PyThreadInfo[] {
  return ctx.memo(ctx.root, 'py.threads', () => ctx.facts(pyFacts).flatMap((f) => f.value.threads ?? []));
}

/** The qualified names of the functions that run as thread (or timer) entry points, with `Thread.run` overrides. */
export function threadTargets(ctx: RuleContext): Set<string> {
  return ctx.memo(ctx.root, 'py.threadTargets', () => {
    const index = functionIndex(ctx);
    const out = new Set<string>();
    for (const t of threadsOf(ctx)) if (t.kind !== 'Process' && t.target && index.has(t.target)) out.add(t.target);
    for (const [name, f] of index) if (f.info.threadRun) out.add(name);
    return out;
  });
}

/**
 * The keys an object is known by in other code: its own key plus, when it is a parameter of a thread target, the
 * keys of the arguments each construction passes for it (argument→parameter aliasing of §0.3).
 */
export function aliasKeys(ctx: RuleContext, key: string): string[] {
  const out = [key];
  const colon = key.lastIndexOf(':');
  if (colon < 0 || key.startsWith('module:')) return out;
  const fn = key.slice(0, colon);
  const name = key.slice(colon + 1);
  const info = functionIndex(ctx).get(fn)?.info;
  if (!info) return out;
  let index = info.params.indexOf(name);
  if (index < 0) return out;
  // A bound method's first parameter is self, which the args tuple does not pass.
  if (info.method) index--;
  for (const t of threadsOf(ctx)) {
    if (t.target !== fn || t.kind === 'Process') continue;
    const a = t.args[index];
    if (a) out.push(a);
  }
  return out;
}

/**
 * Object keys that are mutated from at least two thread contexts (each thread target is one, all other code is the
 * main thread; a target started in a loop counts twice), at least one of them a thread, with at least one mutation
 * not under a lock: the objects PY102 reports.
 */
export function threadSharedObjects(ctx: RuleContext): Set<string> {
  return ctx.memo(ctx.root, 'py.threadShared', () => {
    const targets = threadTargets(ctx);
    const multi = new Set(threadsOf(ctx).filter((t) => t.multi && t.target).map((t) => t.target!));
    const contexts = new Map<string, Set<string>>();
    const unguarded = new Set<string>();
    for (const f of ctx.facts(pyFacts)) {
      for (const info of f.value.functions ?? []) {
        const isThread = targets.has(info.qname);
        for (const [key, guarded] of info.mutations ?? []) {
          for (const k of aliasKeys(ctx, key)) {
            let set = contexts.get(k);
            if (!set) contexts.set(k, (set = new Set()));
            if (isThread) {
              set.add(`thread:${info.qname}`);
              if (multi.has(info.qname)) set.add(`thread:${info.qname}#2`);
            } else set.add('main');
            if (!guarded) unguarded.add(k);
          }
        }
      }
    }
    const out = new Set<string>();
    for (const [k, set] of contexts) {
      if (set.size >= 2 && [...set].some((c) => c.startsWith('thread:')) && unguarded.has(k)) out.add(k);
    }
    return out;
  });
}

/** The file's module-level names: assignments and what assigned them, imports, and top-level definitions. */
export function moduleNames(ctx: RuleContext): { assigns: Map<string, string>; imports: [string, string, string][]; defines: Set<string>; logCalls: Map<string, number> } {
  return ctx.memo(ctx.root, 'py.moduleNames', () => {
    const assigns = new Map<string, string>();
    const imports: [string, string, string][] = [];
    const defines = new Set<string>();
    const logCalls = new Map<string, number>();
    for (const f of ctx.facts(pyFacts)) {
      const m = f.value.module;
      if (!m) continue;
      for (const [n, c] of m.assigns ?? []) assigns.set(n, c);
      imports.push(...(m.imports ?? []));
      for (const d of m.defines ?? []) defines.add(d);
      for (const [n, c] of Object.entries(m.logCalls ?? {})) logCalls.set(n, (logCalls.get(n) ?? 0) + c);
    }
    return { assigns, imports, defines, logCalls };
  });
}

/** The name under which the file can call `module.name` without a new import (`closing` after `from contextlib import closing`). */
export function importedAs(ctx: RuleContext, module: string, name: string): string | undefined {
  for (const [bound, mod, imported] of moduleNames(ctx).imports) {
    if (mod === module && imported === name) return bound;
    if (mod === module && imported === '' && bound === module) return `${module}.${name}`;
  }
  return undefined;
}

/** A module-level name not used by the file yet, starting from `base` (`stop_event`, `stop_event_2`, …). */
export function freshModuleName(ctx: RuleContext, base: string): string {
  const m = moduleNames(ctx);
  const taken = (n: string) => m.assigns.has(n) || m.defines.has(n) || m.imports.some(([b]) => b === n);
  if (!taken(base)) return base;
  for (let i = 2; ; i++) if (!taken(`${base}_${i}`)) return `${base}_${i}`;
}

/**
 * A call's callee with its first name resolved through the file's module-level imports, so rules can match one
 * spelling: `urlopen` after `from urllib.request import urlopen` is `urllib.request.urlopen`, `sp.run` after
 * `import subprocess as sp` is `subprocess.run`. Names that no import binds come back as written.
 */
export function resolvedCallee(ctx: RuleContext, call: Node): string {
  const text = calleeText(call);
  const dot = text.indexOf('.');
  const head = dot < 0 ? text : text.slice(0, dot);
  const bound = ctx.memo(ctx.root, 'py.importedNames', () => {
    const out = new Map<string, string>();
    for (const [name, module, imported] of moduleNames(ctx).imports) {
      // `import os.path` binds `os`, the package itself.
      if (!imported && module.startsWith(`${name}.`)) out.set(name, name);
      else out.set(name, imported ? `${module}.${imported}` : module);
    }
    return out;
  });
  const full = bound.get(head);
  return full ? full + text.slice(head.length) : text;
}

// ---------------------------------------------------------------------------------------------------------------
// Queues and collections: how they are made, fed, trimmed and size-checked (PY501, PY502, PY102)

/** How one segment makes, feeds, trims and size-checks collections, by object key (see objectKey). */
export interface PyCollectionFacts {
  /** Queue and deque constructions `X = queue.Queue(…)`: [key, callee as written, bounded (maxsize/maxlen given)]. */
  made?: [string, string, boolean][];
  /** `X.put(…)`-style feeds (put, put_nowait, append, appendleft, insert, extend, add) inside a while loop: [key, function, loop is `while True`]. */
  fed?: [string, string, boolean][];
  /** Keys that something removes entries from (remove, pop, popleft, discard, clear, `del X[…]`, …). */
  removed?: string[];
  /** Keys whose size is checked: `len(X)` or `X.qsize()` in a comparison, or `X.full()`. */
  sizeChecked?: string[];
}

/** Last names of the constructors of queues and deques, the collections PY501 looks at. */
const QUEUE_CTOR = /^(Queue|LifoQueue|PriorityQueue|SimpleQueue|JoinableQueue|deque)$/;

/** Methods that add to a queue or collection. */
const FEEDS = new Set(['put', 'put_nowait', 'append', 'appendleft', 'insert', 'extend', 'add']);

/** Methods that take an item out of a queue or collection. */
const TAKES = new Set(['get', 'get_nowait', 'pop', 'popleft', 'popitem']);

/** Whether a queue or deque construction passes a bound: `maxsize`/first argument other than 0, `maxlen`/second argument other than None. */
export function constructorBounded(call: Node): boolean {
  const callee = calleeText(call);
  const isDeque = /(^|\.)deque$/.test(callee);
  if (/(^|\.)SimpleQueue$/.test(callee)) return false;
  const v = isDeque ? argument(call, 'maxlen', 1) : argument(call, 'maxsize', 0);
  // Splatted arguments may carry the bound.
  if (!v) return positionalArgs(call).some((a) => a.type === 'list_splat' || a.type === 'dictionary_splat');
  if (isDeque) return v.type !== 'none';
  // maxsize 0 or negative means no bound.
  return !(v.type === 'integer' && /^0+$/.test(v.text.replace(/_/g, ''))) && v.type !== 'unary_operator';
}

/** The facts of one segment for PY501/PY502/PY102 (see PyCollectionFacts). */
export function collectCollections(seg: Node): PyCollectionFacts {
  const byFn = new Map<number, PyBindings>();
  const bind: BindingsOf = (fn) => {
    let b = byFn.get(fn.id);
    if (!b) byFn.set(fn.id, (b = bindingsOf(fn)));
    return b;
  };
  const made: [string, string, boolean][] = [];
  const fed = new Map<string, [string, string, boolean]>();
  const removed = new Set<string>();
  const checked = new Set<string>();
  // `${key}\0${function}` of the objects a function takes items from (a pushback buffer or a self-fed work queue).
  const takes = new Set<string>();
  const visit = (n: Node): void => {
    if (n.type === 'delete_statement') {
      for (const m of mutationsOf(n)) {
        const k = objectKey(m.object, bind);
        if (k) removed.add(k);
      }
      return;
    }
    if (n.type === 'assignment') {
      const right = n.childForFieldName('right');
      const left = n.childForFieldName('left');
      if (right?.type !== 'call' || !left || (left.type !== 'identifier' && left.type !== 'attribute')) return;
      const callee = calleeText(right);
      if (!QUEUE_CTOR.test(callee.slice(callee.lastIndexOf('.') + 1))) return;
      const k = objectKey(left, bind);
      if (k) made.push([k, callee, constructorBounded(right)]);
      return;
    }
    if (n.type !== 'call') return;
    const name = calleeName(n);
    const recv = receiverOf(n);
    if (name === 'len' && calleeText(n) === 'len') {
      const a = positionalArgs(n)[0];
      if (a && (a.type === 'identifier' || a.type === 'attribute') && insideComparison(n)) {
        const k = objectKey(a, bind);
        if (k) checked.add(k);
      }
      return;
    }
    if (!recv || (recv.type !== 'identifier' && recv.type !== 'attribute')) return;
    if (name === 'full' || (name === 'qsize' && insideComparison(n))) {
      const k = objectKey(recv, bind);
      if (k) checked.add(k);
      return;
    }
    if (MUTATING_METHODS[name] === 'remove') {
      if (TAKES.has(name)) {
        const fn = enclosingFunction(n);
        const k = objectKey(recv, bind);
        if (k) takes.add(`${k}\u0000${fn ? qualifiedName(fn) : MODULE}`);
      }
      for (const m of mutationsOf(n)) {
        const k = objectKey(m.object, bind);
        if (k) removed.add(k);
      }
      return;
    }
    if (TAKES.has(name)) {
      const fn = enclosingFunction(n);
      const k = objectKey(recv, bind);
      if (k) takes.add(`${k}\u0000${fn ? qualifiedName(fn) : MODULE}`);
      return;
    }
    if (!FEEDS.has(name)) return;
    // A sentinel put (`q.put(None)`) or a feed after which the code leaves (`q.put(x); return`) produces nothing more.
    const args = positionalArgs(n);
    if (args.length === 1 && args[0].type === 'none') return;
    let stmt: Node | null = n.parent;
    if (stmt?.type === 'await') stmt = stmt.parent;
    if (stmt?.type === 'expression_statement') {
      for (const s of laterSiblings(stmt)) {
        if (s.type === 'continue_statement') break;
        if (s.type === 'return_statement' || s.type === 'raise_statement' || s.type === 'break_statement') return;
      }
    }
    // Only feeds inside a while loop of their own function matter (a for loop over a finite list is a bounded producer).
    const up = ancestorsOf(n);
    let fn: Node | null = null;
    let inWhile = false;
    let forever = false;
    for (let i = up.length - 1; i >= 0; i--) {
      const a = up[i];
      if (a.type === 'function_definition') {
        fn = a;
        break;
      }
      if (a.type === 'lambda' || a.type === 'class_definition') return;
      if (a.type === 'while_statement') {
        inWhile = true;
        if (isForeverCondition(a.childForFieldName('condition')) && !loopExits(a)) forever = true;
      }
    }
    if (!inWhile) return;
    const k = objectKey(recv, bind);
    if (!k) return;
    const scope = fn ? qualifiedName(fn) : MODULE;
    const id = `${k}\u0000${scope}`;
    const prev = fed.get(id);
    if (!prev || (forever && !prev[2])) fed.set(id, [k, scope, forever]);
  };
  visit(seg);
  forEachDescendant(seg, (n) => void visit(n), true, COLLECTION_TYPES);
  const out: PyCollectionFacts = {};
  if (made.length) out.made = made;
  // A function that takes from what it feeds consumes its own items: its loop is not an unbounded producer.
  const feeds = [...fed].filter(([id]) => !takes.has(id)).map(([, v]) => v);
  if (feeds.length) out.fed = feeds;
  if (removed.size) out.removed = [...removed].sort();
  if (checked.size) out.sizeChecked = [...checked].sort();
  return out;
}

const COLLECTION_TYPES: ReadonlySet<string> = new Set(['call', 'assignment', 'delete_statement']);

/** Whether a loop has a `break` of its own or a `return` in its body (outside nested scopes). */
function loopExits(loop: Node): boolean {
  const body = loop.childForFieldName('body');
  let found = false;
  if (body) {
    forEachDescendant(body, (n) => {
      if (found) return false;
      if (n.type === 'return_statement' || (n.type === 'break_statement' && owningLoop(n)?.id === loop.id)) found = true;
    });
  }
  return found;
}

function insideComparison(n: Node): boolean {
  for (let p = n.parent; p; p = p.parent) {
    if (p.type === 'comparison_operator') return true;
    if (p.type !== 'binary_operator' && p.type !== 'parenthesized_expression' && p.type !== 'unary_operator') return false;
  }
  return false;
}

/** The collection facts of every top-level segment (see PyCollectionFacts). */
export const pyCollections: FactProvider<PyCollectionFacts> = segmentFacts('py.collections', collectCollections);

/** The file's collection facts merged: constructions by key, feeds, and the keys trimmed and size-checked. */
export function collectionsOf(ctx: RuleContext): {
  made: Map<string, { callee: string; bounded: boolean }>;
  fed: [string, string, boolean][];
  removed: Set<string>;
  sizeChecked: Set<string>;
} {
  return ctx.memo(ctx.root, 'py.collections', () => {
    const made = new Map<string, { callee: string; bounded: boolean }>();
    const fed: [string, string, boolean][] = [];
    const removed = new Set<string>();
    const sizeChecked = new Set<string>();
    for (const f of ctx.facts(pyCollections)) {
      for (const [k, callee, bounded] of f.value.made ?? []) made.set(k, { callee, bounded });
      fed.push(...(f.value.fed ?? []));
      for (const k of f.value.removed ?? []) removed.add(k);
      for (const k of f.value.sizeChecked ?? []) sizeChecked.add(k);
    }
    return { made, fed, removed, sizeChecked };
  });
}

/**
 * What a queue or deque constructor callee names once the file's imports are applied: `queue` (queue.Queue and
 * friends, asyncio and multiprocessing queues), `simple` (a SimpleQueue, which takes no bound) or `deque`; undefined
 * for other callees.
 */
export function queueKind(ctx: RuleContext, callee: string): 'queue' | 'simple' | 'deque' | undefined {
  const dot = callee.lastIndexOf('.');
  const last = callee.slice(dot + 1);
  let module = dot < 0 ? '' : callee.slice(0, dot);
  if (dot < 0) {
    const imp = moduleNames(ctx).imports.find(([bound]) => bound === last);
    if (!imp || !imp[2]) return undefined;
    module = imp[1];
  } else {
    const head = module.split('.')[0];
    const imp = moduleNames(ctx).imports.find(([bound, , name]) => bound === head && name === '');
    if (imp) module = imp[1] + module.slice(head.length);
  }
  if (last === 'deque') return module === 'collections' ? 'deque' : undefined;
  if (!/^(queue|asyncio|asyncio\.queues|multiprocessing|multiprocessing\.queues|gevent\.queue|trio)$/.test(module)) return undefined;
  if (last === 'SimpleQueue') return 'simple';
  return /^(Queue|LifoQueue|PriorityQueue|JoinableQueue)$/.test(last) ? 'queue' : undefined;
}

/**
 * The calls each function of a segment makes, and its `while` loops, in one walk with a scope stack (no upward
 * walks). Callees are candidate qualified names: `self.m()` in a method of `C` is `C.m`; a bare `f()` in `g` is both
 * `g.f` (a nested function) and `f`. Module-level code is `<module>`. Look the names up in functionIndex.
 */
export function callGraphOf(seg: Node): { calls: Map<string, Set<string>>; loops: [string, Node][] } {
  const calls = new Map<string, Set<string>>();
  const loops: [string, Node][] = [];
  // [end offset, qualified name, class of the method or '', first parameter of the method or '']
  const stack: [number, string, string, string][] = [[seg.endIndex, MODULE, '', '']];
  const prefix = (q: string) => (q === MODULE ? '' : `${q}.`);
  const onNode = (n: Node): void => {
    while (stack.length > 1 && n.startIndex >= stack[stack.length - 1][0]) stack.pop();
    const [, q, cls, self] = stack[stack.length - 1];
    switch (n.type) {
      case 'function_definition': {
        const name = n.childForFieldName('name')?.text ?? '?';
        const inClass = stack[stack.length - 1][1] === cls && cls !== '' && self === '';
        const first = inClass ? (parameterNames(n)[0] ?? '') : '';
        stack.push([n.endIndex, `${prefix(q)}${name}`, inClass ? cls : '', first]);
        return;
      }
      case 'class_definition':
        stack.push([n.endIndex, `${prefix(q)}${n.childForFieldName('name')?.text ?? '?'}`, `${prefix(q)}${n.childForFieldName('name')?.text ?? '?'}`, '']);
        return;
      case 'while_statement':
        loops.push([q, n]);
        return;
      case 'call': {
        const f = n.childForFieldName('function');
        let set = calls.get(q);
        const add = (c: string) => {
          if (!set) calls.set(q, (set = new Set()));
          set.add(c);
        };
        if (f?.type === 'identifier') {
          add(f.text);
          if (q !== MODULE) add(`${q}.${f.text}`);
        } else if (f?.type === 'attribute') {
          const obj = f.childForFieldName('object');
          const attr = f.childForFieldName('attribute')?.text ?? '';
          if (obj?.type === 'identifier' && self && obj.text === self) add(`${cls}.${attr}`);
          else if (obj?.type === 'identifier') add(`${obj.text}.${attr}`);
        }
        return;
      }
    }
  };
  if (CALL_GRAPH_TYPES.has(seg.type)) onNode(seg);
  forEachDescendant(seg, onNode, true, CALL_GRAPH_TYPES);
  return { calls, loops };
}

const CALL_GRAPH_TYPES: ReadonlySet<string> = new Set(['function_definition', 'class_definition', 'call', 'while_statement']);

/** The name or attribute a call's result is bound to: `V = call(…)` or `with call(…) as V`. */
export function boundTo(call: Node): Node | undefined {
  const p = call.parent;
  if (p?.type === 'assignment' && p.childForFieldName('right')?.id === call.id) {
    const left = p.childForFieldName('left');
    return left && (left.type === 'identifier' || left.type === 'attribute') ? left : undefined;
  }
  if (p?.type === 'as_pattern') {
    const alias = p.childForFieldName('alias')?.namedChild(0);
    return alias && (alias.type === 'identifier' || alias.type === 'attribute') ? alias : undefined;
  }
  return undefined;
}

/** A Python fact provider that summarises each segment with `collect`, leaving out segments whose summary is empty. */
export function segmentFacts<T extends object>(id: string, collect: (seg: Node) => T): FactProvider<T> {
  return {
    id,
    language: 'python',
    collect(seg) {
      const facts = collect(seg);
      return Object.keys(facts).length ? facts : undefined;
    },
  };
}
