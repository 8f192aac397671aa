/**
 * GO802 non-constant-time-secret-compare: a secret (API key, token, password, signature) compared with a value from
 * the request using `==`/`!=`, which returns as soon as a byte differs and so leaks the secret through timing.
 */
import type { Node } from '../../engine/syntax';
import { addGoImport } from '../../engine/fix';
import { calleeText, callArgs, enclosingFuncOf, forEachDescendant, goHeader, unparen } from '../../engine/golang';
import { defineRule, type TextEdit } from '../../engine/rule';

const SECRET = /secret|token|apikey|api_key|password|passwd|passphrase|(^|[^y])pass$|auth|signature|hmac|mac$|bearer/i;
/** Names that hold a kind, a scheme or a property of a secret rather than the secret itself (`authType`, `tokenLen`). */
const NOT_SECRET = /(type|scheme|method|mode|kind|name|header|len|length|count|size|enabled|required|url|uri|host|path|file|dir|expiry|expires|ttl|id)$/i;
/** Calls that read a value the client sent. */
const REQUEST_READ = /(^|\.)(Header\.Get|URL\.Query\(\)\.Get|Query\(\)\.Get|FormValue|PostFormValue|GetHeader|BasicAuth)$/;

/** The name an operand is known by: the last selector segment, without an index (`s.keys[id]` → `keys`). */
function operandName(n: Node): string | undefined {
  let e: Node | null = unparen(n);
  if (e?.type === 'index_expression') e = e.childForFieldName('operand');
  if (e?.type === 'identifier') return e.text;
  if (e?.type === 'selector_expression') return e.childForFieldName('field')?.text;
  return undefined;
}

/** Whether an expression contains a request read (`r.Header.Get(…)`) call, and the key literal it reads. */
function requestRead(expr: Node): { key: string } | undefined {
  let found: { key: string } | undefined;
  const test = (n: Node): void => {
    if (found || n.type !== 'call_expression') return;
    const callee = calleeText(n);
    if (!REQUEST_READ.test(callee)) return;
    const fnNode = n.childForFieldName('function');
    if (fnNode?.type !== 'selector_expression') return;
    const key = callArgs(n)[0];
    found = { key: key && /string_literal$/.test(key.type) ? key.text : '' };
  };
  test(expr);
  forEachDescendant(expr, (n) => test(n));
  return found;
}

/** Whether `expr` builds a bearer credential: `fmt.Sprintf("Bearer %s", …)` or `"Bearer " + …`. */
function bearerBuild(expr: Node): boolean {
  const e = unparen(expr);
  if (e?.type === 'call_expression' && calleeText(e) === 'fmt.Sprintf') return /^"Bearer\b/i.test(callArgs(e)[0]?.text ?? '');
  if (e?.type === 'binary_expression' && e.childForFieldName('operator')?.type === '+') return /^"Bearer\b/i.test(e.childForFieldName('left')?.text ?? '');
  return false;
}

/** The expression a local name was last bound to before `at` in `fn` (short var declaration, assignment or var). */
function boundValue(fn: Node, name: string, at: number): Node | undefined {
  let value: Node | undefined;
  const body = fn.childForFieldName('body');
  if (!body) return undefined;
  forEachDescendant(body, (n) => {
    if (n.startIndex >= at) return false;
    let left: Node[] = [];
    let right: Node[] = [];
    if (n.type === 'short_var_declaration' || n.type === 'assignment_statement') {
      left = (n.childForFieldName('left')?.namedChildren ?? []).filter((x): x is Node => !!x && x.type !== 'comment');
      right = (n.childForFieldName('right')?.namedChildren ?? []).filter((x): x is Node => !!x && x.type !== 'comment');
    } else if (n.type === 'var_spec') {
      left = n.childrenForFieldName('name').filter((x): x is Node => !!x);
      right = (n.childForFieldName('value')?.namedChildren ?? []).filter((x): x is Node => !!x && x.type !== 'comment');
    } else {
      return;
    }
    const i = left.findIndex((x) => x.type === 'identifier' && x.text === name);
    if (i < 0 || !right.length) return;
    // `user, pass, ok := r.BasicAuth()` binds every name from the one call.
    value = right.length === left.length ? right[i] : right[0];
  });
  return value;
}

/** How an operand relates to the request and to secrets. */
interface Side {
  node: Node;
  /** Read from the request, with the header or parameter name it was read under. */
  request?: { key: string };
  /** Named like a secret, or built as a bearer credential. */
  secret: boolean;
  literal: boolean;
}

