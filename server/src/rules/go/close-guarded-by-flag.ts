/**
 * GO101 close-guarded-by-flag: a shared channel closed behind a check that is not atomic with the close (a bool
 * flag or a select probe), or closed without any guard in a teardown method, so a second close panics.
 */
import type { Node } from '../../engine/syntax';
import { addGoImport, goImports, indentAt } from '../../engine/fix';
import {
  GO_FUNCS,
  assignmentOperator,
  bodyItems,
  callArgs,
  calleeText,
  canImportSync,
  declaredTypeOf,
  enclosingFunc,
  enclosingTopFunc,
  findStruct,
  forEachDescendant,
  goHeader,
  goPackageVarNames,
  goPackageVars,
  goStructs,
  insertAlignedStructField,
  lockStateAt,
  paramsOf,
  receiverOf,
  regionsHolding,
  renderStatements,
  rootIdent,
  unparen,
} from '../../engine/golang';
import { defineRule, type FactProvider, type Fix, type RuleContext, type Severity, type TextEdit } from '../../engine/rule';

/** Method names whose job is to tear the value down, so a second call is a realistic double close. */
const TEARDOWN = /^(stop|close|shutdown|cancel|terminate)$/i;

/**
 * How selector fields are used in one top-level declaration. Keys are `T.field` when the selector's operand is a
 * receiver or parameter of declared type `T`/`*T`, else `?.field` (a use whose struct is unknown).
 */
interface FieldUses {
  /** Field key → number of reads. */
  reads: Record<string, number>;
  /** Field key → kinds of writes: `guard:<ch>` (`F = true` inside a flag-guarded close of field ch), `true`, `other`. */
  writes: Record<string, string[]>;
  /** Field keys assigned inside a method declaration (a channel re-made by a method cannot move to sync.Once). */
  methodAssigns: string[];
}

/** The key of a selector in FieldUses: `T.field` or `?.field`. */
function fieldKey(sel: Node, typeOf: (sel: Node, name: string) => string = declaredTypeOf): string {
  const op = sel.childForFieldName('operand');
  const type = op?.type === 'identifier' ? typeOf(sel, op.text) : '';
  return `${type || '?'}.${sel.childForFieldName('field')?.text ?? ''}`;
}

/**
 * declaredTypeOf for every node of one top-level declaration, answered from the declaration's own receiver and
 * parameters without walking up from each node (walking up costs the node's depth each time); only nodes inside a
 * func_literal, whose parameters may shadow, take the full walk.
 */
function declarationTypes(seg: Node): (node: Node, name: string) => string {
  const literals = seg.descendantsOfType('func_literal').filter((n): n is Node => !!n).map((n) => [n.startIndex, n.endIndex]);
  const top = new Map<string, string>();
  if (seg.type === 'function_declaration' || seg.type === 'method_declaration') {
    for (const p of paramsOf(seg.childForFieldName('parameters'))) {
      if (!top.has(p.name)) top.set(p.name, /^\*?[A-Za-z_]\w*$/.test(p.type) ? p.type.replace(/^\*/, '') : '');
    }
    const recv = receiverOf(seg);
    if (recv?.name) top.set(recv.name, recv.type);
  }
  return (node, name) =>
    literals.some(([a, b]) => node.startIndex >= a && node.endIndex <= b) ? declaredTypeOf(node, name) : (top.get(name) ?? '');
}

/** The values a list of FieldUses records hold under the keys `T.field` and `?.field`. */
function usesOf<V>(records: Record<string, V>[], type: string, field: string): V[] {
  const out: V[] = [];
  for (const r of records) for (const k of [`${type}.${field}`, `?.${field}`]) if (k in r) out.push(r[k]);
  return out;
}

