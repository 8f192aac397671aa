/** GO501 peer-keyed-map-without-eviction: a long-lived map keyed by a client-supplied value that nothing ever shrinks. */
import type { Node } from '../../engine/syntax';
import { indentAt, insertBefore } from '../../engine/fix';
import {
  ancestorsOf,
  calleeText,
  callArgs,
  declaresName,
  enclosingFuncOf,
  enclosingStatement,
  forEachDescendant,
  goPackageVarNames,
  goPackageVars,
  goStructs,
  goZeroValue,
  paramsOf,
  receiverOf,
  regionsHolding,
  unparen,
} from '../../engine/golang';
import { defineRule, type FactProvider, type Fix, type RuleContext } from '../../engine/rule';

/** Words of a key name that mark a value chosen by the peer. */
const PEER_WORDS = new Set([
  'ip', 'ips', 'ipaddr', 'remote', 'remoteaddr', 'client', 'clientip', 'peer', 'session', 'sid', 'username', 'uid',
  'token', 'origin', 'host', 'hostname',
]);

/**
 * Words that name a peer only beside another word: `addr` alone is as often a memory address (`insts[addr]`) and
 * `user` alone a type or a record (`sent[ut.user]`), while `remoteAddr`, `srcAddr` and `userID` are peers.
 */
const WEAK_WORDS: Record<string, Set<string>> = {
  addr: new Set(['src', 'source', 'from', 'net', 'conn', 'sock', 'socket']),
  address: new Set(['src', 'source', 'from', 'net', 'conn', 'sock', 'socket', 'email', 'mail']),
  user: new Set(['id', 'name', 'key', 'agent', 'email', 'login']),
};

