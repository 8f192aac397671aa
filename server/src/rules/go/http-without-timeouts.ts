/** GO601 http-without-timeouts: HTTP servers and clients that can wait forever on a slow or silent peer. */
import type { Node } from '../../engine/syntax';
import { addGoImport, eol, indentAt, replaceNode } from '../../engine/fix';
import { callArgs, calleeText, enclosingFuncOf, forEachDescendant, goHeader, goImportPaths, goPackageName, topLevelMentions, unparen } from '../../engine/golang';
import { defineRule, type Fix, type RuleContext, type TextEdit } from '../../engine/rule';

/** The server helpers of net/http that build a Server without timeouts. */
const SERVE_HELPERS = /^http\.(ListenAndServe|ListenAndServeTLS|Serve|ServeTLS)$/;
/** The package-level client helpers, which use http.DefaultClient (no timeout). */
const CLIENT_HELPERS = /^http\.(Get|Post|Head|PostForm)$/;
/** Client methods that send a request. */
const SEND = /^(Do|Get|Post|Head|PostForm)$/;
/** Framework constructors whose engines serve through a bare ListenAndServe. */
const FRAMEWORK = /^(gin\.(Default|New)|echo\.New)$/;
/** Keys of http.Server that bound how long a connection may take to send its request headers. */
const SERVER_KEYS = /^(ReadHeaderTimeout|ReadTimeout)$/;

/** How a sent request is bounded: it carries a context, it certainly carries none, or it cannot be told. */
type RequestKind = 'ctx' | 'noctx' | 'unknown';

/** The configured Go expression for a timeout, or the default. */
function option(ctx: RuleContext, key: string, fallback: string): string {
  const v = ctx.options[key];
  return typeof v === 'string' && v.trim() ? v.trim() : fallback;
}

/** The import edits the timeout expression needs (`time` when it mentions it). */
function timeImport(ctx: RuleContext, expr: string): TextEdit[] {
  if (!/\btime\./.test(expr)) return [];
  const e = addGoImport(ctx.text, ctx.root, 'time');
  return e ? [e] : [];
}

/** The type name of a composite literal of net/http (`Server`, `Client`), or ''. */
function httpLiteralType(lit: Node): string {
  const t = lit.childForFieldName('type');
  if (t?.type !== 'qualified_type' || t.childForFieldName('package')?.text !== 'http') return '';
  return t.childForFieldName('name')?.text ?? '';
}

/** The keyed elements of a literal_value, in order. */
function keyedElements(body: Node): Node[] {
  return body.namedChildren.filter((n): n is Node => n?.type === 'keyed_element');
}

/** The key text of a keyed element. */
function keyOf(el: Node): string {
  return el.childForFieldName('key')?.text ?? '';
}

/** The expression a composite literal is bound to (`srv` in `srv := &http.Server{…}`, `s.srv` in `s.srv = …`). */
function boundTo(lit: Node): string | undefined {
  let n: Node = lit;
  if (n.parent?.type === 'unary_expression' && n.parent.child(0)?.type === '&') n = n.parent;
  const list = n.parent;
  if (list?.type !== 'expression_list') return undefined;
  const stmt = list.parent;
  if (!stmt) return undefined;
  const idx = list.namedChildren.findIndex((x) => x?.id === n.id);
  if (stmt.type === 'short_var_declaration' || stmt.type === 'assignment_statement') {
    if (stmt.childForFieldName('right')?.id !== list.id) return undefined;
    return stmt.childForFieldName('left')?.namedChildren.filter((x) => x && x.type !== 'comment')[idx]?.text;
  }
  if (stmt.type === 'var_spec') return stmt.childrenForFieldName('name')[idx]?.text;
  return undefined;
}

/** Whether `scope` assigns one of the fields matching `keys` of `target` (`srv.ReadTimeout = …`). */
function assignsField(scope: Node, target: string, keys: RegExp): boolean {
  let found = false;
  forEachDescendant(
    scope,
    (n) => {
      if (found) return false;
      if (n.type !== 'assignment_statement') return;
      for (const l of n.childForFieldName('left')?.namedChildren ?? []) {
        if (l?.type !== 'selector_expression') continue;
        if (l.childForFieldName('operand')?.text === target && keys.test(l.childForFieldName('field')?.text ?? '')) found = true;
      }
    },
    true,
  );
  return found;
}