/** The selector fields each top-level declaration reads and writes (flag and channel uses for the fix). */
const fieldUses: FactProvider<FieldUses> = {
  id: 'go101.fieldUses',
  language: 'go',
  collect(seg) {
    if (seg.type !== 'function_declaration' && seg.type !== 'method_declaration' && seg.type !== 'var_declaration') return undefined;
    const uses: FieldUses = { reads: Object.create(null), writes: Object.create(null), methodAssigns: [] };
    // Flag assignments inside a flag-guarded close, with the channel field each one guards.
    const guardAssigns = new Map<number, string>();
    forEachDescendant(
      seg,
      (n) => {
        if (n.type !== 'call_expression' || calleeText(n) !== 'close') return;
        const g = flagGuard(n);
        const chan = unparen(callArgs(n)[0]);
        if (g) guardAssigns.set(g.assign.id, chan?.type === 'selector_expression' ? (chan.childForFieldName('field')?.text ?? '') : '');
      },
      true,
    );
    const addWrite = (field: string, kind: string): void => {
      const l = (uses.writes[field] ??= []);
      if (!l.includes(kind)) l.push(kind);
    };
    const typeOf = declarationTypes(seg);
    forEachDescendant(
      seg,
      (n) => {
        if (n.type !== 'selector_expression') return;
        const field = fieldKey(n, typeOf);
        const p = n.parent;
        if (p?.type === 'expression_list' && p.parent?.type === 'assignment_statement' && p.parent.childForFieldName('left')?.id === p.id) {
          const assign = p.parent;
          const op = assignmentOperator(assign);
          const right = assign.childForFieldName('right')?.namedChildren ?? [];
          const single = p.namedChildren.length === 1 && right.length === 1;
          if (op !== '=') uses.reads[field] = (uses.reads[field] ?? 0) + 1;
          const guarded = guardAssigns.get(assign.id);
          addWrite(field, guarded !== undefined ? `guard:${guarded}` : op === '=' && single && right[0]?.text === 'true' ? 'true' : 'other');
          if (seg.type === 'method_declaration' && !uses.methodAssigns.includes(field)) uses.methodAssigns.push(field);
          return;
        }
        if (p?.type === 'inc_statement' || p?.type === 'dec_statement') {
          addWrite(field, 'other');
        } else if (p?.type === 'unary_expression' && p.child(0)?.type === '&') {
          addWrite(field, 'other');
        }
        uses.reads[field] = (uses.reads[field] ?? 0) + 1;
      },
      true,
    );
    return uses;
  },
};

/** Whether `node` lies inside the `field` child of `parent` (walking up from node). */
function viaField(node: Node, parent: Node, field: string): boolean {
  const child = parent.childForFieldName(field);
  return !!child && node.startIndex >= child.startIndex && node.endIndex <= child.endIndex;
}

/** The nearest ancestor of `node` of one of `types`, not crossing a function boundary. */
function closestWithin(node: Node, types: readonly string[]): Node | null {
  for (let n = node.parent; n; n = n.parent) {
    if (GO_FUNCS.has(n.type)) return null;
    if (types.includes(n.type)) return n;
  }
  return null;
}

/** Shape (a): `if !F { …; F = true; …; close(X) }` with the close in the consequence of its closest `if`. */
function flagGuard(close: Node): { ifStmt: Node; flag: Node; assign: Node } | undefined {
  const ifStmt = closestWithin(close, ['if_statement']);
  if (!ifStmt || !viaField(close, ifStmt, 'consequence')) return undefined;
  const cond = unparen(ifStmt.childForFieldName('condition'));
  if (cond?.type !== 'unary_expression' || cond.child(0)?.type !== '!') return undefined;
  const flag = unparen(cond.childForFieldName('operand'));
  if (flag?.type !== 'selector_expression') return undefined;
  let assign: Node | undefined;
  forEachDescendant(ifStmt.childForFieldName('consequence')!, (n) => {
    if (assign || n.type !== 'assignment_statement') return;
    const left = n.childForFieldName('left')?.namedChildren ?? [];
    const right = n.childForFieldName('right')?.namedChildren ?? [];
    if (assignmentOperator(n) !== '=' || left.length !== 1 || right.length !== 1) return;
    if (left[0]?.text === flag.text && right[0]?.text === 'true') assign = n;
  });
  return assign ? { ifStmt, flag, assign } : undefined;
}

/** Shape (b): `select { case <-X: …; default: close(X) }` with no other case. */
function probeGuard(close: Node, chan: string): Node | undefined {
  const sel = closestWithin(close, ['select_statement']);
  if (!sel) return undefined;
  const cases = sel.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment');
  if (cases.length !== 2) return undefined;
  const def = cases.find((c) => c.type === 'default_case');
  const recv = cases.find((c) => c.type === 'communication_case');
  if (!def || !recv || close.startIndex < def.startIndex || close.endIndex > def.endIndex) return undefined;
  const comm = recv.childForFieldName('communication');
  if (comm?.type !== 'receive_statement') return undefined;
  const right = unparen(comm.childForFieldName('right'));
  if (right?.type !== 'unary_expression' || right.child(0)?.type !== '<-') return undefined;
  return unparen(right.childForFieldName('operand'))?.text === chan ? sel : undefined;
}

