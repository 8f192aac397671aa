/**
 * The stability audit: a document in the style of a reliability review, built from the findings of a workspace.
 * A title and scope (files, lines, date, Steady version), a summary table by category and severity, then every
 * finding grouped by category with its location, a code excerpt, why it matters in production, and the fix.
 * Rendered as Markdown (for editors and code review) or as one self-contained HTML file (inline CSS and SVG, no
 * scripts or external resources) for browsers and printing. Shared by `steady report` and the language server.
 */
import type { Category, Severity } from '../engine/rule';
import { ruleDocsUrl } from '../engine/rule';
import { findRule } from '../rules';
import type { ReportDiagnostic } from './diagnostic';

/** The categories of RULES.md §0, in the order of their code digit, with their headings. */
export const CATEGORIES: readonly { id: Category; title: string }[] = [
  { id: 'concurrency', title: 'Concurrency' },
  { id: 'resource-leak', title: 'Resource leaks' },
  { id: 'error-handling', title: 'Error handling' },
  { id: 'shutdown/lifecycle', title: 'Shutdown and lifecycle' },
  { id: 'unbounded-growth', title: 'Unbounded growth' },
  { id: 'network/timeouts', title: 'Network and timeouts' },
  { id: 'data-integrity', title: 'Data integrity' },
  { id: 'security/file-permissions', title: 'Security and file permissions' },
  { id: 'config-validation', title: 'Configuration validation' },
];

/** Severities from worst to mildest. */
export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info', 'hint'];

/** The audit formats. */
export const AUDIT_FORMATS = ['markdown', 'html'] as const;

/** One audit format. */
export type AuditFormat = (typeof AUDIT_FORMATS)[number];

/** What an audit is made from. */
export interface AuditInput {
  /** The document's title, e.g. "Stability audit of payments". */
  title: string;
  /** The folders and files analysed, as the user named them. */
  scope: string[];
  /** Files and lines analysed. */
  files: number;
  lines: number;
  /** Steady's version. */
  version: string;
  /** When the audit was made (shown as a UTC date). */
  date: Date;
  /** The findings; their paths are relative (with `/`) to the folder links are made from. */
  diagnostics: readonly ReportDiagnostic[];
  /** The text of a file by its diagnostic path, for the excerpts; undefined when it cannot be read. */
  source: (path: string) => string | undefined;
  /** Prepended to every diagnostic path in links: where that folder is, seen from the report's own folder. */
  linkBase?: string;
}

/** Lines of context shown before and after the anchor line. */
const CONTEXT = 2;
/** Excerpt lines longer than this are cut. */
const MAX_LINE = 140;
/** At most this many lines of a rule's "use instead" example. */
const MAX_USE_INSTEAD = 10;

/** One line of an excerpt. */
interface ExcerptLine {
  line: number;
  text: string;
  anchor: boolean;
}

/** A finding with what the audit shows about it. */
interface AuditItem {
  d: ReportDiagnostic;
  language: 'go' | 'python' | '';
  excerpt: ExcerptLine[];
  whyBad: string;
  fix?: { title: string; safe: boolean };
  useInstead?: string;
  docsUrl: string;
}

/** The findings of one category, worst first. */
interface AuditGroup {
  id: Category;
  title: string;
  items: AuditItem[];
  counts: Record<Severity, number>;
}

/** The audit's content, independent of the format. */
interface AuditModel {
  input: AuditInput;
  groups: AuditGroup[];
  totals: Record<Severity, number>;
  filesWithFindings: number;
  safelyFixable: number;
}

const zero = (): Record<Severity, number> => ({ error: 0, warning: 0, info: 0, hint: 0 });

/** Splits a text into lines (any line break). */
function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

/** A line as shown: tabs expanded, long lines cut. */
function displayLine(s: string): string {
  let out = '';
  for (const ch of s) {
    if (ch === '\t') out += ' '.repeat(4 - (out.length % 4));
    else out += ch;
  }
  out = out.replace(/\s+$/, '');
  return out.length > MAX_LINE ? `${out.slice(0, MAX_LINE - 1)}…` : out;
}

