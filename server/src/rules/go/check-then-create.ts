/** GO702 check-then-create: a path checked with Stat (or an *Exists helper) and then created without O_EXCL. */
import type { Node } from '../../engine/syntax';
import { replaceNode } from '../../engine/fix';
import {
  GO_FUNCS,
  addGoImports,
  ancestorsOf,
  blockBodyAt,
  callArgs,
  calleeText,
  enclosingFuncOf,
  enclosingStatement,
  forEachDescendant,
  goHeader,
  goPackageName,
  insertStatementAfter,
  nilComparison,
  paramsOf,
  redeclaredBetween,
  regionsHolding,
  statementTerminates,
  statementsOf,
  unparen,
} from '../../engine/golang';
import { defineRule, type Fix, type RuleContext, type Severity, type TextEdit } from '../../engine/rule';

/** Calls that create or truncate a file at their first argument. */
const CREATE = /^(os\.(Create|WriteFile|OpenFile)|ioutil\.WriteFile)$/;
/** Calls that check whether a path exists. */
const STAT = /^os\.(Stat|Lstat)$/;
/** Helpers named like existence checks (`fileExists`, `utils.PathExists`, `exists`). */
const EXISTS_HELPER = /(^|\.)\w*[eE]xists?$/;
/** Calls that take a file lock between the check and the create. */
const FILE_LOCK = /(^|\.)(Flock|FcntlFlock|LockFileEx|LockFile|TryLockFile)$|^(lockfile|flock|lockedfile|filelock|fslock)\./i;

/** A check of `path` that comes before the create in the same function and gates control flow. */
interface Check {
  call: Node;
  /** The if statement whose condition tests the check, when one is found. */
  ifStmt?: Node;
  /** Which branch of that if runs when the path exists: 'then', 'else', or unknown. */
  existsBranch?: 'then' | 'else';
}

/** Whether one of the functions in `chain` takes an HTTP handler parameter (a ResponseWriter or a gin/echo context). */
function handlerParam(chain: Node[]): boolean {
  for (const n of chain) {
    if (!GO_FUNCS.has(n.type)) continue;
    const params = paramsOf(n.childForFieldName('parameters'));
    if (params.some((p) => /^(http\.ResponseWriter|\*gin\.Context|echo\.Context)$/.test(p.type))) return true;
  }
  return false;
}

/** Whether `node` runs in a goroutine started inside its own declaration (`go func() { … }()`). */
function inGoroutine(chain: Node[]): boolean {
  return chain.some((n, i) => n.type === 'func_literal' && chain[i - 1]?.type === 'call_expression' && chain[i - 2]?.type === 'go_statement');
}

/** The names a statement binds from a call (`_, err := os.Stat(p)` binds `err`; `ok := exists(p)` binds `ok`). */
function boundNames(stmt: Node): string[] {
  if (stmt.type !== 'short_var_declaration' && stmt.type !== 'assignment_statement' && stmt.type !== 'var_declaration') return [];
  const left = stmt.type === 'var_declaration' ? stmt.descendantsOfType('var_spec').flatMap((s) => s?.childrenForFieldName('name') ?? []) : stmt.childForFieldName('left')?.namedChildren ?? [];
  return left.map((n) => n?.text ?? '').filter((t) => t && t !== '_');
}

/** Whether `cond` mentions one of `names` as an identifier. */
function mentions(cond: Node | null | undefined, names: readonly string[]): boolean {
  if (!cond) return false;
  if (cond.type === 'identifier' && names.includes(cond.text)) return true;
  let found = false;
  forEachDescendant(cond, (n) => {
    if (found) return false;
    if (n.type === 'identifier' && names.includes(n.text)) found = true;
  });
  return found;
}

