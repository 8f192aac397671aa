/**
 * GO202 cleanup-of-escaping-resource: a deferred `os.Remove`/`os.RemoveAll` or `Close` of a file or listener whose
 * path or handle escapes the function (returned, stored, sent, published in the environment, used by a goroutine),
 * so whoever receives it gets a deleted file or a closed handle.
 */
import type { Node } from '../../engine/syntax';
import {
  GO_FUNCS,
  ancestorsOf,
  bodyHas,
  callArgs,
  calleeText,
  classifyUse,
  declaringFuncOf,
  enclosingFuncOf,
  forEachDescendant,
  unparen,
} from '../../engine/golang';
import { defineRule, type RuleContext } from '../../engine/rule';

const REMOVE = /^os\.(Remove|RemoveAll)$/;
/** Calls that open a file or a listener, whose handle a deferred Close releases. */
const OPENER = /^(os\.(Open|Create|OpenFile|CreateTemp)|ioutil\.TempFile|net\.Listen(TCP|Unix|Packet|UDP)?|tls\.Listen)$/;
/** Calls whose result still refers to a path argument. */
const PATH_DERIVE = /^(filepath\.(Join|Clean|Abs|Dir|Base)|path\.(Join|Clean|Dir)|fmt\.Sprint\w*|strings\.Join)$/;

/** What a deferred cleanup destroys, and how to find later uses of it. */
interface Tracked {
  /** 'path' for Remove/RemoveAll, 'handle' for Close. */
  kind: 'path' | 'handle';
  /** The text of the expression whose uses are tracked (`path`, `f.Name()`, `f`). */
  text: string;
  /** The node type of its occurrences (identifier or call_expression). */
  nodeType: string;
  /** The cleanup call, the anchor. */
  call: Node;
}

/** The cleanups a defer statement runs: its own call, or the calls in a deferred func literal's body. */
function cleanups(ctx: RuleContext, stmt: Node, fn: Node): Tracked[] {
  const call = stmt.namedChild(0);
  if (call?.type !== 'call_expression') return [];
  const calls: Node[] = [];
  const f = call.childForFieldName('function');
  if (f?.type === 'func_literal') {
    const body = f.childForFieldName('body');
    // Cleanups under an `if` (typically `if err != nil`, undoing a failed construction) are left alone.
    if (body) forEachDescendant(body, (n) => (n.type === 'if_statement' ? false : void (n.type === 'call_expression' && calls.push(n))));
  } else {
    calls.push(call);
  }
  const out: Tracked[] = [];
  for (const c of calls) {
    const callee = calleeText(c);
    if (REMOVE.test(callee)) {
      const p = unparen(callArgs(c)[0]);
      if (p?.type === 'identifier' && declaringFuncOf(ctx, c, p.text)?.id === fn.id) {
        out.push({ kind: 'path', text: p.text, nodeType: 'identifier', call: c });
      } else if (p?.type === 'call_expression' && /^[A-Za-z_]\w*\.Name$/.test(calleeText(p)) && !callArgs(p).length) {
        out.push({ kind: 'path', text: p.text, nodeType: 'call_expression', call: c });
      }
      continue;
    }
    const cf = c.childForFieldName('function');
    if (cf?.type !== 'selector_expression' || cf.childForFieldName('field')?.text !== 'Close' || callArgs(c).length) continue;
    const x = cf.childForFieldName('operand');
    if (x?.type !== 'identifier' || declaringFuncOf(ctx, c, x.text)?.id !== fn.id) continue;
    if (openedFrom(fn, x.text)) out.push({ kind: 'handle', text: x.text, nodeType: 'identifier', call: c });
  }
  return out;
}

/** Whether `name` is bound in `fn` from a file or listener opener (`f, err := os.Create(p)`). */
function openedFrom(fn: Node, name: string): boolean {
  return bodyHas(fn, (n) => {
    if (n.type !== 'short_var_declaration' && n.type !== 'assignment_statement') return false;
    const first = n.childForFieldName('left')?.namedChild(0);
    const right = n.childForFieldName('right')?.namedChild(0);
    return first?.text === name && right?.type === 'call_expression' && OPENER.test(calleeText(right));
  });
}

