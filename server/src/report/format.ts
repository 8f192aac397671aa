/**
 * Output formats of `steady check`: `text` for a person at a terminal, `json` for scripts, and `sarif` (SARIF 2.1.0)
 * for code-scanning services. Each takes the whole CheckReport and returns the text to print.
 */
import { pathToFileURL } from 'node:url';
import type * as sarif from 'sarif';
import { ruleDocsUrl, type Severity } from '../engine/rule';
import type { CheckReport, ReportDiagnostic, ReportRange } from './diagnostic';

/** The output formats. */
export const FORMATS = ['text', 'json', 'sarif'] as const;

/** One output format. */
export type Format = (typeof FORMATS)[number];

/** Where Steady's sources and documentation live (SARIF's tool.driver.informationUri). */
export const HOMEPAGE = 'https://github.com/steady-dev/steady';

/** Formats a report in one of the formats; `color` applies to `text` only. */
export function formatReport(report: CheckReport, format: Format, opts: { color?: boolean } = {}): string {
  switch (format) {
    case 'json':
      return formatJson(report);
    case 'sarif':
      return formatSarif(report);
    default:
      return formatText(report, opts);
  }
}

const ANSI = {
  bold: '\x1b[1m',
  dim: '\x1b[2m',
  red: '\x1b[31m',
  yellow: '\x1b[33m',
  cyan: '\x1b[36m',
  reset: '\x1b[0m',
};

const SEVERITY_COLOR: Record<Severity, string> = {
  error: ANSI.red + ANSI.bold,
  warning: ANSI.yellow + ANSI.bold,
  info: ANSI.cyan,
  hint: ANSI.dim,
};

/** `n` and the noun, plural when n is not 1 (`1 file`, `2 files`; `info` does not change). */
function plural(n: number, noun: string): string {
  return `${n} ${n === 1 || noun === 'info' ? noun : `${noun}s`}`;
}

/** Whether a diagnostic has a fix that `--fix` would apply. */
function isFixable(d: ReportDiagnostic): boolean {
  return d.fixes.some((f) => f.applicability === 'safe');
}

/**
 * The text format: one `path:line:col: CODE [severity] name: message` line per diagnostic, then a summary line
 * (`Found 7 problems (2 errors, 5 warnings) in 3 files, 1 fixable with --fix`). ANSI colours only when asked.
 */
export function formatText(report: CheckReport, opts: { color?: boolean } = {}): string {
  const paint = (style: string, s: string): string => (opts.color ? `${style}${s}${ANSI.reset}` : s);
  const out: string[] = [];
  for (const d of report.diagnostics) {
    const where = `${paint(ANSI.bold, d.path)}:${d.range.start.line}:${d.range.start.column}:`;
    const sev = SEVERITY_COLOR[d.severity];
    const message = d.message.replace(/\s*\r?\n\s*/g, ' ');
    out.push(`${where} ${paint(sev, d.rule)} ${paint(sev, `[${d.severity}]`)} ${paint(ANSI.dim, `${d.name}:`)} ${message}`);
  }
  if (out.length) out.push('');
  if (report.fixed) {
    out.push(`Fixed ${plural(report.fixed.fixes, 'problem')} in ${plural(report.fixed.files, 'file')}`);
  }
  const n = report.diagnostics.length;
  if (n === 0) {
    out.push(paint(ANSI.bold, `Checked ${plural(report.files, 'file')}, no problems found`));
  } else {
    const counts = new Map<Severity, number>();
    for (const d of report.diagnostics) counts.set(d.severity, (counts.get(d.severity) ?? 0) + 1);
    const parts = (['error', 'warning', 'info', 'hint'] as const)
      .filter((s) => counts.has(s))
      .map((s) => plural(counts.get(s)!, s));
    const files = new Set(report.diagnostics.map((d) => d.path)).size;
    const fixable = report.diagnostics.filter(isFixable).length;
    let line = `Found ${plural(n, 'problem')} (${parts.join(', ')}) in ${plural(files, 'file')}`;
    if (fixable > 0 && !report.fixed) line += `, ${fixable} fixable with --fix`;
    out.push(paint(ANSI.bold + (counts.has('error') ? ANSI.red : counts.has('warning') ? ANSI.yellow : ''), line));
  }
  return out.join('\n') + '\n';
}

