/**
 * GO105 blocking-call-under-lock: a sleep, a wait, a subprocess, a network or file call, or a channel operation
 * made while an exclusive lock is held, directly or through a same-file method.
 */
import type { Node } from '../../engine/syntax';
import {
  GO_FUNCS,
  ancestorsOf,
  callArgs,
  calleeText,
  declaredTypeOf,
  enclosingFuncOf,
  findStruct,
  forEachDescendant,
  goFunctions,
  goPackageVarNames,
  goPackageVars,
  goStructs,
  lockRegions,
  mutexCall,
  receiverOf,
  receiverRelative,
  topLevelMentions,
  type LockRegion,
} from '../../engine/golang';
import { defineRule, type FactProvider, type RuleContext } from '../../engine/rule';

/** What kind of blocking a site does; `net` sites are the ones a token-refresh helper may hold a lock around. */
type BlockKind = 'sleep' | 'wait' | 'exec' | 'net' | 'file' | 'send' | 'recv' | 'select';

/** A blocking operation found syntactically in a function body. */
interface BlockSite {
  kind: BlockKind;
  /** How the message names it (`time.Sleep(…)`, `p.wg.Wait()`, `send on s.out`). */
  what: string;
  /** For `X.Wait()` whose type is not known from the function itself: X, receiver-relative (`$.wg`). */
  waitOperand?: string;
  /** For sends and receives: the channel expression. */
  channel?: string;
  /** Line (0-based) relative to the declaration holding it. */
  line: number;
}

const NET_CALL = /^(http\.(Get|Post|Head|PostForm)|(net|tls)\.Dial\w*)$/;
const FILE_CALL = /^(os|ioutil)\.(WriteFile|ReadFile)$/;
const EXEC_METHOD = /^(Run|Output|CombinedOutput|Wait)$/;
const EXEC_CTOR = /^exec\.Command(Context)?$/;
/** Declared types whose zero-argument Wait blocks until others finish (not a sync.Cond). */
const WAITER_TYPE = /^\*?(sync\.WaitGroup|errgroup\.Group|exec\.Cmd|os\.Process)$/;
/** Names of Wait receivers that are WaitGroups, groups, commands or processes when no type is in sight. */
const WAITER_NAME = /(^|[^a-z])(wg|eg)$|wait|group|cmd|proc|worker/i;

/** The last segment of a selector chain (`s.wg` → `wg`). */
function lastSegment(text: string): string {
  const i = text.lastIndexOf('.');
  return i === -1 ? text : text.slice(i + 1);
}

/**
 * The type a local variable or parameter `name` is declared with in `fn` (not in nested func literals): `T` from
 * `var x T`, a parameter `x T`, `x := &T{}` / `T{}`, or the constructor text of `x := pkg.New…(…)`. '' when unknown.
 */
function localTypeOf(fn: Node, name: string): string {
  for (const field of ['parameters', 'receiver']) {
    for (const d of fn.childForFieldName(field)?.namedChildren ?? []) {
      if (d?.type === 'parameter_declaration' && d.childrenForFieldName('name').some((n) => n?.text === name)) {
        return d.childForFieldName('type')?.text ?? '';
      }
    }
  }
  const body = fn.childForFieldName('body');
  let found = '';
  if (!body) return found;
  forEachDescendant(body, (n) => {
    if (found) return false;
    if (n.type === 'var_spec' && n.childrenForFieldName('name').some((x) => x?.text === name)) {
      found = n.childForFieldName('type')?.text ?? n.childForFieldName('value')?.text ?? '';
    } else if (n.type === 'short_var_declaration' || n.type === 'assignment_statement') {
      const left = n.childForFieldName('left')?.namedChildren ?? [];
      const i = left.findIndex((x) => x?.text === name);
      if (i < 0) return;
      const right = n.childForFieldName('right')?.namedChildren.filter((x) => x && x.type !== 'comment') ?? [];
      let v: Node | null | undefined = right[right.length === left.length ? i : 0];
      if (v?.type === 'unary_expression' && v.child(0)?.type === '&') v = v.childForFieldName('operand');
      if (v?.type === 'composite_literal') found = v.childForFieldName('type')?.text ?? '';
      else if (v?.type === 'call_expression') found = calleeText(v) + '()';
    }
  });
  return found;
}

