/** PY101 mutate-during-iteration: a `for` loop that adds to or removes from the collection it iterates over. */
import type { Node } from '../../engine/syntax';
import {
  aliasKeys,
  ancestorsOf,
  bindingsVia,
  classOfMethod,
  enclosingFunction,
  exprKey,
  forEachDescendant,
  laterSiblings,
  mutationsOf,
  objectKey,
  owningLoop,
  PY_SCOPES,
  pyFacts,
  statementOf,
  statementsOf,
  targetNames,
  threadSharedObjects,
  topLevelOf,
  type MutationKind,
  type PyMutation,
} from '../../engine/python';
import { eol, indentAt } from '../../engine/fix';
import { defineRule, type Fix, type RuleContext } from '../../engine/rule';

const DICT_VIEWS = new Set(['items', 'keys', 'values']);

/** What the loop iterates over: the collection `R`, and how the loop's `right` names it. */
interface Iterated {
  collection: Node;
  shape: 'plain' | 'view' | 'enumerate';
}

function iterated(right: Node | null): Iterated | undefined {
  if (!right) return undefined;
  if (right.type === 'identifier' || right.type === 'attribute') return { collection: right, shape: 'plain' };
  if (right.type !== 'call') return undefined;
  const f = right.childForFieldName('function');
  const args = right.childForFieldName('arguments');
  const argList = args?.namedChildren.filter((a) => a && a.type !== 'comment') ?? [];
  if (f?.type === 'attribute' && DICT_VIEWS.has(f.childForFieldName('attribute')?.text ?? '') && argList.length === 0) {
    const obj = f.childForFieldName('object');
    if (obj && (obj.type === 'identifier' || obj.type === 'attribute')) return { collection: obj, shape: 'view' };
  }
  if (f?.type === 'identifier' && f.text === 'enumerate' && argList.length === 1) {
    const a = argList[0]!;
    if (a.type === 'identifier' || a.type === 'attribute') return { collection: a, shape: 'enumerate' };
  }
  return undefined;
}

/** Whether the loop never resumes after the mutation: a later sibling of its statement leaves the loop. */
function leavesLoop(m: Node, loop: Node): boolean {
  const stmt = statementOf(m);
  if (!stmt) return false;
  // `return R.pop(i)`: the statement holding the mutation leaves the loop itself.
  if (stmt.type === 'return_statement' || stmt.type === 'raise_statement') return true;
  for (const s of laterSiblings(stmt)) {
    if (s.type === 'continue_statement') return false;
    if (s.type === 'return_statement' || s.type === 'raise_statement') return true;
    if (s.type === 'break_statement') return owningLoop(s)?.id === loop.id;
  }
  return false;
}

const MUTATION_TYPES: ReadonlySet<string> = new Set(['call', 'delete_statement', 'augmented_assignment']);

/**
 * The mutations of each loop's collection in a top-level declaration, by loop: every mutation belongs to the innermost
 * enclosing `for` over the same collection within its scope (an inner loop over the same collection reports its own
 * mutations, and nested functions run later). Computed once per declaration, so nested loops stay linear.
 */
function mutationsByLoop(ctx: RuleContext, top: Node): Map<number, PyMutation[]> {
  return ctx.memo(top, 'py101.mutations', () => {
    const out = new Map<number, PyMutation[]>();
    forEachDescendant(
      top,
      (n) => {
        for (const m of mutationsOf(n)) {
          if (m.kind === 'write') continue;
          const key = exprKey(m.object);
          const up = ancestorsOf(n);
          for (let i = up.length - 1; i >= 0 && !PY_SCOPES.has(up[i].type); i--) {
            const p = up[i];
            if (p.type !== 'for_statement') continue;
            const body = p.childForFieldName('body');
            const it = iterated(p.childForFieldName('right'));
            // Only the loop body runs while iterating (not the right-hand side nor the else clause).
            if (!body || !it || n.startIndex < body.startIndex || n.endIndex > body.endIndex || exprKey(it.collection) !== key) continue;
            let l = out.get(p.id);
            if (!l) out.set(p.id, (l = []));
            l.push(m);
            break;
          }
        }
      },
      true,
      MUTATION_TYPES,
    );
    return out;
  });
}

/** Whether the loop body assigns the collection's name (or attribute) anew. */
function rebindsIn(body: Node, key: string): boolean {
  let found = false;
  forEachDescendant(body, (n) => {
    if (found) return false;
    if (n.type === 'assignment' || n.type === 'for_statement' || n.type === 'as_pattern' || n.type === 'named_expression') {
      const t = n.childForFieldName(n.type === 'as_pattern' ? 'alias' : n.type === 'named_expression' ? 'name' : 'left');
      if (!t) return;
      const names = new Set<string>();
      targetNames(t, names);
      if (names.has(key) || exprKey(t) === key) found = true;
    }
  });
  return found;
}