/** The lines around a finding's anchor (its first line), with common indentation removed. */
function excerptOf(text: string | undefined, line: number): ExcerptLine[] {
  if (text === undefined) return [];
  const lines = splitLines(text);
  if (line < 1 || line > lines.length) return [];
  const from = Math.max(1, line - CONTEXT);
  const to = Math.min(lines.length, line + CONTEXT);
  const out: ExcerptLine[] = [];
  for (let n = from; n <= to; n++) out.push({ line: n, text: displayLine(lines[n - 1]), anchor: n === line });
  // Drop blank lines at the edges, but never the anchor.
  while (out.length > 1 && !out[0].anchor && out[0].text.trim() === '') out.shift();
  while (out.length > 1 && !out[out.length - 1].anchor && out[out.length - 1].text.trim() === '') out.pop();
  const indents = out.filter((l) => l.text.trim() !== '').map((l) => /^ */.exec(l.text)![0].length);
  const common = indents.length ? Math.min(...indents) : 0;
  if (common > 0) for (const l of out) l.text = l.text.slice(common);
  return out;
}

/** The first lines of a docs example. */
function shortExample(code: string): string {
  const lines = code.split('\n');
  if (lines.length <= MAX_USE_INSTEAD) return code;
  const head = lines.slice(0, MAX_USE_INSTEAD);
  while (head.length && head[head.length - 1].trim() === '') head.pop();
  return [...head, '…'].join('\n');
}

/** Orders findings: worst severity first, then by path and position. */
function compareItems(a: ReportDiagnostic, b: ReportDiagnostic): number {
  return (
    SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) ||
    (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) ||
    a.range.start.line - b.range.start.line ||
    a.range.start.column - b.range.start.column ||
    (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0)
  );
}

/** Builds the format-independent content of an audit. */
function buildModel(input: AuditInput): AuditModel {
  const texts = new Map<string, string | undefined>();
  const textOf = (p: string): string | undefined => {
    if (!texts.has(p)) texts.set(p, input.source(p));
    return texts.get(p);
  };
  const groups = new Map<string, AuditGroup>();
  for (const c of CATEGORIES) groups.set(c.id, { id: c.id, title: c.title, items: [], counts: zero() });
  const totals = zero();
  let safelyFixable = 0;
  for (const d of [...input.diagnostics].sort(compareItems)) {
    const rule = findRule(d.rule);
    let group = groups.get(d.category);
    if (!group) groups.set(d.category, (group = { id: d.category, title: d.category, items: [], counts: zero() }));
    const fix = d.fixes[0];
    const safe = d.fixes.find((f) => f.applicability === 'safe');
    if (safe) safelyFixable++;
    const chosen = safe ?? fix;
    group.items.push({
      d,
      language: rule?.language ?? (d.path.endsWith('.go') ? 'go' : d.path.endsWith('.py') ? 'python' : ''),
      excerpt: excerptOf(textOf(d.path), d.range.start.line),
      whyBad: rule?.docs.whyBad ?? '',
      fix: chosen ? { title: chosen.title, safe: chosen.applicability === 'safe' } : undefined,
      useInstead: chosen ? undefined : rule ? shortExample(rule.docs.useInstead) : undefined,
      docsUrl: ruleDocsUrl({ name: d.name }),
    });
    group.counts[d.severity]++;
    totals[d.severity]++;
  }
  return {
    input,
    groups: [...groups.values()],
    totals,
    filesWithFindings: new Set(input.diagnostics.map((d) => d.path)).size,
    safelyFixable,
  };
}

/** `n noun` with the plural when needed. */
function plural(n: number, noun: string): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? noun : `${noun}s`}`;
}

/** The date as YYYY-MM-DD (UTC). */
function isoDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** A path as a link target: each segment percent-encoded, `/` kept. */
function linkPath(base: string | undefined, p: string): string {
  const full = base ? `${base.replace(/\/?$/, '/')}${p}` : p;
  return full
    .split('/')
    .map((s) => (s === '..' || s === '.' ? s : encodeURIComponent(s)))
    .join('/');
}

/** The location link target of a finding. */
function locationHref(input: AuditInput, d: ReportDiagnostic): string {
  return `${linkPath(input.linkBase, d.path)}#L${d.range.start.line}`;
}

/** One sentence on the scope: what was analysed. */
function scopeLine(m: AuditModel): string {
  return `${plural(m.input.files, 'file')}, ${plural(m.input.lines, 'line')}`;
}