/** Whether `call` is inside a `for` loop of its own function (the sync.Cond idiom `for !ready { c.Wait() }`). */
function inLoop(call: Node): boolean {
  for (let n = call.parent; n; n = n.parent) {
    if (GO_FUNCS.has(n.type)) return false;
    if (n.type === 'for_statement') return true;
  }
  return false;
}

/**
 * The blocking operation `node` performs, judged from its own text and the function `fn` holding it, or undefined.
 * A `X.Wait()` whose type the function does not show is returned with `waitOperand` for the caller to resolve.
 */
function siteOf(node: Node, fn: Node, recvName: string, parentType: string): Omit<BlockSite, 'line'> | undefined {
  switch (node.type) {
    case 'send_statement':
      if (parentType === 'communication_case') return undefined;
      const ch = node.childForFieldName('channel')?.text ?? '';
      return { kind: 'send', what: `the send on ${ch}`, channel: ch };
    case 'unary_expression': {
      if (node.child(0)?.type !== '<-' || parentType === 'receive_statement') return undefined;
      const ch = node.childForFieldName('operand')?.text ?? '';
      return { kind: 'recv', what: `the receive from ${ch}`, channel: ch };
    }
    case 'select_statement':
      if (node.namedChildren.some((c) => c?.type === 'default_case')) return undefined;
      if (!node.namedChildren.some((c) => c?.type === 'communication_case')) return undefined;
      return { kind: 'select', what: 'the select (it has no default case)' };
    case 'call_expression':
      break;
    default:
      return undefined;
  }
  const callee = calleeText(node);
  if (callee === 'time.Sleep') return { kind: 'sleep', what: 'time.Sleep(…)' };
  if (NET_CALL.test(callee)) return { kind: 'net', what: `${callee}(…)` };
  if (FILE_CALL.test(callee)) return { kind: 'file', what: `${callee}(…)` };
  const f = node.childForFieldName('function');
  if (f?.type !== 'selector_expression') return undefined;
  const method = f.childForFieldName('field')?.text ?? '';
  const operand = f.childForFieldName('operand');
  if (!operand) return undefined;
  const args = callArgs(node);
  const opText = operand.text;
  // The operand's declared type takes a walk of the function: only for the methods that need it.
  if (!(EXEC_METHOD.test(method) && !args.length) && !(method === 'Do' && args.length === 1) && !(method === 'Wait' && !args.length)) return undefined;
  const localType = operand.type === 'identifier' ? localTypeOf(fn, opText) : '';
  if (EXEC_METHOD.test(method) && !args.length) {
    const isExec =
      (operand.type === 'call_expression' && EXEC_CTOR.test(calleeText(operand))) ||
      EXEC_CTOR.test(localType.replace(/\(\)$/, '')) ||
      /^\*?exec\.Cmd$/.test(localType);
    if (isExec) return { kind: 'exec', what: `${operand.type === 'call_expression' ? calleeText(operand) + '(…)' : opText}.${method}()` };
  }
  if (method === 'Do' && args.length === 1) {
    const a = args[0];
    if (a.type === 'func_literal' || /once/i.test(opText)) return undefined;
    if (/(^|\.)(http\.)?DefaultClient$|client|Client/.test(opText) || /req|Req/.test(a.text) || /^\*?http\.Client$/.test(localType)) {
      return { kind: 'net', what: `${opText}.Do(…)` };
    }
    return undefined;
  }
  if (method === 'Wait' && !args.length) {
    if (/cond/i.test(lastSegment(opText))) return undefined;
    if (localType) {
      if (/Cond\b|NewCond/.test(localType)) return undefined;
      if (WAITER_TYPE.test(localType) || /^(sync\.WaitGroup|errgroup\.\w+|exec\.Command\w*|os\.(StartProcess|FindProcess))(\(\))?$/.test(localType)) {
        return { kind: 'wait', what: `${opText}.Wait()` };
      }
      return undefined;
    }
    if (inLoop(node)) return undefined;
    const rel = receiverRelative(opText, recvName);
    if (rel.startsWith('$.')) return { kind: 'wait', what: `${opText}.Wait()`, waitOperand: rel };
    return WAITER_NAME.test(lastSegment(opText)) ? { kind: 'wait', what: `${opText}.Wait()` } : undefined;
  }
  return undefined;
}

