/** PY201 resource-not-closed-on-error: a file, socket or connection closed only on the happy path, or never. */
import type { Node } from '../../engine/syntax';
import {
  addImport,
  aloneOnLine,
  bindingsVia,
  calleeName,
  calleeText,
  caughtTypes,
  enclosingFunction,
  exceptParts,
  exprKey,
  forEachDescendant,
  importedAs,
  indentSpanText,
  indentUnitAt,
  keywordArgs,
  laterSiblings,
  lineSpan,
  mergeInsertions,
  moduleNames,
  pyFacts,
  receiverOf,
  statementCall,
  targetNames,
} from '../../engine/python';
import { defineRule, type Fix, type RuleContext, type TextEdit } from '../../engine/rule';

/** A resource type the rule knows: what it is called, and whether `with C(...)` closes it. */
interface Kind {
  noun: string;
  /** `with`: the object is a context manager that closes it; `closing`: wrap it in contextlib.closing. */
  cm: 'with' | 'closing';
  /** Methods that release it (close() unless said otherwise). */
  closers?: string[];
  /** Only the never-closed shape applies (the type has no close() to call on the happy path). */
  neverClosedOnly?: boolean;
}

const KNOWN: [RegExp, Kind][] = [
  [/^(io\.|codecs\.|gzip\.|bz2\.|lzma\.)?open$/, { noun: 'file handle', cm: 'with' }],
  [/^os\.fdopen$/, { noun: 'file handle', cm: 'with' }],
  [/^(socket\.)?(socket|create_connection)$/, { noun: 'socket', cm: 'with' }],
  [/^sqlite3\.connect$/, { noun: 'database connection', cm: 'closing' }],
  [/^((urllib\.)?request\.)?urlopen$/, { noun: 'HTTP connection', cm: 'with' }],
  [/^(tempfile\.)?(NamedTemporaryFile|TemporaryFile|SpooledTemporaryFile)$/, { noun: 'temporary file', cm: 'with' }],
  [/^(zipfile\.)?ZipFile$/, { noun: 'archive handle', cm: 'with' }],
  [/^tarfile\.open$/, { noun: 'archive handle', cm: 'with' }],
  [/^(subprocess\.)?Popen$/, { noun: 'child process', cm: 'with', closers: ['wait', 'communicate', 'kill', 'terminate'], neverClosedOnly: true }],
];

/** Factories that return objects to close, besides constructors (capitalised names). */
const DUCK_FACTORIES = new Set(['open', 'connect', 'fdopen', 'urlopen', 'create_connection']);

/** Calls that take ownership of an object passed to them (it is closed by whoever holds it next). */
const OWNERSHIP_CALLS = new Set([
  'append', 'appendleft', 'add', 'put', 'put_nowait', 'register', 'enter_context', 'push', 'closing', 'extend', 'insert',
  'setdefault', 'submit', 'Thread', 'Process', 'Timer', 'start_new_thread', 'finalize', 'addCleanup', 'callback', 'setattr',
  'wrap_socket', 'TextIOWrapper', 'BufferedReader', 'BufferedWriter', 'BufferedRWPair',
]);

function kindOf(callee: string): Kind | undefined {
  for (const [re, k] of KNOWN) if (re.test(callee)) return k;
  return undefined;
}

/** In-memory objects with a close() that frees no operating-system resource. */
const IN_MEMORY = /^(io\.)?(StringIO|BytesIO)$/;

/**
 * Class names that hold a connection, descriptor or handle (a `close()` on other classes, such as a detector's or a
 * parser's, finishes a computation rather than releasing anything).
 */
const RESOURCE_CLASS = /^IS$|DB$|Database|Client|Conn|Session|Socket|FTP|SMTP|IMAP|POP3|Telnet|SSH|SFTP|Serial|Port$|File|Stream|Pipe|Channel|Pool|Archive|Zip|Tar|Reader|Writer|Shelf|Cursor|Transport|Tunnel|Device|Driver|Browser|Producer|Consumer|Listener|Server|Handle|Dataset|Store$/;

function isDuck(callee: string): boolean {
  const last = callee.slice(callee.lastIndexOf('.') + 1);
  if (IN_MEMORY.test(callee)) return false;
  return DUCK_FACTORIES.has(last) || (/^_*[A-Z]/.test(last) && RESOURCE_CLASS.test(last.replace(/^_+/, '')));
}

/** How the function treats V: closes it (and where), uses it in `with`, hands it on, or rebinds it. */
interface Uses {
  /** `V.close()` (or another closer) anywhere, or `V.close` passed on as a callback. */
  closed: boolean;
  /** A closer inside a finally clause. */
  closedInFinally: boolean;
  /** `with V`, `with closing(V)`. */
  inWith: boolean;
  /** Returned, stored in an attribute, container or another variable, or handed to an owner. */
  escapes: boolean;
  yielded: boolean;
}