/** One sentence summing up the findings. */
function verdict(m: AuditModel): string {
  const n = m.input.diagnostics.length;
  if (n === 0) return 'Steady found no stability defects.';
  const parts = SEVERITIES.filter((s) => m.totals[s] > 0).map((s) => `${m.totals[s]} ${s === 'info' || s === 'hint' ? s : `${s}${m.totals[s] === 1 ? '' : 's'}`}`);
  let s = `Steady found ${plural(n, 'finding')} (${parts.join(', ')}) in ${plural(m.filesWithFindings, 'file')}.`;
  if (m.safelyFixable > 0) s += ` ${m.safelyFixable} of them ${m.safelyFixable === 1 ? 'has' : 'have'} a safe automatic fix (\`steady check --fix\`).`;
  return s;
}

// ---------------------------------------------------------------------------------------------------------------
// Markdown

/** Escapes text for Markdown prose: characters that would start markup or inline HTML are backslash-escaped. */
export function escapeMarkdown(s: string): string {
  return s.replace(/[\\`*_[\]<>|#&]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : `\\${c}`));
}

/** Escapes text that keeps its `code spans` (rule messages and fix titles use backticks for code). */
function escapeProse(s: string): string {
  const parts = s.split(/(`[^`\n]+`)/);
  return parts.map((p, i) => (i % 2 === 1 ? p : escapeMarkdown(p))).join('');
}

/** A fenced code block whose fence is longer than any run of backticks in the code. */
function fenced(code: string, language: string): string {
  const longest = Math.max(0, ...(code.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${language}\n${code}\n${fence}`;
}

/** The excerpt as text with a line-number gutter; the anchor line is marked with `>`. */
function excerptText(lines: readonly ExcerptLine[]): string {
  const width = String(lines[lines.length - 1]?.line ?? 0).length;
  return lines.map((l) => `${l.anchor ? '>' : ' '} ${String(l.line).padStart(width)} | ${l.text}`.replace(/\s+$/, '')).join('\n');
}

/** A Markdown anchor name for a category heading. */
function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

/** Renders an audit as Markdown. */
export function auditMarkdown(input: AuditInput): string {
  const m = buildModel(input);
  const out: string[] = [];
  out.push(`# ${escapeMarkdown(input.title)}`, '');
  out.push(`Steady ${escapeMarkdown(input.version)} · ${isoDate(input.date)} · ${scopeLine(m)}`, '');
  out.push(`**Scope:** ${input.scope.map((s) => `\`${s.replace(/`/g, "'")}\``).join(', ')}`, '');
  out.push(verdict(m), '');
  out.push('## Summary', '');
  out.push('| Category | Errors | Warnings | Info | Hints | Total |', '|---|---:|---:|---:|---:|---:|');
  for (const g of m.groups) {
    const total = g.items.length;
    const name = total > 0 ? `[${escapeMarkdown(g.title)}](#${slug(`${g.title} ${total}`)})` : escapeMarkdown(g.title);
    out.push(`| ${name} | ${SEVERITIES.map((s) => g.counts[s] || '·').join(' | ')} | ${total || '·'} |`);
  }
  out.push(`| **Total** | ${SEVERITIES.map((s) => `**${m.totals[s]}**`).join(' | ')} | **${input.diagnostics.length}** |`, '');
  out.push('Errors: a crash, deadlock or data loss is reachable with ordinary input. Warnings: a real defect that needs a ' +
    'particular timing, input or failure to show. Info: a hazard or design gap. Hints: recommendations.', '');
  for (const g of m.groups) {
    if (g.items.length === 0) continue;
    out.push(`## ${escapeMarkdown(g.title)} (${g.items.length})`, '');
    for (const it of g.items) {
      const d = it.d;
      out.push(`### ${capitalize(d.severity)}: ${d.rule} ${d.name}`, '');
      out.push(`[${escapeMarkdown(d.path)}:${d.range.start.line}](${locationHref(input, d)}): ${escapeProse(d.message)}`, '');
      if (it.excerpt.length) out.push(fenced(excerptText(it.excerpt), it.language), '');
      if (it.whyBad) out.push(`**Why it matters in production.** ${escapeProse(it.whyBad)}`, '');
      if (it.fix) {
        const how = it.fix.safe ? 'Safe fix, applied by `steady check --fix`.' : 'Assisted fix, offered as a quick fix in the editor.';
        out.push(`**Fix:** ${escapeProse(it.fix.title)}. _${how}_`, '');
      } else if (it.useInstead) {
        out.push('**Fix:** no automatic fix; write it like this instead:', '', fenced(it.useInstead, it.language), '');
      }
      out.push(`[${d.rule} documentation](${it.docsUrl})`, '');
    }
  }
  return out.join('\n').replace(/\n+$/, '\n');
}

