/** Turns engine findings into LSP diagnostics, carrying their fixes and the document version in `data`. */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { DiagnosticSeverity, DiagnosticTag, type Diagnostic } from 'vscode-languageserver';
import { URI } from 'vscode-uri';
import type { Finding, Fix, Severity } from './engine/rule';
import { ruleDocsUrl } from './engine/rule';
import { SUPPRESSION_WITHOUT_REASON, UNUSED_SUPPRESSION } from './engine/suppress';
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

/** The docs/ folder shipped beside the bundle (dist/../docs), or the checkout's when running from sources. */
export const DOCS_DIR: string | undefined = [path.join(__dirname, '..', 'docs'), path.join(__dirname, '..', '..', '..', 'docs')].find(
  (d) => existsSync(path.join(d, 'rules', 'README.md')),
);

const hrefs = new Map<string, string>();

/**
 * The page explaining a finding: the rule's page (or the suppression page for suppression hints) shipped with the
 * extension, as a file URI the editor opens; the repository page when the docs are not on disk.
 */
export function docsHref(f: Pick<Finding, 'code' | 'name'>): string {
  let href = hrefs.get(f.code);
  if (href) return href;
  const suppression = f.code === UNUSED_SUPPRESSION || f.code === SUPPRESSION_WITHOUT_REASON;
  const local = DOCS_DIR && (suppression ? path.join(DOCS_DIR, 'suppressions.md') : path.join(DOCS_DIR, 'rules', `${f.name}.md`));
  if (local && existsSync(local)) href = URI.file(local).toString();
  else href = suppression ? ruleDocsUrl({ name: 'README' }).replace('/rules/README.md', '/suppressions.md') : ruleDocsUrl(f);
  hrefs.set(f.code, href);
  return href;
}

/** Converts one finding; `severity` is the configured severity of its rule, when the configuration sets one. */
export function toDiagnostic(f: Finding, lines: LineIndex, version: number, severity?: Severity): Diagnostic {
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
    severity: SEVERITY[severity ?? f.severity],
    code: f.code,
    codeDescription: { href: docsHref(f) },
    source: 'steady',
    message: f.message,
    ...(f.code === UNUSED_SUPPRESSION ? { tags: [DiagnosticTag.Unnecessary] } : {}),
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