/** The JSON format: `{version, summary: {files, lines, diagnostics, durationMs}, diagnostics: [...]}`. */
export function formatJson(report: CheckReport): string {
  const summary: Record<string, unknown> = {
    files: report.files,
    lines: report.lines,
    diagnostics: report.diagnostics.length,
    durationMs: report.durationMs,
  };
  if (report.fixed) summary.fixed = report.fixed;
  const diagnostics = report.diagnostics.map((d) => ({
    path: d.path,
    rule: d.rule,
    name: d.name,
    category: d.category,
    severity: d.severity,
    message: d.message,
    range: d.range,
    fixes: d.fixes.map((f) => ({ title: f.title, applicability: f.applicability, edits: f.edits })),
  }));
  return JSON.stringify({ version: report.version, summary, diagnostics }, null, 2) + '\n';
}

const SARIF_LEVEL: Record<Severity, sarif.ReportingConfiguration.level> = {
  error: 'error',
  warning: 'warning',
  info: 'note',
  hint: 'note',
};

/** A SARIF region from a report range (SARIF columns are 1-based UTF-16 code units, the end exclusive, as ours). */
function region(r: ReportRange): sarif.Region {
  return { startLine: r.start.line, startColumn: r.start.column, endLine: r.end.line, endColumn: r.end.column };
}

/** A relative `/`-separated path as a URI reference (each segment percent-encoded). */
function uriOf(p: string): string {
  return p.split('/').map((s) => (s === '..' || s === '.' ? s : encodeURIComponent(s))).join('/');
}

/**
 * The SARIF 2.1.0 format: one run whose driver lists the rules that ran (id, name, summary, docs URL, default
 * level), results with regions relative to the working folder (`%SRCROOT%`), and fixes as artifact changes.
 */
export function formatSarif(report: CheckReport): string {
  const ruleIndex = new Map(report.rules.map((r, i) => [r.code, i]));
  const rules: sarif.ReportingDescriptor[] = report.rules.map((r) => ({
    id: r.code,
    name: r.name,
    shortDescription: { text: r.summary || r.name },
    ...(r.docs.whatItDoes ? { fullDescription: { text: r.docs.whatItDoes } } : {}),
    helpUri: ruleDocsUrl(r),
    ...(r.docs.whyBad ? { help: { text: r.docs.whyBad } } : {}),
    defaultConfiguration: { level: SARIF_LEVEL[r.severity] },
    properties: { category: r.category, tags: [r.category, r.language] },
  }));
  const results: sarif.Result[] = report.diagnostics.map((d) => {
    const artifactLocation: sarif.ArtifactLocation = { uri: uriOf(d.path), uriBaseId: '%SRCROOT%' };
    const result: sarif.Result = {
      ruleId: d.rule,
      level: SARIF_LEVEL[d.severity],
      message: { text: d.message },
      locations: [{ physicalLocation: { artifactLocation, region: region(d.range) } }],
      properties: { severity: d.severity },
    };
    const index = ruleIndex.get(d.rule);
    if (index !== undefined) result.ruleIndex = index;
    if (d.fixes.length) {
      result.fixes = d.fixes.map((f) => ({
        description: { text: f.title },
        artifactChanges: [
          {
            artifactLocation,
            replacements: f.edits.map((e) => ({ deletedRegion: region(e.range), insertedContent: { text: e.newText } })),
          },
        ],
        properties: { applicability: f.applicability },
      }));
    }
    return result;
  });
  const root = pathToFileURL(report.cwd).href;
  const log: sarif.Log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'steady', version: report.version, informationUri: HOMEPAGE, rules } },
        originalUriBaseIds: { '%SRCROOT%': { uri: root.endsWith('/') ? root : `${root}/` } },
        columnKind: 'utf16CodeUnits',
        results,
        ...(report.fixed ? { properties: { fixesApplied: report.fixed.fixes, filesFixed: report.fixed.files } } : {}),
        invocations: [
          {
            executionSuccessful: true,
            toolExecutionNotifications: report.notices.map((text) => ({ level: 'warning', message: { text } })),
          },
        ],
      },
    ],
  };
  return JSON.stringify(log, null, 2) + '\n';
}
