/** GO203 resource-not-closed: a file, connection, listener, database handle or rows opened and never closed. */
import type { Node } from '../../engine/syntax';
import { indentAt, replaceNode } from '../../engine/fix';
import {
  GO_FUNCS,
  callArgs,
  calleeText,
  classifyUse,
  ancestorsOf,
  declaringFuncOf,
  enclosingFuncOf,
  errCheckAfter,
  forEachDescendant,
  goHeader,
  goImportPaths,
  goPackageName,
  identifiersNamed,
  insertStatementAfter,
  nilComparison,
  paramsOf,
  redeclaredAbove,
  statementTerminates,
  statementsOf,
  type GoUse,
} from '../../engine/golang';
import { defineRule, type Fix, type RuleContext, type TextEdit } from '../../engine/rule';

/** What an opener hands out and what leaks when it is not closed. */
interface Resource {
  what: string;
  leak: string;
  /** The Go value is a *os.File, whose Close tolerates a nil receiver. */
  file?: boolean;
  /** Opened for writing (os.Create, os.OpenFile with a write flag, os.CreateTemp). */
  written?: boolean;
  /** For methods named like database calls: a method the handle must be used with to be what we think it is. */
  usedAs?: RegExp;
}

const FILE: Resource = { what: 'file', leak: 'a file descriptor', file: true };
const WRITTEN: Resource = { ...FILE, written: true };

const OPENERS: Record<string, Resource> = {
  'os.Open': FILE,
  'os.Create': WRITTEN,
  'os.CreateTemp': WRITTEN,
  'ioutil.TempFile': WRITTEN,
  'net.Dial': { what: 'connection', leak: 'a connection and its file descriptor' },
  'net.DialTimeout': { what: 'connection', leak: 'a connection and its file descriptor' },
  'net.DialTCP': { what: 'connection', leak: 'a connection and its file descriptor' },
  'net.DialUDP': { what: 'connection', leak: 'a socket' },
  'net.DialUnix': { what: 'connection', leak: 'a connection and its file descriptor' },
  'tls.Dial': { what: 'connection', leak: 'a TLS connection and its file descriptor' },
  'net.Listen': { what: 'listener', leak: 'a listening socket, and the port stays bound' },
  'net.ListenTCP': { what: 'listener', leak: 'a listening socket, and the port stays bound' },
  'net.ListenUnix': { what: 'listener', leak: 'a listening socket' },
  'net.ListenPacket': { what: 'socket', leak: 'a socket, and the port stays bound' },
  'net.ListenUDP': { what: 'socket', leak: 'a socket, and the port stays bound' },
  'tls.Listen': { what: 'listener', leak: 'a listening socket, and the port stays bound' },
  'sql.Open': { what: 'database handle', leak: 'a connection pool' },
  'zip.OpenReader': { what: 'zip reader', leak: 'a file descriptor' },
  'gzip.NewReader': { what: 'gzip reader', leak: 'its decompressor, and a read error reported by Close is lost' },
};

const ROWS: Resource = {
  what: 'rows',
  leak: 'a pooled database connection until the pool runs dry',
  usedAs: /^(Next|NextResultSet|Scan|Columns|ColumnTypes)$/,
};
const STMT: Resource = {
  what: 'prepared statement',
  leak: 'a prepared statement on the database server',
  usedAs: /^(Exec|ExecContext|Query|QueryContext|QueryRow|QueryRowContext)$/,
};

const WRITE_FLAG = /\bO_(WRONLY|RDWR|APPEND|CREATE|TRUNC)\b/;

/** Calls that read from or write to a handle and keep no reference to it once they return. */
const CONSUMES =
  /^(io\.(ReadAll|Copy|CopyN|CopyBuffer|ReadFull|ReadAtLeast|WriteString)|ioutil\.ReadAll|fmt\.F\w+|binary\.(Read|Write)|(png|jpeg|gif)\.(Decode|DecodeConfig|Encode)|image\.Decode\w*|len|cap|print|println)$/;

/**
 * Wrappers that keep a reference to the handle but do not own it (their Close, if any, does not close it): using
 * the wrapper locally is not a hand-off, carrying it away (returned, stored) is.
 */
