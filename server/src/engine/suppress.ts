/**
 * Suppression comments (RULES.md §0): `steady:ignore ID[,ID…] reason` on the anchor line or alone on the line
 * above it, and `steady:ignore-file ID[,ID…] reason` among the file's leading comments.
 */
import type { Node } from './syntax';
import type { LanguageId } from '../languages';
import type { Finding, Fix, Rule, TextEdit } from './rule';

/** One parsed suppression comment. */
export interface Suppression {
  /** Rule codes or names it names. */
  ids: string[];
  /** Where each of `ids` is in the text. */
  idRanges: { start: number; end: number }[];
  reason: string;
  /** Where the marker `steady:ignore…` starts and where the suppression's text (ids and reason) ends. */
  markStart: number;
  bodyEnd: number;
  fileLevel: boolean;
  /** 0-based lines it silences (line-level only). */
  lines: number[];
  start: number;
  end: number;
}

const MARK = /steady:ignore(-file)?(?=\s|$)([^\n]*)/g;

/** Splits the text after the marker into the rule IDs (with their offsets in `body`) and the free-text reason. */
export function parseSuppressionBody(body: string): { ids: string[]; reason: string; offsets: number[] } {
  const ids: string[] = [];
  const offsets: number[] = [];
  let at = body.length - body.trimStart().length;
  for (;;) {
    const m = /^([A-Za-z]{2}\d{3}|[a-z0-9]+(?:-[a-z0-9]+)+)(?=[\s,]|$)\s*(,\s*)?/.exec(body.slice(at));
    if (!m) break;
    ids.push(m[1]);
    offsets.push(at);
    at += m[0].length;
    if (!m[2]) break;
  }
  return { ids, reason: body.slice(at).trim(), offsets };
}

