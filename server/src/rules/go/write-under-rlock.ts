/**
 * GO104 write-under-rlock: a write to shared state (a map, a field, an element reached through a range variable)
 * while only the read side of a sync.RWMutex is held, so concurrent readers write at the same time.
 */
import type { Node } from '../../engine/syntax';
import { indentAt, replaceNode, startsLine } from '../../engine/fix';
import {
  GO_FUNCS,
  assignmentOperator,
  callArgs,
  calleeText,
  computeLockRegions,
  declaredTypeOf,
  declaringFunc,
  deferredMutexCall,
  enclosingFunc,
  enclosingTopFunc,
  findStruct,
  forEachDescendant,
  freshName,
  goFunctions,
  goPackageVarNames,
  goPackageVars,
  goStructs,
  lockRegions,
  lockStateAt,
  mutexCall,
  receiverOf,
  rootIdent,
  topLevelMentions,
  unparen,
  type LockRegion,
} from '../../engine/golang';
import { defineRule, type FactProvider, type Fix, type RuleContext, type TextEdit } from '../../engine/rule';

/**
 * The calls each callable makes while holding a mutex of its receiver (or a package-level mutex): `T.N|path` for a
 * call `R.N()` on a receiver or parameter of type `T` while `R.path` is held, `.N|mu` for a call `N()` while the
 * package-level `mu` is held. Used to tell whether turning a callee's RLock into Lock would deadlock a caller.
 */
const lockedCalls: FactProvider<string[]> = {
  id: 'go104.lockedCalls',
  language: 'go',
  collect(seg) {
    if (seg.type !== 'function_declaration' && seg.type !== 'method_declaration') return undefined;
    const out = new Set<string>();
    const fns: Node[] = [seg];
    forEachDescendant(seg, (n) => void (n.type === 'func_literal' && fns.push(n)), true);
    for (const fn of fns) {
      const regions = computeLockRegions(fn);
      if (!regions.length) continue;
      forEachDescendant(fn.childForFieldName('body') ?? fn, (n) => {
        if (n.type !== 'call_expression' || n.parent?.type === 'go_statement') return;
        const f = n.childForFieldName('function');
        for (const r of regions) {
          if (n.startIndex < r.start || n.endIndex > r.end || !lockStateAt(r, n)) continue;
          if (f?.type === 'selector_expression' && f.childForFieldName('operand')?.type === 'identifier') {
            const owner = f.childForFieldName('operand')!.text;
            const type = declaredTypeOf(n, owner);
            const name = f.childForFieldName('field')?.text ?? '';
            if (type && r.mutex.startsWith(owner + '.')) out.add(`${type}.${name}|${r.mutex.slice(owner.length + 1)}`);
            else if (type && r.mutex === owner) out.add(`${type}.${name}|`);
            else if (!r.mutex.includes('.')) out.add(`${type}.${name}|${r.mutex}`);
          } else if (f?.type === 'identifier' && !r.mutex.includes('.')) {
            out.add(`.${f.text}|${r.mutex}`);
          }
        }
      });
    }
    return out.size ? [...out].sort() : undefined;
  },
};

/** One written location of a statement and how bad the write is. */
interface Write {
  target: Node;
  kind: 'map' | 'delete' | 'field' | 'append' | 'range';
  rangeVar?: string;
}

/** The range variable `name` of an enclosing `for … range X` whose X passes `sharedRoot`, with its range expression. */
function rangeVarOver(node: Node, name: string, sharedRoot: (root: string) => boolean): Node | undefined {
  for (let n = node.parent; n && !GO_FUNCS.has(n.type); n = n.parent) {
    if (n.type !== 'for_statement') continue;
    const clause = n.namedChildren.find((c) => c?.type === 'range_clause');
    const left = clause?.childForFieldName('left');
    const right = clause?.childForFieldName('right');
    if (!left || !right || !left.namedChildren.some((c) => c?.text === name)) continue;
    const root = rootIdent(right);
    return root && sharedRoot(root) ? right : undefined;
  }
  return undefined;
}