/** Which branch of an if testing the check runs when the path exists. */
function existsBranchOf(cond: Node, names: readonly string[], isStat: boolean): 'then' | 'else' | undefined {
  const c = unparen(cond);
  if (!c) return undefined;
  const text = c.text.replace(/\s+/g, '');
  if (isStat) {
    const err = names[names.length - 1] ?? '';
    const op = nilComparison(c, err);
    if (c.type === 'binary_expression' && op && c.text.replace(/\s+/g, '') === `${err}${op}nil`) return op === '==' ? 'then' : 'else';
    if (text === `os.IsNotExist(${err})` || text === `errors.Is(${err},fs.ErrNotExist)` || text === `errors.Is(${err},os.ErrNotExist)`) return 'else';
    if (text === `!os.IsNotExist(${err})` || text === `os.IsExist(${err})`) return 'then';
    return undefined;
  }
  if (c.type === 'call_expression') return 'then';
  if (c.type === 'unary_expression' && c.child(0)?.type === '!') return 'else';
  if (c.type === 'identifier' && names.includes(c.text)) return 'then';
  return undefined;
}

/** An expression's text without white space, so `dir + "/x"` and `dir+"/x"` compare equal. */
function squash(text: string): string {
  return text.replace(/\s+/g, '');
}

/** The latest check of `path` before `create` in `fn` whose result gates an if, switch or loop. */
function findCheck(fn: Node, create: Node, path: string): Check | undefined {
  let found: Check | undefined;
  forEachDescendant(fn, (n) => {
    if (n.startIndex >= create.startIndex) return false;
    if (n.type !== 'call_expression') return;
    const callee = calleeText(n);
    const isStat = STAT.test(callee);
    if (!isStat && (!EXISTS_HELPER.test(callee) || /^os\.Is/.test(callee))) return;
    if (squash(callArgs(n)[0]?.text ?? '') !== squash(path)) return;
    // Directly in a condition, or in an if/switch initializer tested by the condition.
    let check: Check | undefined;
    for (let p: Node | null = n.parent, child: Node = n; p && !GO_FUNCS.has(p.type); child = p, p = p.parent) {
      if (p.type === 'if_statement' || p.type === 'for_statement' || /switch_statement$/.test(p.type)) {
        const cond = p.childForFieldName('condition') ?? p.childForFieldName('value');
        const init = p.childForFieldName('initializer');
        if (cond && child.id === cond.id) {
          check = { call: n, ifStmt: p.type === 'if_statement' ? p : undefined, existsBranch: p.type === 'if_statement' ? existsBranchOf(cond, [], isStat) : undefined };
        } else if (init && child.id === init.id) {
          const names = boundNames(init);
          if (names.length && (mentions(cond, names) || p.type !== 'if_statement')) {
            check = { call: n, ifStmt: p.type === 'if_statement' ? p : undefined, existsBranch: cond && p.type === 'if_statement' ? existsBranchOf(cond, names, isStat) : undefined };
          }
        }
        break;
      }
      if (p.type === 'expression_statement' || p.type === 'block') break;
      const owner = p.parent;
      if (owner && (owner.type === 'if_statement' || /switch_statement$/.test(owner.type)) && owner.childForFieldName('initializer')?.id === p.id) continue;
      if (p.type === 'short_var_declaration' || p.type === 'assignment_statement' || p.type === 'var_declaration') {
        // A bound result: gating when a later condition before the create tests it.
        const names = boundNames(p);
        if (!names.length) break;
        forEachDescendant(fn, (m) => {
          if (check || m.startIndex >= create.startIndex) return false;
          if (m.startIndex < p!.endIndex) return;
          if (m.type !== 'if_statement' && m.type !== 'for_statement' && !/switch_statement$/.test(m.type)) return;
          const cond = m.childForFieldName('condition') ?? m.childForFieldName('value');
          if (mentions(cond, names)) {
            check = { call: n, ifStmt: m.type === 'if_statement' ? m : undefined, existsBranch: cond && m.type === 'if_statement' ? existsBranchOf(cond, names, isStat) : undefined };
          }
        });
        break;
      }
    }
    if (check) found = check;
  });
  return found;
}

