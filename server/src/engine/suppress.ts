/**
 * Suppression comments (RULES.md §0): `steady:ignore ID[,ID…] reason` on the anchor line or alone on the line
 * above it, and `steady:ignore-file ID[,ID…] reason` among the file's leading comments.
 */
import type { Node } from 'web-tree-sitter';
import type { LanguageId } from '../languages';
import type { Finding } from './rule';

/** One parsed suppression comment. */
export interface Suppression {
  /** Rule codes or names it names. */
  ids: string[];
  reason: string;
  fileLevel: boolean;
  /** 0-based lines it silences (line-level only). */
  lines: number[];
  start: number;
  end: number;
}

const MARK = /steady:ignore(-file)?(?=\s|$)([^\n]*)/g;

/** Splits the text after the marker into the rule IDs and the free-text reason. */
export function parseSuppressionBody(body: string): { ids: string[]; reason: string } {
  const ids: string[] = [];
  let rest = body.trim();
  for (;;) {
    const m = /^([A-Za-z]{2}\d{3}|[a-z0-9]+(?:-[a-z0-9]+)+)\s*(,\s*)?/.exec(rest);
    if (!m) break;
    ids.push(m[1]);
    rest = rest.slice(m[0].length);
    if (!m[2]) break;
  }
  return { ids, reason: rest.trim() };
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
    const { ids, reason } = parseSuppressionBody(body);
    const fileLevel = m[1] === '-file';
    if (fileLevel && node.startIndex > firstCode) continue;
    const line = lineOf(lineStarts, node.startIndex);
    const lineText = text.slice(lineStarts[line], node.startIndex);
    const alone = lineText.trim() === '';
    out.push({
      ids,
      reason,
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

/** Drops the findings silenced by suppression comments. */
export function applySuppressions(findings: Finding[], text: string, root: Node, language: LanguageId): Finding[] {
  if (findings.length === 0) return findings;
  const sups = findSuppressions(text, root, language);
  if (sups.length === 0) return findings;
  const lineStarts = lineStartsOf(text);
  const names = (f: Finding) => [f.code, f.name];
  return findings.filter((f) => {
    const line = lineOf(lineStarts, f.start);
    for (const s of sups) {
      if (!s.ids.some((id) => names(f).includes(id) || names(f).includes(id.toUpperCase()))) continue;
      if (s.fileLevel || s.lines.includes(line)) return false;
    }
    return true;
  });
}
