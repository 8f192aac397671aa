/**
 * GO102 lock-held-on-return: a `return` (or a goto, break, continue or panic) that leaves a critical section opened
 * by a non-deferred `M.Lock()` without the unlock the other paths run, so the mutex stays locked for good.
 */
import type { Node } from '../../engine/syntax';
import { insertAfter, insertBefore, lineEnd, lineStart, startsLine } from '../../engine/fix';
import {
  calleeText,
  enclosingFunc,
  enclosingTopFunc,
  forEachDescendant,
  goFunctions,
  goPackageVarNames,
  goPackageVars,
  lockRegions,
  lockStateAt,
  mutexCall,
  receiverOf,
  topLevelMentions,
  type LockRegion,
} from '../../engine/golang';
import { defineRule, type FactProvider, type Fix, type RuleContext, type TextEdit } from '../../engine/rule';

/** Doc-comment wording that declares a deliberate lock hand-off to the caller. */
const HANDOFF =
  /\b(returns?|exits?|leaves?)\b[^.]*\b(with|holding)\b[^.]*\b(lock|mutex|mu)\w*\b[^.]*\b(held|locked|acquired)\b|\b(lock|mutex)\w*\s+(is\s+|remains\s+|stays\s+|still\s+)*(held|locked)\s+(on|after|upon)\s+return|\breturns?\s+(locked|holding)\b|\bcaller\s+must\s+(unlock|release)\b|\bmust\s+be\s+unlocked\s+by\s+the\s+caller\b/i;

/**
 * For each top-level comment: whether it touches the next declaration and whether it declares a lock hand-off. The
 * check reads doc comments from the tree; this fact makes a change to one re-run the declarations below it.
 */
const commentNotes: FactProvider<{ adjacent: boolean; handoff: boolean }> = {
  id: 'go102.commentNotes',
  language: 'go',
  collect(seg) {
    if (seg.type !== 'comment') return undefined;
    const next = seg.nextSibling;
    return { adjacent: !!next && next.startPosition.row === seg.endPosition.row + 1, handoff: HANDOFF.test(seg.text) };
  },
};

/** Whether the doc comment directly above a top-level declaration declares that it returns with the lock held. */
function documentsHandoff(decl: Node): boolean {
  let row = decl.startPosition.row;
  for (let c = decl.previousSibling; c?.type === 'comment' && c.endPosition.row === row - 1; c = c.previousSibling) {
    if (HANDOFF.test(c.text)) return true;
    row = c.startPosition.row;
  }
  return false;
}

/** Whether `anc` is `node` or one of its ancestors. */
function contains(anc: Node, node: Node): boolean {
  return node.startIndex >= anc.startIndex && node.endIndex <= anc.endIndex;
}

/** Whether a goto, break or continue jumps out of the region (its target lies outside the region's statements). */
function leavesRegion(node: Node, region: LockRegion): boolean {
  const label = node.namedChildren.find((c) => c?.type === 'label_name')?.text;
  if (node.type === 'goto_statement') {
    const fn = enclosingFunc(node);
    let target: Node | undefined;
    if (fn && label) {
      forEachDescendant(fn, (n) => {
        if (!target && n.type === 'labeled_statement' && n.childForFieldName('label')?.text === label) target = n;
      });
    }
    return !target || target.startIndex < region.lock.endIndex || target.startIndex >= region.end;
  }
  const loopTypes = node.type === 'continue_statement' ? ['for_statement'] : ['for_statement', 'expression_switch_statement', 'type_switch_statement', 'select_statement'];
  for (let n = node.parent; n; n = n.parent) {
    if (n.type === 'func_literal' || n.type === 'function_declaration' || n.type === 'method_declaration') return false;
    const isTarget = label ? n.type === 'labeled_statement' && n.childForFieldName('label')?.text === label : loopTypes.includes(n.type);
    if (isTarget) return contains(n, region.list);
  }
  return false;
}