/** How the request `arg` passed to `Do` is bounded, from how the function builds it. */
function requestKind(scope: Node, arg: Node | undefined): RequestKind {
  const a = unparen(arg);
  if (!a) return 'unknown';
  if (a.type === 'call_expression') {
    const callee = calleeText(a);
    if (/\.(WithContext|Clone)$/.test(callee)) return 'ctx';
    return 'unknown';
  }
  if (a.type !== 'identifier') return 'unknown';
  let kind: RequestKind = 'unknown';
  forEachDescendant(
    scope,
    (n) => {
      if (n.type !== 'short_var_declaration' && n.type !== 'assignment_statement') return;
      const left = n.childForFieldName('left')?.namedChildren ?? [];
      if (left[0]?.text !== a.text) return;
      const call = unparen(n.childForFieldName('right')?.namedChild(0));
      if (call?.type !== 'call_expression') return;
      const callee = calleeText(call);
      if (/^http\.NewRequestWithContext$/.test(callee) || /\.(WithContext|Clone)$/.test(callee)) kind = 'ctx';
      else if (/^http\.NewRequest$/.test(callee) && kind === 'unknown') kind = 'noctx';
    },
    true,
  );
  return kind;
}

/** The sends made through `client` in `scope`: one request kind per `client.Do/Get/Post/…` call. */
function sendsThrough(scope: Node, client: string): RequestKind[] {
  const out: RequestKind[] = [];
  forEachDescendant(
    scope,
    (n) => {
      if (n.type !== 'call_expression') return;
      const f = n.childForFieldName('function');
      if (f?.type !== 'selector_expression' || f.childForFieldName('operand')?.text !== client) return;
      const method = f.childForFieldName('field')?.text ?? '';
      if (!SEND.test(method)) return;
      out.push(method === 'Do' ? requestKind(scope, callArgs(n)[0]) : 'noctx');
    },
    true,
  );
  return out;
}

/**
 * An edit adding `key: value` to a composite literal's body: inline for a one-line literal, else as a new line after
 * the last element, with the block of single-line keyed elements it joins aligned as gofmt aligns it.
 */
function addLiteralKey(text: string, body: Node, key: string, value: string): TextEdit {
  const open = body.child(0)!;
  const close = body.child(body.childCount - 1)!;
  const els = keyedElements(body);
  const last = body.namedChildren.filter((n): n is Node => !!n && n.type !== 'comment').pop();
  if (open.startPosition.row === close.startPosition.row || !last) {
    if (!last) return { start: open.endIndex, end: close.startIndex, newText: `${key}: ${value}` };
    // `{A: a}` or `{A: a,}` on one line.
    let end = last.endIndex;
    const comma = last.nextSibling?.type === ',' ? last.nextSibling : null;
    if (comma) end = comma.endIndex;
    return { start: last.endIndex, end, newText: `, ${key}: ${value}` };
  }
  const nl = eol(text);
  const comma = last.nextSibling?.type === ',' ? last.nextSibling : null;
  let end = comma ? comma.endIndex : last.endIndex;
  const trailing = (comma ?? last).nextSibling;
  if (trailing?.type === 'comment' && trailing.startPosition.row === last.endPosition.row) end = trailing.endIndex;
  const indent = indentAt(text, last.startIndex);
  // The section: consecutive single-line keyed elements ending at the last one, each on its own row.
  const section: { el: Node; comment: string }[] = [];
  if (last.type === 'keyed_element' && last.startPosition.row === last.endPosition.row) {
    for (let i = els.length - 1; i >= 0; i--) {
      const el = els[i];
      if (el.startPosition.row !== el.endPosition.row) break;
      if (section.length && el.endPosition.row + 1 !== section[0].el.startPosition.row) break;
      const after = el.nextSibling?.type === ',' ? el.nextSibling.nextSibling : el.nextSibling;
      const comment = after?.type === 'comment' && after.startPosition.row === el.endPosition.row ? after.text : '';
      const prev = el.previousSibling;
      if (prev && prev.type !== '{' && prev.endPosition.row === el.startPosition.row) break;
      if (prev?.type === '{' && prev.startPosition.row === el.startPosition.row) break;
      section.unshift({ el, comment });
    }
  }
  if (!section.length) {
    const prefix = comma ? '' : ',';
    return { start: end, end, newText: `${prefix}${nl}${indent}${key}: ${value},` };
  }
  const rows = section.map(({ el, comment }) => {
    const cells = [keyOf(el) + ':', (el.childForFieldName('value')?.text ?? '') + ','];
    if (comment) cells.push(comment);
    return cells;
  });
  rows.push([key + ':', value + ',']);
  const keyWidth = Math.max(...rows.map((r) => r[0].length)) + 1;
  const withComments = rows.filter((r) => r.length > 2);
  const valueWidth = withComments.length ? Math.max(...rows.filter((r) => r.length > 2).map((r) => r[1].length)) + 1 : 0;
  const lines = rows.map((r) => {
    let line = r[0].padEnd(keyWidth) + r[1];
    if (r.length > 2) line = r[0].padEnd(keyWidth) + r[1].padEnd(valueWidth) + r[2];
    return line;
  });
  const start = section[0].el.startIndex;
  return { start, end, newText: lines.join(nl + indent) };
}

