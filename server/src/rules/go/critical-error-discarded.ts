/** GO301 critical-error-discarded: the error of a data-integrity call, or of a same-file function, is dropped. */
import type { Node } from '../../engine/syntax';
import { addGoImport, findGoImportSpec, insertAfter, lineStart, replaceNode } from '../../engine/fix';
import {
  GO_FUNCS,
  ancestorsOf,
  callArgs,
  calleeText,
  declaredTypeOf,
  forEachDescendant,
  goHeader,
  goImportPaths,
  goStructs,
  goZeroValue,
  paramsOf,
  receiverOf,
  rootIdent,
  replaceStatement,
  unparen,
} from '../../engine/golang';
import { defineRule, type FactProvider, type Fix, type RuleContext, type TextEdit } from '../../engine/rule';

/** Package functions whose failure loses or corrupts data. */
const CRITICAL_PKG = /^os\.(MkdirAll|Mkdir|WriteFile|Rename|Chmod|Chown|Symlink|Link|Truncate)$/;
/** Methods whose failure loses data or leaves a connection unusable, on any operand that is not a package. */
const CRITICAL_METHOD = /^(Commit|Open|Start|Connect|Flush|Exec|ExecContext)$/;
/** Marshal calls whose `_`-discarded error matters when the result is persisted. */
const MARSHAL = /^(json\.Marshal|json\.MarshalIndent|xml\.Marshal|xml\.MarshalIndent|yaml\.Marshal|proto\.Marshal|gob\.\w+)$/;
/** Calls that persist or send their argument. */
const PERSIST = /(^|\.)(Write\w*|WriteFile|Put\w*|Set\w*|Send\w*|Exec\w*|Insert\w*|Store\w*|Save\w*|Publish\w*|Append\w*)$/;
/** Opens that produce a file written to. */
const WRITE_OPEN = /^os\.(Create|CreateTemp)$/;
const WRITE_FLAGS = /O_WRONLY|O_RDWR|O_APPEND|O_CREATE/;

/** Import names (alias or last path element) of the file: `x.M()` on one of them is a package call. */
function importNames(ctx: RuleContext): Set<string> {
  return ctx.memo(ctx.root, 'go301.imports', () => {
    const names = new Set<string>();
    for (const p of goImportPaths(ctx)) names.add(p.split('/').pop()!.replace(/^go-|\.v\d+$|-go$/g, ''));
    for (const f of ctx.facts(goHeader)) for (const p of f.value.imports ?? []) names.add(p.split('/').pop() ?? p);
    return names;
  });
}

/** Whether a result list text ends in `error` (`error`, `(int, error)`, `(n int, err error)`). */
function endsInError(result: string): boolean {
  return /(^|[\s,(])error\)?$/.test(result.trim());
}

/** The variables in `fn` bound from an open for writing (`os.Create`, `os.OpenFile(…, O_WRONLY…)`). */
function writtenFiles(ctx: RuleContext, fn: Node): Set<string> {
  return ctx.memo(fn, 'go301.written', () => {
    const out = new Set<string>();
    const body = fn.childForFieldName('body');
    if (!body) return out;
    forEachDescendant(body, (n) => {
      if (n.type !== 'short_var_declaration' && n.type !== 'assignment_statement') return;
      const call = unparen(n.childForFieldName('right')?.namedChild(0));
      const first = n.childForFieldName('left')?.namedChild(0);
      if (call?.type !== 'call_expression' || first?.type !== 'identifier') return;
      const callee = calleeText(call);
      if (WRITE_OPEN.test(callee) || (callee === 'os.OpenFile' && WRITE_FLAGS.test(callArgs(call)[1]?.text ?? ''))) out.add(first.text);
    });
    return out;
  });
}

/**
 * The file's functions and methods as this rule sees them: name, receiver type, and whether the result list ends in
 * `error`. Narrower than goSignatures, so that editing a parameter list does not re-run the rule on every declaration.
 */
const errorResults: FactProvider<[name: string, recvType: string, error: boolean]> = {
  id: 'go301.results',
  language: 'go',
  collect(seg) {
    if (seg.type !== 'function_declaration' && seg.type !== 'method_declaration') return undefined;
    return [seg.childForFieldName('name')?.text ?? '', receiverOf(seg)?.type ?? '', endsInError(seg.childForFieldName('result')?.text ?? '')];
  },
};