const WRAPS =
  /^(io\.(LimitReader|TeeReader|MultiReader|MultiWriter|NewSectionReader|NopCloser)|ioutil\.NopCloser|bufio\.New\w*|(json|xml|gob|yaml|toml)\.New(Decoder|Encoder)|csv\.New(Reader|Writer)|tar\.New(Reader|Writer)|zip\.New(Reader|Writer)|(gzip|zlib|flate|lzw|bzip2|snappy|zstd)\.New\w*|(base64|base32|hex)\.New\w*)$/;

const CLOSE_METHOD = /^(Close|CloseWithError)$/;

/** The resource a call opens, if it is an opener with a bound result. */
function openerOf(call: Node, lhsCount: number, packages: ReadonlySet<string>): Resource | undefined {
  const callee = calleeText(call);
  if (callee === 'os.OpenFile') {
    const flag = callArgs(call)[1]?.text ?? '';
    return WRITE_FLAG.test(flag) ? WRITTEN : FILE;
  }
  if (OPENERS[callee]) return OPENERS[callee];
  const f = call.childForFieldName('function');
  if (f?.type !== 'selector_expression' || lhsCount < 2) return undefined;
  // modload.Query(…) is a package function, not a method of a database handle.
  const operand = f.childForFieldName('operand');
  if (operand?.type === 'identifier' && packages.has(operand.text)) return undefined;
  const method = f.childForFieldName('field')?.text ?? '';
  if (method === 'Query' || method === 'QueryContext') return ROWS;
  if (method === 'Prepare' || method === 'PrepareContext') return STMT;
  return undefined;
}

/** How one use of the handle counts: it closes it, hands it off (so someone else owns it), or just uses it. */
function judge(use: GoUse, scope: Node, depth = 0): 'close' | 'handoff' | 'use' {
  switch (use.kind) {
    case 'method':
      return CLOSE_METHOD.test(use.name ?? '') ? 'close' : 'use';
    case 'field':
      // A method value `f.Close` registered somewhere (t.Cleanup(f.Close), cleanups = append(…, f.Close)).
      return CLOSE_METHOD.test(use.name ?? '') ? 'close' : 'use';
    case 'compare':
    case 'assigned':
    case 'declared':
    case 'key':
      return 'use';
    case 'arg': {
      const callee = use.call ? calleeText(use.call) : '';
      if (CONSUMES.test(callee)) return 'use';
      if (!use.call || !WRAPS.test(callee)) return 'handoff';
      // The wrapper itself may carry the handle away: `return bufio.NewReader(f)`, `s.w = csv.NewWriter(f)`.
      if (depth > 1) return 'handoff';
      const outer = classifyUse(use.call);
      if (outer.kind === 'alias' && outer.alias && outer.alias !== '_') {
        let verdict: 'close' | 'handoff' | 'use' = 'use';
        for (const id of identifiersNamed(scope, outer.alias)) {
          if (id.startIndex < use.call.endIndex) continue;
          const v = judge(classifyUse(id), scope, depth + 1);
          if (v !== 'use') verdict = 'handoff';
        }
        return verdict;
      }
      const v = judge(outer, scope, depth + 1);
      return v === 'use' ? 'use' : 'handoff';
    }
    default:
      return 'handoff';
  }
}

/** The names the file's imports are known by (the last element of each path; `v2`-style suffixes skipped). */
function importedNames(ctx: RuleContext): Set<string> {
  return ctx.memo(ctx.root, 'go203.imports', () => {
    const out = new Set<string>();
    for (const p of goImportPaths(ctx)) {
      const parts = p.split('/');
      let last = parts[parts.length - 1];
      if (/^v\d+$/.test(last) && parts.length > 1) last = parts[parts.length - 2];
      out.add(last.replace(/^go-/, '').replace(/[.-]go$/, '').replace(/[^A-Za-z0-9_]/g, ''));
    }
    return out;
  });
}

/** Whether a loop of its own function holds `node`. */
function inLoop(ctx: RuleContext, node: Node): boolean {
  const a = ancestorsOf(ctx, node);
  for (let i = a.length - 1; i >= 0; i--) {
    if (GO_FUNCS.has(a[i].type)) return false;
    if (a[i].type === 'for_statement') return true;
  }
  return false;
}