/** A message tail for a client whose requests do or do not carry a context. */
function clientVerdict(kinds: RequestKind[]): 'warning' | 'info' {
  return kinds.some((k) => k === 'noctx') ? 'warning' : 'info';
}

export default defineRule({
  code: 'GO601',
  name: 'http-without-timeouts',
  language: 'go',
  category: 'network/timeouts',
  severity: 'warning',
  fix: 'sometimes',
  summary: 'An HTTP server or client without timeouts lets one slow or silent peer hold a connection and a goroutine forever.',
  kinds: ['call_expression', 'composite_literal'],
  callees: /^http\.|\b(Run|RunTLS|Start|StartTLS)$/,
  facts: [goHeader],
  docs: {
    whatItDoes:
      'Flags, outside test files: `http.ListenAndServe`, `ListenAndServeTLS`, `Serve` and `ServeTLS`, which cannot take timeouts; an `http.Server{…}` literal with neither `ReadHeaderTimeout` nor `ReadTimeout` (set in the literal or assigned later in the same function); a gin engine or echo instance from `gin.Default()`/`gin.New()`/`echo.New()` served with `Run`/`RunTLS`/`Start`/`StartTLS`; an `http.Client{…}` literal without `Timeout` whose variable sends requests in the same function; and `http.Get`/`Post`/`Head`/`PostForm` and `http.DefaultClient` calls, which use a client with no timeout. A client whose requests all carry a context (`http.NewRequestWithContext`, `req.WithContext`) is reported at info only, as a reminder that the context needs a deadline.',
    whyBad:
      'Without a read timeout a server keeps a goroutine and a file descriptor for every client that opens a connection and then sends its headers slowly or not at all (Slowloris): a handful of such clients exhausts the file limit and the server stops accepting connections. Without a client timeout a request to a backend that accepts the connection but never answers blocks the calling goroutine forever; under load every worker ends up stuck on the dead backend and the service hangs instead of failing fast.',
    example:
      'func main() {\n\thttp.HandleFunc("/", handle)\n\tlog.Fatal(http.ListenAndServe(":8080", nil))\n}\n\nfunc fetch(url string) (*http.Response, error) {\n\treturn http.Get(url)\n}',
    useInstead:
      'func main() {\n\thttp.HandleFunc("/", handle)\n\tsrv := &http.Server{Addr: ":8080", ReadHeaderTimeout: 10 * time.Second}\n\tlog.Fatal(srv.ListenAndServe())\n}\n\nvar client = &http.Client{Timeout: 30 * time.Second}\n\nfunc fetch(url string) (*http.Response, error) {\n\treturn client.Get(url)\n}',
    fixSafety:
      'Safe: rewrites `http.ListenAndServe(addr, h)` (and `ListenAndServeTLS`, `Serve`, `ServeTLS`) to the same call on `&http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 10 * time.Second}`, which is what the helper builds plus the timeout; adds `ReadHeaderTimeout: 10 * time.Second` to an `http.Server` literal and `Timeout: 30 * time.Second` to an `http.Client` literal that sends requests without a context, aligned as gofmt aligns the literal, and adds the `time` import when it is missing. For a client whose requests carry a context the timeout is offered as an assisted fix only, because it also cuts long transfers the context is meant to bound. The gin/echo `Run`/`Start` calls and the `http.Get`-style helpers have no automatic fix (they need a server or client of your own). The inserted values are Go expressions set by the rule options `readHeaderTimeout` (default `10 * time.Second`) and `clientTimeout` (default `30 * time.Second`), e.g. `readHeaderTimeout = "5 * time.Second"` in the `[rules.http-without-timeouts]` table of `steady.toml`.',
    related: 'gosec G112 (ReadHeaderTimeout missing) and G114 (serve helpers without timeouts); golangci-lint noctx (client requests without a context); PY601 network-call-without-timeout.',
  },
  check(node, ctx) {
    if (ctx.isTestFile || !goImportPaths(ctx).includes('net/http') || goPackageName(ctx) === 'httptest') return;
    if (node.type === 'composite_literal') checkLiteral(node, ctx);
    else checkCall(node, ctx);
  },
});

