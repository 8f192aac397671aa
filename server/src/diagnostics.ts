/** Turns engine findings into LSP diagnostics, carrying their fixes and the document version in `data`. */
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver';
import type { Finding, Fix } from './engine/rule';
import { ruleDocsUrl } from './engine/rule';
import type { LineIndex, Range } from './lineIndex';

/** A fix as carried in a diagnostic: edits in LSP ranges, so the code-action handler needs no server state. */
export interface WireFix {
  title: string;
  applicability: Fix['applicability'];
  edits: { range: Range; newText: string }[];
}

/** The `data` of a Steady diagnostic. */
export interface DiagnosticData {
  /** The document version the fixes were computed for. */
  version: number;
  fixes: WireFix[];
}

const SEVERITY: Record<Finding['severity'], DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

/** Converts one finding. */
export function toDiagnostic(f: Finding, lines: LineIndex, version: number): Diagnostic {
  const data: DiagnosticData = {
    version,
    fixes: f.fixes.map((fx) => ({
      title: fx.title,
      applicability: fx.applicability,
      edits: fx.edits.map((e) => ({ range: lines.range(e.start, e.end), newText: e.newText })),
    })),
  };
  return {
    range: lines.range(f.start, f.end),
    severity: SEVERITY[f.severity],
    code: f.code,
    codeDescription: { href: ruleDocsUrl(f) },
    source: 'steady',
    message: f.message,
    data,
  };
}

/** An info diagnostic at the top of a file Steady does not analyse, saying why. */
export function skippedDiagnostic(reason: string): Diagnostic {
  return {
    range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
    severity: DiagnosticSeverity.Information,
    source: 'steady',
    message: reason,
  };
}