/** errorResults by name: functions (the first declaration of a name), and methods by receiver type and name. */
function declaredResults(ctx: RuleContext): { funcs: Map<string, boolean>; methods: Map<string, boolean[]> } {
  return ctx.memo(ctx.root, 'go301.results', () => {
    const funcs = new Map<string, boolean>();
    const methods = new Map<string, boolean[]>();
    for (const { value: [name, recvType, error] } of ctx.facts(errorResults)) {
      if (!recvType) {
        if (!funcs.has(name)) funcs.set(name, error);
        continue;
      }
      const key = `${recvType}\u0000${name}`;
      const list = methods.get(key);
      if (list) list.push(error);
      else methods.set(key, [error]);
    }
    return { funcs, methods };
  });
}

/** Why the call's error matters, or undefined when it is not one this rule watches. */
function criticalReason(ctx: RuleContext, call: Node, fnOf: () => Node | undefined): string | undefined {
  const callee = calleeText(call);
  const f = call.childForFieldName('function');
  if (!f) return undefined;
  if (CRITICAL_PKG.test(callee)) return `${callee} can fail (full disk, permissions), and the caller carries on as if the data were written`;
  const results = declaredResults(ctx);
  if (f.type === 'identifier') {
    if (results.funcs.get(callee) && !/^[cC]lose/.test(callee)) return `${callee} returns an error that is dropped here`;
    return undefined;
  }
  if (f.type !== 'selector_expression') return undefined;
  const operand = f.childForFieldName('operand')!;
  const method = f.childForFieldName('field')?.text ?? '';
  const root = operand.type === 'identifier' ? operand.text : undefined;
  const base = rootIdent(operand);
  if (base && importNames(ctx).has(base) && !declaredTypeOf(call, base)) return undefined; // a package (log.Flush, base.Timer.Start)
  // A method declared in this file decides by its own signature, when the operand's type is known: the receiver,
  // or a parameter declared with that type.
  let recvType = root ? declaredTypeOf(call, root) : '';
  const top = ancestorsOf(ctx, call).find((n) => n.type === 'method_declaration');
  const recv = top && receiverOf(top);
  if (root && recv?.name === root) recvType = recv.type;
  const fn = fnOf();
  if (root && !recvType && fn) recvType = localType(ctx, fn, root);
  const methods = (recvType && results.methods.get(`${recvType}\u0000${method}`)) || [];
  if (methods.length) {
    // Writers and readers with sticky errors (a buffer's WriteString) report at Flush or Close.
    // Close errors matter only for written files (below), as errcheck's default exclusions agree.
    if (/^(Write|Read|Unread|Print|Log|Output|Debug|Info|Warn|Error|[cC]lose)/.test(method)) return undefined;
    if (methods.every((error) => error)) return `${operand.text}.${method} returns an error that is dropped here`;
    return undefined;
  }
  if (method === 'Scan' && callArgs(call).length > 0) return `a failed Scan leaves the destination variables unset, and the caller reads stale or zero values`;
  if ((method === 'Close' || method === 'Sync') && root && fn && writtenFiles(ctx, fn).has(root) && !removedNext(call)) {
    return `${root} was written: a failed ${method} means the data may never have reached the disk, and the caller reports success`;
  }
  if (CRITICAL_METHOD.test(method)) {
    // Start is mostly timers, spans and test servers; the one that fails is exec.Cmd.Start.
    if (method === 'Start' && (callArgs(call).length || !/(^|\.)(cmd|proc|process|command)\w*$/i.test(operand.text))) return undefined;
    if (method === 'Flush') {
      if (!fn || !bufferedWriter(ctx, fn, operand.text)) return undefined;
      return `a failed ${operand.text}.Flush means the buffered data never reached the underlying writer, and the caller reports success`;
    }
    if (method === 'Commit') return `a failed ${operand.text}.Commit means the transaction was rolled back, and the caller reports success`;
    if (method === 'Exec' || method === 'ExecContext') return `a failed ${operand.text}.${method} means the statement did not run, and the caller reports success`;
    return `a failed ${operand.text}.${method} is dropped, and the caller carries on with a resource that is not ready`;
  }
  return undefined;
}