function checkLiteral(lit: Node, ctx: RuleContext): void {
  const type = httpLiteralType(lit);
  if (type !== 'Server' && type !== 'Client') return;
  const body = lit.childForFieldName('body');
  if (!body) return;
  const keys = keyedElements(body).map(keyOf);
  // A positional literal (no keys) lists every field; leave it alone.
  if (keys.length === 0 && body.namedChildren.some((n) => n && n.type !== 'comment')) return;
  const fn = enclosingFuncOf(ctx, lit);
  const target = boundTo(lit);
  // A literal that configures an httptest server (passed to it, or set as its Config) serves tests only.
  if (fn && topLevelMentions(ctx, lit, 'httptest.')) return;
  if (type === 'Server') {
    if (keys.some((k) => SERVER_KEYS.test(k))) return;
    if (fn && target && assignsField(fn, target, SERVER_KEYS)) return;
    const value = option(ctx, 'readHeaderTimeout', '10 * time.Second');
    ctx.report({
      node: lit,
      message:
        'http.Server has no ReadHeaderTimeout or ReadTimeout: a client that opens connections and never finishes its request headers holds a goroutine and a file descriptor each, until the server runs out of them',
      fixes: [
        {
          title: `Add ReadHeaderTimeout: ${value}`,
          applicability: 'safe',
          edits: [addLiteralKey(ctx.text, body, 'ReadHeaderTimeout', value), ...timeImport(ctx, value)],
        },
      ],
    });
    return;
  }
  if (keys.includes('Timeout') || !fn || !target) return;
  // A transport built in place with a ResponseHeaderTimeout bounds the wait for a silent backend.
  if (/\bResponseHeaderTimeout\s*:/.test(body.text)) return;
  if (assignsField(fn, target, /^Timeout$/)) return;
  const sends = sendsThrough(fn, target);
  if (!sends.length) return;
  const severity = clientVerdict(sends);
  const value = option(ctx, 'clientTimeout', '30 * time.Second');
  const fix: Fix = {
    title: `Add Timeout: ${value}`,
    applicability: severity === 'warning' ? 'safe' : 'assisted',
    edits: [addLiteralKey(ctx.text, body, 'Timeout', value), ...timeImport(ctx, value)],
  };
  ctx.report({
    node: lit,
    severity,
    message:
      severity === 'warning'
        ? `http.Client has no Timeout and ${target} sends requests without a context: a backend that accepts the connection but never answers blocks the caller forever`
        : `http.Client has no Timeout and relies on the requests' contexts: unless every caller's context has a deadline, a silent backend blocks the call forever`,
    fixes: [fix],
  });
}

