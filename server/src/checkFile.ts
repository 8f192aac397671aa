/**
 * Checks one file from disk: reads and decodes it (skipping binary, non-UTF-8 and oversized files), optionally
 * applies every safe fix in place, and reports what remains in line/column form. Runs on the main thread or in a
 * worker; loadLanguages() must have finished.
 */
import { readFileSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { errorText, type SourceFile } from './discover';
import { fixKeepsSyntax } from './engine/fix';
import type { Finding, Rule, Severity, TextEdit } from './engine/rule';
import { analyzeText, fixAll } from './engine/run';
import { LineIndex } from './lineIndex';
import { countLines, displayPath, toReportDiagnostic, type FileReport, type ReportFailure } from './report/diagnostic';

/** Files larger than this are skipped: they are generated or data, and would take long to analyse. */
export const MAX_FILE_BYTES = 10 * 1024 * 1024;

/** How to check files. */
export interface CheckFileOptions {
  /** The rules to run (rules of other languages are ignored per file). */
  rules: readonly Rule[];
  /** Apply safe fixes and write the files back. */
  fix: boolean;
  /** The folder reported paths are relative to. */
  cwd: string;
  /** Severities the configuration sets, by rule code (applied to the findings). */
  severity?: Readonly<Record<string, Severity>>;
  /** Rule options from the configuration, by rule code. */
  ruleOptions?: Record<string, Record<string, unknown>>;
}

/** Findings with the configured severities applied. */
export function withSeverity(findings: Finding[], severity: Readonly<Record<string, Severity>> | undefined): Finding[] {
  if (!severity) return findings;
  return findings.map((f) => (severity[f.code] && severity[f.code] !== f.severity ? { ...f, severity: severity[f.code] } : f));
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Decodes a source file's bytes, or says why it is not analysed (binary, not UTF-8). A byte order mark is not part of
 * the code: it is dropped from `text`, and `bom` says whether there was one (to keep it when writing fixes back).
 */
export function decodeSource(bytes: Uint8Array): { text: string; bom: boolean } | { skip: string } {
  if (bytes.includes(0)) return { skip: 'binary file (contains NUL bytes)' };
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    return { skip: 'not valid UTF-8' };
  }
  const bom = text.charCodeAt(0) === 0xfeff;
  return { text: bom ? text.slice(1) : text, bom };
}

/** The smallest single edit turning `before` into `after` (common prefix and suffix kept). */
function diffEdit(before: string, after: string): TextEdit {
  let start = 0;
  const max = Math.min(before.length, after.length);
  while (start < max && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  let tail = 0;
  while (tail < max - start && before.charCodeAt(before.length - 1 - tail) === after.charCodeAt(after.length - 1 - tail)) tail++;
  return { start, end: before.length - tail, newText: after.slice(start, after.length - tail) };
}

/** The first line of an error, for a one-line report. */
function firstLineOf(e: unknown): string {
  const s = e instanceof Error ? `${e.name === 'Error' ? '' : `${e.name}: `}${e.message}` : String(e);
  return s.split('\n')[0].trim();
}

/** Checks one file; never throws for problems of the file itself (they become the report's status and notices). */
export function checkFile(file: SourceFile, opts: CheckFileOptions): FileReport {
  const rel = displayPath(opts.cwd, file.path);
  const report: FileReport = {
    path: rel,
    explicit: file.explicit,
    status: 'checked',
    lines: 0,
    diagnostics: [],
    fixesApplied: 0,
    failures: [],
    notices: [],
  };
  const skip = (status: 'skipped' | 'unreadable', why: string): FileReport => {
    report.status = status;
    report.notices.push(`${status === 'skipped' ? 'skipping' : 'cannot read'} ${rel}: ${why}`);
    return report;
  };

  let st: Stats;
  let bytes: Buffer;
  try {
    st = statSync(file.path);
    if (!st.isFile()) return skip('skipped', 'not a regular file');
    if (st.size > MAX_FILE_BYTES) return skip('skipped', `larger than ${MAX_FILE_BYTES / (1024 * 1024)} MB`);
    bytes = readFileSync(file.path);
  } catch (e) {
    return skip('unreadable', errorText(e));
  }
  if (bytes.length > MAX_FILE_BYTES) return skip('skipped', `larger than ${MAX_FILE_BYTES / (1024 * 1024)} MB`);
  const decoded = decodeSource(bytes);
  if ('skip' in decoded) return skip('skipped', decoded.skip);
  let text = decoded.text;
  const bom = decoded.bom ? '\ufeff' : '';

  const rules = opts.rules.filter((r) => r.language === file.language);
  const analyzeOpts = { path: file.path, ruleOptions: opts.ruleOptions };
  const failures = new Map<string, ReportFailure>();
  const analyze = (t: string) => {
    const result = analyzeText(file.language, t, rules, analyzeOpts);
    for (const f of result.failures) {
      if (!failures.has(f.code)) failures.set(f.code, { rule: f.code, message: firstLineOf(f.error) });
    }
    return result.findings;
  };

  let findings;
  try {
    findings = analyze(text);
    if (opts.fix && findings.some((f) => f.fixes.some((x) => x.applicability === 'safe'))) {
      const fixed = fixAll(file.language, text, rules, analyzeOpts);
      if (fixed.applied > 0 && fixed.text !== text) {
        if (!fixKeepsSyntax(file.language, text, [diffEdit(text, fixed.text)])) {
          report.notices.push(`not fixing ${rel}: the fixed code would not parse`);
        } else if (writeBack(file.path, st, bom + fixed.text, report, rel)) {
          report.fixesApplied = fixed.applied;
          text = fixed.text;
          findings = analyze(text);
        }
      }
    }
  } catch (e) {
    // The engine itself failed (not a rule: those are caught per rule): report the file, keep going.
    report.failures = [...failures.values()];
    return skip('skipped', `analysis failed: ${firstLineOf(e)}`);
  }

  const lines = new LineIndex(text);
  const byCode = new Map(rules.map((r) => [r.code, r]));
  report.lines = countLines(text);
  report.diagnostics = withSeverity(findings, opts.severity).map((f) => toReportDiagnostic(f, byCode.get(f.code)!, lines, rel));
  report.failures = [...failures.values()];
  return report;
}

/** Writes fixed text over a file unless it changed since it was read; records a notice when it cannot. */
function writeBack(file: string, before: Stats, text: string, report: FileReport, rel: string): boolean {
  try {
    const now = statSync(file);
    if (now.mtimeMs !== before.mtimeMs || now.size !== before.size) {
      report.notices.push(`not fixing ${rel}: it changed while it was being checked`);
      return false;
    }
    writeFileSync(file, text, 'utf8');
    return true;
  } catch (e) {
    report.notices.push(`cannot write fixes to ${rel}: ${errorText(e)}`);
    return false;
  }
}