function negate(ctx: RuleContext, cond: Node): string {
  if (cond.type === 'not_operator') {
    const arg = cond.childForFieldName('argument')!;
    return arg.type === 'parenthesized_expression' ? ctx.textOf(arg.namedChild(0)!) : ctx.textOf(arg);
  }
  const t = ctx.textOf(cond);
  if (cond.type === 'comparison_operator') {
    // `x in R` → `x not in R`, `x is None` → `x is not None`, `a == b` → `a != b` (one operator only).
    const ops = cond.children.filter((c) => c && !c.isNamed).map((c) => c!.text.replace(/\s+/g, ' '));
    const inverse: Record<string, string> = { in: 'not in', 'not in': 'in', is: 'is not', 'is not': 'is', '==': '!=', '!=': '==' };
    const [left, right] = cond.namedChildren;
    if (ops.length === 1 && inverse[ops[0]] && left && right && cond.namedChildCount === 2) {
      return `${ctx.textOf(left)} ${inverse[ops[0]]} ${ctx.textOf(right)}`;
    }
  }
  if (['boolean_operator', 'conditional_expression', 'lambda', 'named_expression', 'not_operator'].includes(cond.type)) return `not (${t})`;
  return `not ${t}`;
}

/** The assisted comprehension rewrite when the loop body is only `if cond: R.remove(x)`. */
function comprehensionFix(ctx: RuleContext, loop: Node, it: Iterated): Fix | undefined {
  if (it.shape !== 'plain' || loop.childForFieldName('alternative')) return undefined;
  const target = loop.childForFieldName('left');
  const body = loop.childForFieldName('body');
  if (target?.type !== 'identifier' || !body) return undefined;
  const stmts = statementsOf(body);
  if (stmts.length !== 1 || stmts[0].type !== 'if_statement') return undefined;
  const ifs = stmts[0];
  if (ifs.childForFieldName('alternative')) return undefined;
  const cons = ifs.childForFieldName('consequence');
  const inner = cons ? statementsOf(cons) : [];
  if (inner.length !== 1 || inner[0].type !== 'expression_statement') return undefined;
  const call = inner[0].namedChild(0);
  const m = call ? mutationsOf(call)[0] : undefined;
  if (!m || ctx.textOf(m.node.childForFieldName('function')!).replace(/\s+/g, '').split('.').pop() !== 'remove') return undefined;
  const args = m.node.childForFieldName('arguments')?.namedChildren.filter((a) => a && a.type !== 'comment') ?? [];
  if (args.length !== 1 || args[0]!.text !== target.text || exprKey(m.object) !== exprKey(it.collection)) return undefined;
  const cond = ifs.childForFieldName('condition')!;
  if (cond.startPosition.row !== cond.endPosition.row) return undefined;
  const r = ctx.textOf(it.collection);
  const x = target.text;
  // Comments inside the loop move above the new statement.
  const indent = indentAt(ctx.text, loop.startIndex);
  const comments = loop.descendantsOfType('comment').map((c) => `${ctx.textOf(c!)}${eol(ctx.text)}${indent}`);
  return {
    title: `Rebuild ${r} with a list comprehension`,
    applicability: 'assisted',
    edits: [{ start: loop.startIndex, end: loop.endIndex, newText: `${comments.join('')}${r}[:] = [${x} for ${x} in ${r} if ${negate(ctx, cond)}]` }],
  };
}

const WHAT: Record<Exclude<MutationKind, 'write'>, string> = {
  remove: 'removing from',
  grow: 'adding to',
  reorder: 'reordering',
};

function message(r: string, right: string, it: Iterated, kind: MutationKind, shared: boolean): string {
  const tail = shared ? `; ${r} is also changed by another thread, so this can happen at any time` : '';
  if (it.shape === 'view') return `changing the size of ${r} while iterating over ${right} raises RuntimeError: dictionary changed size during iteration${tail}`;
  const what = WHAT[kind as Exclude<MutationKind, 'write'>];
  if (kind === 'grow') return `${what} ${r} while a for loop iterates over it makes the loop visit the new items too, possibly forever (a set, dict or deque raises RuntimeError instead)${tail}`;
  if (kind === 'reorder') return `${what} ${r} while a for loop iterates over it makes the loop skip or repeat elements${tail}`;
  return `${what} ${r} while a for loop iterates over it skips the element after each removal (a set, dict or deque raises RuntimeError instead)${tail}`;
}