/** The word with its first letter in capitals. */
function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

// ---------------------------------------------------------------------------------------------------------------
// HTML

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** HTML of prose whose `code spans` become <code>. */
function proseHtml(s: string): string {
  return s
    .split(/(`[^`\n]+`)/)
    .map((p, i) => (i % 2 === 1 ? `<code>${escapeHtml(p.slice(1, -1))}</code>` : escapeHtml(p)))
    .join('');
}

/** The colours of the severities (chart bars and badges). */
const SEVERITY_COLOR: Record<Severity, string> = { error: '#c62828', warning: '#ef8f00', info: '#1f6fbf', hint: '#8a8f98' };

/** An inline SVG horizontal bar chart: one bar per category, stacked by severity. */
function chartSvg(m: AuditModel): string {
  const rowH = 26;
  const labelW = 210;
  const barW = 380;
  const countW = 48;
  const width = labelW + barW + countW;
  const top = 8;
  const height = top + m.groups.length * rowH + 34;
  const max = Math.max(1, ...m.groups.map((g) => g.items.length));
  const parts: string[] = [];
  parts.push(
    `<svg class="chart" role="img" aria-labelledby="chart-title" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg">`,
    '<title id="chart-title">Findings per category, by severity</title>',
  );
  m.groups.forEach((g, i) => {
    const y = top + i * rowH;
    const total = g.items.length;
    parts.push(
      `<text x="${labelW - 10}" y="${y + rowH / 2 + 4}" text-anchor="end" class="${total ? 'lbl' : 'lbl none'}">${escapeHtml(g.title)}</text>`,
      `<rect x="${labelW}" y="${y + 4}" width="${barW}" height="${rowH - 8}" class="track"/>`,
    );
    let x = labelW;
    for (const s of SEVERITIES) {
      const n = g.counts[s];
      if (!n) continue;
      const w = Math.max(2, (n / max) * barW);
      parts.push(`<rect x="${x.toFixed(1)}" y="${y + 4}" width="${w.toFixed(1)}" height="${rowH - 8}" fill="${SEVERITY_COLOR[s]}"><title>${escapeHtml(`${g.title}: ${n} ${s}`)}</title></rect>`);
      x += w;
    }
    parts.push(`<text x="${labelW + barW + 8}" y="${y + rowH / 2 + 4}" class="${total ? 'num' : 'num none'}">${total}</text>`);
  });
  // Legend.
  let lx = labelW;
  const ly = top + m.groups.length * rowH + 16;
  for (const s of SEVERITIES) {
    parts.push(`<rect x="${lx}" y="${ly - 9}" width="11" height="11" rx="2" fill="${SEVERITY_COLOR[s]}"/>`, `<text x="${lx + 16}" y="${ly}" class="legend">${s}</text>`);
    lx += 90;
  }
  parts.push('</svg>');
  return parts.join('');
}

