/** PY302 hot-retry-loop: a `while True:` loop that retries failed I/O at once, with no pause between attempts. */
import type { Node } from '../../engine/syntax';
import { eol, indentAt, insertAfter } from '../../engine/fix';
import {
  addImport,
  ancestorsOf,
  calleeName,
  calleeText,
  caughtTypes,
  exceptParts,
  forEachDescendant,
  indentUnitAt,
  isForeverCondition,
  mergeInsertions,
  PY_SCOPES,
  statementsOf,
  targetNames,
} from '../../engine/python';
import { defineRule, type Fix, type RuleContext, type TextEdit } from '../../engine/rule';

/** Handler types that catch the errors a broken socket, pipe or connection raises on every attempt. */
const CATCHES_IO_FAILURE =
  /^(builtins\.)?(Exception|BaseException|OSError|IOError|EnvironmentError|ConnectionError|ConnectionResetError|ConnectionRefusedError|ConnectionAbortedError|BrokenPipeError)$|^(socket|select)\.error$/;

/** Calls that do I/O which can fail the same way on every attempt (a closed socket, a dead server). */
const IO_CALL = /^(recv\w*|accept|read\w*|connect(_ex)?|create_connection|get|send\w*|urlopen|request|getresponse|post|fetch\w*)$/;

/** Calls that pause the loop: sleeps, waits, selects and polls, backoff helpers. */
const PAUSE_CALL = /sleep|wait|select|poll|backoff|delay|throttle|pause/i;

/** Calls that block before the `try` until there is work (`queue.get()`), so a failure cannot repeat at once. */
const BLOCKING_CALL = /^(get|recv\w*|accept|read\w*|wait\w*|select|poll|input|join)$/;

/** Calls that end the process or the thread. */
const EXITS = /^(sys\.exit|exit|quit|os\._exit|os\.abort)$/;

function calls(node: Node, test: (call: Node) => boolean): boolean {
  let found = false;
  const check = (n: Node): void | false => {
    if (found) return false;
    if (n.type === 'call' && test(n)) found = true;
  };
  if (check(node) !== false && !found) forEachDescendant(node, check);
  return found;
}

/** Whether the handler leaves the loop, ends the process, or uses the exception it caught. */
function handlesFailure(block: Node, alias: string | undefined, loop: Node): boolean {
  let found = false;
  forEachDescendant(block, (n) => {
    if (found) return false;
    if (n.type === 'raise_statement' || n.type === 'return_statement') found = true;
    else if (n.type === 'break_statement' && nearestLoop(n)?.id === loop.id) found = true;
    else if (n.type === 'call' && EXITS.test(calleeText(n))) found = true;
    else if (alias && n.type === 'identifier' && n.text === alias) found = true;
  });
  return found;
}

function nearestLoop(node: Node): Node | null {
  const up = ancestorsOf(node);
  for (let i = up.length - 1; i >= 0; i--) {
    if (up[i].type === 'for_statement' || up[i].type === 'while_statement') return up[i];
    if (PY_SCOPES.has(up[i].type)) return null;
  }
  return null;
}

/** Names a subtree assigns (outside nested scopes). */
function assignedNames(node: Node): Set<string> {
  const out = new Set<string>();
  forEachDescendant(node, (n) => {
    if (n.type === 'assignment' || n.type === 'augmented_assignment') targetNames(n.childForFieldName('left'), out);
  });
  return out;
}

/** The edits inserting `pause` as the handler's last statement (before a final `continue`, replacing a lone `pass`). */
function pauseEdit(ctx: RuleContext, clause: Node, block: Node, pause: string): TextEdit | undefined {
  const stmts = statementsOf(block);
  if (!stmts.length) return undefined;
  const colon = clause.children.find((c) => c?.type === ':');
  const nl = eol(ctx.text);
  if (colon && block.startPosition.row === colon.startPosition.row) {
    // `except OSError: pass` on one line: lay the handler out on its own lines.
    if (stmts.some((s) => s.startPosition.row !== s.endPosition.row)) return undefined;
    const indent = indentAt(ctx.text, clause.startIndex) + indentUnitAt(ctx.text, clause.parent ?? clause);
    const kept = stmts.filter((s) => s.type !== 'pass_statement').map((s) => ctx.textOf(s));
    const last = kept.length && stmts[stmts.length - 1].type === 'continue_statement' ? [kept.pop()!] : [];
    return { start: colon.endIndex, end: block.endIndex, newText: [...kept, pause, ...last].map((l) => `${nl}${indent}${l}`).join('') };
  }
  const last = stmts[stmts.length - 1];
  if (stmts.length === 1 && last.type === 'pass_statement') return { start: last.startIndex, end: last.endIndex, newText: pause };
  if (last.type === 'continue_statement') {
    if (stmts.length === 1) return { start: last.startIndex, end: last.startIndex, newText: `${pause}${nl}${indentAt(ctx.text, last.startIndex)}` };
    return insertAfter(ctx.text, stmts[stmts.length - 2], pause);
  }
  return insertAfter(ctx.text, last, pause);
}

function enclosingDef(up: Node[]): Node | null {
  for (let i = up.length - 1; i >= 0; i--) {
    if (up[i].type === 'function_definition') return up[i];
    if (up[i].type === 'class_definition') return null;
  }
  return null;
}