/** A condition that only tests an error result (`err != nil`), which says nothing about an earlier close. */
const ERR_CHECK = /^\s*(\w*[eE]rr\w*\s*[!=]=\s*nil|nil\s*[!=]=\s*\w*[eE]rr\w*)\s*$/;

/** Whether an `if` ends by leaving the function (its consequence's last statement is a return). */
function returnsEarly(ifStmt: Node): boolean {
  const list = ifStmt.childForFieldName('consequence')?.namedChildren.find((n) => n?.type === 'statement_list');
  const stmts = (list?.namedChildren ?? []).filter((n): n is Node => !!n && n.type !== 'comment');
  return stmts.length > 0 && stmts[stmts.length - 1].type === 'return_statement';
}

/**
 * The early-return form of the flag guard: `if F { return }` earlier in an enclosing statement list, with `F = true`
 * as a statement of that same list.
 */
function earlyReturnGuard(close: Node): { ifStmt: Node; flag: string; assign: Node } | undefined {
  for (let n: Node | null = close; n && !GO_FUNCS.has(n.type); n = n.parent) {
    if (n.parent?.type !== 'statement_list') continue;
    const siblings = n.parent.namedChildren.filter((s): s is Node => !!s);
    for (let s = n.previousNamedSibling; s; s = s.previousNamedSibling) {
      if (s.type !== 'if_statement' || s.childForFieldName('alternative') || !returnsEarly(s)) continue;
      const cond = unparen(s.childForFieldName('condition'));
      if (cond?.type !== 'selector_expression') continue;
      const assign = siblings.find((x) => {
        if (x.type !== 'assignment_statement') return false;
        const l = x.childForFieldName('left')?.namedChildren ?? [];
        const r = x.childForFieldName('right')?.namedChildren ?? [];
        return l.length === 1 && r.length === 1 && l[0]?.text === cond.text && r[0]?.text === 'true';
      });
      if (assign) return { ifStmt: s, flag: cond.text, assign };
    }
  }
  return undefined;
}

/**
 * Whether a teardown-method close is guarded some other way: inside an `if` (other than an error check), a switch,
 * a select or a loop, or after an early return whose condition is not an error check (an atomic or nil guard).
 */
function otherwiseGuarded(close: Node): boolean {
  for (let n: Node | null = close; n && !GO_FUNCS.has(n.type); n = n.parent) {
    const p = n.parent;
    if (!p) break;
    if (p.type === 'if_statement') {
      if (!ERR_CHECK.test(p.childForFieldName('condition')?.text ?? '')) return true;
    } else if (/^(expression_switch_statement|type_switch_statement|select_statement|for_statement)$/.test(p.type)) {
      return true;
    }
    if (p.type === 'statement_list') {
      for (let s = n.previousNamedSibling; s; s = s.previousNamedSibling) {
        if (s.type === 'if_statement' && returnsEarly(s) && !ERR_CHECK.test(s.childForFieldName('condition')?.text ?? '')) return true;
      }
    }
  }
  return false;
}

/** Whether the close runs inside a func literal handed to a `.Do(…)` call (sync.Once). */
function insideOnceDo(close: Node): boolean {
  for (let n = close.parent; n; n = n.parent) {
    if (n.type !== 'func_literal') continue;
    const call = n.parent?.type === 'argument_list' ? n.parent.parent : null;
    if (call?.type === 'call_expression' && /(^|\.)Do$/.test(calleeText(call))) return true;
  }
  return false;
}

/** Whether the enclosing top-level function assigns `make(…)` to the channel expression itself. */
function madeLocally(close: Node, chan: string): boolean {
  const top = enclosingTopFunc(close) ?? enclosingFunc(close);
  if (!top) return false;
  let made = false;
  forEachDescendant(
    top,
    (n) => {
      if (made || (n.type !== 'assignment_statement' && n.type !== 'short_var_declaration')) return;
      const left = n.childForFieldName('left')?.namedChildren ?? [];
      const right = n.childForFieldName('right')?.namedChildren ?? [];
      left.forEach((l, i) => {
        const r = right[i];
        if (l?.text === chan && r?.type === 'call_expression' && calleeText(r) === 'make') made = true;
      });
    },
    true,
  );
  return made;
}