/** Whether a `$.path` Wait operand is a WaitGroup-like field of the receiver type (its struct is in this file). */
function waitOperandBlocks(ctx: RuleContext, recvType: string, operand: string): boolean {
  const path = operand.slice(2);
  const name = lastSegment(path);
  if (!path.includes('.')) {
    const field = findStruct(ctx, recvType)?.info.fields.find((fl) => fl.names.includes(name) || (!fl.names.length && lastSegment(fl.type) === name));
    if (field) return WAITER_TYPE.test(field.type);
  }
  return WAITER_NAME.test(name);
}

/** The blocking sites of a callable, outside func literals and `go` statements; at most a few. */
interface BlockSummary {
  name: string;
  recvType: string;
  sites: BlockSite[];
}

/** Per callable: the blocking operations its body performs (the GO105 part of the function index, §0.1). */
export const blockingSites: FactProvider<BlockSummary> = {
  id: 'go105.blockingSites',
  language: 'go',
  collect(seg) {
    if (seg.type !== 'function_declaration' && seg.type !== 'method_declaration') return undefined;
    const body = seg.childForFieldName('body');
    if (!body) return undefined;
    const recv = receiverOf(seg) ?? { name: '', type: '' };
    const sites: BlockSite[] = [];
    // The select cases' own sends and receives (their parents' types, without asking for parents: that is slow).
    const inCase = new Set<number>();
    forEachDescendant(body, (n) => {
      if (sites.length >= 8) return false;
      if (n.type === 'go_statement') return false;
      if (n.type === 'communication_case') for (const c of n.namedChildren) if (c?.type === 'send_statement') inCase.add(c.id);
      if (n.type === 'receive_statement') {
        const r = n.childForFieldName('right');
        if (r) inCase.add(r.id);
      }
      if (n.type !== 'call_expression' && n.type !== 'send_statement' && n.type !== 'unary_expression' && n.type !== 'select_statement') return;
      const s = siteOf(n, seg, recv.name, inCase.has(n.id) ? (n.type === 'send_statement' ? 'communication_case' : 'receive_statement') : '');
      if (s) sites.push({ ...s, line: n.startPosition.row - seg.startPosition.row });
    });
    return sites.length ? { name: seg.childForFieldName('name')?.text ?? '', recvType: recv.type, sites } : undefined;
  },
};

/** A `make(chan T, n)` with a buffer that is not the literal 0. */
function isBufferedMake(n: Node | null | undefined): boolean {
  if (n?.type !== 'call_expression' || calleeText(n) !== 'make') return false;
  const args = callArgs(n);
  return args.length >= 2 && args[0].type === 'channel_type' && args[1].text !== '0';
}

/**
 * The names (last selector segment) that a buffered channel is bound to in one declaration: `ch := make(chan T, 1)`,
 * `s.out = make(chan T, n)`, `Pool{jobs: make(chan T, n)}`, `var ch = make(chan T, 1)`. Without types, a send on a
 * channel of such a name anywhere in the file is taken to be a send on a buffered channel.
 */
export const bufferedChans: FactProvider<string[]> = {
  id: 'go105.bufferedChans',
  language: 'go',
  collect(seg) {
    const names = new Set<string>();
    forEachDescendant(
      seg,
      (n) => {
        if (n.type !== 'call_expression' || !isBufferedMake(n)) return;
        let p = n.parent;
        if (p?.type === 'literal_element' && p.parent?.type === 'keyed_element') {
          const key = p.parent.childForFieldName('key');
          if (key && key.id !== p.id) names.add(lastSegment(key.text));
          return;
        }
        if (p?.type !== 'expression_list') return;
        const i = p.namedChildren.findIndex((x) => x?.id === n.id);
        p = p.parent;
        if (p?.type === 'short_var_declaration' || p?.type === 'assignment_statement') {
          const target = p.childForFieldName('left')?.namedChildren.filter((x) => x && x.type !== 'comment')[i];
          if (target) names.add(lastSegment(target.text.replace(/\[.*\]$/, '')));
        } else if (p?.type === 'var_spec') {
          const nm = p.childrenForFieldName('name')[i];
          if (nm) names.add(nm.text);
        }
      },
      true,
    );
    return names.size ? [...names].sort() : undefined;
  },
};

