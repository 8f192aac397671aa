/** PY502 peer-keyed-growth-without-cap: a shared collection gains an entry per client address with no size cap. */
import type { Node } from '../../engine/syntax';
import { eol, insertBefore, startsLine } from '../../engine/fix';
import {
  afterImports,
  aliasKeys,
  aloneOnLine,
  ancestorsOf,
  bindingsVia,
  calleeName,
  collectionsOf,
  forEachDescendant,
  functionIndex,
  indentUnitAt,
  moduleNames,
  moduleRunVia,
  objectKey,
  positionalArgs,
  PY_SCOPES,
  pyCollections,
  pyFacts,
  queueKind,
  receiverOf,
  statementOf,
  targetNames,
  threadsOf,
  threadTargets,
  topLevelOf,
} from '../../engine/python';
import { defineRule, type Fix, type RuleContext, type TextEdit } from '../../engine/rule';

/** Names that hold a remote address. */
const PEER_NAME = /addr|peer|remote|client_ip|(^|_)ip$/i;

/** Calls whose result's second element is the sender's address. */
const ADDRESS_SOURCES = /^(recvfrom|recvfrom_into|recvmsg|accept)$/;

/** The names a function binds to the address part of `data, addr = sock.recvfrom(…)` / `conn, addr = sock.accept()`. */
function addressNames(ctx: RuleContext, scope: Node): Set<string> {
  return ctx.memo(scope, 'py502.addr', () => {
    const out = new Set<string>();
    forEachDescendant(
      scope,
      (n) => {
        const right = n.childForFieldName('right');
        const call = right?.type === 'await' ? right.namedChild(0) : right;
        if (call?.type !== 'call' || !ADDRESS_SOURCES.test(calleeName(call))) return;
        const left = n.childForFieldName('left');
        if (left?.type !== 'pattern_list' && left?.type !== 'tuple_pattern' && left?.type !== 'list_pattern') return;
        const parts = left.namedChildren.filter((c): c is Node => !!c);
        // recvmsg returns (data, ancdata, flags, address): the address is last.
        const addr = calleeName(call) === 'recvmsg' ? parts[3] : parts[1];
        if (addr) targetNames(addr, out);
      },
      false,
      new Set(['assignment']),
    );
    return out;
  });
}

/**
 * The identifier in `expr` that carries a peer address, if any: a name bound from `recvfrom()`/`accept()`, or a
 * variable named like an address (`addr`, `peer`, `remote_ip`; not `address`, which as often holds an e-mail or a
 * memory address). Attribute names (`ov.address`) do not count. On name evidence alone, a tuple that also holds
 * other data (`(bytes(data), addr)`, a datagram waiting to be sent) is a message, not a peer entry.
 */
function peerIdentifier(expr: Node, fromRecv: Set<string>): Node | undefined {
  const byName = (n: Node): boolean =>
    PEER_NAME.test(n.text) && !/address|count|len|num|size|max|min|_?re$|pattern|fmt|format|family/i.test(n.text);
  const check = (n: Node): Node | undefined => {
    if (n.type !== 'identifier') return undefined;
    const p = n.parent;
    if (p?.type === 'attribute' && p.childForFieldName('attribute')?.id === n.id) return undefined;
    if (p?.type === 'keyword_argument' && p.childForFieldName('name')?.id === n.id) return undefined;
    return fromRecv.has(n.text) || byName(n) ? n : undefined;
  };
  let found = check(expr);
  if (found) return found;
  forEachDescendant(expr, (n) => {
    if (found) return false;
    found = check(n);
  });
  const hit = found as Node | undefined;
  if (hit && !fromRecv.has(hit.text) && (expr.type === 'tuple' || expr.type === 'list')) {
    const items = expr.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment');
    if (items.some((c) => !(c.type === 'identifier' && (byName(c) || fromRecv.has(c.text))))) return undefined;
  }
  return hit;
}