/** The type name of a shared root: the receiver's type, or a parameter's declared `T`/`*T`; '' when unknown. */
function sharedRoot(close: Node, root: string, ctx: RuleContext): { kind: 'receiver' | 'param' | 'package'; type: string } | undefined {
  for (let f: Node | null = enclosingFunc(close); f; f = enclosingFunc(f)) {
    const recv = receiverOf(f);
    if (recv && recv.name === root) return { kind: 'receiver', type: recv.type };
    if (paramsOf(f.childForFieldName('parameters')).some((x) => x.name === root)) return { kind: 'param', type: declaredTypeOf(close, root) };
    if (f.type !== 'func_literal') break;
  }
  if (goPackageVarNames(ctx).has(root)) return { kind: 'package', type: '' };
  return undefined;
}

/** Whether a block's statements hold something whose meaning changes inside a closure (return, break, defer…). */
function hasControlFlow(list: Node): boolean {
  let found = false;
  forEachDescendant(list, (n) => {
    if (/^(return_statement|break_statement|continue_statement|goto_statement|defer_statement|fallthrough_statement|labeled_statement)$/.test(n.type)) {
      found = true;
    }
    if (n.type === 'raw_string_literal' && n.startPosition.row !== n.endPosition.row) found = true;
  });
  return found;
}

/** Number of `close(…)` calls in a node (func literals included). */
function closeCount(node: Node): number {
  let n = 0;
  forEachDescendant(
    node,
    (x) => {
      if (x.type === 'call_expression' && calleeText(x) === 'close') n++;
    },
    true,
  );
  return n;
}

/** Lower-cases the first letter, so the Once field of an exported channel stays unexported. */
function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

/** The safe sync.Once fix for shapes (a) and (b), when its conditions hold. */
function onceFix(
  ctx: RuleContext,
  close: Node,
  chan: Node,
  guard: { kind: 'a'; ifStmt: Node; flag: Node; assign: Node } | { kind: 'b'; select: Node },
): Fix | undefined {
  const operand = chan.childForFieldName('operand');
  const chField = chan.childForFieldName('field')?.text ?? '';
  if (operand?.type !== 'identifier' || !chField) return undefined;
  const recv = operand.text;
  const shared = sharedRoot(close, recv, ctx);
  if (!shared?.type) return undefined;
  const type = shared.type;
  const struct = findStruct(ctx, type);
  if (!struct || !struct.info.fields.some((f) => f.names.includes(chField))) return undefined;
  const onceName = `${lowerFirst(chField)}Once`;
  const existing = struct.info.fields.find((f) => f.names.includes(onceName));
  if (existing && existing.type !== 'sync.Once') return undefined;
  const alias = goImports(ctx.root).get('sync')?.childForFieldName('name')?.text;
  if (alias && alias !== 'sync') return undefined;
  if (!canImportSync(ctx)) return undefined;

  const uses = ctx.facts(fieldUses).map((f) => f.value);
  const blockNode = guard.kind === 'a' ? guard.ifStmt : guard.select;
  let container: Node | null | undefined;
  let drop: Node | undefined;
  const lead: Node[] = [];
  if (guard.kind === 'a') {
    if (guard.ifStmt.childForFieldName('alternative') || guard.ifStmt.childForFieldName('initializer')) return undefined;
    if (guard.flag.childForFieldName('operand')?.text !== recv) return undefined;
    container = guard.ifStmt.childForFieldName('consequence');
    const flagField = guard.flag.childForFieldName('field')?.text ?? '';
    // Once cannot be reset, and one Once per channel cannot share a flag: every write of the flag must be a
    // guarded `= true` next to a close of this same channel.
    if (usesOf(uses.map((u) => u.writes), type, flagField).some((kinds) => kinds.some((k) => k !== `guard:${chField}`))) return undefined;
    const reads = usesOf(uses.map((u) => u.reads), type, flagField).reduce((a, b) => a + b, 0);
    if (reads <= 1) drop = guard.assign;
  } else {
    const cases = guard.select.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment');
    const recvCase = cases.find((c) => c.type === 'communication_case')!;
    if (bodyItems(recvCase).some((n) => n.type !== 'comment')) return undefined;
    container = cases.find((c) => c.type === 'default_case');
    // Comments of the probe case move above the Once call.
    for (const c of [...guard.select.namedChildren, ...recvCase.namedChildren]) if (c?.type === 'comment') lead.push(c);
    lead.sort((x, y) => x.startIndex - y.startIndex);
    // A probe re-checks whichever channel is current; a method that re-makes it would break the Once.
    if (usesOf(uses.map((u) => Object.fromEntries(u.methodAssigns.map((k) => [k, 1]))), type, chField).length) return undefined;
  }
  if (!container || hasControlFlow(container) || closeCount(container) !== 1) return undefined;

  const items = bodyItems(container);
  const indent = indentAt(ctx.text, blockNode.startIndex);
  const dropRow = drop ? drop.endPosition.row : -1;
  const stmts = items.filter((n) => n.type !== 'comment');
  const kept = stmts.filter((n) => !drop || n.id !== drop.id);
  // A comment trailing a kept statement can follow the one-line call; a comment on its own line needs the block form.
  const comments = items.filter((n) => n.type === 'comment' && n.startPosition.row !== dropRow);
  const trailingOnly = comments.every((c) => kept.some((k) => k.endPosition.row === c.startPosition.row));
  const plain =
    trailingOnly &&
    comments.length <= 1 &&
    kept.length <= 2 &&
    kept.every((n) => n.startPosition.row === n.endPosition.row) &&
    kept.every((n) => (guard.kind === 'a' && n.id === guard.assign.id) || n.id === close.parent?.id);
  const nl = ctx.text.includes('\r\n') ? '\r\n' : '\n';
  const once = `${recv}.${onceName}.Do(func() `;
  let call: string;
  const ordered = [...kept].sort((x, y) => Number(x.type !== 'expression_statement') - Number(y.type !== 'expression_statement'));
  const oneLine = ordered.map((n) => n.text).join('; ');
  // gofmt keeps a func literal on one line only while `func() ` and its body fit in 100 columns.
  if (plain && 'func() '.length + oneLine.length <= 100) {
    call = `${once}{ ${oneLine} })` + (comments.length ? ` ${comments[0].text}` : '');
  } else {
    call = `${once}{${nl}${renderStatements(ctx.text, items, indent + '\t', drop).join(nl)}${nl}${indent}})`;
  }
  if (lead.length) call = renderStatements(ctx.text, lead, indent).join(nl).slice(indent.length) + nl + indent + call;
  const edits: TextEdit[] = [{ start: blockNode.startIndex, end: blockNode.endIndex, newText: call }];
  if (!existing) edits.push(insertAlignedStructField(ctx.text, struct.fields, onceName, 'sync.Once', chField));
  const imp = addGoImport(ctx.text, ctx.root, 'sync');
  if (imp) edits.push(imp);
  return { title: `Close ${chan.text} through a sync.Once field (${onceName})`, applicability: 'safe', edits };
}