/** Channels named like a lock or semaphore (`memMu`, `sema`, `tokens`): operating on them is lock nesting. */
const LOCK_CHAN = /(mu|mutex|lock|sema|semaphore|sem|tokens?)$/i;

/** Whether a send or receive is on a channel that acts as a lock, or a send on a channel bound buffered in this file. */
function benignChannelOp(ctx: RuleContext, site: BlockSite): boolean {
  if (site.kind !== 'send' && site.kind !== 'recv') return false;
  const name = lastSegment((site.channel ?? '').replace(/\[[^\]]*\]$/, '').replace(/\(\)$/, ''));
  if (LOCK_CHAN.test(name)) return true;
  if (site.kind !== 'send') return false;
  return ctx.facts(bufferedChans).some((f) => f.value.includes(name));
}

/** A same-file callee of `call` that blocks, with the mutex key its index entry uses for the held region. */
function blockingCallee(ctx: RuleContext, call: Node, region: LockRegion): { name: string; site: BlockSite } | undefined {
  const fnNode = call.childForFieldName('function');
  let owner = '';
  let name: string;
  if (fnNode?.type === 'selector_expression') {
    const op = fnNode.childForFieldName('operand');
    if (op?.type !== 'identifier') return undefined;
    owner = op.text;
    name = fnNode.childForFieldName('field')?.text ?? '';
  } else if (fnNode?.type === 'identifier') {
    name = fnNode.text;
  } else {
    return undefined;
  }
  const candidates = ctx.facts(blockingSites).filter((f) => f.value.name === name && !f.value.recvType === !owner);
  if (!candidates.length) return undefined;
  const ownerType = owner ? declaredTypeOf(call, owner) : '';
  if (owner && !ownerType) return undefined;
  const summary = candidates.find((f) => f.value.recvType === ownerType)?.value;
  if (!summary) return undefined;
  const info = ctx.facts(goFunctions).find((f) => f.value.name === name && f.value.recvType === ownerType)?.value;
  if (info) {
    // The key the callee's index entry uses for the held mutex: a helper that unlocks it first releases it around
    // the blocking part; one that locks it again is a recursive lock (GO103).
    let key: string | undefined;
    if (owner && region.mutex.startsWith(owner + '.')) key = region.mutex.slice(owner.length + 1);
    else if (owner && region.mutex === owner) key = info.recvName;
    else if (!region.mutex.includes('.') && goPackageVarNames(ctx).has(region.mutex)) key = region.mutex;
    if (key !== undefined && (info.firstOps[key] === 'Unlock' || info.acquires[key])) return undefined;
  }
  const site = summary.sites.find((s) => (!s.waitOperand || waitOperandBlocks(ctx, summary.recvType, s.waitOperand)) && !benignChannelOp(ctx, s));
  return site ? { name: `${fnNode!.text}(…)`, site } : undefined;
}

/**
 * How the region's mutex is held at `node` (lockStateAt without its walk up through `parent`, which costs time
 * proportional to the depth at every step): the nearest earlier sibling statement operating on the mutex decides.
 */
function heldAt(ctx: RuleContext, region: LockRegion, node: Node): 'Lock' | 'RLock' | undefined {
  const chain = [...ancestorsOf(ctx, node), node];
  for (let i = chain.length - 2; i >= 0; i--) {
    const list = chain[i];
    if (list.type !== 'statement_list') continue;
    // The list's children in one call: previousNamedSibling walks down from the root each time.
    const kids = list.namedChildren;
    const at = kids.findIndex((k) => k?.id === chain[i + 1].id);
    for (let j = at - 1; j >= 0; j--) {
      const s = kids[j];
      if (!s) continue;
      if (s.id === region.lock.id) return region.op;
      const m = mutexCall(s);
      if (!m || m.mutex !== region.mutex) continue;
      return m.op === 'Lock' || m.op === 'RLock' ? m.op : undefined;
    }
    if (list.id === region.list.id) return region.op;
  }
  return region.op;
}