function checkCall(call: Node, ctx: RuleContext): void {
  const callee = calleeText(call);
  if (SERVE_HELPERS.test(callee)) {
    ctx.report({
      node: call,
      message: `${callee} serves with no read timeouts: clients that connect and never finish their request headers each hold a goroutine and a file descriptor until the server runs out of them`,
      fixes: serveFix(call, ctx, callee),
    });
    return;
  }
  if (CLIENT_HELPERS.test(callee)) {
    ctx.report({
      node: call,
      message: `${callee} uses http.DefaultClient, which has no timeout: a backend that accepts the connection but never answers blocks this call forever`,
    });
    return;
  }
  const f = call.childForFieldName('function');
  if (f?.type !== 'selector_expression') return;
  const operand = f.childForFieldName('operand');
  const method = f.childForFieldName('field')?.text ?? '';
  if (operand?.text === 'http.DefaultClient' && SEND.test(method)) {
    const fn = enclosingFuncOf(ctx, call);
    const kind = method === 'Do' && fn ? requestKind(fn, callArgs(call)[0]) : method === 'Do' ? 'unknown' : 'noctx';
    const severity = kind === 'noctx' ? 'warning' : 'info';
    ctx.report({
      node: call,
      severity,
      message:
        severity === 'warning'
          ? `http.DefaultClient.${method} has no timeout: a backend that accepts the connection but never answers blocks this call forever`
          : `http.DefaultClient has no timeout and relies on the request's context: unless it has a deadline, a silent backend blocks this call forever`,
    });
    return;
  }
  if (!/^(Run|RunTLS|Start|StartTLS)$/.test(method) || operand?.type !== 'identifier') return;
  const fn = enclosingFuncOf(ctx, call);
  if (!fn) return;
  const ctor = frameworkBinding(fn, operand.text);
  if (!ctor) return;
  const gin = ctor.startsWith('gin.');
  if (gin !== /^Run/.test(method)) return;
  if (!gin && assignsField(fn, `${operand.text}.Server`, SERVER_KEYS)) return;
  ctx.report({
    node: call,
    message: `${operand.text}.${method} serves through a bare http.Server with no read timeouts: clients that connect and never finish their request headers each hold a goroutine and a file descriptor until the server runs out of them`,
  });
}

/** The framework constructor (`gin.Default`, `echo.New`) that `name` is bound from in `fn`, if any. */
function frameworkBinding(fn: Node, name: string): string | undefined {
  let ctor: string | undefined;
  forEachDescendant(
    fn,
    (n) => {
      if (n.type !== 'short_var_declaration' && n.type !== 'assignment_statement') return;
      const left = n.childForFieldName('left')?.namedChildren.filter((x) => x && x.type !== 'comment') ?? [];
      const right = n.childForFieldName('right')?.namedChildren.filter((x) => x && x.type !== 'comment') ?? [];
      const i = left.findIndex((x) => x?.text === name);
      const call = i >= 0 ? right[i] : undefined;
      if (call?.type === 'call_expression' && FRAMEWORK.test(calleeText(call))) ctor = calleeText(call);
    },
    true,
  );
  return ctor;
}

/** The rewrite of a serve helper to the same call on an http.Server literal with a ReadHeaderTimeout. */
function serveFix(call: Node, ctx: RuleContext, callee: string): Fix[] {
  const args = callArgs(call);
  if (args.some((a) => a.type === 'variadic_argument') || call.childForFieldName('arguments')?.text.includes('...')) return [];
  const method = callee.slice('http.'.length);
  // Where each helper takes its handler; the other arguments stay with the method.
  const handlerAt: Record<string, number> = { ListenAndServe: 1, ListenAndServeTLS: 3, Serve: 1, ServeTLS: 1 };
  const arity: Record<string, number> = { ListenAndServe: 2, ListenAndServeTLS: 4, Serve: 2, ServeTLS: 4 };
  if (args.length !== arity[method]) return [];
  const handler = args[handlerAt[method]];
  const value = option(ctx, 'readHeaderTimeout', '10 * time.Second');
  const fields: string[] = [];
  let rest = args.filter((_, i) => i !== handlerAt[method]);
  if (method.startsWith('ListenAndServe')) {
    fields.push(`Addr: ${args[0].text}`);
    rest = rest.slice(1);
  }
  if (handler.text !== 'nil') fields.push(`Handler: ${handler.text}`);
  fields.push(`ReadHeaderTimeout: ${value}`);
  const text = `(&http.Server{${fields.join(', ')}}).${method}(${rest.map((a) => a.text).join(', ')})`;
  return [
    {
      title: `Serve through an http.Server with ReadHeaderTimeout: ${value}`,
      applicability: 'safe',
      edits: [replaceNode(call, text), ...timeImport(ctx, value)],
    },
  ];
}