/** A buffered writer: a local bound from `….NewWriter…(…)`, or a name that says so (`bw`, `bufw`, `c.bufWriter`). */
function bufferedWriter(ctx: RuleContext, fn: Node, operand: string): boolean {
  const last = operand.split('.').pop() ?? operand;
  if (/^(bw|bufw|bufWriter|bufferedWriter|gzw|gz|zw|csvw|tw)$/i.test(last)) return true;
  return ctx.memo(fn, `go301.writer:${operand}`, () => {
    let found = false;
    const body = fn.childForFieldName('body');
    if (!body) return false;
    forEachDescendant(body, (n) => {
      if (found || (n.type !== 'short_var_declaration' && n.type !== 'assignment_statement')) return;
      const first = n.childForFieldName('left')?.namedChild(0);
      const call = unparen(n.childForFieldName('right')?.namedChild(0));
      if (first?.text === operand && call?.type === 'call_expression' && /\.NewWriter\w*$/.test(calleeText(call))) found = true;
    });
    return found;
  });
}

/** The type of a local bound from `&T{…}`, `T{…}`, `new(T)` or `NewT(…)` in `fn` (`''` when unknown). */
function localType(ctx: RuleContext, fn: Node, name: string): string {
  return ctx.memo(fn, `go301.type:${name}`, () => {
    let type = '';
    const body = fn.childForFieldName('body');
    if (!body) return '';
    forEachDescendant(body, (n) => {
      if (type || n.type !== 'short_var_declaration') return;
      const first = n.childForFieldName('left')?.namedChild(0);
      let v = unparen(n.childForFieldName('right')?.namedChild(0));
      if (first?.text !== name || !v) return;
      if (v.type === 'unary_expression' && v.child(0)?.type === '&') v = v.childForFieldName('operand');
      if (v?.type === 'composite_literal') type = v.childForFieldName('type')?.text ?? '';
      else if (v?.type === 'call_expression') {
        const callee = calleeText(v);
        if (callee === 'new') type = callArgs(v)[0]?.text ?? '';
        else if (/^New[A-Z]\w*$/.test(callee)) type = callee.slice(3);
      }
    });
    return /^[A-Za-z_]\w*$/.test(type) ? type : '';
  });
}

/** Whether the statement after the call's removes a file (`f.Close(); os.Remove(name)`: a discarded temp file). */
function removedNext(call: Node): boolean {
  const stmt = call.parent;
  let next = stmt?.nextNamedSibling;
  while (next?.type === 'comment') next = next.nextNamedSibling;
  const c = next?.type === 'expression_statement' ? next.namedChild(0) : null;
  return c?.type === 'call_expression' && /^os\.Remove(All)?$/.test(calleeText(c));
}

/** Whether `name` is an http.ResponseWriter parameter of a function in `chain` (the call's ancestors). */
function isResponseWriter(chain: Node[], name: string): boolean {
  for (let i = chain.length - 1; i >= 0; i--) {
    if (!GO_FUNCS.has(chain[i].type)) continue;
    const p = paramsOf(chain[i].childForFieldName('parameters')).find((x) => x.name === name);
    if (p) return p.type === 'http.ResponseWriter';
  }
  return false;
}