function inFinally(n: Node, stop: Node): boolean {
  for (let p = n.parent; p && p.id !== stop.id; p = p.parent) if (p.type === 'finally_clause') return true;
  return false;
}

/** Method names that store their argument somewhere that outlives the call (a setter, a registry, a container). */
const STORES = /^_*(set|add|register|attach|push|append|put|insert|store|wrap|adopt|enter|track|manage)/i;
/** Functions that read a file to the end and keep nothing of it: `return json.load(f)` still leaks f. */
const CONSUMERS = /^((json|pickle|marshal|yaml|tomllib|toml|plistlib)\.(load|safe_load|full_load)|list|tuple|sorted|len|sum|set|dict|bytes|str)$/;
const CONTAINERS = new Set(['tuple', 'list', 'set', 'dictionary', 'pair', 'expression_list', 'parenthesized_expression', 'keyword_argument', 'list_splat', 'argument_list', 'call']);

/**
 * Classifies a use of V as a value (not `V.attr`): passed to a closing function (`os.close(fd)`, `_sync_close(f)`),
 * handed to an owner (stored, returned, wrapped, passed to a setter or container), or yielded.
 */
function valueUse(id: Node, ownerFns?: ReadonlySet<string>): 'close' | 'escape' | 'yield' | undefined {
  let n = id;
  let via: string | undefined;
  for (let p = id.parent; p; n = p, p = p.parent) {
    if (p.type === 'argument_list' && p.parent?.type === 'call') {
      const callee = calleeText(p.parent);
      const name = calleeName(p.parent);
      if (/close/i.test(name)) return 'close';
      if (OWNERSHIP_CALLS.has(name) || STORES.test(name) || /^_*[A-Z]/.test(name) || ownerFns?.has(callee)) return 'escape';
      via ??= callee;
      continue;
    }
    if (CONTAINERS.has(p.type)) continue;
    if (p.type === 'return_statement') return via && CONSUMERS.test(via) ? undefined : 'escape';
    if (p.type === 'yield') return 'yield';
    if (p.type === 'assignment' && p.childForFieldName('right')?.id === n.id && !via) return 'escape';
    return undefined;
  }
  return undefined;
}

const IO_METHODS = /^(write|writelines|read|readline|readlines|send|sendall|sendto|recv|recv_into|flush|fileno)$/;

function usesOf(fnBody: Node, v: string, closers: string[], ownerFns?: ReadonlySet<string>): Uses {
  const u: Uses = { closed: false, closedInFinally: false, inWith: false, escapes: false, yielded: false };
  const closedAt = (n: Node) => {
    u.closed = true;
    if (inFinally(n, fnBody)) u.closedInFinally = true;
  };
  forEachDescendant(
    fnBody,
    (n) => {
      if (n.type === 'attribute' && n.childForFieldName('object')?.type === 'identifier' && n.childForFieldName('object')!.text === v) {
        const attr = n.childForFieldName('attribute')?.text ?? '';
        if (closers.includes(attr) || attr === '__exit__') closedAt(n);
        // A process's pipes: `proc.stdout.close()`.
        const outer = n.parent;
        if (/^std(in|out|err)$/.test(attr) && outer?.type === 'attribute' && outer.childForFieldName('attribute')?.text === 'close') closedAt(n);
        // A bound I/O method handed on (`set_writer(err.write)`) keeps the object alive elsewhere.
        if (IO_METHODS.test(attr) && !(outer?.type === 'call' && outer.childForFieldName('function')?.id === n.id)) {
          if (outer?.type === 'argument_list' || outer?.type === 'keyword_argument' || (outer?.type === 'assignment' && outer.childForFieldName('right')?.id === n.id)) u.escapes = true;
        }
        return false;
      }
      if (n.type === 'with_item') {
        let found = false;
        forEachDescendant(n, (m) => {
          if (m.type === 'identifier' && m.text === v && m.parent?.type !== 'as_pattern_target') found = true;
        }, true);
        if (found) u.inWith = true;
      }
      if (n.type === 'identifier' && n.text === v) {
        const use = valueUse(n, ownerFns);
        if (use === 'close') closedAt(n);
        if (use === 'escape') u.escapes = true;
        if (use === 'yield') u.yielded = true;
      }
    },
    true,
  );
  return u;
}

/** Whether a call between acquisition and close is inside a try body whose handler catches everything. */
function caughtBroadly(call: Node, top: Node): boolean {
  let child: Node = call;
  for (let p = call.parent; p; child = p, p = p.parent) {
    if (p.type === 'try_statement' && p.childForFieldName('body')?.id === child.id) {
      const broad = p.namedChildren.some((c) => {
        if (c?.type !== 'except_clause') return false;
        const types = caughtTypes(exceptParts(c).type);
        return types.length === 0 || types.includes('Exception') || types.includes('BaseException');
      });
      if (broad) return true;
    }
    if (p.id === top.id) break;
  }
  return false;
}