/** What grows: `X.append(E)`, `X.insert(i, E)`, `X.add(E)` or `X[K] = E`, with the collection and the value or key. */
function growth(node: Node): { collection: Node; parts: Node[]; kind: 'list' | 'set' | 'dict' } | undefined {
  if (node.type === 'call') {
    const recv = receiverOf(node);
    if (!recv || (recv.type !== 'identifier' && recv.type !== 'attribute')) return undefined;
    const name = calleeName(node);
    const args = positionalArgs(node);
    if (name === 'append' && args.length === 1) return { collection: recv, parts: args, kind: 'list' };
    if (name === 'insert' && args.length === 2) return { collection: recv, parts: [args[1]], kind: 'list' };
    if (name === 'add' && args.length === 1) return { collection: recv, parts: args, kind: 'set' };
    if (name === 'setdefault' && args.length >= 1) return { collection: recv, parts: [args[0]], kind: 'dict' };
    return undefined;
  }
  if (node.type === 'assignment') {
    const left = node.childForFieldName('left');
    if (left?.type !== 'subscript') return undefined;
    const v = left.childForFieldName('value');
    const k = left.childForFieldName('subscript');
    if (!v || !k || (v.type !== 'identifier' && v.type !== 'attribute')) return undefined;
    return { collection: v, parts: [k], kind: 'dict' };
  }
  return undefined;
}

/** A `MAX_<NAME>` constant name for a collection expression (`self._clients` → `MAX_CLIENTS`). */
function capName(collection: Node): string {
  const last = collection.text.replace(/\s+/g, '').split('.').pop() ?? 'ENTRIES';
  const base = last.replace(/^_+/, '').replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
  return `MAX_${base || 'ENTRIES'}`;
}

/** The assisted fix: skip (continue/return) when the collection is at its cap, with a module-level cap constant. */
function capFix(ctx: RuleContext, node: Node, collection: Node, kind: 'list' | 'set' | 'dict', key: Node, up: Node[]): Fix | undefined {
  const stmt = statementOf(node);
  if (!stmt || !startsLine(ctx.text, stmt.startIndex) || !aloneOnLine(ctx.text, stmt)) return undefined;
  let exit: string | undefined;
  for (let i = up.length - 1; i >= 0; i--) {
    if (up[i].type === 'for_statement' || up[i].type === 'while_statement') {
      exit = 'continue';
      break;
    }
    if (up[i].type === 'function_definition') {
      exit = 'return';
      break;
    }
    if (PY_SCOPES.has(up[i].type)) break;
  }
  const at = afterImports(ctx.root);
  if (!exit || at === undefined) return undefined;
  const cap = capName(collection);
  const x = ctx.textOf(collection);
  // A dict or set only grows when the key is new: an existing entry may still be updated.
  const cond = kind === 'list' ? `len(${x}) >= ${cap}` : `${ctx.textOf(key)} not in ${x} and len(${x}) >= ${cap}`;
  const nl = eol(ctx.text);
  const unit = indentUnitAt(ctx.text, stmt);
  const edits: TextEdit[] = [];
  if (!moduleNames(ctx).assigns.has(cap)) edits.push({ start: at, end: at, newText: `${nl}${nl}${cap} = 1000` });
  edits.push(insertBefore(ctx.text, stmt, `if ${cond}:\n${unit}${exit}`));
  return { title: `Skip new entries once ${x} holds ${cap} items`, applicability: 'assisted', edits };
}