/** Whether the written container is a map: a struct field declared with a map type, or unknown (assumed a map). */
function isMapContainer(ctx: RuleContext, index: Node): boolean {
  const container = unparen(index.childForFieldName('operand'));
  if (container?.type === 'selector_expression') {
    const owner = container.childForFieldName('operand');
    const field = container.childForFieldName('field')?.text ?? '';
    const type = owner?.type === 'identifier' ? declaredTypeOf(index, owner.text) : '';
    const decl = type ? findStruct(ctx, type)?.info.fields.find((f) => f.names.includes(field)) : undefined;
    if (decl) return /^map\[/.test(decl.type);
  }
  return true;
}

/**
 * The writes a statement makes to state rooted at something `shared` accepts; with `identifiers`, assignments to a
 * bare shared name (a package variable) count too.
 */
function writesOf(ctx: RuleContext, stmt: Node, shared: (root: string) => boolean, identifiers: boolean): Write[] {
  const out: Write[] = [];
  const consider = (expr: Node | null, append: boolean): void => {
    const t = unparen(expr);
    if (!t) return;
    const bare = t.type === 'identifier';
    if (bare ? !identifiers : t.type !== 'index_expression' && t.type !== 'selector_expression' && !(t.type === 'unary_expression' && t.child(0)?.type === '*')) return;
    const root = rootIdent(t);
    if (!root) return;
    if (shared(root)) {
      const kind = append ? 'append' : t.type === 'index_expression' ? (isMapContainer(ctx, t) ? 'map' : 'field') : 'field';
      out.push({ target: t, kind });
    } else if (!bare && rangeVarOver(stmt, root, shared)) {
      out.push({ target: t, kind: 'range', rangeVar: root });
    }
  };
  if (stmt.type === 'assignment_statement') {
    const left = stmt.childForFieldName('left')?.namedChildren.filter((n): n is Node => !!n && n.type !== 'comment') ?? [];
    const right = stmt.childForFieldName('right')?.namedChildren.filter((n): n is Node => !!n && n.type !== 'comment') ?? [];
    left.forEach((l, i) => {
      const r = right[i];
      const isAppend = r?.type === 'call_expression' && calleeText(r) === 'append' && callArgs(r)[0]?.text === l.text;
      consider(l, isAppend);
    });
  } else if (stmt.type === 'inc_statement' || stmt.type === 'dec_statement') {
    consider(stmt.namedChild(0), false);
  } else if (stmt.type === 'expression_statement') {
    const call = stmt.namedChild(0);
    const target = call ? unparen(callArgs(call)[0]) : null;
    const root = target ? rootIdent(target) : undefined;
    if (target && root && shared(root)) out.push({ target, kind: 'delete' });
  }
  return out;
}

const RANK: Record<Write['kind'], number> = { delete: 4, map: 4, append: 2, field: 1, range: 0 };

/** The mutex key a same-file callee uses for the region's mutex, as in the function index (GO103's mapping). */
function calleeKey(region: LockRegion, owner: string, calleeRecvName: string): string | undefined {
  if (owner && region.mutex.startsWith(owner + '.')) return region.mutex.slice(owner.length + 1);
  if (owner && region.mutex === owner) return calleeRecvName;
  if (!region.mutex.includes('.')) return region.mutex;
  return undefined;
}

/** Whether `call` (a call_expression) goes to a same-file method or function that takes the region's mutex. */
function takesMutex(ctx: RuleContext, call: Node, region: LockRegion): boolean {
  if (call.type !== 'call_expression' || call.parent?.type === 'go_statement') return false;
  const f = call.childForFieldName('function');
  let owner = '';
  let name = '';
  if (f?.type === 'selector_expression' && f.childForFieldName('operand')?.type === 'identifier') {
    owner = f.childForFieldName('operand')!.text;
    name = f.childForFieldName('field')?.text ?? '';
  } else if (f?.type === 'identifier') {
    name = f.text;
  } else {
    return false;
  }
  const type = owner ? declaredTypeOf(call, owner) : '';
  const callee = ctx.facts(goFunctions).find((c) => c.value.name === name && c.value.recvType === type)?.value;
  const key = callee && calleeKey(region, owner, callee.recvName);
  return !!callee && key !== undefined && !!callee.acquires[key]?.length;
}

/** The statements of the region: from the lock to its unlock (or to the end of the list for a deferred unlock). */
function regionStatements(region: LockRegion): Node[] {
  const out: Node[] = [];
  for (let s = region.lock.nextNamedSibling; s && s.id !== region.unlock?.id; s = s.nextNamedSibling) out.push(s);
  return out;
}

/**
 * The safe RLock → Lock rewrite, when the region's lock and unlock are in this function, no call inside it goes to a
 * same-file callable that takes the same mutex, no same-file caller calls this function while holding it, and the
 * region only ever read-unlocks the mutex.
 */
function upgradeFix(ctx: RuleContext, fn: Node, region: LockRegion): Fix | undefined {
  if (!region.unlock && !region.deferUnlock) return undefined;
  const top = enclosingTopFunc(region.lock) ?? fn;
  const recv = receiverOf(top);
  const edits: TextEdit[] = [];
  const rename = (call: Node | null | undefined, to: string): void => {
    const f = call?.type === 'call_expression' ? call.childForFieldName('function') : null;
    const field = f?.type === 'selector_expression' ? f.childForFieldName('field') : null;
    if (field) edits.push(replaceNode(field, to));
  };
  rename(region.lock.namedChild(0), 'Lock');
  let ok = true;
  for (const s of regionStatements(region)) {
    forEachDescendant(s, (n) => {
      if (!ok) return false;
      if (n.type === 'defer_statement' && n.id === region.deferUnlock?.id) return false;
      const m = n.type === 'expression_statement' ? mutexCall(n) : undefined;
      if (m && m.mutex === region.mutex) {
        if (m.op !== 'RUnlock') ok = false;
        else rename(n.namedChild(0), 'Unlock');
        return;
      }
      if (takesMutex(ctx, n, region)) ok = false;
    });
  }
  if (!ok) return undefined;
  // A caller that calls this function with the mutex held would deadlock once it takes Lock.
  const selfKey = recv
    ? `${recv.type}.${top.childForFieldName('name')?.text}|${region.mutex.startsWith(recv.name + '.') ? region.mutex.slice(recv.name.length + 1) : region.mutex === recv.name ? '' : region.mutex}`
    : `.${top.childForFieldName('name')?.text}|${region.mutex}`;
  if (ctx.facts(lockedCalls).some((f) => f.value.includes(selfKey))) return undefined;
  if (region.unlock) {
    rename(region.unlock.namedChild(0), 'Unlock');
  } else {
    const d = region.deferUnlock!;
    const direct = d.namedChild(0);
    if (direct && mutexCall(direct)) rename(direct, 'Unlock');
    else {
      const lit = direct?.childForFieldName('function');
      forEachDescendant(lit ?? d, (n) => {
        if (n.type === 'expression_statement' && mutexCall(n)?.mutex === region.mutex && mutexCall(n)?.op === 'RUnlock') rename(n.namedChild(0), 'Unlock');
      }, true);
    }
    if (!deferredMutexCall(d)) return undefined;
  }
  return { title: `Take ${region.mutex}.Lock() instead of RLock (serialises readers)`, applicability: 'safe', edits };
}

/** The assisted double-checked alternative: give up the read lock and take the write lock just around the write. */
function doubleCheckedFix(ctx: RuleContext, stmt: Node, region: LockRegion, write: Write): Fix | undefined {
  if (stmt.parent?.type !== 'statement_list' || !startsLine(ctx.text, stmt.startIndex)) return undefined;
  if (stmt.startPosition.row !== stmt.endPosition.row) return undefined;
  // Code moved under the write lock must not call into something that takes the same mutex.
  let locks = false;
  forEachDescendant(stmt, (n) => void (takesMutex(ctx, n, region) && (locks = true)));
  if (locks) return undefined;
  const M = region.mutex;
  const indent = indentAt(ctx.text, stmt.startIndex);
  const nl = ctx.text.includes('\r\n') ? '\r\n' : '\n';
  let body = [stmt.text];
  let title = `Take ${M}.Lock() just around the write`;
  const op = assignmentOperator(stmt);
  const left = stmt.childForFieldName('left')?.namedChildren.filter((n): n is Node => !!n) ?? [];
  const right = stmt.childForFieldName('right')?.namedChildren.filter((n): n is Node => !!n) ?? [];
  if (write.kind === 'map' && op === '=' && left.length === 1 && right.length === 1 && left[0].id === write.target.id) {
    // The if-initialiser's names shadow outer ones; they only need to differ from names the statement uses.
    const ok = freshName(stmt, 'ok');
    const target = write.target.text;
    title = `Re-check and write under ${M}.Lock() (double-checked)`;
    if (right[0].type === 'identifier') {
      const cur = freshName(stmt, 'cur');
      body = [`if ${cur}, ${ok} := ${target}; ${ok} {`, `\t${right[0].text} = ${cur}`, '} else {', `\t${stmt.text}`, '}'];
    } else {
      body = [`if _, ${ok} := ${target}; !${ok} {`, `\t${stmt.text}`, '}'];
    }
  }
  const lines = [`${M}.RUnlock()`, `${M}.Lock()`, ...body, `${M}.Unlock()`, `${M}.RLock()`];
  return {
    title,
    applicability: 'assisted',
    edits: [{ start: stmt.startIndex, end: stmt.endIndex, newText: lines.join(nl + indent) }],
  };
}

export default defineRule({
  code: 'GO104',
  name: 'write-under-rlock',
  language: 'go',
  category: 'concurrency',
  severity: 'error',
  fix: 'sometimes',
  summary: 'Shared state is written while only the read side of a sync.RWMutex is held, so readers that run at the same time race on the write (a map write aborts the process).',
  kinds: ['assignment_statement', 'inc_statement', 'dec_statement', 'expression_statement'],
  facts: [goFunctions, goPackageVars, goStructs, lockedCalls],
  docs: {
    whatItDoes:
      'Inside a critical section opened by `R.M.RLock()`, flags assignments, `++`/`--` and `delete(…)` whose target is rooted at `R` (`R.m[k] = v`, `R.n++`, `R.x = append(R.x, …)`), or at a range variable of a `for … range R.…` loop. ' +
      'With a package-level `RWMutex`, writes to the file\'s package variables count the same way. Writes to locals, to values copied out of the map, inside func literals, and under a second exclusive lock taken inside the section are left alone.',
    whyBad:
      'RLock lets any number of readers in at once. A write there runs concurrently with other readers that take the same path: two map writes at once make the Go runtime abort the whole process with "fatal error: concurrent map writes" (it cannot be recovered), and field writes race, losing updates or exposing half-written values. It passes every single-goroutine test and shows up under load.',
    example:
      'func (s *Registry) Get(id string) *Entry {\n\ts.mu.RLock()\n\tdefer s.mu.RUnlock()\n\te, ok := s.byID[id]\n\tif !ok {\n\t\te = load(id)\n\t\ts.byID[id] = e // map write under a shared lock\n\t}\n\treturn e\n}',
    useInstead:
      'func (s *Registry) Get(id string) *Entry {\n\ts.mu.RLock()\n\te, ok := s.byID[id]\n\ts.mu.RUnlock()\n\tif ok {\n\t\treturn e\n\t}\n\ts.mu.Lock()\n\tdefer s.mu.Unlock()\n\tif e, ok := s.byID[id]; ok { // another goroutine may have loaded it meanwhile\n\t\treturn e\n\t}\n\te = load(id)\n\ts.byID[id] = e\n\treturn e\n}',
    fixSafety:
      'Safe: rewrites the section\'s `RLock()` to `Lock()` and its `RUnlock()` (deferred or not, including read-unlocks on early-return paths) to `Unlock()`. This serialises the readers of that section. It is offered only when the lock and its unlock are both in this function, nothing in the section calls a same-file method or function that takes the same mutex, and no same-file caller calls this function with the mutex held (both would self-deadlock under Lock, see GO103). ' +
      'An assisted alternative releases the read lock and takes the write lock just around the write (`RUnlock(); Lock(); …; Unlock(); RLock()`), re-checking a map insert so that a value stored meanwhile by another goroutine wins; state read before the write may be stale afterwards, so review it.',
    related: 'None static: the race detector reports this only if a test runs two lookups at once. go vet copylocks targets a different lock bug (locks copied by value) and is worth enabling alongside. See also GO103 recursive-lock.',
  },
  check(node, ctx) {
    if (node.type === 'expression_statement') {
      const call = node.namedChild(0);
      const f = call?.type === 'call_expression' ? call.childForFieldName('function') : null;
      if (f?.type !== 'identifier' || f.text !== 'delete') return;
    }
    if (!topLevelMentions(ctx, node, 'RLock')) return;
    const regions = lockRegions(ctx, enclosingFunc(node) ?? node);
    const holding = regions.filter((r) => node.startIndex >= r.start && node.endIndex <= r.end);
    if (!holding.length) return;
    const states = holding.map((r) => ({ r, state: lockStateAt(r, node) }));
    // A second, exclusive lock taken inside the section protects the write.
    if (states.some((s) => s.state === 'Lock')) return;
    const pkg = goPackageVarNames(ctx);
    for (const { r, state } of states) {
      if (state !== 'RLock') continue;
      const mroot = r.mutex.split('.')[0];
      const pkgMode = !r.mutex.includes('.') && pkg.has(r.mutex);
      const shared = (root: string): boolean =>
        pkgMode ? pkg.has(root) && root !== r.mutex && !declaringFunc(node, root) : root === mroot;
      const writes = writesOf(ctx, node, shared, pkgMode);
      if (!writes.length) continue;
      const worst = writes.reduce((a, b) => (RANK[b.kind] > RANK[a.kind] ? b : a));
      const M = r.mutex;
      let message: string;
      switch (worst.kind) {
        case 'map':
        case 'delete':
          message = `${worst.kind === 'delete' ? `delete from ${worst.target.text}` : `${worst.target.text} is written`} under ${M}.RLock(): readers share that lock, so two goroutines can write the map at once and the runtime aborts the process with "concurrent map writes"`;
          break;
        case 'append':
          message = `${worst.target.text} is appended to under ${M}.RLock(): two readers can append at once, losing elements or corrupting the slice`;
          break;
        case 'range':
          message = `${worst.target.text} is written through range variable ${worst.rangeVar} while only ${M}.RLock() is held: if the elements are pointers, readers running at the same time race on the write`;
          break;
        default:
          message = `${worst.target.text} is written while only ${M}.RLock() is held: readers running at the same time race on the write (lost updates, torn values)`;
      }
      const fixes: Fix[] = [];
      const fn = enclosingFunc(node) ?? node;
      const up = upgradeFix(ctx, fn, r);
      if (up) fixes.push(up);
      const dc = doubleCheckedFix(ctx, node, r, worst);
      if (dc) fixes.push(dc);
      ctx.report({ node, severity: worst.kind === 'map' || worst.kind === 'delete' ? 'error' : 'warning', message, fixes });
      return;
    }
  },
});