/** Expressions a key can be bound from that carry a client-supplied value. */
const PEER_SOURCE = /\.RemoteAddr\b|\.Header\.Get\(|\.(ClientIP|RealIP)\(\)|\b(get)?(client|real|remote|peer)_?(ip|addr)\w*\(|\bnet\.SplitHostPort\(/i;

/**
 * What one top-level declaration does to maps: the maps it shrinks or resets (`delete`, `clear`, a reassignment,
 * a `len` comparison), as `id:name` for plain names and `field:name` for the last selector of a field path, and
 * the constants it declares.
 */
interface MapFacts {
  evicted: string[];
  consts: string[];
}

/** The eviction key of a map expression: `id:clients` or `field:clients`. */
function mapKey(expr: Node | null | undefined): string | undefined {
  const e = unparen(expr);
  if (!e) return undefined;
  if (e.type === 'identifier') return `id:${e.text}`;
  if (e.type === 'selector_expression') return `field:${e.childForFieldName('field')?.text ?? ''}`;
  return undefined;
}

/** The per-declaration map facts (see MapFacts). */
const goMapEvictions: FactProvider<MapFacts> = {
  id: 'go501.mapEvictions',
  language: 'go',
  collect(seg) {
    const evicted = new Set<string>();
    const consts: string[] = [];
    if (seg.type === 'const_declaration') {
      for (const spec of seg.descendantsOfType('const_spec')) for (const n of spec?.childrenForFieldName('name') ?? []) if (n) consts.push(n.text);
      return { evicted: [], consts };
    }
    if (seg.type !== 'function_declaration' && seg.type !== 'method_declaration') return undefined;
    // init and constructors fill maps; a reset in them is no eviction.
    const isInit = seg.type === 'function_declaration' && /^(init|[Nn]ew\w*)$/.test(seg.childForFieldName('name')?.text ?? '');
    const recv = receiverOf(seg)?.name;
    const body = seg.childForFieldName('body');
    if (!body) return undefined;
    // Only maps that can outlive the call count: package variables (names the function does not declare) and
    // fields of the receiver. Locals are left out so that typing in a body rarely changes the fact.
    const locals = new Map<string, boolean>();
    const local = (name: string): boolean => {
      if (!locals.has(name)) locals.set(name, name === '_' || declaresName(seg, name));
      return locals.get(name)!;
    };
    const longLived = (k: string | undefined, expr: Node | null | undefined): string | undefined => {
      if (!k) return undefined;
      const e = unparen(expr);
      if (e?.type === 'identifier') return local(e.text) ? undefined : k;
      return recv && e?.childForFieldName('operand')?.text.split('.')[0] === recv ? k : undefined;
    };
    forEachDescendant(
      body,
      (n) => {
        if (n.type === 'call_expression') {
          const callee = calleeText(n);
          if (callee === 'delete' || callee === 'clear') {
            const k = mapKey(callArgs(n)[0]);
            if (k) evicted.add(k);
          } else if (callee === 'len') {
            const p = n.parent;
            if (p?.type === 'binary_expression' && /^[<>]=?$|^[!=]=$/.test(p.childForFieldName('operator')?.type ?? '')) {
              const arg = callArgs(n)[0];
              const k = longLived(mapKey(arg), arg);
              if (k) evicted.add(k);
            }
          }
        } else if (n.type === 'assignment_statement' && !isInit) {
          for (const l of n.childForFieldName('left')?.namedChildren ?? []) {
            const t = unparen(l);
            // A reset of a package map, or of the receiver's own field (not a constructor filling a new struct).
            if (t?.type === 'identifier') {
              if (!local(t.text)) evicted.add(`id:${t.text}`);
            } else if (t?.type === 'selector_expression' && recv && t.childForFieldName('operand')?.text.split('.')[0] === recv) {
              evicted.add(`field:${t.childForFieldName('field')?.text ?? ''}`);
            }
          }
        }
      },
      true,
    );
    return evicted.size ? { evicted: [...evicted].sort(), consts } : undefined;
  },
};

/** The words of an identifier: `clientIP` → client, ip; `remote_addr` → remote, addr; `IPAddress` → ip, address. */
function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[\s_]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

/** Whether a key name reads as a peer-chosen value. */
function peerName(name: string): boolean {
  const ws = words(name);
  return ws.some((w) => PEER_WORDS.has(w) || (WEAK_WORDS[w] && ws.some((o) => WEAK_WORDS[w].has(o))));
}

/** Whether `name` is bound in `fn` from a client-supplied source (`r.RemoteAddr`, `r.Header.Get`, `getClientIP(r)`). */
function boundFromPeer(fn: Node, name: string, before: number): boolean {
  let found = false;
  forEachDescendant(
    fn,
    (n) => {
      if (found || n.startIndex >= before) return false;
      if (n.type !== 'short_var_declaration' && n.type !== 'assignment_statement') return;
      if (!n.childForFieldName('left')?.namedChildren.some((x) => x?.text === name)) return;
      if (PEER_SOURCE.test(n.childForFieldName('right')?.text ?? '')) found = true;
    },
    true,
  );
  return found;
}

/** The map the insert writes: a package variable or a field of the method's receiver, with its eviction key. */
function longLivedMap(ctx: RuleContext, target: Node, fn: Node): { key: string; short: string } | undefined {
  const m = unparen(target);
  if (!m) return undefined;
  if (m.type === 'identifier') {
    // A local of the same name shadows the package variable.
    if (!goPackageVarNames(ctx).has(m.text) || declaresLocal(fn, m.text)) return undefined;
    return { key: `id:${m.text}`, short: m.text };
  }
  if (m.type !== 'selector_expression') return undefined;
  const top = ancestorsOf(ctx, target).find((n) => n.type === 'method_declaration');
  const recv = top ? receiverOf(top)?.name : undefined;
  const root = m.childForFieldName('operand')?.text.split('.')[0];
  const field = m.childForFieldName('field')?.text ?? '';
  if (!recv || recv === '_' || root !== recv) return undefined;
  return { key: `field:${field}`, short: field };
}

/** Whether `fn` (or a func literal in it) declares a local or parameter called `name`. */
function declaresLocal(fn: Node, name: string): boolean {
  if (paramsOf(fn.childForFieldName('parameters')).some((p) => p.name === name)) return true;
  let found = false;
  forEachDescendant(
    fn,
    (n) => {
      if (found) return false;
      if (n.type === 'short_var_declaration' && n.childForFieldName('left')?.namedChildren.some((x) => x?.text === name)) found = true;
      if (n.type === 'var_spec' && n.childrenForFieldName('name').some((x) => x?.text === name)) found = true;
    },
    true,
  );
  return found;
}

/** The assisted fix: refuse new keys past a limit, with a TODO constant declared before the function. */
function capFix(ctx: RuleContext, stmt: Node, fn: Node, map: Node, index: Node, short: string): Fix | undefined {
  // A return between Lock and a plain Unlock would leave the mutex locked.
  if (regionsHolding(ctx, stmt).some((r) => !r.deferUnlock)) return undefined;
  const limit = `max${short[0].toUpperCase()}${short.slice(1)}`;
  const top = ancestorsOf(ctx, stmt).find((n) => n.type === 'function_declaration' || n.type === 'method_declaration');
  if (!top || !stmt.parent || stmt.parent.type !== 'statement_list') return undefined;
  const result = fn.childForFieldName('result');
  let ret = 'return';
  if (result) {
    const params = result.type === 'parameter_list' ? paramsOf(result) : [{ name: '', type: result.text }];
    // An error result needs a real message, and the caller must learn the entry was refused.
    if (params.some((p) => p.type === 'error')) return undefined;
    if (!params.every((p) => p.name)) {
      const structs = new Set(ctx.facts(goStructs).flatMap((f) => f.value.map((s) => s.name)));
      ret = `return ${params.map((p) => goZeroValue(p.type, structs)).join(', ')}`;
    }
  }
  const edits = [
    insertBefore(ctx.text, stmt, `if _, ok := ${map.text}[${index.text}]; !ok && len(${map.text}) >= ${limit} { // TODO: evict old entries instead\n\t${ret}\n}`),
  ];
  const declared = ctx.facts(goMapEvictions).some((f) => f.value.consts.includes(limit));
  if (!declared) {
    // Before the function's doc comment, so that the comment stays attached to the function.
    let at: Node = top;
    for (let c = top.previousSibling; c?.type === 'comment' && c.endPosition.row + 1 >= at.startPosition.row; c = c.previousSibling) at = c;
    const indent = indentAt(ctx.text, at.startIndex);
    edits.push({
      start: at.startIndex,
      end: at.startIndex,
      newText: `${indent}// ${limit} bounds ${short}, whose keys come from clients. TODO: choose the limit.\nconst ${limit} = 10000\n\n`,
    });
  }
  return { title: `Refuse new ${short} entries past ${limit}`, applicability: 'assisted', edits };
}

export default defineRule({
  code: 'GO501',
  name: 'peer-keyed-map-without-eviction',
  language: 'go',
  category: 'unbounded-growth',
  severity: 'warning',
  fix: 'sometimes',
  summary: 'A package-level or receiver map gains an entry per client IP, session, user or token and nothing in the file ever deletes from it, so memory grows with every new peer until the process dies.',
  kinds: ['assignment_statement', 'inc_statement'],
  facts: [goPackageVars, goStructs, goMapEvictions],
  docs: {
    whatItDoes:
      'Flags `M[k] = v` where `M` is a package-level variable or a field of the method\'s receiver and `k` is named like a peer-chosen value (its words include ip, remote, client, peer, session, token, origin or host, or addr/user beside a word such as src, conn, id or name: `srcAddr`, `userID`; a bare `addr` is as often a memory address) or is bound in the function from `r.RemoteAddr`, `r.Header.Get(…)`, a `getClientIP(r)`-style helper or `net.SplitHostPort`, when nothing in the file shrinks the map: no `delete(M, …)` or `clear(M)`, no reset `M = make(…)` outside `init` and constructors, and no `len(M)` comparison. `_test.go` files are skipped.',
    whyBad:
      'Every distinct client address, session or token adds an entry that stays for the life of the process. Under normal traffic that is a slow leak that ends in an out-of-memory kill after days; with spoofable keys (`X-Forwarded-For`, random session IDs) an attacker fills memory in minutes. Rate limiters, session tables and per-client profiles are the usual victims.',
    example:
      'var profiles = map[string]*Profile{}\n\nfunc profileFor(clientIP string) *Profile {\n\tmu.Lock()\n\tdefer mu.Unlock()\n\tp := profiles[clientIP]\n\tif p == nil {\n\t\tp = &Profile{}\n\t\tprofiles[clientIP] = p // never evicted\n\t}\n\treturn p\n}',
    useInstead:
      'Evict entries: a janitor goroutine that deletes entries idle for more than N minutes, an LRU with a size bound (hashicorp/golang-lru), or `if len(profiles) >= maxProfiles { … }` before inserting.',
    fixSafety:
      'No automatic fix: bounding the map needs a policy (evict the oldest entry, refuse the client, share a bucket). An assisted action inserts `if _, ok := M[k]; !ok && len(M) >= maxM { return … }` before the insert (existing keys still update), returning the zero values, with a TODO constant `maxM = 10000` declared before the function; it is not offered when the function returns an error, which needs a real message, nor between a `Lock` and a plain `Unlock`, where the early return would leave the mutex locked.',
    related: 'none in staticcheck, gosec or golangci-lint; PY502 peer-keyed-growth-without-cap.',
  },
  check(node, ctx) {
    if (ctx.isTestFile) return;
    // `M[k] = v`, `M[k] += n` and `M[k]++` all insert k when it is missing.
    const left =
      node.type === 'inc_statement'
        ? [node.namedChild(0)].filter((x): x is Node => !!x)
        : node.childForFieldName('left')?.namedChildren.filter((x): x is Node => !!x && x.type !== 'comment') ?? [];
    if (left.length !== 1 || left[0].type !== 'index_expression') return;
    const target = left[0].childForFieldName('operand');
    const index = unparen(left[0].childForFieldName('index'));
    if (!target || !index) return;
    const fn = enclosingFuncOf(ctx, node);
    if (!fn) return;
    let keyName = '';
    if (index.type === 'identifier') keyName = index.text;
    else if (index.type === 'selector_expression') keyName = index.childForFieldName('field')?.text ?? '';
    else if (index.type === 'call_expression' && PEER_SOURCE.test(index.text)) keyName = 'clientIP';
    else return;
    const peer = peerName(keyName) || (index.type === 'identifier' && boundFromPeer(fn, index.text, node.startIndex));
    if (!peer) return;
    const map = longLivedMap(ctx, target, fn);
    if (!map) return;
    const evicted = ctx.memo(ctx.root, 'go501.evicted', () => new Set(ctx.facts(goMapEvictions).flatMap((f) => f.value.evicted)));
    if (evicted.has(map.key)) return;
    const stmt = enclosingStatement(node) ?? node;
    const fix = capFix(ctx, stmt, fn, target, index, map.short);
    ctx.report({
      node,
      message: `${target.text} gains an entry per ${index.text} and nothing in this file ever deletes from it: memory grows with every new client until the process is killed`,
      fixes: fix ? [fix] : [],
    });
  },
});