export default defineRule({
  code: 'PY101',
  name: 'mutate-during-iteration',
  language: 'python',
  category: 'concurrency',
  severity: 'warning',
  fix: 'sometimes',
  summary: 'A for loop adds to or removes from the collection it is iterating over, so it skips elements or raises RuntimeError.',
  kinds: ['for_statement'],
  facts: [pyFacts],
  docs: {
    whatItDoes:
      'Flags `for x in R:` loops whose body calls a mutating method on `R` (`append`, `remove`, `pop`, `insert`, `extend`, ' +
      '`clear`, `popleft`, `appendleft`, `discard`, `add`, `update`, `sort`, `reverse`, …), calls `bisect.insort(R, …)`, ' +
      'deletes `R[…]` or augments `R` in place. Loops over `R.items()`, `R.keys()`, `R.values()` and `enumerate(R)` count ' +
      'as loops over `R`. Mutations followed by `break`, `return` or `raise` in the same block are fine: the loop never resumes. ' +
      'The severity is error when `R` is also mutated by another thread (it is shared between a thread target and other code). ' +
      'Beyond the catalogue: loops over `self` in a method (a container class with its own methods) and loops that rebind ' +
      '`R` are left alone, and method calls only count with the argument count of the collection method.',
    whyBad:
      'A list iterator walks indexes: removing the current element shifts the next one into its slot, so the loop skips it ' +
      '(a peer\'s idle counter is not advanced, a timeout is not checked); appending makes the loop run over the new items, ' +
      'possibly forever. Dicts, sets and deques raise `RuntimeError: … changed size during iteration`, which kills the thread ' +
      'running the loop. When another thread mutates the same collection, this happens at random.',
    example: 'for peer in peers:\n    peer.idle += 1\n    if peer.idle > 60:\n        peers.remove(peer)',
    useInstead: 'for peer in list(peers):\n    peer.idle += 1\n    if peer.idle > 60:\n        peers.remove(peer)',
    fixSafety:
      'Safe when the loop only removes or reorders, or iterates over a dict view: `R` becomes `list(R)` (and `R.items()` ' +
      '`list(R.items())`), so the loop walks a snapshot and the mutations still reach `R`. When the loop adds to a list, ' +
      'the same rewrite is offered as an assisted fix, because a loop that appends to the list it walks may be a deliberate ' +
      'work queue. When the body is only `if cond: R.remove(x)`, an assisted alternative rebuilds the list with ' +
      '`R[:] = [x for x in R if not cond]`. Loops over `enumerate(R)` that mutate `R` have no automatic fix: indexes into a ' +
      'shrinking list need a rewrite by hand.',
    related: 'Ruff B909 loop-iterator-mutation (preview only); Pylint W4701/E4702/E4703 modified-iterating-list/dict/set (needs inferred types); PY102 unsynchronized-shared-mutation.',
  },
  check(loop, ctx) {
    const right = loop.childForFieldName('right');
    const it = iterated(right);
    const body = loop.childForFieldName('body');
    if (!it || !body || !right) return;
    const key = exprKey(it.collection);
    const muts = (mutationsByLoop(ctx, topLevelOf(loop)).get(loop.id) ?? []).filter((m) => !leavesLoop(m.node, loop));
    if (!muts.length) return;
    // Iterating over `self` walks a container class whose methods are its own, not list methods.
    const fn = enclosingFunction(loop);
    if (fn && key === bindingsVia(ctx)(fn).params[0] && classOfMethod(fn)) return;
    // A loop that rebinds the name mutates a new object, not the one it iterates over.
    if (rebindsIn(body, key)) return;
    const bind = bindingsVia(ctx);
    const objKey = objectKey(it.collection, bind);
    const shared = !!objKey && aliasKeys(ctx, objKey).some((k) => threadSharedObjects(ctx).has(k));
    const r = ctx.textOf(it.collection);
    const fixes: Fix[] = [];
    if (it.shape !== 'enumerate') {
      const onlySafe = it.shape === 'view' || muts.every((m) => m.kind === 'remove' || m.kind === 'reorder');
      fixes.push({
        title: `Iterate over a copy: list(${ctx.textOf(right)})`,
        applicability: onlySafe ? 'safe' : 'assisted',
        edits: [{ start: right.startIndex, end: right.endIndex, newText: `list(${ctx.textOf(right)})` }],
      });
      const comp = comprehensionFix(ctx, loop, it);
      if (comp) fixes.push(comp);
    }
    for (const m of muts) {
      ctx.report({
        node: m.node,
        message: message(r, ctx.textOf(right), it, m.kind, shared),
        severity: shared ? 'error' : 'warning',
        fixes,
      });
    }
  },
});