/** How a use of the tracked value escapes, as a phrase for the message; undefined when it does not. */
function escapeOf(ctx: RuleContext, occ: Node, t: Tracked, fn: Node, aliases: Set<string>, restored: ReadonlySet<string>): string | undefined {
  // A goroutine started with a func literal that captures the value.
  const chain = ancestorsOf(ctx, occ);
  for (let i = chain.length - 1; i >= 0 && chain[i].id !== fn.id; i--) {
    const n = chain[i];
    if (n.type === 'func_literal') {
      const call = chain[i - 1];
      if (call?.type === 'call_expression' && chain[i - 2]?.type === 'go_statement') {
        return t.kind === 'path' && !waitsAfter(fn, chain[i - 2]) ? 'is used by a goroutine started here, which can still run after the cleanup' : undefined;
      }
      return undefined; // other closures: not followed
    }
  }
  // Climb through expressions that still refer to the value: path joins, wrappers, composite literals.
  let e: Node = occ;
  for (let depth = 0; depth < 6; depth++) {
    const p = e.parent;
    if (!p) break;
    if (p.type === 'parenthesized_expression' || (p.type === 'unary_expression' && p.child(0)?.type === '&')) {
      e = p;
      continue;
    }
    if (p.type === 'binary_expression' && p.childForFieldName('operator')?.type === '+' && t.kind === 'path') {
      e = p;
      continue;
    }
    if (p.type === 'argument_list') {
      const call = p.parent!;
      const callee = calleeText(call);
      const last = callee.slice(callee.lastIndexOf('.') + 1);
      if ((t.kind === 'path' && PATH_DERIVE.test(callee)) || (t.kind === 'handle' && /^New/.test(last))) {
        e = call;
        continue;
      }
      break;
    }
    if ((p.type === 'literal_element' || p.type === 'keyed_element' || p.type === 'literal_value') && occ.text === t.text) {
      if (p.type === 'literal_element' && p.parent?.type === 'keyed_element' && p.parent.childForFieldName('key')?.id === p.id) return undefined;
      let c: Node | null = p;
      while (c && c.type !== 'composite_literal') c = c.parent;
      if (!c) return undefined;
      e = c;
      continue;
    }
    break;
  }
  const use = classifyUse(e);
  const what = t.kind === 'path' ? 'a path to a file that no longer exists' : 'a handle that is already closed';
  switch (use.kind) {
    case 'return':
      return `is returned: the caller receives ${what}`;
    case 'send':
      return `is sent on a channel: the receiver gets ${what}`;
    case 'go-arg':
      if (t.kind === 'handle' || waitsAfter(fn, use.call!.parent!)) return undefined;
      return 'is passed to a goroutine started here, which can still run after the cleanup';
    case 'store': {
      if (use.call) return undefined; // append(…) and the like: a local slice
      const stmt = e.parent?.parent;
      if (stmt?.type !== 'assignment_statement') return undefined;
      const target = stmt.childForFieldName('left')?.namedChildren.find((x) => x && x.startIndex <= e.startIndex) ?? null;
      if (!outlives(ctx, fn, target)) return undefined;
      // `defer func() { cfg.Path = old; os.RemoveAll(tmp) }()` restores the store before the cleanup.
      if (target && restored.has(target.text)) return undefined;
      return `is stored in ${stmt.childForFieldName('left')?.text}, which outlives this call: later users get ${what}`;
    }
    case 'alias': {
      if (!use.alias || use.alias === '_') return undefined;
      if (!declaringFuncOf(ctx, e, use.alias)) {
        return restored.has(use.alias) ? undefined : `is stored in the package variable ${use.alias}: later users get ${what}`;
      }
      aliases.add(use.alias);
      return undefined;
    }
    case 'arg': {
      if (calleeText(use.call!) === 'os.Setenv' && callArgs(use.call!)[1]?.id === e.id) {
        const key = callArgs(use.call!)[0]?.text ?? 'the environment';
        return `is published in the environment (${key}): child processes and later readers find ${t.kind === 'path' ? 'the file gone' : 'it closed'}`;
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

/** Whether `fn` waits for something after `stmt` (a receive or a `.Wait()` call): goroutines are joined before return. */
function waitsAfter(fn: Node, stmt: Node): boolean {
  return bodyHas(fn, (n) => n.startIndex >= stmt.endIndex && ((n.type === 'unary_expression' && n.child(0)?.type === '<-') || (n.type === 'call_expression' && /\.Wait$/.test(calleeText(n)))));
}

/** Whether an assignment target outlives the call: rooted at the receiver, a parameter, a package variable or an import. */
function outlives(ctx: RuleContext, fn: Node, target: Node | null): boolean {
  let root: Node | null = target;
  for (let i = 0; root && root.type !== 'identifier' && i < 50; i++) {
    root = root.childForFieldName('operand') ?? (root.type === 'parenthesized_expression' ? root.namedChild(0) : null);
  }
  if (!root || root.type !== 'identifier') return false;
  const decl = declaringFuncOf(ctx, root, root.text);
  if (!decl) return true;
  if (decl.id !== fn.id) return false;
  for (const field of ['receiver', 'parameters']) {
    const list = fn.childForFieldName(field);
    for (const d of list?.namedChildren ?? []) if (d?.childrenForFieldName('name').some((x) => x?.text === root!.text)) return true;
  }
  return false;
}

/** Whether `occ` follows a re-binding of `name` (after `from`) in a block that holds it: it is another value then. */
function rebound(fn: Node, name: string, from: number, occ: Node): boolean {
  let found = false;
  const body = fn.childForFieldName('body');
  if (!body) return false;
  forEachDescendant(
    body,
    (n) => {
      if (found || n.startIndex >= occ.startIndex) return false;
      if (n.startIndex < from || (n.type !== 'short_var_declaration' && n.type !== 'assignment_statement')) return;
      if (!n.childForFieldName('left')?.namedChildren.some((x) => x?.type === 'identifier' && x.text === name)) return;
      const scope = n.parent;
      if (scope && scope.startIndex <= occ.startIndex && occ.endIndex <= scope.endIndex && n.endIndex <= occ.startIndex) found = true;
    },
    true,
  );
  return found;
}

/** The occurrences of the tracked value (or one of its local aliases) in `fn` after `from`. */
function occurrences(fn: Node, text: string, nodeType: string, from: number, skip: Node): Node[] {
  const out: Node[] = [];
  const body = fn.childForFieldName('body');
  if (!body) return out;
  forEachDescendant(
    body,
    (n) => {
      if (n.id === skip.id) return false;
      if (n.type === nodeType && n.startIndex >= from && n.text === text) out.push(n);
    },
    true,
  );
  return out;
}

export default defineRule({
  code: 'GO202',
  name: 'cleanup-of-escaping-resource',
  language: 'go',
  category: 'resource-leak',
  severity: 'error',
  fix: 'none',
  summary: 'A deferred Remove or Close destroys a file, path or listener that the function hands on, so the receiver gets a deleted file or a closed handle.',
  kinds: ['defer_statement'],
  docs: {
    whatItDoes:
      'Flags a deferred `os.Remove(p)`/`os.RemoveAll(p)` (p a local name or `f.Name()`), or a deferred `x.Close()` of a file or listener opened in the same function, directly or inside a deferred func literal, when later in the function the path or handle escapes: ' +
      'it is returned, stored in a field, map or package variable, sent on a channel, published with `os.Setenv`, passed to or captured by a goroutine started with `go`. Paths built from it (`filepath.Join(dir, …)`, `dir + "/x"`), wrappers built from the handle (`bufio.NewReader(f)`), struct literals holding it and local aliases count as the same value. ' +
      'Passing it to a function that runs synchronously (`process(path)`) is fine, and so is a cleanup that is returned to the caller instead of deferred.',
    whyBad:
      'The deferred cleanup runs the moment the function returns, while the path or handle lives on elsewhere. The caller, the goroutine or the child process that reads `$KEY_FILE` then finds the file deleted or the handle closed: reads fail with "file already closed" or "no such file", intermittently when a goroutine races the cleanup. ' +
      'With temporary credential files it also leaves a window in which the path is published but the content is gone, or, if the cleanup is later "fixed" by dropping it, credentials that persist on disk.',
    example:
      'func useKey(b []byte) error {\n\tf, err := os.CreateTemp("", "key-*.json")\n\tif err != nil {\n\t\treturn err\n\t}\n\tdefer os.Remove(f.Name())\n\tf.Write(b)\n\treturn os.Setenv("KEY_FILE", f.Name()) // the env var outlives the file\n}',
    useInstead:
      'func writeKey(b []byte) (path string, cleanup func(), err error) {\n\tf, err := os.CreateTemp("", "key-*.json")\n\tif err != nil {\n\t\treturn "", nil, err\n\t}\n\tdefer f.Close()\n\tif _, err := f.Write(b); err != nil {\n\t\tos.Remove(f.Name())\n\t\treturn "", nil, err\n\t}\n\treturn f.Name(), func() { os.Remove(f.Name()) }, nil\n}',
    fixSafety:
      'No automatic fix: the right lifetime depends on who uses the resource. Return a cleanup function to the caller (who defers it once done), or keep the file for the process lifetime and remove it at shutdown.',
    related: 'None: escape of a cleaned-up resource is not covered by gosec, staticcheck or go vet. GO203 resource-not-closed reports the opposite mistake (no cleanup at all).',
  },
  check(node, ctx) {
    const fn = enclosingFuncOf(ctx, node);
    if (!fn || !GO_FUNCS.has(fn.type)) return;
    // main and TestMain return only to end the process: nothing outlives their cleanup.
    if (fn.type === 'function_declaration' && /^(main|TestMain|testMain)$/.test(fn.childForFieldName('name')?.text ?? '')) return;
    const restored = new Set<string>();
    forEachDescendant(
      node,
      (n) => {
        if (n.type === 'assignment_statement') for (const l of n.childForFieldName('left')?.namedChildren ?? []) if (l) restored.add(l.text);
      },
      true,
    );
    for (const t of cleanups(ctx, node, fn)) {
      const names = new Set<string>();
      let reason: string | undefined;
      const seen = new Set<string>([t.text]);
      let queue: { text: string; nodeType: string }[] = [{ text: t.text, nodeType: t.nodeType }];
      for (let round = 0; round < 3 && queue.length && !reason; round++) {
        const next: { text: string; nodeType: string }[] = [];
        for (const q of queue) {
          for (const occ of occurrences(fn, q.text, q.nodeType, node.endIndex, node)) {
            if (enclosingFuncOf(ctx, occ)?.id !== fn.id && !inGoLiteral(ctx, occ, fn)) continue;
            if (round === 0 && q.nodeType === 'identifier' && rebound(fn, q.text, node.endIndex, occ)) continue;
            reason = escapeOf(ctx, occ, t, fn, names, restored);
            if (reason) break;
          }
          if (reason) break;
        }
        for (const a of names) if (!seen.has(a)) (seen.add(a), next.push({ text: a, nodeType: 'identifier' }));
        queue = next;
      }
      if (!reason) continue;
      const what = t.kind === 'path' ? `${calleeText(t.call)}(${t.text})` : `${t.text}.Close()`;
      ctx.report({
        node: t.call,
        message: `${what} runs when the function returns, but ${t.text} ${reason}`,
      });
      return;
    }
  },
});

/** Whether `occ` sits in a func literal started with `go` inside `fn` (other nested literals are not followed). */
function inGoLiteral(ctx: RuleContext, occ: Node, fn: Node): boolean {
  const chain = ancestorsOf(ctx, occ);
  for (let i = chain.length - 1; i >= 0 && chain[i].id !== fn.id; i--) {
    if (chain[i].type === 'func_literal') return chain[i - 1]?.type === 'call_expression' && chain[i - 2]?.type === 'go_statement';
  }
  return false;
}