/** Whether a file lock is taken between the check and the create. */
function lockedBetween(fn: Node, from: number, to: number): boolean {
  let found = false;
  forEachDescendant(fn, (n) => {
    if (found || n.startIndex >= to) return false;
    if (n.type === 'call_expression' && n.startIndex > from && FILE_LOCK.test(calleeText(n))) found = true;
  });
  return found;
}

/** Whether an earlier create of the same path lies between the check and this create. */
function createdBetween(fn: Node, from: number, to: number, path: string): boolean {
  let found = false;
  forEachDescendant(fn, (n) => {
    if (found || n.startIndex >= to) return false;
    if (n.type === 'call_expression' && n.startIndex > from && CREATE.test(calleeText(n)) && squash(callArgs(n)[0]?.text ?? '') === squash(path)) found = true;
  });
  return found;
}

/** The assisted fix: create exclusively, and mirror the exists-branch for a file that appeared meanwhile. */
function exclusiveFix(ctx: RuleContext, create: Node, check: Check): Fix | undefined {
  const callee = calleeText(create);
  const args = callArgs(create);
  const edits: TextEdit[] = [];
  if (callee === 'os.Create' && args.length === 1) {
    edits.push(replaceNode(create, `os.OpenFile(${args[0].text}, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)`));
  } else if (callee === 'os.OpenFile' && args.length === 3 && /\bO_CREATE\b/.test(args[1].text)) {
    edits.push({ start: args[1].endIndex, end: args[1].endIndex, newText: '|os.O_EXCL' });
  } else {
    return undefined;
  }
  // The branch that handled an existing file, when it leaves the function: repeat it for fs.ErrExist.
  const stmt = enclosingStatement(create);
  const left = stmt?.type === 'short_var_declaration' || stmt?.type === 'assignment_statement' ? stmt.childForFieldName('left')?.namedChildren.filter((x) => x && x.type !== 'comment') ?? [] : [];
  const errName = left.length === 2 && left[1]?.type === 'identifier' && left[1].text !== '_' ? left[1].text : undefined;
  const branch =
    check.ifStmt && check.existsBranch === 'then'
      ? check.ifStmt.childForFieldName('consequence')
      : check.ifStmt && check.existsBranch === 'else'
        ? check.ifStmt.childForFieldName('alternative')
        : null;
  const stmts = branch?.type === 'block' ? statementsOf(branch) : [];
  if (stmt && errName && branch?.type === 'block' && stmts.length && statementTerminates(stmts[stmts.length - 1]) && !(create.startIndex >= branch.startIndex && create.endIndex <= branch.endIndex)) {
    const { body } = blockBodyAt(ctx.text, branch, '\t');
    if (body) {
      edits.push(insertStatementAfter(ctx.text, stmt, `if errors.Is(${errName}, fs.ErrExist) {\n${body}\n}`));
      edits.push(...addGoImports(ctx.text, ctx.root, ['errors', 'io/fs']));
    }
  }
  return { title: 'Create the file exclusively (O_EXCL) instead of checking first', applicability: 'assisted', edits };
}