/** Whether any statement can raise: it makes a call that no broad handler in the span catches. */
function hasUncaughtCall(stmts: Node[]): boolean {
  return stmts.some((s) => {
    let found = false;
    const check = (n: Node): void | false => {
      if (found) return false;
      if (n.type === 'call' && !caughtBroadly(n, s)) found = true;
    };
    if (check(s) !== false) forEachDescendant(s, check);
    return found;
  });
}

function rebinds(stmts: Node[], v: string): boolean {
  return stmts.some((s) => {
    let found = false;
    const check = (n: Node): void | false => {
      if (found) return false;
      const names = new Set<string>();
      if (n.type === 'assignment' || n.type === 'augmented_assignment' || n.type === 'for_statement') targetNames(n.childForFieldName('left'), names);
      if (n.type === 'as_pattern') targetNames(n.childForFieldName('alias'), names);
      if (n.type === 'delete_statement') for (const c of n.namedChildren) if (c) targetNames(c, names);
      if (names.has(v)) found = true;
    };
    if (check(s) !== false) forEachDescendant(s, check);
    return found;
  });
}

/** The `with` header for the acquisition, and the import edit it needs. */
function withHeader(ctx: RuleContext, kind: Kind | undefined, call: Node, v: string): { header: string; imp?: TextEdit } {
  const c = ctx.textOf(call);
  if (kind?.cm === 'with') return { header: `with ${c} as ${v}:` };
  const as = importedAs(ctx, 'contextlib', 'closing');
  if (as) return { header: `with ${as}(${c}) as ${v}:` };
  return { header: `with contextlib.closing(${c}) as ${v}:`, imp: addImport(ctx.text, ctx.root, 'contextlib') };
}