/** Whether a call could block: a known blocking callee, or a same-file callable with blocking sites of that name. */
function maybeBlocking(ctx: RuleContext, call: Node): boolean {
  const f = call.childForFieldName('function');
  let name: string;
  if (f?.type === 'identifier') name = f.text;
  else if (f?.type === 'selector_expression') name = f.childForFieldName('field')?.text ?? '';
  else return false;
  const callee = calleeText(call);
  if (callee === 'time.Sleep' || NET_CALL.test(callee) || FILE_CALL.test(callee)) return true;
  if (f.type === 'selector_expression' && (EXEC_METHOD.test(name) || name === 'Do')) return true;
  const names = ctx.memo(ctx.root, 'go105.blockingNames', () => new Set(ctx.facts(blockingSites).map((x) => x.value.name)));
  return names.has(name);
}

/** Whether a network call here is the deliberate "one refresh at a time" pattern of a token or credential cache. */
function tokenRefresh(fn: Node | null, region: LockRegion): boolean {
  const top = fn && (fn.type === 'func_literal' ? null : fn);
  const name = top?.childForFieldName('name')?.text ?? '';
  return /token|refresh|credential|oauth|renew|auth/i.test(name + ' ' + region.mutex);
}

const CONSEQUENCE: Record<BlockKind, string> = {
  sleep: 'every goroutine that needs the lock stalls for the whole sleep',
  wait: 'a goroutine that needs the lock to finish never does, so this deadlocks, and every other caller stalls meanwhile',
  exec: 'every goroutine that needs the lock stalls until the subprocess exits, however long it hangs',
  net: 'every goroutine that needs the lock stalls for as long as the peer takes to answer, or forever without a timeout',
  file: 'every goroutine that needs the lock stalls on disk I/O (seconds on a slow or network file system)',
  send: 'if no receiver is ready every goroutine that needs the lock stalls, and a receiver that needs the lock deadlocks',
  recv: 'until a value arrives every goroutine that needs the lock stalls, and a sender that needs the lock deadlocks',
  select: 'until a case is ready every goroutine that needs the lock stalls, and a peer that needs the lock deadlocks',
};