export default defineRule({
  code: 'PY302',
  name: 'hot-retry-loop',
  language: 'python',
  category: 'error-handling',
  severity: 'warning',
  fix: 'sometimes',
  summary: 'A while True loop retries failed I/O immediately, so a broken socket or dead server makes it spin at full CPU.',
  kinds: ['except_clause'],
  docs: {
    whatItDoes:
      'Flags the handler of a `try` inside a `while True:` loop when the `try` body does I/O (`recv*`, `accept`, `read*`, ' +
      '`connect`, `get`, `send*`, `urlopen`, …), the handler catches everything (bare, `Exception`, `BaseException`) or, ' +
      'beyond the catalogue, the `OSError` family a broken socket raises on every attempt (`OSError`, `IOError`, ' +
      '`socket.error`, `ConnectionError` and its subclasses; timeouts are not in it, since a timeout has already waited), ' +
      'and the handler neither leaves the loop (`raise`, `break`, `return`, `sys.exit`), nor uses the exception it bound, ' +
      'nor assigns a default the `try` body also assigns. Loops that pause anywhere (`time.sleep`, `Event.wait`, ' +
      '`asyncio.sleep`, `select`, `poll`, a backoff helper) and loops that block on a call before the `try` ' +
      '(`item = jobs.get()`) are left alone.',
    whyBad:
      'When the failure is permanent (the socket was closed, the peer is gone, the disk is full) every attempt fails at ' +
      'once, and the loop turns into a busy loop: one core at 100%, the log flooded with the same line thousands of times a ' +
      'second (filling the disk), and the other threads starved of the GIL. The process looks alive to its supervisor, so ' +
      'nothing restarts it.',
    example:
      'while True:\n    try:\n        data, addr = sock.recvfrom(2048)\n        handle(data, addr)\n    except Exception:\n        log("recv failed")',
    useInstead:
      'backoff = 0.1\nwhile True:\n    try:\n        data, addr = sock.recvfrom(2048)\n        handle(data, addr)\n        backoff = 0.1\n' +
      '    except OSError as exc:\n        log(f"recv failed: {exc!r}")\n        time.sleep(backoff)\n        backoff = min(backoff * 2, 30)',
    fixSafety:
      'Assisted, because it changes timing: inserts `time.sleep(1.0)` as the last statement of the handler (before a final ' +
      '`continue`; `await asyncio.sleep(1.0)` in an `async def`) and adds the import. A fixed pause stops the spin; consider ' +
      'exponential backoff, and leaving the loop when the error is permanent. No fix is offered when the handler shares a ' +
      'line with a multi-line statement.',
    related: 'Ruff PERF203 try-except-in-loop (performance only), S112 try-except-continue, ASYNC110 (async busy-wait); PY301 silent-broad-except.',
  },
  check(clause, ctx) {
    const { type, alias, block } = exceptParts(clause);
    if (!block) return;
    if (type && !caughtTypes(type).some((t) => CATCHES_IO_FAILURE.test(t))) return;
    const tryStmt = clause.parent;
    const tryBody = tryStmt?.type === 'try_statement' ? tryStmt.childForFieldName('body') : null;
    if (!tryStmt || !tryBody) return;
    const up = ancestorsOf(tryStmt);
    let loop: Node | null = null;
    for (let i = up.length - 1; i >= 0 && !PY_SCOPES.has(up[i].type); i--) {
      if (up[i].type === 'for_statement' || up[i].type === 'while_statement') {
        loop = up[i];
        break;
      }
    }
    if (!loop || loop.type !== 'while_statement' || !isForeverCondition(loop.childForFieldName('condition'))) return;
    const loopBody = loop.childForFieldName('body');
    if (!loopBody) return;
    if (!calls(tryBody, (c) => IO_CALL.test(calleeName(c)))) return;
    if (handlesFailure(block, alias?.text, loop)) return;
    // The default-value idiom: the handler assigns what the try body would have assigned.
    const handlerAssigns = assignedNames(block);
    if (handlerAssigns.size && [...assignedNames(tryBody)].some((n) => handlerAssigns.has(n))) return;
    if (calls(loopBody, (c) => PAUSE_CALL.test(calleeName(c)))) return;
    // A call that blocks before the try (outside it) paces the loop: a failure cannot repeat until it returns.
    for (const s of statementsOf(loopBody)) {
      if (s.startIndex >= tryStmt.startIndex) break;
      if (calls(s, (c) => BLOCKING_CALL.test(calleeName(c)))) return;
    }
    const fn = enclosingDef(up);
    const isAsync = !!fn && fn.child(0)?.type === 'async';
    const pause = isAsync ? 'await asyncio.sleep(1.0)' : 'time.sleep(1.0)';
    const fixes: Fix[] = [];
    const edit = pauseEdit(ctx, clause, block, pause);
    if (edit) {
      fixes.push({
        title: `Pause before retrying: ${pause}`,
        applicability: 'assisted',
        edits: mergeInsertions([addImport(ctx.text, ctx.root, isAsync ? 'asyncio' : 'time'), edit]),
      });
    }
    const what = type ? `except ${ctx.textOf(type)}` : 'bare except';
    ctx.report({
      node: clause,
      message: `${what} swallows the I/O failure and the while True loop retries at once with no pause: when the failure is permanent (closed socket, dead peer) the loop spins at 100% CPU and repeats its handler thousands of times a second`,
      fixes,
    });
  },
});