function sideOf(n: Node, fn: Node | null, at: number): Side {
  const e = unparen(n) ?? n;
  const literal = /string_literal$|int_literal|^nil$|^true$|^false$/.test(e.type);
  const side: Side = { node: n, secret: false, literal };
  if (literal) return side;
  const name = operandName(e);
  if (name && SECRET.test(name) && !NOT_SECRET.test(name)) side.secret = true;
  side.request = requestRead(e);
  if (bearerBuild(e)) side.secret = true;
  if (e.type === 'identifier' && fn) {
    const v = boundValue(fn, e.text, at);
    if (v) {
      side.request ??= requestRead(v);
      if (bearerBuild(v)) side.secret = true;
    }
  }
  return side;
}

export default defineRule({
  code: 'GO802',
  name: 'non-constant-time-secret-compare',
  language: 'go',
  category: 'security/file-permissions',
  severity: 'warning',
  fix: 'always',
  summary: 'A secret is compared with a value from the request using == or !=, which stops at the first differing byte and lets a client recover the secret by timing.',
  kinds: ['binary_expression'],
  // The fix adds an import: findings are recomputed when the imports change.
  facts: [goHeader],
  docs: {
    whatItDoes:
      'Flags `A == B` and `A != B` where one side is read from the request (`r.Header.Get(…)`, `r.URL.Query().Get(…)`, `r.FormValue(…)`, `r.PostFormValue(…)`, `c.GetHeader(…)`, `r.BasicAuth()`, directly or through a local bound from such a call, e.g. after `strings.TrimPrefix`) and the other side is a secret: ' +
      'an identifier or field named like `secret`, `token`, `apiKey`, `password`, `auth`, `signature`, `hmac`, `…mac` or `bearer` (not names of a kind or property such as `authType` or `tokenLen`), or a bearer credential built with `fmt.Sprintf("Bearer %s", …)`. ' +
      'A request value read under a header or parameter named like a secret (`X-API-Key`, `Authorization`) compared with any non-literal value counts too. Comparisons with literals (`token == ""`, `authType == "basic"`) and `_test.go` files (which compare parsed credentials with expected values) are left alone.',
    whyBad:
      'String comparison returns at the first byte that differs, so a request whose guess shares a longer prefix with the real key takes slightly longer to reject. Over many requests an attacker measures those differences and recovers the API key or token byte by byte, then has full access; nothing in the logs shows more than failed requests.',
    example: 'if r.Header.Get("X-API-Key") != cfg.APIKey {\n\thttp.Error(w, "forbidden", http.StatusForbidden)\n\treturn\n}',
    useInstead:
      'if subtle.ConstantTimeCompare([]byte(r.Header.Get("X-API-Key")), []byte(cfg.APIKey)) != 1 {\n\thttp.Error(w, "forbidden", http.StatusForbidden)\n\treturn\n}',
    fixSafety:
      'Safe: rewrites `A != B` to `subtle.ConstantTimeCompare([]byte(A), []byte(B)) != 1` (and `==` to `== 1`) and adds the `crypto/subtle` import. The result is the same for every input; only the time taken no longer depends on how much of the secret matches (the length still leaks, which is accepted practice).',
    related: 'None in gosec or staticcheck (gosec G101 is about hard-coded credentials).',
  },
  check(node, ctx) {
    // Tests compare parsed credentials with expected values; nothing there is exposed to a timing attack.
    if (ctx.isTestFile) return;
    const op = node.childForFieldName('operator')?.type;
    if (op !== '==' && op !== '!=') return;
    const l = node.childForFieldName('left');
    const r = node.childForFieldName('right');
    if (!l || !r) return;
    // Cheap filter: something on either side must look like a secret or a request read.
    const text = ctx.textOf(node);
    if (!SECRET.test(text) && !/Header|Query|Form|BasicAuth/.test(text)) return;
    const fn = enclosingFuncOf(ctx, node);
    const a = sideOf(l, fn, node.startIndex);
    const b = sideOf(r, fn, node.startIndex);
    if (a.literal || b.literal) return;
    const pair = (req: Side, sec: Side): boolean =>
      !!req.request && (sec.secret || (SECRET.test(req.request.key) && !/type|scheme/i.test(req.request.key) && !sec.request));
    if (!pair(a, b) && !pair(b, a)) return;
    const edits: TextEdit[] = [
      {
        start: node.startIndex,
        end: node.endIndex,
        newText: `subtle.ConstantTimeCompare([]byte(${ctx.textOf(l)}), []byte(${ctx.textOf(r)})) ${op} 1`,
      },
    ];
    const imp = addGoImport(ctx.text, ctx.root, 'crypto/subtle');
    if (imp) edits.push(imp);
    ctx.report({
      node,
      message: `${ctx.textOf(l)} ${op} ${ctx.textOf(r)} compares a secret with a request value in variable time: a client can recover the secret byte by byte from response timings`,
      fixes: [{ title: 'Compare with subtle.ConstantTimeCompare', applicability: 'safe', edits }],
    });
  },
});