export default defineRule({
  code: 'PY502',
  name: 'peer-keyed-growth-without-cap',
  language: 'python',
  category: 'unbounded-growth',
  severity: 'warning',
  fix: 'sometimes',
  summary: 'A long-lived collection gains an entry per client address with no cap on its size, so spoofed or many peers exhaust memory.',
  kinds: ['call', 'assignment'],
  facts: [pyFacts, pyCollections],
  docs: {
    whatItDoes:
      'Flags `X.append(E)`, `X.insert(i, E)`, `X[K] = E` and, beyond the catalogue, `X.add(E)` and `X.setdefault(K, …)`, ' +
      'where `X` outlives the call (a module global, a `self.` attribute, or a local passed to a thread or a parameter of a ' +
      'thread target) and `E` or `K` carries a peer address: the second element of a `recvfrom()`/`accept()` result ' +
      '(`data, addr = sock.recvfrom(2048)`), or a name matching `addr`, `peer`, `remote`, `client_ip` or `…_ip`. Collections ' +
      'whose size is compared anywhere in the file (`len(X) >= MAX`), deques with a `maxlen`, and bounded queues are left ' +
      'alone. The message says whether anything ever removes entries from `X`.',
    whyBad:
      'Every new source address adds an entry that stays until something removes it. UDP source addresses cost an attacker ' +
      'nothing to forge, and a scan or a reconnect storm brings thousands of real ones: the collection grows until the ' +
      'process runs out of memory, and every loop over it (broadcasts, timeouts) slows down with it. A time-based eviction ' +
      'alone does not help, since the growth within one window is still unbounded.',
    example: 'def serve(sock):\n    while True:\n        data, addr = sock.recvfrom(2048)\n        if addr not in peers:\n            peers.append(addr)',
    useInstead:
      'MAX_PEERS = 1000\n\ndef serve(sock):\n    while True:\n        data, addr = sock.recvfrom(2048)\n' +
      '        if addr not in peers:\n            if len(peers) >= MAX_PEERS:\n                continue\n            peers.append(addr)',
    fixSafety:
      'Assisted, because it drops peers once the cap is reached: inserts `if len(X) >= MAX_X: continue` (`return` outside a ' +
      'loop; for a dict or set, only when the key is new) before the statement, and a module constant `MAX_X = 1000` after ' +
      'the imports unless the file already defines it. Tune the cap, and consider evicting the oldest entry instead.',
    related: 'No Ruff, Pylint or Bandit rule checks collection growth; GO501 peer-keyed-map-without-eviction; PY501 unbounded-queue.',
  },
  check(node, ctx) {
    const g = growth(node);
    if (!g) return;
    const up = ancestorsOf(node);
    let fn: Node | null = null;
    for (let i = up.length - 1; i >= 0; i--) {
      if (up[i].type === 'class_definition' || up[i].type === 'lambda') return;
      if (up[i].type === 'function_definition') {
        fn = up[i];
        break;
      }
    }
    const bind = bindingsVia(ctx);
    const key = objectKey(g.collection, bind);
    if (!key) return;
    // Module-level code looks only at its own run of statements (the engine caches findings per run).
    const fromRecv = new Set<string>();
    for (const scope of fn ? [fn] : moduleRunVia(ctx, topLevelOf(node))) for (const n of addressNames(ctx, scope)) fromRecv.add(n);
    const peer = g.parts.map((p) => peerIdentifier(p, fromRecv)).find((x) => x);
    if (!peer) return;
    // The collection must outlive the call: a global, an attribute of self, or a local a thread shares.
    let shared = key.startsWith('module:') || key.includes('.self.');
    if (!shared) {
      const colon = key.lastIndexOf(':');
      const owner = key.slice(0, colon);
      const name = key.slice(colon + 1);
      const info = functionIndex(ctx).get(owner)?.info;
      shared =
        threadsOf(ctx).some((t) => t.args.includes(key)) ||
        (!!info && info.params.includes(name) && threadTargets(ctx).has(owner) && aliasKeys(ctx, key).length > 1);
    }
    if (!shared) return;
    const { made, removed, sizeChecked } = collectionsOf(ctx);
    const keys = aliasKeys(ctx, key);
    if ([...sizeChecked].some((k) => aliasKeys(ctx, k).some((a) => keys.includes(a)))) return;
    const ctor = keys.map((k) => made.get(k)).find((m) => m);
    if (ctor && ctor.bounded && queueKind(ctx, ctor.callee)) return;
    const trims = [...removed].some((k) => aliasKeys(ctx, k).some((a) => keys.includes(a)));
    const x = ctx.textOf(g.collection);
    const source = fromRecv.has(peer.text) ? `${peer.text}, the sender's address` : peer.text;
    const tail = trims
      ? 'entries are removed elsewhere, but nothing bounds how many arrive in between'
      : 'nothing ever removes its entries';
    const fixes: Fix[] = [];
    const fix = capFix(ctx, node, g.collection, g.kind, g.parts[0], up);
    if (fix) fixes.push(fix);
    ctx.report({
      node,
      message: `${x} gains an entry per peer (${source}) with no cap on its size, and ${tail}: a flood of new or spoofed addresses grows it until the process runs out of memory`,
      fixes,
    });
  },
});