export default defineRule({
  code: 'GO702',
  name: 'check-then-create',
  language: 'go',
  category: 'data-integrity',
  severity: 'warning',
  fix: 'sometimes',
  summary: 'A path is checked with os.Stat or an *Exists helper and then created without O_EXCL, so two concurrent callers both pass the check and the second truncates the first one\'s file.',
  kinds: ['call_expression'],
  callees: CREATE,
  facts: [goHeader],
  docs: {
    whatItDoes:
      'Flags `os.Create(p)`, `os.WriteFile(p, …)` and `os.OpenFile(p, …)` without `O_EXCL` when the same function earlier checks the same path with `os.Stat(p)`, `os.Lstat(p)` or a helper named like `fileExists(p)` and branches on the result. Creates with `O_EXCL`, creates after a file lock is taken (`flock`, a lockfile), and creates under the same mutex as the check are left alone. `_test.go` files are skipped.',
    whyBad:
      'The check and the create are two system calls with a window between them. Two concurrent uploads of the same name both see "not there", both create the file, and the second one truncates what the first one is writing: a corrupted or mixed file with no error anywhere. In an HTTP handler the window is hit under ordinary load (retries, double clicks); in single-shot CLI initialisation it is unlikely, so that is reported at info.',
    example:
      'func store(w http.ResponseWriter, dst string, body io.Reader) {\n\tif _, err := os.Stat(dst); err == nil {\n\t\thttp.Error(w, "exists", http.StatusConflict)\n\t\treturn\n\t}\n\tf, err := os.Create(dst)\n\tif err != nil {\n\t\thttp.Error(w, err.Error(), 500)\n\t\treturn\n\t}\n\tdefer f.Close()\n\tio.Copy(f, body)\n}',
    useInstead:
      'func store(w http.ResponseWriter, dst string, body io.Reader) {\n\tf, err := os.OpenFile(dst, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)\n\tif errors.Is(err, fs.ErrExist) {\n\t\thttp.Error(w, "exists", http.StatusConflict)\n\t\treturn\n\t}\n\tif err != nil {\n\t\thttp.Error(w, err.Error(), 500)\n\t\treturn\n\t}\n\tdefer f.Close()\n\tio.Copy(f, body)\n}',
    fixSafety:
      'Assisted, because it turns "truncate whatever is there" into "fail if it exists": replaces `os.Create(p)` with `os.OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)` (read-write like `os.Create`, where the catalogue suggests `O_WRONLY`, so code that reads the file back keeps working), or adds `|os.O_EXCL` to an `OpenFile` that has `O_CREATE`; when the earlier exists-branch leaves the function, it is repeated under `if errors.Is(err, fs.ErrExist)` right after the create, and the `errors` and `io/fs` imports are added. The now redundant check is left for you to remove. `os.WriteFile` gets no fix.',
    related: 'gosec G122 (TOCTOU only inside filepath.Walk/WalkDir callbacks); GO703 non-atomic-file-publish; PY701 check-then-act-filesystem.',
  },
  check(node, ctx) {
    if (ctx.isTestFile) return;
    const callee = calleeText(node);
    if (!CREATE.test(callee)) return;
    const args = callArgs(node);
    const path = args[0]?.text;
    if (!path) return;
    if (callee === 'os.OpenFile' && (/\bO_EXCL\b/.test(args[1]?.text ?? '') || !/\bO_(CREATE|TRUNC)\b/.test(args[1]?.text ?? ''))) return;
    const fn = enclosingFuncOf(ctx, node);
    if (!fn) return;
    const check = findCheck(fn, node, path);
    if (!check) return;
    if (lockedBetween(fn, check.call.endIndex, node.startIndex)) return;
    // The same text may name another variable by now (`path := …` in a loop over other files).
    if (redeclaredBetween(fn, args[0], check.call.endIndex, node.startIndex)) return;
    // A retry of the same create after the first one failed: the first create carries the finding.
    if (createdBetween(fn, check.call.endIndex, node.startIndex, path)) return;
    const held = regionsHolding(ctx, check.call);
    if (held.some((r) => node.startIndex >= r.start && node.endIndex <= r.end)) return;
    const chain = [...ancestorsOf(ctx, node), node];
    let severity: Severity = 'warning';
    if (handlerParam(chain)) severity = 'error';
    else if (goPackageName(ctx) === 'main' && !inGoroutine(chain)) severity = 'info';
    const checkText = calleeText(check.call);
    const fix = exclusiveFix(ctx, node, check);
    ctx.report({
      node,
      severity,
      message: `${callee}(${path}) runs after ${checkText}(${path}) decided the file may be created: two concurrent callers both pass the check and the second truncates the first one's file`,
      fixes: fix ? [fix] : [],
    });
  },
});
