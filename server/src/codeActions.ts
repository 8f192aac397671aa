/**
 * Code actions: each fix of a Steady diagnostic as a quick fix, "disable for this line", and `source.fixAll.steady`.
 * Fixes computed for another document version are not offered, and a fix that would break parsing never is.
 */
import { CodeActionKind, type CodeAction, type Diagnostic, type TextEdit as LspTextEdit } from 'vscode-languageserver';
import { contentHash } from './cache';
import type { DiagnosticData } from './diagnostics';
import type { OpenDocument } from './documents';
import { fixKeepsSyntax, indentAt, syntaxErrorCount } from './engine/fix';
import type { AnalyzeOptions } from './engine/analyze';
import type { Rule, TextEdit } from './engine/rule';
import { fixAll } from './engine/run';
import { findSuppressions, SUPPRESSION_WITHOUT_REASON, UNUSED_SUPPRESSION } from './engine/suppress';
import { isDiskData } from './workspaceDiagnostics';

/** The code action kind of Steady's fix-all. */
export const FIX_ALL_KIND = `${CodeActionKind.SourceFixAll}.steady`;

function isData(d: unknown): d is DiagnosticData {
  return !!d && typeof d === 'object' && typeof (d as DiagnosticData).version === 'number' && Array.isArray((d as DiagnosticData).fixes);
}

/**
 * Whether a diagnostic's fixes were computed for the document's current text: the same version, or (for a file
 * analysed on disk before it was opened) the same content hash.
 */
function current(data: unknown, doc: OpenDocument, hash: () => string): data is Pick<DiagnosticData, 'fixes'> {
  if (isData(data)) return data.version === doc.version;
  return isDiskData(data) && data.contentHash === hash();
}

/** Whether a code-action request asked for kind `kind` (or did not restrict kinds). */
export function wants(only: readonly string[] | undefined, kind: string): boolean {
  if (!only || only.length === 0) return kind === CodeActionKind.QuickFix;
  return only.some((o) => kind === o || kind.startsWith(o + '.'));
}

/** The quick fixes and suppression actions for the Steady diagnostics of a request. */
export function quickFixes(doc: OpenDocument, diagnostics: readonly Diagnostic[]): CodeAction[] {
  const out: CodeAction[] = [];
  let baseErrors: number | undefined;
  let docHash: string | undefined;
  const hash = (): string => (docHash ??= contentHash(doc.text));
  for (const d of diagnostics) {
    if (d.source !== 'steady' || typeof d.code !== 'string') continue;
    // Stale diagnostics (computed for another version of the text) get no actions.
    if (!current(d.data, doc, hash)) continue;
    d.data.fixes.forEach((fx, i) => {
      const edits: TextEdit[] = fx.edits.map((e) => ({
        start: doc.lines.offset(e.range.start),
        end: doc.lines.offset(e.range.end),
        newText: e.newText,
      }));
      // Counted as the fixed text's errors are, on a fresh parse, unless the document's tree has none.
      baseErrors ??= doc.syntax()?.hasError === false ? 0 : syntaxErrorCount(doc.language, doc.text);
      if (!fixKeepsSyntax(doc.language, doc.text, edits, baseErrors)) return;
      out.push({
        title: fx.title,
        kind: CodeActionKind.QuickFix,
        diagnostics: [d],
        isPreferred: fx.applicability === 'safe' && i === 0,
        edit: { documentChanges: [{ textDocument: { uri: doc.uri, version: doc.version }, edits: fx.edits }] },
      });
    });
    if (d.code === UNUSED_SUPPRESSION || d.code === SUPPRESSION_WITHOUT_REASON) continue;
    out.push(disableForLine(doc, d));
    out.push(disableForFile(doc, d));
  }
  return out;
}

