/** Hover on a rule code inside a suppression comment: the rule's title, summary and a link to its page. */
import type { Hover, Position } from 'vscode-languageserver';
import { docsHref } from './diagnostics';
import type { OpenDocument } from './documents';
import { findSuppressions } from './engine/suppress';
import { findRule } from './rules';

/** The hover for a position of a document, when it is on a rule code or name of a `steady:ignore` comment. */
export function suppressionHover(doc: OpenDocument, position: Position): Hover | null {
  const root = doc.syntax();
  if (!root) return null;
  const offset = doc.lines.offset(position);
  const comment = root.descendantForIndex(offset);
  if (!comment || comment.type !== 'comment' || !comment.text.includes('steady:ignore')) return null;
  const sups = findSuppressions(doc.text, root, doc.language).filter((s) => s.start === comment.startIndex);
  for (const s of sups) {
    for (let i = 0; i < s.ids.length; i++) {
      const r = s.idRanges[i];
      if (offset < r.start || offset > r.end) continue;
      const range = doc.lines.range(r.start, r.end);
      const rule = findRule(s.ids[i]);
      if (!rule) {
        return { range, contents: { kind: 'markdown', value: `**${s.ids[i]}**: no Steady rule has this code or name, so it silences nothing.` } };
      }
      const value = [
        `**${rule.code} ${rule.name}** (${rule.category}, ${rule.severity} by default)`,
        '',
        rule.summary,
        '',
        `[Rule documentation](${docsHref(rule)})`,
      ].join('\n');
      return { range, contents: { kind: 'markdown', value } };
    }
  }
  return null;
}