export default defineRule({
  code: 'GO105',
  name: 'blocking-call-under-lock',
  language: 'go',
  category: 'concurrency',
  severity: 'warning',
  fix: 'none',
  summary: 'A sleep, wait, subprocess, network or file call, or a channel operation runs while a mutex is held, stalling every goroutine that needs it or deadlocking one it waits for.',
  kinds: ['call_expression', 'send_statement', 'unary_expression', 'select_statement'],
  facts: [blockingSites, bufferedChans, goFunctions, goPackageVars, goStructs],
  docs: {
    whatItDoes:
      'Inside a critical section opened with `M.Lock()` (until the matching `M.Unlock()`, or the end of the function after `defer M.Unlock()`), flags: `time.Sleep`; a zero-argument `X.Wait()` on a WaitGroup, errgroup, command or process (not a `sync.Cond`, whose Wait releases the lock); ' +
      '`exec.Cmd` `Run`/`Output`/`CombinedOutput`/`Wait`; `http.Get`/`Post`/`Head`/`PostForm`, `client.Do(req)`, `net.Dial*`/`tls.Dial*`; `os.ReadFile`/`os.WriteFile`; a channel send or receive outside `select`, and a `select` without a `default` case; and a call to a method or function of this file whose body does one of these. ' +
      'Code in func literals and `go` statements is not part of the critical section, and neither is a deferred call that runs after the deferred unlock. Read locks (`RLock`) are not considered. ' +
      'Without types, a send on a channel whose name is bound to `make(chan T, n)` with a buffer somewhere in the file is taken to be non-blocking, and sends and receives on channels named like a lock or semaphore (`sem`, `memMu`, `tokens`) are left alone, since they are lock nesting rather than waiting. In `_test.go` files findings are reported at info.',
    whyBad:
      'While the lock is held, every other goroutine that needs it queues up behind the slow operation: a 30-second `Wait()` or an HTTP call to a stalled peer freezes every request that touches the same structure. ' +
      'Worse, when the operation waits for another goroutine that itself needs the lock (workers that lock to report their result before calling `wg.Done()`, a receiver that locks before reading), the two wait for each other and the process hangs for good.',
    example:
      'func (p *Pool) Stop() {\n\tp.mu.Lock()\n\tdefer p.mu.Unlock()\n\tfor _, w := range p.workers {\n\t\tw.quit()\n\t}\n\tp.wg.Wait() // workers that need p.mu to exit now hang\n}',
    useInstead:
      'func (p *Pool) Stop() {\n\tp.mu.Lock()\n\tworkers := p.workers\n\tp.workers = nil\n\tp.mu.Unlock()\n\n\tfor _, w := range workers {\n\t\tw.quit()\n\t}\n\tp.wg.Wait()\n}',
    fixSafety:
      'No automatic fix: moving the blocking call out of the critical section changes what the lock protects and needs human judgement. The usual remedy is "copy then unlock": copy what the slow part needs while holding the lock, unlock, then block. ' +
      'A network call inside a token- or credential-refresh helper (the function or mutex is named like `token`, `refresh`, `auth`, `credential`) is reported at info, since holding the lock there deliberately makes concurrent callers share one refresh.',
    related: 'None in go vet, staticcheck, golangci-lint or gosec. GO103 recursive-lock reports same-file callees that take the held mutex again.',
  },
  check(node, ctx) {
    // Cheap syntactic filters first: walking up a deeply nested tree costs time proportional to its depth.
    if (node.type === 'unary_expression' && node.child(0)?.type !== '<-') return;
    // No lock taken in the declaration: nothing to hold. This comes before anything that reads facts, so that such
    // declarations do not depend on (or make anyone collect) the blocking sites of the file's functions.
    if (!topLevelMentions(ctx, node, 'Lock()')) return;
    if (node.type === 'call_expression' && !maybeBlocking(ctx, node)) return;
    const chain = ancestorsOf(ctx, node);
    const parent = chain[chain.length - 1];
    if (parent?.type === 'go_statement') return;
    const fn = enclosingFuncOf(ctx, node);
    if (!fn) return;
    const regions = lockRegions(ctx, fn).filter((r) => r.op === 'Lock' && node.startIndex >= r.start && node.endIndex <= r.end);
    if (!regions.length) return;
    const top = fn.type === 'func_literal' ? null : fn;
    const recv = top ? receiverOf(top) : undefined;
    for (const region of regions) {
      if (heldAt(ctx, region, node) !== 'Lock') continue;
      // A deferred call runs at return: it still holds the lock only if the deferred unlock was registered earlier.
      if (parent?.type === 'defer_statement' && !(region.deferUnlock && region.deferUnlock.startIndex < node.startIndex)) continue;
      let site = siteOf(node, fn, recv?.name ?? '', parent?.type ?? '');
      let via = '';
      if (site?.waitOperand && !(recv && waitOperandBlocks(ctx, recv.type, site.waitOperand))) site = undefined;
      if (site && benignChannelOp(ctx, { ...site, line: 0 })) return;
      if (!site && node.type === 'call_expression') {
        const callee = blockingCallee(ctx, node, region);
        if (callee) {
          site = callee.site;
          via = `${callee.name} reaches ${callee.site.what} (line ${callee.site.line + 1} of ${callee.name.replace(/\(…\)$/, '').replace(/^.*\./, '')})`;
        }
      }
      if (!site) return;
      const head = via ? `${via} while ${region.mutex} is held` : `${site.what} runs while ${region.mutex} is held`;
      const severity = ctx.isTestFile || (site.kind === 'net' && tokenRefresh(fn, region)) ? 'info' : 'warning';
      ctx.report({ node, severity, message: `${head}: ${CONSEQUENCE[site.kind]}` });
      return;
    }
  },
});
