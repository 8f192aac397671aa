/**
 * GO103 recursive-lock: inside a critical section, a call to a same-file method or function that locks the same
 * mutex again. Go mutexes are not reentrant, so the goroutine deadlocks on itself.
 */
import type { Node } from '../../engine/syntax';
import { replaceNode } from '../../engine/fix';
import {
  bodyItems,
  declaredTypeOf,
  deferredMutexCall,
  forEachDescendant,
  goFunctions,
  goPackageVarNames,
  goPackageVars,
  lockStateAt,
  mutexCall,
  paramsOf,
  regionsHolding,
  renderStatements,
  topLevelMentions,
  type GoFuncInfo,
  type LockRegion,
} from '../../engine/golang';
import { defineRule, type Fix, type RuleContext, type SegmentFact } from '../../engine/rule';

/** The callee of a call made while a region is held, and the key of the region's mutex in the callee's index entry. */
interface Reentry {
  region: LockRegion;
  held: 'Lock' | 'RLock';
  callee: SegmentFact<GoFuncInfo>;
  key: string;
  /** How the callee names the mutex in its own body (`c.mu`). */
  calleeMutex: string;
  ops: string[];
}

/** Lower-cases the first letter (`Evict` → `evict`). */
function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

/** Upper-cases the first letter (`evict` → `Evict`). */
function upperFirst(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Finds the same-file callee of `call` that acquires a mutex the caller holds here. */
function findReentry(ctx: RuleContext, call: Node): Reentry | undefined {
  // Cheap filters first (walking up a deeply nested tree is slow): the declaration holding the call must take a lock
  // somewhere (and, unlike the filter below, this reads no facts, so its findings here stay valid when they change).
  if (!topLevelMentions(ctx, call, 'Lock')) return undefined;
  const fnNode = call.childForFieldName('function');
  if (!fnNode) return undefined;
  let owner = '';
  let name: string;
  if (fnNode.type === 'selector_expression') {
    const op = fnNode.childForFieldName('operand');
    if (op?.type !== 'identifier') return undefined;
    owner = op.text;
    name = fnNode.childForFieldName('field')?.text ?? '';
  } else if (fnNode.type === 'identifier') {
    name = fnNode.text;
  } else {
    return undefined;
  }
  // Some same-file callable of that name must lock.
  const named = ctx.facts(goFunctions).filter((f) => f.value.name === name && Object.keys(f.value.acquires).length > 0 && !f.value.recvType === !owner);
  if (!named.length) return undefined;
  const ownerType = owner ? declaredTypeOf(call, owner) : '';
  if (owner && !ownerType) return undefined;
  const callee = named.find((f) => f.value.recvType === ownerType);
  if (!callee) return undefined;
  const pkg = goPackageVarNames(ctx);
  for (const region of regionsHolding(ctx, call)) {
    const held = lockStateAt(region, call);
    if (!held) continue;
    let key: string | undefined;
    let calleeMutex = '';
    if (owner && region.mutex.startsWith(owner + '.')) {
      key = region.mutex.slice(owner.length + 1);
      calleeMutex = `${callee.value.recvName}.${key}`;
    } else if (owner && region.mutex === owner) {
      key = callee.value.recvName; // an embedded sync.Mutex: `c.Lock()`
      calleeMutex = key;
    } else if (!region.mutex.includes('.') && pkg.has(region.mutex) && region.mutex !== callee.value.recvName) {
      key = region.mutex;
      calleeMutex = key;
    }
    if (!key || (owner && !callee.value.recvName)) continue;
    const ops = callee.value.acquires[key];
    const first = callee.value.firstOps[key];
    if (!ops?.length || (first !== 'Lock' && first !== 'RLock')) continue;
    return { region, held, callee, key, calleeMutex, ops };
  }
  return undefined;
}

/** The lock and unlock statements that wrap a callee's whole body, and what lies between them. */
function wrappedBody(decl: Node, calleeMutex: string): { lock: Node; unlock: Node; deferred: boolean; rest: Node[] } | undefined {
  const body = decl.childForFieldName('body');
  if (!body) return undefined;
  const items = bodyItems(body);
  const stmts = items.filter((n) => n.type !== 'comment');
  if (stmts.length < 2) return undefined;
  const lock = stmts[0];
  const lm = mutexCall(lock);
  if (!lm || lm.mutex !== calleeMutex || (lm.op !== 'Lock' && lm.op !== 'RLock')) return undefined;
  const unlockOp = lm.op === 'Lock' ? 'Unlock' : 'RUnlock';
  const second = stmts[1];
  const dm = deferredMutexCall(second);
  let deferred = false;
  let unlock: Node;
  let rest: Node[];
  if (dm && dm.mutex === calleeMutex && dm.op === unlockOp) {
    deferred = true;
    unlock = second;
    rest = items.slice(items.indexOf(second) + 1);
  } else {
    unlock = stmts[stmts.length - 1];
    const um = mutexCall(unlock);
    if (!um || um.mutex !== calleeMutex || um.op !== unlockOp) return undefined;
    rest = items.slice(items.indexOf(lock) + 1, items.indexOf(unlock));
  }
  // The rest must not touch the mutex again, and (with an explicit unlock) must not return past it.
  let clean = true;
  for (const r of rest) {
    forEachDescendant(r, (n) => {
      const m = n.type === 'expression_statement' ? mutexCall(n) : n.type === 'defer_statement' ? deferredMutexCall(n) : undefined;
      if (m && m.mutex === calleeMutex) clean = false;
      if (!deferred && (n.type === 'return_statement' || n.type === 'goto_statement')) clean = false;
    });
    const m = mutexCall(r);
    if (m && m.mutex === calleeMutex) clean = false;
  }
  return clean ? { lock, unlock, deferred, rest } : undefined;
}

/**
 * The assisted "Extract lock-free variant" action: `nLocked` gets N's body without its Lock/Unlock, N becomes a
 * wrapper that locks and calls it, and this call site calls `nLocked` directly.
 */
function extractFix(ctx: RuleContext, call: Node, re: Reentry): Fix | undefined {
  const decl = re.callee.node;
  if (call.startIndex >= decl.startIndex && call.endIndex <= decl.endIndex) return undefined;
  if (decl.childForFieldName('type_parameters')) return undefined;
  const info = re.callee.value;
  const newName = `${lowerFirst(info.name)}Locked`;
  if (ctx.facts(goFunctions).some((f) => f.value.name === newName && f.value.recvType === info.recvType)) return undefined;
  const wrapped = wrappedBody(decl, re.calleeMutex);
  if (!wrapped) return undefined;
  const paramList = decl.childForFieldName('parameters');
  const params = paramsOf(paramList);
  if (params.some((p) => !p.name || p.name === '_')) return undefined;
  const args = params.map((p) => (p.type.startsWith('...') ? `${p.name}...` : p.name)).join(', ');
  const result = decl.childForFieldName('result')?.text;
  const recvList = decl.childForFieldName('receiver')?.text;
  const head = (n: string): string =>
    `func ${recvList ? recvList + ' ' : ''}${n}${paramList?.text ?? '()'}${result ? ' ' + result : ''} {`;
  const self = info.recvName ? `${info.recvName}.` : '';
  const inner = `${self}${newName}(${args})`;
  const nl = ctx.text.includes('\r\n') ? '\r\n' : '\n';
  const wrapper = [head(info.name), `\t${wrapped.lock.text}`];
  if (wrapped.deferred) wrapper.push(`\t${wrapped.unlock.text}`, `\t${result ? 'return ' : ''}${inner}`);
  else wrapper.push(`\t${inner}`, `\t${wrapped.unlock.text}`);
  wrapper.push('}');
  const body = renderStatements(ctx.text, wrapped.rest, '\t');
  const variant = [`// ${newName} is ${info.name} for callers that already hold ${re.calleeMutex}.`, head(newName), ...body, '}'];
  const fnNode = call.childForFieldName('function')!;
  const nameNode = fnNode.type === 'selector_expression' ? fnNode.childForFieldName('field')! : fnNode;
  return {
    title: `Extract lock-free ${newName} from ${info.name} and call it here`,
    applicability: 'assisted',
    edits: [
      { start: decl.startIndex, end: decl.endIndex, newText: [...wrapper, '', ...variant].join(nl) },
      replaceNode(nameNode, newName),
    ],
  };
}

export default defineRule({
  code: 'GO103',
  name: 'recursive-lock',
  language: 'go',
  category: 'concurrency',
  severity: 'error',
  fix: 'sometimes',
  summary: 'A call made while a mutex is held goes to a same-file method or function that locks the same mutex again, so the goroutine deadlocks on itself.',
  kinds: ['call_expression'],
  facts: [goFunctions, goPackageVars],
  docs: {
    whatItDoes:
      'Inside a critical section on `R.F` (R being the receiver, or a parameter, of the enclosing method; func literals inside the method use its receiver), flags a call `R.N(…)` to a method of the same type in this file whose body locks `R.F` before unlocking it. ' +
      'A package-level mutex works the same way with calls to same-file functions. Holding `Lock` and calling into `RLock` or `Lock`, or holding `RLock` and calling into `Lock`, is an error; holding `RLock` and calling into `RLock` is reported at info. ' +
      'Calls started with `go`, callees whose first operation on the mutex is an unlock (helpers that expect the lock to be held), callees that lock a different field, and deferred calls that run after the deferred unlock are left alone.',
    whyBad:
      'sync.Mutex and sync.RWMutex are not reentrant: the second `Lock()` on the same goroutine waits for the first to be released, which never happens, so the goroutine hangs for good together with everything that later needs the mutex. ' +
      'A recursive `RLock` works until a writer calls `Lock()` between the two read locks: the writer waits for the first reader, the second `RLock` waits behind the writer, and all three block forever. Both failures need no unusual input and usually surface as a hung service.',
    example:
      'func (c *Cache) Sweep() {\n\tc.mu.Lock()\n\tdefer c.mu.Unlock()\n\tfor k, e := range c.items {\n\t\tif e.expired() {\n\t\t\tc.Evict(k) // Evict also takes c.mu: deadlock\n\t\t}\n\t}\n}\n\nfunc (c *Cache) Evict(k string) {\n\tc.mu.Lock()\n\tdefer c.mu.Unlock()\n\tdelete(c.items, k)\n}',
    useInstead:
      'func (c *Cache) Sweep() {\n\tc.mu.Lock()\n\tdefer c.mu.Unlock()\n\tfor k, e := range c.items {\n\t\tif e.expired() {\n\t\t\tc.evictLocked(k)\n\t\t}\n\t}\n}\n\nfunc (c *Cache) Evict(k string) {\n\tc.mu.Lock()\n\tdefer c.mu.Unlock()\n\tc.evictLocked(k)\n}\n\nfunc (c *Cache) evictLocked(k string) {\n\tdelete(c.items, k)\n}',
    fixSafety:
      'Assisted only; nothing is applied by fix-all. When the type already has a lock-free variant (`NLocked`, `nLocked`, `unsafeN`) that does not take the mutex, the call is rewritten to it. ' +
      'Otherwise, when N\'s body is `Lock(); defer Unlock(); …` or `Lock(); …; Unlock()`, "Extract lock-free variant" moves the body into `nLocked` with the same parameters and results, turns N into a wrapper that locks and calls `nLocked`, and rewrites this call site to `nLocked`. Review that the rest of the critical section does not depend on N re-reading state under a fresh lock.',
    related: 'None in go vet, staticcheck, golangci-lint or gosec. sasha-s/go-deadlock finds this only at run time, and gVisor checklocks needs `+checklocks` annotations.',
  },
  check(node, ctx) {
    const re = findReentry(ctx, node);
    if (!re) return;
    const parent = node.parent;
    if (parent?.type === 'go_statement') return;
    // A deferred call runs at return: it still holds the lock only if the deferred unlock was registered earlier.
    if (parent?.type === 'defer_statement' && !(re.region.deferUnlock && re.region.deferUnlock.startIndex < node.startIndex)) return;

    const info = re.callee.value;
    const calleeOp = re.ops.includes('Lock') ? 'Lock' : 'RLock';
    const readRead = re.held === 'RLock' && calleeOp === 'RLock';
    const where = `line ${(info.lockLine[re.key] ?? 0) + 1} of ${info.name}`;
    const callText = `${node.childForFieldName('function')?.text}(…)`;
    const message = readRead
      ? `${callText} takes ${re.calleeMutex}.RLock() (${where}) while this goroutine already holds ${re.region.mutex}.RLock(): if a writer calls Lock in between, all of them block forever (a recursive read lock deadlocks behind a waiting writer)`
      : `${callText} takes ${re.calleeMutex}.${calleeOp}() (${where}) while this goroutine already holds ${re.region.mutex}.${re.held}(): Go mutexes are not reentrant, so the call deadlocks`;

    const fixes: Fix[] = [];
    const fnNode = node.childForFieldName('function')!;
    const nameNode = fnNode.type === 'selector_expression' ? fnNode.childForFieldName('field')! : fnNode;
    const candidates = [`${info.name}Locked`, `${lowerFirst(info.name)}Locked`, `unsafe${info.name}`, `unsafe${upperFirst(info.name)}`];
    const variant = ctx
      .facts(goFunctions)
      .map((f) => f.value)
      .find((f) => f.recvType === info.recvType && candidates.includes(f.name) && !f.acquires[re.key === info.recvName && info.recvName ? f.recvName : re.key]);
    if (variant) {
      fixes.push({ title: `Call the lock-free ${variant.name} instead`, applicability: 'assisted', edits: [replaceNode(nameNode, variant.name)] });
    } else {
      const extract = extractFix(ctx, node, re);
      if (extract) fixes.push(extract);
    }
    ctx.report({ node, severity: readRead ? 'info' : 'error', message, fixes });
  },
});