const CSS = `
:root { --fg: #1d2430; --muted: #5b6573; --line: #dde2e8; --bg: #ffffff; --panel: #f6f8fa; --accent: #1c3f8c; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 15px/1.55 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 980px; margin: 0 auto; padding: 40px 32px 64px; }
header.top { border-bottom: 3px solid var(--accent); padding-bottom: 18px; margin-bottom: 28px; }
.eyebrow { text-transform: uppercase; letter-spacing: .08em; font-size: 12px; color: var(--accent); font-weight: 600; margin: 0 0 6px; }
h1 { font-size: 30px; line-height: 1.2; margin: 0 0 10px; }
h2 { font-size: 21px; margin: 40px 0 14px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
h2 .count { color: var(--muted); font-weight: 400; }
.meta { color: var(--muted); margin: 0; }
.meta span + span::before { content: "·"; margin: 0 8px; color: #b0b7c0; }
.scope code { font-size: 13px; }
.verdict { font-size: 17px; margin: 0 0 8px; }
.summary { display: grid; grid-template-columns: minmax(0, 1fr); gap: 18px; }
table.counts { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
table.counts th, table.counts td { padding: 7px 12px; border-bottom: 1px solid var(--line); text-align: right; }
table.counts th:first-child, table.counts td:first-child { text-align: left; }
table.counts thead th { font-size: 12px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); font-weight: 600; }
table.counts tbody tr.none td { color: #a3abb5; }
table.counts tfoot td { font-weight: 700; border-bottom: 0; border-top: 2px solid var(--fg); }
table.counts td.sev-error.n { color: ${SEVERITY_COLOR.error}; font-weight: 600; }
table.counts td.sev-warning.n { color: #b36200; font-weight: 600; }
.chart { max-width: 100%; height: auto; }
.chart .lbl { font-size: 13px; fill: var(--fg); }
.chart .lbl.none, .chart .num.none { fill: #a3abb5; }
.chart .num { font-size: 13px; font-weight: 600; fill: var(--fg); }
.chart .track { fill: #f0f2f5; }
.chart .legend { font-size: 12px; fill: var(--muted); }
.legend-text { color: var(--muted); font-size: 13px; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
article.finding { border: 1px solid var(--line); border-left: 5px solid var(--sev); border-radius: 6px; padding: 14px 18px 12px; margin: 0 0 16px; break-inside: avoid; page-break-inside: avoid; }
article.finding header { display: flex; flex-wrap: wrap; align-items: baseline; gap: 8px 12px; margin-bottom: 6px; }
.badge { display: inline-block; font-size: 11px; font-weight: 700; text-transform: uppercase; letter-spacing: .05em; color: #fff; background: var(--sev); border-radius: 3px; padding: 2px 7px; }
.rule { font-weight: 600; }
.rule .code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
.loc { margin-left: auto; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
.loc a, .docs a { color: var(--accent); }
.message { margin: 4px 0 10px; font-weight: 500; }
pre.excerpt { margin: 0 0 12px; background: var(--panel); border: 1px solid var(--line); border-radius: 4px; padding: 8px 0; overflow-x: auto; font: 12.5px/1.5 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
pre.excerpt .l { display: block; padding: 0 12px 0 0; white-space: pre; }
pre.excerpt .l.anchor { background: #fff4d6; box-shadow: inset 3px 0 0 var(--sev); }
pre.excerpt .n { display: inline-block; min-width: 3.2em; padding-right: 12px; text-align: right; color: #9aa3ad; user-select: none; }
pre { tab-size: 4; -moz-tab-size: 4; }
pre.example { background: var(--panel); border: 1px solid var(--line); border-radius: 4px; padding: 8px 12px; font: 12.5px/1.5 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; overflow-x: auto; margin: 6px 0 8px; }
dl.explain { margin: 0; display: grid; grid-template-columns: 8.5em minmax(0, 1fr); gap: 6px 14px; }
dl.explain dt { font-weight: 600; color: var(--muted); font-size: 13px; padding-top: 1px; }
dl.explain dd { margin: 0; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .9em; background: var(--panel); padding: 1px 4px; border-radius: 3px; }
.fixkind { color: var(--muted); font-size: 13px; }
.docs { font-size: 13px; margin: 8px 0 0; }
footer { margin-top: 48px; color: var(--muted); font-size: 13px; border-top: 1px solid var(--line); padding-top: 12px; }
@media (max-width: 700px) { main { padding: 20px 14px; } dl.explain { grid-template-columns: 1fr; } .loc { margin-left: 0; } }
@media print {
  body { font-size: 11pt; }
  main { max-width: none; padding: 0; }
  h2 { break-after: avoid; page-break-after: avoid; }
  a { color: inherit; text-decoration: none; }
  pre.excerpt, pre.example { white-space: pre-wrap; }
  article.finding, .chart, table.counts { break-inside: avoid; page-break-inside: avoid; }
}
`;