/** The 0-based line of an offset, given the offsets at which lines start (see lineStartsOf). */
export function lineOf(lineStarts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lineStarts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Offsets at which each line starts. */
export function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/** Finds every suppression comment in a file. Only real comments count, not strings that mention the marker. */
export function findSuppressions(text: string, root: Node, language: LanguageId): Suppression[] {
  if (text.indexOf('steady:ignore') === -1) return [];
  const out: Suppression[] = [];
  const lineStarts = lineStartsOf(text);
  const firstCode = firstNonComment(root);
  MARK.lastIndex = 0;
  for (let m = MARK.exec(text); m; m = MARK.exec(text)) {
    const node = root.descendantForIndex(m.index);
    if (!node || node.type !== 'comment') continue;
    let body = m[2];
    if (language === 'go' && node.text.startsWith('/*')) body = body.replace(/\*\/.*$/, '');
    body = body.replace(/\r$/, '');
    const { ids, reason, offsets } = parseSuppressionBody(body);
    const bodyStart = m.index + m[0].length - m[2].length;
    const fileLevel = m[1] === '-file';
    if (fileLevel && node.startIndex > firstCode) continue;
    const line = lineOf(lineStarts, node.startIndex);
    const lineText = text.slice(lineStarts[line], node.startIndex);
    const alone = lineText.trim() === '';
    out.push({
      ids,
      idRanges: ids.map((id, i) => ({ start: bodyStart + offsets[i], end: bodyStart + offsets[i] + id.length })),
      reason,
      markStart: m.index,
      bodyEnd: bodyStart + body.trimEnd().length,
      fileLevel,
      lines: alone ? [line, line + 1] : [line],
      start: node.startIndex,
      end: node.endIndex,
    });
  }
  return out;
}

function firstNonComment(root: Node): number {
  for (let i = 0; i < root.childCount; i++) {
    const c = root.child(i)!;
    if (c.type !== 'comment' && c.type !== 'package_clause') return c.startIndex;
  }
  return Number.MAX_SAFE_INTEGER;
}

/** The code of the hint for a suppression that silences nothing. */
export const UNUSED_SUPPRESSION = 'unused-suppression';
/** The code of the hint for a suppression without a reason. */
export const SUPPRESSION_WITHOUT_REASON = 'suppression-without-reason';

/** The outcome of applying a file's suppression comments. */
export interface SuppressionResult {
  /** The findings no suppression silenced. */
  kept: Finding[];
  /** Hints about the suppressions themselves: unused ones and ones without a reason. */
  hints: Finding[];
}

/** Whether a suppression id names a rule. */
function names(rule: Pick<Rule, 'code' | 'name'>, id: string): boolean {
  return rule.code === id.toUpperCase() || rule.name === id.toLowerCase();
}

/**
 * Drops the findings silenced by suppression comments, and reports suppressions that silence nothing (for the ids
 * of rules that ran, so a suppression of a rule switched off by configuration is not judged) and suppressions
 * without a reason. `judgeUnused` is false when a rule failed, since its findings are then unknown.
 */
export function applySuppressions(
  findings: Finding[],
  text: string,
  root: Node,
  language: LanguageId,
  rulesRun: readonly Pick<Rule, 'code' | 'name'>[] = [],
  judgeUnused = true,
): SuppressionResult {
  const sups = findSuppressions(text, root, language);
  if (sups.length === 0) return { kept: findings, hints: [] };
  const lineStarts = lineStartsOf(text);
  const used = sups.map((s) => s.ids.map(() => false));
  const kept = findings.filter((f) => {
    const line = lineOf(lineStarts, f.start);
    let silenced = false;
    sups.forEach((s, si) => {
      if (!s.fileLevel && !s.lines.includes(line)) return;
      s.ids.forEach((id, ii) => {
        if (names(f, id)) {
          used[si][ii] = true;
          silenced = true;
        }
      });
    });
    return !silenced;
  });
  const hints: Finding[] = [];
  sups.forEach((s, si) => {
    const unused = judgeUnused ? s.ids.map((id, ii) => !used[si][ii] && rulesRun.some((r) => names(r, id))) : [];
    if (unused.some(Boolean)) hints.push(unusedHint(s, unused, text, language));
    if (!s.reason && s.ids.length && !unused.every(Boolean)) hints.push(noReasonHint(s));
  });
  return { kept, hints };
}

function hint(code: string, start: number, end: number, message: string, fix: Fix): Finding {
  return { code, name: code, start, end, message, severity: 'hint', fixes: [fix] };
}

/** "Remove unused suppression": the whole comment when it only held the suppression, else the unused ids. */
function unusedHint(s: Suppression, unused: boolean[], text: string, language: LanguageId): Finding {
  const ids = s.ids.filter((_, i) => unused[i]);
  const what = s.fileLevel ? 'in this file' : 'on its line';
  const message =
    ids.length === 1
      ? `Unused suppression: ${ids[0]} reports nothing ${what}, so this comment only hides a future finding`
      : `Unused suppression: ${ids.join(', ')} report nothing ${what}, so this comment only hides future findings`;
  let edits: TextEdit[];
  if (ids.length < s.ids.length) {
    const keep = s.ids.filter((_, i) => !unused[i]);
    const first = s.idRanges[0].start;
    const last = s.idRanges[s.idRanges.length - 1].end;
    edits = [{ start: first, end: last, newText: keep.join(', ') }];
  } else {
    edits = [removeComment(s, text, language)];
  }
  return hint(UNUSED_SUPPRESSION, s.markStart, s.bodyEnd, message, {
    title: ids.length < s.ids.length ? `Remove ${ids.join(', ')} from the suppression` : 'Remove unused suppression',
    applicability: 'assisted',
    edits,
  });
}

/** The edit removing a suppression: its whole line, its whole comment, or the marker to the comment's end. */
function removeComment(s: Suppression, text: string, language: LanguageId): TextEdit {
  const opener = language === 'go' ? (text.startsWith('/*', s.start) ? '/*' : '//') : '#';
  const before = text.slice(s.start + opener.length, s.markStart);
  const commentIsSuppression = before.trim() === '';
  let lineStart = s.start;
  while (lineStart > 0 && text[lineStart - 1] !== '\n') lineStart--;
  let lineEnd = s.end;
  while (lineEnd < text.length && text[lineEnd] !== '\n') lineEnd++;
  if (commentIsSuppression) {
    const alone = text.slice(lineStart, s.start).trim() === '' && text.slice(s.end, lineEnd).trim() === '';
    if (alone) return { start: lineStart, end: Math.min(text.length, lineEnd + 1), newText: '' };
    let start = s.start;
    while (start > lineStart && (text[start - 1] === ' ' || text[start - 1] === '\t')) start--;
    return { start, end: s.end, newText: '' };
  }
  // Another tool's directive shares the comment: drop only the suppression's own text.
  let start = s.markStart;
  while (start > s.start + opener.length && (text[start - 1] === ' ' || text[start - 1] === '\t')) start--;
  return { start, end: s.bodyEnd, newText: '' };
}

/** "Add a reason": a placeholder for the reviewer to replace. */
function noReasonHint(s: Suppression): Finding {
  const at = s.idRanges[s.idRanges.length - 1].end;
  return hint(
    SUPPRESSION_WITHOUT_REASON,
    s.markStart,
    s.bodyEnd,
    'Suppression without a reason: say why the finding is safe here, so the next reader can tell when it stops being true',
    { title: 'Add a reason to the suppression', applicability: 'assisted', edits: [{ start: at, end: at, newText: ' TODO: say why this is safe' }] },
  );
}