export default defineRule({
  code: 'PY201',
  name: 'resource-not-closed-on-error',
  language: 'python',
  category: 'resource-leak',
  severity: 'warning',
  fix: 'sometimes',
  summary: 'A file, socket or connection opened in a function is closed only when no exception occurs, or never, so errors leak descriptors.',
  kinds: ['expression_statement'],
  facts: [pyFacts],
  docs: {
    whatItDoes:
      'Flags `V = C(…)` inside a function, where `C` opens a resource (`open`, `io.open`, `codecs.open`, `socket.socket`, ' +
      '`socket.create_connection`, `sqlite3.connect`, `urlopen`, `subprocess.Popen`, `tempfile.NamedTemporaryFile`/' +
      '`TemporaryFile`, `zipfile.ZipFile`, `tarfile.open`, or a resource-like constructor such as `TinyDB`, `ftplib.FTP` ' +
      'or `aprslib.IS` whose result later gets `V.close()`), and either (a) `V.close()` is a later statement of the same ' +
      'block with a call in between that can raise, or (b) the function never closes `V` (also through `os.close(V)` or a ' +
      '`*close*` helper), never uses it in `with`, and does not return it or hand it to an owner (an attribute, a ' +
      'container, another variable, a wrapper, a setter, a thread, or a function of the same file). Calls inside a `try` ' +
      'whose handler catches every exception do not count for (a). Differences from the catalogue: duck-typed constructors ' +
      'must have a resource-like class name (a detector whose `close()` finishes a computation is not a resource), ' +
      '`io.StringIO`/`BytesIO` are ignored, and `subprocess.Popen` is reported only when it opens pipes and is never ' +
      'waited for or communicated with.',
    whyBad:
      'When anything between the open and the close raises (a decode error, a timeout, a failed parse), the close is ' +
      'skipped and the descriptor stays open until the garbage collector happens to finalise the object, which is never ' +
      'guaranteed while a traceback keeps the frame alive. A long-running service that hits the error path repeatedly runs ' +
      'out of file descriptors ("Too many open files") or database connections, and sockets linger half-open.',
    example: 'def load(path):\n    f = open(path)\n    for row in f:\n        rules.append(parse(row))\n    f.close()',
    useInstead: 'def load(path):\n    with open(path) as f:\n        for row in f:\n            rules.append(parse(row))',
    fixSafety:
      'Safe for shape (a) when the acquisition and `V.close()` are statements of the same block: `V = C(args)` becomes ' +
      '`with C(args) as V:`, the statements in between are indented one level, and `V.close()` is deleted; the resource ' +
      'is closed at the same point on the normal path and now also on errors. Types whose context manager does not close ' +
      'them (`sqlite3.connect` commits instead) or is unknown (third-party clients) use `with contextlib.closing(C(args)) as V:` ' +
      'and the import is added. Shape (b) is assisted: the rest of the block is wrapped in `with`, which closes the resource ' +
      'earlier than the garbage collector did.',
    related: 'Ruff SIM115 open-file-with-context-handler (open only) and PLR1732; Pylint R1732 consider-using-with (needs inferred types); GO203 resource-not-closed.',
  },
  check(stmt, ctx) {
    const assign = stmt.namedChild(0);
    if (stmt.namedChildCount !== 1 || assign?.type !== 'assignment') return;
    const left = assign.childForFieldName('left');
    const call = assign.childForFieldName('right');
    if (left?.type !== 'identifier' || call?.type !== 'call') return;
    const fn = enclosingFunction(stmt);
    const fnBody = fn?.childForFieldName('body');
    if (!fn || !fnBody) return;
    const v = left.text;
    const b = bindingsVia(ctx)(fn);
    if (b.globals.has(v) || b.nonlocals.has(v)) return;
    const callee = calleeText(call);
    const kind = kindOf(callee);
    if (!kind && !isDuck(callee)) return;
    const closers = kind?.closers ?? ['close'];
    const uses = usesOf(fnBody, v, closers);
    if (uses.inWith || uses.escapes || uses.closedInFinally) return;
    // Handed to a function of this file, which may close it: not a sure leak.
    const handedOn = () => usesOf(fnBody, v, closers, moduleNames(ctx).defines).escapes;
    const text = ctx.text;
    const noun = kind?.noun ?? 'resource';
    const later = laterSiblings(stmt);
    const closeIndex = later.findIndex((s) => {
      const c = statementCall(s);
      return !!c && closers.includes(calleeName(c)) && exprKey(receiverOf(c) ?? c) === v;
    });
    if (closeIndex >= 0 && !kind?.neverClosedOnly) {
      // (a) closed on the happy path only.
      const between = later.slice(0, closeIndex);
      if (!hasUncaughtCall(between) || rebinds(between, v)) return;
      const close = later[closeIndex];
      const fixes: Fix[] = [];
      if (aloneOnLine(text, stmt) && aloneOnLine(text, close) && !assign.childForFieldName('type')) {
        const { header, imp } = withHeader(ctx, kind, call, v);
        const from = lineSpan(text, stmt)[1];
        const [closeStart, closeEnd] = lineSpan(text, close);
        const body = indentSpanText(text, from, closeStart, indentUnitAt(text, stmt), between);
        fixes.push({
          title: `Open ${v} in a with statement`,
          applicability: 'safe',
          edits: mergeInsertions([imp, { start: stmt.startIndex, end: stmt.endIndex, newText: header }, { start: from, end: closeEnd, newText: body }]),
        });
      }
      ctx.report({
        node: stmt,
        message: `${v} is closed only when no exception occurs: an error before ${v}.close() leaks the ${noun}`,
        fixes,
      });
      return;
    }
    if (!kind || uses.closed || uses.yielded || handedOn()) return;
    // A process started without pipes holds no descriptor of ours; Python reaps it later.
    if (kind.neverClosedOnly && !keywordArgs(call).some((k) => /^std(in|out|err)$/.test(k.childForFieldName('name')?.text ?? '') && /PIPE/.test(k.text))) return;
    // (b) never closed.
    const fixes: Fix[] = [];
    const usedAfter = (() => {
      const block = stmt.parent!;
      let found = false;
      forEachDescendant(fnBody, (n) => {
        if (!found && n.type === 'identifier' && n.text === v && n.startIndex >= block.endIndex) found = true;
      }, true);
      return found;
    })();
    if (later.length && !kind.neverClosedOnly && !usedAfter && !rebinds(later, v) && aloneOnLine(text, stmt) && !assign.childForFieldName('type')) {
      const { header, imp } = withHeader(ctx, kind, call, v);
      const from = lineSpan(text, stmt)[1];
      const end = lineSpan(text, later[later.length - 1])[1];
      fixes.push({
        title: `Open ${v} in a with statement`,
        applicability: 'assisted',
        edits: mergeInsertions([
          imp,
          { start: stmt.startIndex, end: stmt.endIndex, newText: header },
          { start: from, end, newText: indentSpanText(text, from, end, indentUnitAt(text, stmt), later) },
        ]),
      });
    }
    const message = kind.neverClosedOnly
      ? `${v} is never waited for and its pipes are never closed: each call leaks the pipe descriptors of a ${noun}`
      : `${v} is never closed: each call leaks ${/^([aeiou]|HTTP)/i.test(noun) ? 'an' : 'a'} ${noun} until the garbage collector happens to finalise it`;
    ctx.report({ node: stmt, message, fixes });
  },
});