/** Renders an audit as one self-contained HTML file. */
export function auditHtml(input: AuditInput): string {
  const m = buildModel(input);
  const h = escapeHtml;
  const out: string[] = [];
  out.push(
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta name="generator" content="Steady ${h(input.version)}">`,
    `<title>${h(input.title)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body>',
    '<main>',
    '<header class="top">',
    '<p class="eyebrow">Stability audit</p>',
    `<h1>${h(input.title)}</h1>`,
    `<p class="meta"><span>${h(scopeLine(m))}</span><span>${h(isoDate(input.date))}</span><span>Steady ${h(input.version)}</span></p>`,
    `<p class="meta scope">Scope: ${input.scope.map((s) => `<code>${h(s)}</code>`).join(', ')}</p>`,
    '</header>',
    `<p class="verdict">${proseHtml(verdict(m))}</p>`,
    '<h2>Summary</h2>',
    '<div class="summary">',
    '<table class="counts"><thead><tr><th>Category</th><th>Errors</th><th>Warnings</th><th>Info</th><th>Hints</th><th>Total</th></tr></thead><tbody>',
  );
  for (const g of m.groups) {
    const total = g.items.length;
    const name = total ? `<a href="#${slug(g.title)}">${h(g.title)}</a>` : h(g.title);
    const cells = SEVERITIES.map((s) => `<td class="sev-${s}${g.counts[s] ? ' n' : ''}">${g.counts[s] || '·'}</td>`).join('');
    out.push(`<tr${total ? '' : ' class="none"'}><td>${name}</td>${cells}<td>${total || '·'}</td></tr>`);
  }
  out.push(
    `</tbody><tfoot><tr><td>Total</td>${SEVERITIES.map((s) => `<td>${m.totals[s]}</td>`).join('')}<td>${input.diagnostics.length}</td></tr></tfoot></table>`,
    chartSvg(m),
    '<p class="legend-text"><b>Error</b>: a crash, deadlock or data loss is reachable with ordinary input. <b>Warning</b>: a real defect that needs a particular timing, input or failure to show. <b>Info</b>: a hazard or design gap. <b>Hint</b>: a recommendation.</p>',
    '</div>',
  );
  for (const g of m.groups) {
    if (g.items.length === 0) continue;
    out.push(`<section id="${slug(g.title)}">`, `<h2>${h(g.title)} <span class="count">(${g.items.length})</span></h2>`);
    for (const it of g.items) {
      const d = it.d;
      const where = `${d.path}:${d.range.start.line}`;
      out.push(
        `<article class="finding" style="--sev: ${SEVERITY_COLOR[d.severity]}">`,
        '<header>',
        `<span class="badge">${h(d.severity)}</span>`,
        `<span class="rule"><span class="code">${h(d.rule)}</span> ${h(d.name)}</span>`,
        `<span class="loc"><a href="${h(locationHref(input, d))}">${h(where)}</a></span>`,
        '</header>',
        `<p class="message">${proseHtml(d.message)}</p>`,
      );
      if (it.excerpt.length) {
        const width = String(it.excerpt[it.excerpt.length - 1].line).length;
        const lines = it.excerpt.map((l) => `<span class="l${l.anchor ? ' anchor' : ''}"><span class="n">${String(l.line).padStart(width)}</span>${h(l.text)}</span>`);
        out.push(`<pre class="excerpt" aria-label="${h(`Code at ${where}`)}">${lines.join('')}</pre>`);
      }
      out.push('<dl class="explain">');
      if (it.whyBad) out.push(`<dt>Why it matters</dt><dd>${proseHtml(it.whyBad)}</dd>`);
      if (it.fix) {
        const how = it.fix.safe ? 'Safe fix, applied by <code>steady check --fix</code>' : 'Assisted fix, offered as a quick fix in the editor';
        out.push(`<dt>Fix</dt><dd>${proseHtml(it.fix.title)}.<br><span class="fixkind">${how}</span></dd>`);
      } else if (it.useInstead) {
        out.push(`<dt>Fix</dt><dd>No automatic fix; write it like this instead:<pre class="example">${h(it.useInstead)}</pre></dd>`);
      }
      out.push('</dl>', `<p class="docs"><a href="${h(it.docsUrl)}">${h(d.rule)} documentation</a></p>`, '</article>');
    }
    out.push('</section>');
  }
  out.push(`<footer>Generated by Steady ${h(input.version)} on ${h(isoDate(input.date))}.</footer>`, '</main>', '</body>', '</html>', '');
  return out.join('\n');
}

/** Renders an audit in a format. */
export function renderAudit(input: AuditInput, format: AuditFormat): string {
  return format === 'html' ? auditHtml(input) : auditMarkdown(input);
}