/** "Disable CODE for this line": a `steady:ignore` comment alone on the line above the diagnostic's line. */
export function disableForLine(doc: OpenDocument, d: Diagnostic): CodeAction {
  const code = String(d.code);
  const lineStart = doc.lines.offset({ line: d.range.start.line, character: 0 });
  const indent = indentAt(doc.text, lineStart);
  const marker = doc.language === 'go' ? '//' : '#';
  const nl = doc.text.includes('\r\n') ? '\r\n' : '\n';
  const edit: LspTextEdit = {
    range: { start: { line: d.range.start.line, character: 0 }, end: { line: d.range.start.line, character: 0 } },
    newText: `${indent}${marker} steady:ignore ${code} TODO: say why this is safe${nl}`,
  };
  return {
    title: `Disable ${code} for this line`,
    kind: CodeActionKind.QuickFix,
    diagnostics: [d],
    edit: { documentChanges: [{ textDocument: { uri: doc.uri, version: doc.version }, edits: [edit] }] },
  };
}

/**
 * "Disable CODE for this file": adds the code to the file's `steady:ignore-file` comment, or inserts one among the
 * leading comments (after the package clause in Go; at the top, after a shebang or encoding line, in Python).
 */
export function disableForFile(doc: OpenDocument, d: Diagnostic): CodeAction {
  const code = String(d.code);
  const nl = doc.text.includes('\r\n') ? '\r\n' : '\n';
  const marker = doc.language === 'go' ? '//' : '#';
  const comment = `${marker} steady:ignore-file ${code} TODO: say why this is safe`;
  const root = doc.syntax();
  const existing = root ? findSuppressions(doc.text, root, doc.language).find((s) => s.fileLevel && s.ids.length > 0) : undefined;
  let at: number;
  let newText: string;
  if (existing) {
    at = existing.idRanges[existing.idRanges.length - 1].end;
    newText = `, ${code}`;
  } else if (doc.language === 'go') {
    const pkg = doc.syntax()?.children.find((c) => c?.type === 'package_clause');
    if (pkg) {
      const lineEnd = doc.text.indexOf('\n', pkg.endIndex);
      at = lineEnd === -1 ? doc.text.length : doc.text[lineEnd - 1] === '\r' ? lineEnd - 1 : lineEnd;
      newText = `${nl}${nl}${comment}`;
    } else {
      at = 0;
      newText = `${comment}${nl}`;
    }
  } else {
    at = 0;
    for (let line = 0; line < 2; line++) {
      const end = doc.text.indexOf('\n', at);
      const text = doc.text.slice(at, end === -1 ? doc.text.length : end);
      const directive = (line === 0 && text.startsWith('#!')) || /^[ \t\f]*#.*?coding[:=][ \t]*[-\w.]+/.test(text);
      if (!directive || end === -1) break;
      at = end + 1;
    }
    newText = `${comment}${nl}`;
  }
  const pos = doc.lines.position(at);
  return {
    title: `Disable ${code} for this file`,
    kind: CodeActionKind.QuickFix,
    diagnostics: [d],
    edit: { documentChanges: [{ textDocument: { uri: doc.uri, version: doc.version }, edits: [{ range: { start: pos, end: pos }, newText }] }] },
  };
}

/** `source.fixAll.steady`: every safe fix, re-analysed until nothing changes, as one minimal edit. */
export function fixAllAction(doc: OpenDocument, rules: readonly Rule[], opts: AnalyzeOptions): CodeAction | undefined {
  const result = fixAll(doc.language, doc.text, rules, opts);
  if (result.applied === 0 || result.text === doc.text) return undefined;
  const a = doc.text;
  const b = result.text;
  let pre = 0;
  while (pre < a.length && pre < b.length && a.charCodeAt(pre) === b.charCodeAt(pre)) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a.charCodeAt(a.length - 1 - suf) === b.charCodeAt(b.length - 1 - suf)) suf++;
  const edit: LspTextEdit = { range: doc.lines.range(pre, a.length - suf), newText: b.slice(pre, b.length - suf) };
  return {
    title: `Fix all Steady problems (${result.applied} fix${result.applied === 1 ? '' : 'es'})`,
    kind: FIX_ALL_KIND,
    edit: { documentChanges: [{ textDocument: { uri: doc.uri, version: doc.version }, edits: [edit] }] },
  };
}