export default defineRule({
  code: 'GO203',
  name: 'resource-not-closed',
  language: 'go',
  category: 'resource-leak',
  severity: 'warning',
  fix: 'sometimes',
  summary: 'A file, connection, listener, database handle or result set is opened and never closed, leaking a descriptor per call.',
  kinds: ['short_var_declaration', 'assignment_statement'],
  facts: [goHeader],
  docs: {
    whatItDoes:
      'Flags a handle bound to a local name from `os.Open`/`Create`/`OpenFile`/`CreateTemp`, `net.Dial*`/`Listen*`, `tls.Dial`/`Listen`, `sql.Open`, `Query`/`QueryContext`, `Prepare`, `zip.OpenReader` or `gzip.NewReader` when nothing in the function closes it: no `x.Close()` (deferred, direct or in a func literal), and the handle is not returned, stored, sent on a channel or passed to another function that could take it over. Passing it to readers and wrappers that do not own it (`io.ReadAll`, `bufio.NewScanner`, `json.NewDecoder`, …) does not count as a hand-off.',
    whyBad:
      'Every call leaks a descriptor, a socket or a pooled connection. Nothing fails at first; under load the process reaches its file limit ("too many open files"), a database pool runs dry and requests hang, or a port stays bound. The garbage collector closes an unreachable *os.File eventually, but only when a collection happens to run, which is no bound at all.',
    example:
      'func readConfig(path string) ([]byte, error) {\n\tf, err := os.Open(path)\n\tif err != nil {\n\t\treturn nil, err\n\t}\n\treturn io.ReadAll(f) // f is never closed\n}',
    useInstead:
      'func readConfig(path string) ([]byte, error) {\n\tf, err := os.Open(path)\n\tif err != nil {\n\t\treturn nil, err\n\t}\n\tdefer f.Close()\n\treturn io.ReadAll(f)\n}',
    fixSafety:
      'Safe: inserts `defer x.Close()` directly after the `if err != nil { … }` block that checks the open\'s error (at the start of the success branch for `if err == nil { … }`), or directly after the open when the error is not checked; for handles whose Close does not accept a nil receiver and whose error is not checked first, the defer is guarded by `if x != nil`. For a file opened for writing the fix is assisted and, when the function returns an error, defers a close whose error is reported through the (named) error result, because a write error often surfaces only at Close (GO701). Inside a loop the defer keeps every handle open until the function returns, so there the fix is assisted too.',
    related:
      'golangci-lint bodyclose and sqlclosecheck (SSA based, HTTP bodies and database/sql only), gosec G307 (old meaning); GO201 response-body-not-closed, GO701 unchecked-close-of-written-file.',
  },
  check(node, ctx) {
    const right = node.childForFieldName('right')?.namedChildren.filter((n) => n && n.type !== 'comment') ?? [];
    const left = (node.childForFieldName('left')?.namedChildren ?? []).filter((n): n is Node => !!n && n.type !== 'comment');
    const call = right[0];
    if (right.length !== 1 || call?.type !== 'call_expression' || !left.length) return;
    const res = openerOf(call, left.length, importedNames(ctx));
    if (!res) return;
    const target = left[0];
    if (target.type !== 'identifier' || target.text === '_') return;
    const name = target.text;
    const fn = enclosingFuncOf(ctx, node);
    if (!fn) return;
    const scope = node.type === 'assignment_statement' ? declaringFuncOf(ctx, node, name) : fn;
    if (!scope) return; // a package-level variable lives for the process
    if (paramsOf(scope.childForFieldName('result')).some((p) => p.name === name)) return; // returned by name
    // Process-lifetime handles opened in main() or init() (outside any loop).
    const loop = inLoop(ctx, node);
    if (fn.type === 'function_declaration' && !loop) {
      const fname = fn.childForFieldName('name')?.text;
      if (fname === 'init' || (fname === 'main' && goPackageName(ctx) === 'main')) return;
    }
    const uses = identifiersNamed(scope, name);
    if (res.usedAs && !uses.some((id) => { const u = classifyUse(id); return u.kind === 'method' && res.usedAs!.test(u.name ?? ''); })) return;
    for (const id of uses) {
      if (id.id === target.id) continue;
      const p = id.parent?.type === 'expression_list' ? id.parent.parent : undefined;
      // A standard stream assigned to the same name: the handle is conditionally os.Stdout and must not be closed.
      if (p && (p.type === 'short_var_declaration' || p.type === 'assignment_statement') && /^os\.Std(in|out|err)$/.test(p.childForFieldName('right')?.text ?? '')) return;
      if (judge(classifyUse(id), scope) !== 'use') return;
    }
    const callee = calleeText(call);
    const leak = loop ? `each iteration leaks ${res.leak}` : `each call leaks ${res.leak}`;
    ctx.report({
      node: call,
      message: `${name} from ${callee} is never closed: ${leak}`,
      severity: ctx.isTestFile ? 'info' : 'warning',
      fixes: buildFixes(ctx, node, fn, name, left, res, loop),
    });
  },
});