/** The name of the top-level identifier at the root of the mutex expression (`s` for `s.mu`). */
function mutexRoot(mutex: string): string {
  return mutex.split('.')[0].replace(/^[(*&]+/, '');
}

/**
 * Whether moving the unlock before `stmt` keeps its values race-free: the returned or panicked expressions must
 * not read through the mutex's owner (or, for a package-level mutex, the file's package variables).
 */
function valuesIndependentOfLock(ctx: RuleContext, stmt: Node, region: LockRegion): boolean {
  const root = mutexRoot(region.mutex);
  const pkg = goPackageVarNames(ctx);
  const guarded = region.mutex.includes('.') ? new Set([root]) : pkg;
  let independent = true;
  forEachDescendant(
    stmt,
    (n) => {
      // Error sentinels (`errNotFound`, `ErrClosed`) are package variables that nothing writes after init.
      if (n.type === 'identifier' && guarded.has(n.text) && !/^(err|Err)([A-Z0-9_]|$)/.test(n.text)) independent = false;
      if (n.type === 'call_expression' && /(^|\.)\w*Locked$/.test(calleeText(n))) independent = false;
    },
    true,
  );
  return independent;
}

/** Whether a statement calls a helper that unlocks: a method named like `unlock…`, or a same-file method whose first operation on the mutex is an unlock. */
function releasesVia(ctx: RuleContext, region: LockRegion, top: Node | null): (stmt: Node) => boolean {
  const recv = top ? receiverOf(top) : undefined;
  return (stmt) => {
    if (stmt.type !== 'expression_statement') return false;
    const call = stmt.namedChild(0);
    if (call?.type !== 'call_expression') return false;
    const callee = calleeText(call);
    const method = callee.split('.').pop() ?? '';
    if (/unlock/i.test(method)) return true;
    if (!recv?.name || callee !== `${recv.name}.${method}` || !region.mutex.startsWith(recv.name + '.')) return false;
    const path = region.mutex.slice(recv.name.length + 1);
    const info = ctx.facts(goFunctions).find((f) => f.value.recvType === recv.type && f.value.name === method)?.value;
    const first = info?.firstOps[path];
    return first === 'Unlock' || first === 'RUnlock';
  };
}

/** An edit deleting a statement that sits alone on its line (with its trailing comment), or undefined. */
function deleteLine(text: string, stmt: Node): TextEdit | undefined {
  const start = lineStart(text, stmt.startIndex);
  if (text.slice(start, stmt.startIndex).trim() !== '') return undefined;
  const end = lineEnd(text, stmt.endIndex);
  const rest = text.slice(stmt.endIndex, end).trim();
  if (rest !== '' && !rest.startsWith('//')) return undefined;
  return { start, end: Math.min(end + 1, text.length), newText: '' };
}

/**
 * The assisted alternative: `defer M.Unlock()` right after the lock, dropping the explicit unlocks, when the
 * region is the function body's, ends with an unlock followed only by returns, and every unlock inside it
 * directly precedes a return.
 */
function convertToDefer(ctx: RuleContext, fn: Node, region: LockRegion, unlockOp: string): Fix | undefined {
  const body = fn.childForFieldName('body');
  const bodyList = body?.namedChildren.find((n) => n?.type === 'statement_list');
  if (!region.unlock || !bodyList || region.list.id !== bodyList.id) return undefined;
  for (let s = region.unlock.nextNamedSibling; s; s = s.nextNamedSibling) {
    if (s.type !== 'return_statement' && s.type !== 'comment') return undefined;
  }
  const unlocks: Node[] = [region.unlock];
  let ok = true;
  for (let s = region.lock.nextNamedSibling; s && s.id !== region.unlock.id && ok; s = s.nextNamedSibling) {
    forEachDescendant(s, (n) => {
      if (n.type === 'goto_statement') ok = false;
      const m = n.type === 'expression_statement' ? mutexCall(n) : undefined;
      if (!m || m.mutex !== region.mutex) return;
      if (m.op === 'Lock' || m.op === 'RLock') ok = false;
      let next = n.nextNamedSibling;
      while (next?.type === 'comment') next = next.nextNamedSibling;
      if (next?.type !== 'return_statement') ok = false;
      unlocks.push(n);
    });
    const top = mutexCall(s);
    if (top && top.mutex === region.mutex) ok = false;
  }
  if (!ok) return undefined;
  const edits: TextEdit[] = [insertAfter(ctx.text, region.lock, `defer ${region.mutex}.${unlockOp}()`)];
  for (const u of unlocks) {
    const e = deleteLine(ctx.text, u);
    if (!e) return undefined;
    edits.push(e);
  }
  return { title: `Convert to defer ${region.mutex}.${unlockOp}()`, applicability: 'assisted', edits };
}

const WHAT: Record<string, string> = {
  return_statement: 'returns',
  goto_statement: 'jumps out of the critical section',
  break_statement: 'breaks out of the critical section',
  continue_statement: 'continues past the critical section',
};

export default defineRule({
  code: 'GO102',
  name: 'lock-held-on-return',
  language: 'go',
  category: 'concurrency',
  severity: 'error',
  fix: 'always',
  summary: 'A return (or goto, break, continue, panic) inside a critical section skips the unlock that the other paths run, so the mutex stays locked and the next Lock deadlocks.',
  kinds: ['return_statement', 'goto_statement', 'break_statement', 'continue_statement', 'call_expression'],
  callees: /^panic$/,
  facts: [goFunctions, goPackageVars, commentNotes],
  docs: {
    whatItDoes:
      'Looks at each critical section opened by a non-deferred `M.Lock()` or `M.RLock()` and closed by an `M.Unlock()` later in the same block, and flags a `return` inside it that no unlock precedes on its path. ' +
      'A `goto`, `break` or `continue` that jumps out of the section counts the same way, and a `panic(…)` counts at warning. An unlock in an enclosing block before the return, a `defer M.Unlock()` (also inside a deferred func literal) or a call to an unlocking helper clears the path. ' +
      'Functions whose name ends in `Locked`, or whose doc comment says they return with the lock held, hand the lock to their caller on purpose and are skipped.',
    whyBad:
      'The early return leaves the mutex locked. Nothing is wrong until that path runs once in production (an error path, a validation failure, a rare state); from then on every goroutine that calls `Lock()` blocks forever: requests hang, health checks time out and the process has to be killed. With `RLock` the next writer blocks, and every reader queues behind it.',
    example:
      'func (s *Store) Put(k string, v []byte) error {\n\ts.mu.Lock()\n\tif len(v) > s.max {\n\t\treturn errTooBig // s.mu stays locked forever\n\t}\n\ts.data[k] = v\n\ts.mu.Unlock()\n\treturn nil\n}',
    useInstead:
      'func (s *Store) Put(k string, v []byte) error {\n\ts.mu.Lock()\n\tdefer s.mu.Unlock()\n\tif len(v) > s.max {\n\t\treturn errTooBig\n\t}\n\ts.data[k] = v\n\treturn nil\n}',
    fixSafety:
      'Safe: inserts `M.Unlock()` (or `M.RUnlock()`) on its own line just before the flagged statement. When the returned or panicked values read through the mutex\'s owner (`return s.data[k]`), unlocking first would read them without the lock, so the same insert is offered only as an assisted action. ' +
      'An assisted alternative converts the section to `defer M.Unlock()` when it is the function body\'s, ends with an unlock followed only by returns, and every unlock inside it directly precedes a return; the returned values are then computed under the lock.',
    related: 'staticcheck SA2001 (empty critical section) and SA2003 (deferred Lock) look at neighbouring statements only; go vet, golangci-lint and staticcheck do not follow early returns out of a critical section.',
  },
  check(node, ctx) {
    if (node.type === 'call_expression') {
      const f = node.childForFieldName('function');
      if (f?.type !== 'identifier' || f.text !== 'panic' || node.parent?.type !== 'expression_statement') return;
    }
    if (!topLevelMentions(ctx, node, 'Lock()')) return;
    const fn = enclosingFunc(node);
    if (!fn) return;
    const top = enclosingTopFunc(node) ?? fn;
    if (/Locked$/.test(top.childForFieldName('name')?.text ?? '') || documentsHandoff(top)) return;
    const anchor = node.type === 'call_expression' ? node.parent! : node;
    for (const region of lockRegions(ctx, fn)) {
      if (region.deferUnlock || !region.unlock) continue;
      if (anchor.startIndex < region.lock.endIndex || anchor.endIndex > region.unlock.startIndex) continue;
      if (node.type !== 'return_statement' && node.type !== 'call_expression' && !leavesRegion(node, region)) continue;
      const state = lockStateAt(region, anchor, true, releasesVia(ctx, region, top));
      if (!state) continue;
      const unlockOp = state === 'Lock' ? 'Unlock' : 'RUnlock';
      const unlock = `${region.mutex}.${unlockOp}()`;
      const isPanic = node.type === 'call_expression';
      const consequence =
        state === 'Lock'
          ? `every later ${region.mutex}.Lock() blocks forever (deadlock)`
          : `the next ${region.mutex}.Lock() blocks forever, and every reader queued behind it`;
      const message = isPanic
        ? `panics with ${region.mutex} still locked: if the panic is recovered (net/http recovers handler panics), ${consequence}`
        : `${WHAT[node.type]} with ${region.mutex} still ${state === 'Lock' ? 'locked' : 'read-locked'}: ${consequence}`;
      const edit: TextEdit = startsLine(ctx.text, anchor.startIndex)
        ? insertBefore(ctx.text, anchor, unlock)
        : { start: anchor.startIndex, end: anchor.startIndex, newText: `${unlock}; ` };
      const safe = valuesIndependentOfLock(ctx, anchor, region);
      const kw = isPanic ? 'panic' : node.type.replace('_statement', '');
      const fixes: Fix[] = [
        {
          title: safe ? `Insert ${unlock} before the ${kw}` : `Insert ${unlock} before the ${kw} (its values are then read unlocked)`,
          applicability: safe ? 'safe' : 'assisted',
          edits: [edit],
        },
      ];
      const toDefer = convertToDefer(ctx, fn, region, region.op === 'Lock' ? 'Unlock' : 'RUnlock');
      if (toDefer) fixes.push(toDefer);
      ctx.report({ node: anchor, severity: isPanic ? 'warning' : 'error', message, fixes });
      return;
    }
  },
});
