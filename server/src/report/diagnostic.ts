/**
 * The report model of `steady check`: findings translated from UTF-16 offsets to 1-based lines and columns (columns
 * count UTF-16 code units, as editors do), with paths relative to the working folder. Every output format is built
 * from these types.
 */
import path from 'node:path';
import type { Category, Finding, Rule, Severity } from '../engine/rule';
import type { LineIndex } from '../lineIndex';

/** A 1-based line and 1-based UTF-16 column. */
export interface ReportPosition {
  line: number;
  column: number;
}

/** A range between two positions; the end is exclusive. */
export interface ReportRange {
  start: ReportPosition;
  end: ReportPosition;
}

/** One replacement of a fix, in positions of the reported file's text. */
export interface ReportEdit {
  range: ReportRange;
  newText: string;
}

/** A fix of a diagnostic: `safe` fixes are applied by `--fix`, `assisted` ones only offered. */
export interface ReportFix {
  title: string;
  applicability: 'safe' | 'assisted';
  edits: ReportEdit[];
}

/** A finding as reported: where, which rule, how bad, what goes wrong, and its fixes. */
export interface ReportDiagnostic {
  /** The file, relative to the working folder, with `/` separators. */
  path: string;
  /** The rule code, e.g. GO404. */
  rule: string;
  /** The rule name, e.g. signal-notify-without-sigterm. */
  name: string;
  category: Category;
  severity: Severity;
  message: string;
  range: ReportRange;
  fixes: ReportFix[];
}

/** A rule that threw while analysing a file (reported once per rule and file). */
export interface ReportFailure {
  rule: string;
  message: string;
}

/** The outcome of checking one file. */
export interface FileReport {
  /** The file, relative to the working folder, with `/` separators. */
  path: string;
  /** True when the file was named on the command line. */
  explicit: boolean;
  /** `checked`: analysed; `skipped`: not analysable (binary, not UTF-8, too large); `unreadable`: an I/O error. */
  status: 'checked' | 'skipped' | 'unreadable';
  /** Lines of the analysed text (after fixes); 0 unless checked. */
  lines: number;
  diagnostics: ReportDiagnostic[];
  /** Safe fixes written to the file. */
  fixesApplied: number;
  failures: ReportFailure[];
  /** One-line notices for the user (why the file was skipped, why fixes were not written). */
  notices: string[];
}

/** Everything a formatter needs about one run of `steady check`. */
export interface CheckReport {
  /** Steady's version. */
  version: string;
  /** The working folder the paths are relative to. */
  cwd: string;
  /** The rules that ran, in registry order. */
  rules: readonly Rule[];
  /** Files analysed (not skipped). */
  files: number;
  /** Lines analysed. */
  lines: number;
  /** All diagnostics, sorted by path, line and column. */
  diagnostics: ReportDiagnostic[];
  durationMs: number;
  /** Present after `--fix`: fixes applied and files rewritten. */
  fixed?: { fixes: number; files: number };
  /** Notices about skipped files and failing rules, also printed on stderr. */
  notices: string[];
}

/** A path relative to `cwd` with `/` separators, as reports show it. */
export function displayPath(cwd: string, abs: string): string {
  const rel = path.relative(cwd, abs) || path.basename(abs);
  return rel.split(path.sep).join('/');
}

/** The number of lines of a text as a person counts them: a final line break does not start another line. */
export function countLines(text: string): number {
  if (text.length === 0) return 0;
  let n = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) n++;
    else if (c === 13) {
      if (text.charCodeAt(i + 1) === 10) i++;
      n++;
    }
  }
  const last = text.charCodeAt(text.length - 1);
  return last === 10 || last === 13 ? n - 1 : n;
}

/** Converts UTF-16 offsets of a text to a 1-based report range. */
export function toReportRange(lines: LineIndex, start: number, end: number): ReportRange {
  const s = lines.position(start);
  const e = lines.position(end);
  return { start: { line: s.line + 1, column: s.character + 1 }, end: { line: e.line + 1, column: e.character + 1 } };
}

/** Translates an engine finding of `rule` into a report diagnostic for the file at `displayPath`. */
export function toReportDiagnostic(f: Finding, rule: Pick<Rule, 'category'>, lines: LineIndex, file: string): ReportDiagnostic {
  return {
    path: file,
    rule: f.code,
    name: f.name,
    category: rule.category,
    severity: f.severity,
    message: f.message,
    range: toReportRange(lines, f.start, f.end),
    fixes: f.fixes.map((fx) => ({
      title: fx.title,
      applicability: fx.applicability,
      edits: fx.edits.map((e) => ({ range: toReportRange(lines, e.start, e.end), newText: e.newText })),
    })),
  };
}

/** Orders diagnostics by path, line, column, then rule code and message (code-unit order, independent of locale). */
export function compareDiagnostics(a: ReportDiagnostic, b: ReportDiagnostic): number {
  const cmp = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);
  return (
    cmp(a.path, b.path) ||
    a.range.start.line - b.range.start.line ||
    a.range.start.column - b.range.start.column ||
    cmp(a.rule, b.rule) ||
    a.range.end.line - b.range.end.line ||
    a.range.end.column - b.range.end.column ||
    cmp(a.message, b.message)
  );
}

/** Whether a severity makes `steady check` fail (exit status 1). */
export function isFailing(severity: Severity): boolean {
  return severity === 'error' || severity === 'warning';
}