/** Where `defer x.Close()` goes, and whether it must be guarded against a nil handle. */
function placement(ctx: RuleContext, stmt: Node, errName: string | undefined): { edit: (code: string) => TextEdit; guarded: boolean } | undefined {
  const chain = ancestorsOf(ctx, stmt);
  const parent = chain[chain.length - 1];
  if (parent?.type === 'if_statement' && parent.childForFieldName('initializer')?.id === stmt.id) {
    // if f, err := os.Open(p); err == nil { … }  →  defer at the top of the success branch.
    const cond = parent.childForFieldName('condition');
    const op = errName && cond ? nilComparison(cond, errName) : undefined;
    const branch = op === '==' ? parent.childForFieldName('consequence') : op === '!=' ? parent.childForFieldName('alternative') : undefined;
    return branch?.type === 'block' ? atBlockStart(ctx, branch) : undefined;
  }
  if (parent?.type !== 'statement_list') return undefined;
  const check = errName ? errCheckAfter(stmt, errName) : undefined;
  if (check?.op === '!=') {
    const cons = check.ifStmt.childForFieldName('consequence');
    const leaves = !!cons && statementTerminates(cons);
    return { edit: (code) => insertStatementAfter(ctx.text, check.ifStmt, code), guarded: !leaves || !!check.ifStmt.childForFieldName('alternative') };
  }
  if (check?.op === '==') {
    const cons = check.ifStmt.childForFieldName('consequence');
    return cons ? atBlockStart(ctx, cons) : undefined;
  }
  // The error is checked a little later (or not at all): after that check, or right after the open, guarded.
  if (errName) {
    for (let s = stmt.nextNamedSibling; s; s = s.nextNamedSibling) {
      if (s.type === 'comment') continue;
      if (s.type === 'if_statement' && !s.childForFieldName('initializer')) {
        const cond = s.childForFieldName('condition');
        const cons = s.childForFieldName('consequence');
        if (cond && nilComparison(cond, errName) === '!=' && cons && statementTerminates(cons) && !s.childForFieldName('alternative')) {
          return { edit: (code) => insertStatementAfter(ctx.text, s, code), guarded: false };
        }
      }
      if (assigns(s, errName)) break;
    }
  }
  return { edit: (code) => insertStatementAfter(ctx.text, stmt, code), guarded: !!errName };
}

/** Whether a statement (not a nested function) assigns `name`. */
function assigns(stmt: Node, name: string): boolean {
  let found = false;
  const test = (n: Node): void => {
    if (n.type === 'short_var_declaration' || n.type === 'assignment_statement') {
      if (n.childForFieldName('left')?.namedChildren.some((x) => x?.text === name)) found = true;
    }
  };
  test(stmt);
  forEachDescendant(stmt, (n) => test(n));
  return found;
}

/** Inserting a statement as the first one of a block (whose first statement starts its own line). */
function atBlockStart(ctx: RuleContext, block: Node): { edit: (code: string) => TextEdit; guarded: boolean } | undefined {
  const open = block.child(0);
  if (!open) return undefined;
  let at = open.endIndex;
  for (const n of block.namedChildren) {
    if (!n || n.startPosition.row !== open.startPosition.row) continue;
    if (n.type !== 'comment') return undefined; // `{ return x }` on one line
    at = n.endIndex;
  }
  const inner = indentAt(ctx.text, block.startIndex) + '\t';
  const nl = ctx.text.includes('\r\n') ? '\r\n' : '\n';
  return { edit: (code) => ({ start: at, end: at, newText: nl + code.split('\n').map((l) => inner + l).join(nl) }), guarded: false };
}