/** Whether the statement carries (or follows) a comment that says the error is ignored on purpose. */
function discardedOnPurpose(ctx: RuleContext, stmt: Node): boolean {
  const text = ctx.text;
  const ls = lineStart(text, stmt.startIndex);
  const le = text.indexOf('\n', stmt.endIndex);
  const line = text.slice(stmt.endIndex, le === -1 ? text.length : le);
  const prevStart = ls > 0 ? lineStart(text, ls - 1) : ls;
  const prev = text.slice(prevStart, ls).trim();
  const re = /best[- ]effort|ignor/i;
  return (/\/\//.test(line) && re.test(line)) || (prev.startsWith('//') && re.test(prev));
}

/** Whether `node` sits in the body of an `if` that tests an error (`if err != nil { … }`), i.e. on an error path. */
function inErrorBranch(chain: Node[]): boolean {
  for (let i = chain.length - 1; i > 0; i--) {
    if (GO_FUNCS.has(chain[i].type)) return false;
    const n = chain[i];
    if (n.type === 'if_statement' && /\berr\w*\s*!=\s*nil|\w*[eE]rr\w*\s*!=\s*nil/.test(n.childForFieldName('condition')?.text ?? '')) {
      if (n.childForFieldName('consequence')?.id === chain[i + 1]?.id) return true;
    }
  }
  return false;
}

export default defineRule({
  code: 'GO301',
  name: 'critical-error-discarded',
  language: 'go',
  category: 'error-handling',
  severity: 'warning',
  fix: 'sometimes',
  summary: 'The error of a data-integrity call (MkdirAll, Rename, Commit, Scan, Close of a written file) or of a same-file function is dropped, so failures pass silently.',
  kinds: ['expression_statement', 'assignment_statement', 'short_var_declaration'],
  facts: [errorResults, goHeader, goStructs],
  docs: {
    whatItDoes:
      'Flags a call used as a statement, or assigned to `_`, whose error is never looked at, when the callee is a function or method declared in this file whose result ends in `error`, or one of the calls whose failure loses data: `os.MkdirAll/WriteFile/Rename/Chmod/Symlink…`, `Close`/`Sync` of a file opened for writing in the same function, `tx.Commit`, `X.Init/Open/Start/Connect/Flush/Exec`, and any `Scan(&dest…)` (including `QueryRow(…).Scan(…)`). It also flags `data, _ := json.Marshal(v)` when `data` is then written or sent.',
    whyBad:
      'These errors are the only signal that the data did not make it: a directory that was not created, a rename that did not happen on a full disk, a transaction the database rolled back, a row that was not scanned. Dropping the error lets the program report success, so the failure shows up much later as missing files, stale values or corrupted state, far from its cause.',
    example: 'func NewStore(p string) *Store {\n\ts := &Store{path: p}\n\ts.Open() // the error from Open is lost\n\treturn s\n}',
    useInstead: 'func NewStore(p string) (*Store, error) {\n\ts := &Store{path: p}\n\tif err := s.Open(); err != nil {\n\t\treturn nil, err\n\t}\n\treturn s, nil\n}',
    fixSafety:
      'Safe when the enclosing function\'s last result is `error`: the call becomes `if err := CALL; err != nil { return <zero values>, err }` (zero values from the declared result types). Otherwise the fix is assisted and logs the error: `if err := CALL; err != nil { log.Printf("<callee>: %v", err) }`, adding the `log` import. `tx.Rollback()` and `os.Remove` on an error path, `fmt.Print*`, writes to an `http.ResponseWriter`, deferred calls, and calls commented as "best-effort" or "ignore…" are left alone.',
    related: 'errcheck and gosec G104 (golangci-lint hides Close, Flush and os.Remove by default through EXC0001); GO701 unchecked-close-of-written-file covers the deferred Close.',
  },
  check(node, ctx) {
    if (ctx.isTestFile) return; // a test that drops an error fails on the next assertion
    // Dispatched on statements (a call's parent is costly to find in deeply nested code).
    const stmt = node;
    let form: 'statement' | 'blank' | 'marshal';
    let call: Node | null;
    if (stmt.type === 'expression_statement') {
      call = stmt.namedChild(0);
      form = 'statement';
    } else {
      const right = (stmt.childForFieldName('right')?.namedChildren ?? []).filter((c): c is Node => !!c && c.type !== 'comment');
      const left = (stmt.childForFieldName('left')?.namedChildren ?? []).filter((c): c is Node => !!c && c.type !== 'comment');
      if (right.length !== 1 || !left.length || left[left.length - 1].text !== '_') return;
      call = right[0];
      if (left.every((l) => l.text === '_')) form = 'blank';
      else if (call.type === 'call_expression' && MARSHAL.test(calleeText(call)) && left.length === 2) form = 'marshal';
      else return;
    }
    if (call?.type !== 'call_expression') return;
    if (stmt.parent?.type !== 'statement_list') return;
    node = call;
    const callee = calleeText(node);
    const last = callee.slice(callee.lastIndexOf('.') + 1);
    if (/^fmt\.(Print|Fprint)/.test(callee)) return;
    // Deadlines on a connection that is going away: the next read or write reports the real error.
    if (/Deadline$/.test(last)) return;
    // The call's ancestors and enclosing function, found when first needed (most calls never need them).
    let ancestors: Node[] | undefined;
    let fn: Node | undefined;
    const chainOf = (): Node[] => {
      if (!ancestors) {
        ancestors = ancestorsOf(ctx, node);
        for (let i = ancestors.length - 1; i >= 0 && !fn; i--) if (GO_FUNCS.has(ancestors[i].type)) fn = ancestors[i];
      }
      return ancestors;
    };
    const fnOf = (): Node | undefined => (chainOf(), fn);
    // Why the error matters comes first: most calls have no reason, and the exceptions below cost more to check.
    let reason: string | undefined;
    if (form === 'marshal') {
      const data = (stmt.childForFieldName('left')?.namedChild(0))?.text ?? '';
      const f = fnOf();
      if (!f || !persisted(f, data, stmt)) return;
      reason = `if ${callee} fails, ${data} is empty and the empty value is what gets written`;
    } else {
      reason = criticalReason(ctx, node, fnOf);
    }
    if (!reason) return;
    const chain = chainOf();
    // Best-effort cleanup on an error path: the error being returned already says what went wrong.
    if (/^(Rollback|Remove|RemoveAll|[cC]lose\w*|Sync)$/.test(last) && inErrorBranch(chain)) return;
    // Right before returning another error (`c.sendAlert(alertX); return errBadCert`) the function is already failing.
    if (form === 'statement' && returnsErrorNext(stmt)) return;
    if (discardedOnPurpose(ctx, stmt)) return;
    // Writes to the response: the client has gone or the connection broke, and there is nobody to tell.
    if (callArgs(node).some((a) => a.type === 'identifier' && isResponseWriter(chain, a.text))) return;
    ctx.report({ node, message: reason, fixes: buildFix(ctx, node, stmt, form, fn) });
  },
});

/** Whether the statement after `stmt` returns a non-nil last value (an error other than this call's). */
function returnsErrorNext(stmt: Node): boolean {
  let next = stmt.nextNamedSibling;
  while (next?.type === 'comment') next = next.nextNamedSibling;
  if (next?.type !== 'return_statement') return false;
  const values = (next.namedChildren.find((c) => c?.type === 'expression_list')?.namedChildren ?? []).filter((c): c is Node => !!c && c.type !== 'comment');
  const lastValue = values[values.length - 1];
  return !!lastValue && lastValue.type !== 'nil' && /err|Err|error/.test(lastValue.text);
}

/** Whether `name` is passed, after `stmt`, to a call that writes or sends it. */
function persisted(fn: Node, name: string, stmt: Node): boolean {
  let found = false;
  const body = fn.childForFieldName('body');
  if (!body || !name || name === '_') return false;
  forEachDescendant(body, (n) => {
    if (found || n.startIndex < stmt.endIndex || n.type !== 'call_expression') return;
    if (PERSIST.test(calleeText(n)) && callArgs(n).some((a) => a.text === name || a.text === `string(${name})`)) found = true;
  });
  return found;
}

function buildFix(ctx: RuleContext, call: Node, stmt: Node, form: 'statement' | 'blank' | 'marshal', fn: Node | undefined): Fix[] {
  const text = ctx.text;
  const indent = text.slice(lineStart(text, stmt.startIndex), stmt.startIndex);
  if (indent.trim()) return [];
  const resultNode = fn?.childForFieldName('result');
  const results = paramsOf(resultNode);
  const types = resultNode ? (resultNode.type === 'parameter_list' ? results.map((r) => r.type) : [resultNode.text]) : [];
  const returnsError = types.length > 0 && types[types.length - 1] === 'error';
  const structs = new Set(ctx.facts(goStructs).flatMap((f) => f.value.map((s) => s.name)));
  const zeros = types.slice(0, -1).map((t) => goZeroValue(t, structs));
  const nl = text.includes('\r\n') ? '\r\n' : '\n';
  const callee = calleeText(call);
  const handle = returnsError ? `return ${[...zeros, 'err'].join(', ')}` : `log.Printf("${callee.replace(/["\\]/g, '')}: %v", err)`;
  const edits: TextEdit[] = [];
  if (form === 'marshal') {
    if (stmt.type !== 'short_var_declaration') return [];
    const left = stmt.childForFieldName('left')!.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment');
    edits.push(replaceNode(left[left.length - 1], 'err'));
    edits.push(insertAfter(text, stmt, `if err != nil {\n\t${handle}\n}`));
  } else {
    edits.push(...replaceStatement(text, stmt, [`if err := ${call.text}; err != nil {`, `\t${handle}`, '}'].join(nl + indent)));
  }
  if (!returnsError) {
    const spec = findGoImportSpec(ctx.root, 'log');
    if (!spec) {
      const imp = addGoImport(text, ctx.root, 'log');
      if (imp) edits.push(imp);
    }
  }
  return [
    {
      title: returnsError ? `Return the error from ${callee}` : `Log the error from ${callee}`,
      applicability: returnsError ? 'safe' : 'assisted',
      edits,
    },
  ];
}