export default defineRule({
  code: 'GO101',
  name: 'close-guarded-by-flag',
  language: 'go',
  category: 'concurrency',
  severity: 'error',
  fix: 'sometimes',
  summary:
    'A shared channel is closed after a check that is not atomic with the close (a bool flag or a select probe), or without any guard in a teardown method, so a second close panics.',
  kinds: ['call_expression'],
  callees: /^close$/,
  facts: [fieldUses, goStructs, goPackageVars, goHeader],
  docs: {
    whatItDoes:
      'Flags `close(X)` of a shared channel (a field reached from a receiver, a parameter or a package variable) when the close is protected only by a check that another goroutine can pass at the same time: ' +
      '(a) a bool flag, `if !s.done { s.done = true; close(s.ch) }` (also the early-return form `if s.done { return }; s.done = true; close(s.ch)`); ' +
      '(b) a probe, `select { case <-s.ch: default: close(s.ch) }`; ' +
      'and (c), at info, a close with no guard at all in a method named Stop, Close, Shutdown, Cancel or Terminate. ' +
      'Under an exclusive `Lock()` of the same receiver the flag and probe shapes are reported at info; under `RLock()` or no lock at error.',
    whyBad:
      'Closing a closed channel panics with "close of closed channel" and takes the whole process down. A flag check followed by a separate set, or a receive probe followed by a close, is a check-then-act race: two goroutines (two shutdown paths, a timeout and a normal exit) can both pass the check before either closes, and the second close panics. The window is small, so the crash shows up rarely and under load. An unguarded close in Stop/Close panics as soon as a caller stops twice, for example once from a deferred cleanup and once from a signal handler.',
    example:
      'func (w *Waiter) markDone() {\n\tif !w.done {\n\t\tw.done = true\n\t\tclose(w.doneCh) // two goroutines can both see done == false\n\t}\n}',
    useInstead:
      'type Waiter struct {\n\tdone       bool\n\tdoneCh     chan struct{}\n\tdoneChOnce sync.Once\n}\n\nfunc (w *Waiter) markDone() {\n\tw.doneChOnce.Do(func() { close(w.doneCh); w.done = true })\n}',
    fixSafety:
      'Safe, for the flag and probe shapes when the struct that holds the channel is declared in this file: the guarded block becomes `R.<ch>Once.Do(func() { close(R.<ch>); R.<flag> = true })` (the flag assignment is kept only when the file reads the flag elsewhere), a `<ch>Once sync.Once` field is added right after the channel field (its first letter lower-cased, so it stays unexported), and "sync" is imported. ' +
      'The fix is not offered when the flag is ever reset or set outside such a guard, when a method re-makes a probed channel (a Once cannot be re-armed), when the guarded block has an else branch, returns, breaks or closes more than one channel, or when the struct is declared in another file. ' +
      'The early-return flag form and the unguarded teardown close get no automatic fix: their return values and call protocol need a decision.',
    related:
      'None: go vet, staticcheck and golangci-lint have no double-close analysis, and the race detector does not report one (the program panics instead). See also GO104 write-under-rlock for flags set under a shared lock.',
  },
  check(node, ctx) {
    const fn = node.childForFieldName('function');
    if (fn?.type !== 'identifier' || fn.text !== 'close') return;
    const args = callArgs(node);
    if (args.length !== 1) return;
    const chan = unparen(args[0]);
    if (chan?.type !== 'selector_expression') return;
    // `defer close(out)` in the goroutine that owns the sending side is the normal producer idiom.
    if (node.parent?.type === 'defer_statement') return;
    const root = rootIdent(chan);
    if (!root || !sharedRoot(node, root, ctx)) return;
    if (insideOnceDo(node) || madeLocally(node, chan.text)) return;

    const probe = probeGuard(node, chan.text);
    const flag = probe ? undefined : flagGuard(node);
    const early = probe || flag ? undefined : earlyReturnGuard(node);
    const top = enclosingTopFunc(node);
    const fnName = top?.childForFieldName('name')?.text ?? '';

    if (!probe && !flag && !early) {
      if (top?.type !== 'method_declaration' || enclosingFunc(node)?.id !== top.id || !TEARDOWN.test(fnName)) return;
      if (otherwiseGuarded(node)) return;
      ctx.report({
        node,
        severity: 'info',
        message: `${fnName} closes ${chan.text} without a guard: a second call to ${fnName} panics with "close of closed channel"`,
      });
      return;
    }

    // Severity from the lock held where the check and the set happen: an exclusive lock of the same owner makes
    // them atomic today.
    const packageVars = goPackageVarNames(ctx);
    const heldAt = (at: Node, want: 'Lock' | 'RLock'): string | undefined =>
      regionsHolding(ctx, at).find((r) => {
        if (lockStateAt(r, at) !== want) return false;
        const mroot = r.mutex.split('.')[0];
        return mroot === root || (packageVars.has(mroot) && packageVars.has(root));
      })?.mutex;
    const points = probe ? [node] : [(flag ?? early)!.ifStmt, (flag ?? early)!.assign];
    const exclusive = points.map((p) => heldAt(p, 'Lock')).reduce((a, b) => (a && a === b ? a : undefined));
    const shared = points.map((p) => heldAt(p, 'RLock')).find((m) => m);
    const callerLocked = /Locked$/.test(fnName);
    // The early-return form under a lock is the idiomatic idempotent Close; it is only a defect without one.
    if (early && (exclusive || callerLocked)) return;
    const severity: Severity = exclusive || callerLocked ? 'info' : 'error';

    const check = probe ? `a select probe of ${chan.text}` : `a plain check of ${flag ? flag.flag.text : early!.flag}`;
    let message: string;
    if (severity === 'info') {
      const lock = exclusive ? `${exclusive}.Lock()` : `the lock ${fnName} expects its caller to hold`;
      message = `close(${chan.text}) is guarded by ${check} under ${lock}: safe only while every path keeps that lock; sync.Once makes the single close explicit and survives refactors`;
    } else {
      message =
        `close(${chan.text}) runs after ${check} that is not atomic with the close: two goroutines can both pass the check and the second close panics with "close of closed channel"` +
        (shared ? ` (${shared}.RLock() is shared by readers, so it does not serialise them)` : '');
    }
    const fix = probe
      ? onceFix(ctx, node, chan, { kind: 'b', select: probe })
      : flag
        ? onceFix(ctx, node, chan, { kind: 'a', ...flag })
        : undefined;
    ctx.report({ node, severity, message, fixes: fix ? [fix] : [] });
  },
});