function buildFixes(ctx: RuleContext, stmt: Node, fn: Node, name: string, left: Node[], res: Resource, loop: boolean): Fix[] {
  const errNode = left.length >= 2 ? left[left.length - 1] : undefined;
  const errName = errNode?.type === 'identifier' && errNode.text !== '_' ? errNode.text : undefined;
  const place = placement(ctx, stmt, errName);
  if (!place) return [];
  const guard = place.guarded && !res.file;
  const plain = guard ? `if ${name} != nil {\n\tdefer ${name}.Close()\n}` : `defer ${name}.Close()`;
  const plainFix: Fix = { title: `Insert defer ${name}.Close()`, applicability: 'safe', edits: [place.edit(plain)] };
  if (res.written) {
    const fixes: Fix[] = [];
    const joined = joinedCloseFix(ctx, stmt, fn, name, place.edit, guard);
    if (joined) fixes.push(joined);
    fixes.push({ ...plainFix, title: `Insert defer ${name}.Close() (an error from the final flush goes unnoticed)`, applicability: 'assisted' });
    return fixes;
  }
  if (loop) {
    return [{ ...plainFix, title: `Insert defer ${name}.Close() (in a loop, every handle stays open until the function returns)`, applicability: 'assisted' }];
  }
  return [plainFix];
}

/**
 * The GO701-style fix for a written file: a deferred close whose error is reported through the function's error
 * result, naming the results when they are unnamed. Undefined when the function does not return an error or the
 * result name would be shadowed where the defer goes.
 */
function joinedCloseFix(ctx: RuleContext, stmt: Node, fn: Node, name: string, at: (code: string) => TextEdit, guard: boolean): Fix | undefined {
  const result = fn.childForFieldName('result');
  if (!result) return undefined;
  const edits: TextEdit[] = [];
  let errVar: string;
  if (result.type === 'parameter_list') {
    const params = paramsOf(result);
    const last = params[params.length - 1];
    if (!last || last.type !== 'error') return undefined;
    if (last.name) {
      if (last.name === '_') return undefined;
      errVar = last.name;
    } else {
      errVar = resultName(fn);
      const names = params.map((p, i) => (i === params.length - 1 ? `${errVar} ${p.type}` : `_ ${p.type}`));
      edits.push(replaceNode(result, `(${names.join(', ')})`));
    }
  } else if (result.text === 'error') {
    errVar = resultName(fn);
    edits.push(replaceNode(result, `(${errVar} error)`));
  } else {
    return undefined;
  }
  if (redeclaredAbove([...ancestorsOf(ctx, stmt), stmt], fn, errVar, { self: true, stopAtTop: true })) return undefined;
  const body = `defer func() {\n\tif cerr := ${name}.Close(); cerr != nil && ${errVar} == nil {\n\t\t${errVar} = cerr\n\t}\n}()`;
  const code = guard ? `if ${name} != nil {\n${body.split('\n').map((l) => '\t' + l).join('\n')}\n}` : body;
  edits.push(at(code));
  return { title: `Insert a deferred ${name}.Close() that reports its error through ${errVar}`, applicability: 'assisted', edits };
}

/** `err` unless naming the result `err` would clash with a top-level `var err`/`err :=` of the body; else `retErr`. */
function resultName(fn: Node): string {
  for (const s of statementsOf(fn.childForFieldName('body'))) {
    if (s.type === 'var_declaration' && s.descendantsOfType('var_spec').some((v) => v?.childrenForFieldName('name').some((n) => n?.text === 'err'))) return 'retErr';
    if (s.type === 'short_var_declaration') {
      const names = (s.childForFieldName('left')?.namedChildren ?? []).map((n) => n?.text).filter((t) => t && t !== '_');
      if (names.length && names.every((t) => t === 'err')) return 'retErr';
    }
  }
  return 'err';
}
