/** `steady report`: checks files like `steady check` and writes the stability audit as Markdown or HTML. */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { checkFilesCached, openCliCache } from '../checkCache';
import { ConfigStore, DEFAULT_SETTINGS } from '../config';
import { discover, errorText } from '../discover';
import type { Rule } from '../engine/rule';
import { RULES } from '../rules';
import { VERSION } from '../version';
import { AUDIT_FORMATS, renderAudit, type AuditFormat } from './audit';
import { displayPath, type FileReport } from './diagnostic';

/** Where the command writes and what it runs (the CLI's CliIO). */
export interface ReportIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  cwd: string;
  workerScript: string;
}

/** What the report command borrows from the CLI: its rule-list parser (which throws the CLI's usage error). */
export interface ReportDeps {
  parseRuleList: (option: string, values: readonly string[]) => Rule[];
  /** The stderr notices of a file's report. */
  noticesOf: (report: FileReport) => string[];
}

/** The text of `steady report --help`. */
export function reportHelpText(cores = availableParallelism()): string {
  return `Usage: steady report [options] [paths...]

Writes a stability audit of the Go and Python files under the paths (default: .): a
summary table of the findings by category and severity, then each finding with its
location, a code excerpt, why it matters in production and how to fix it. Files are
found, and configuration files (steady.toml, .steady.toml, pyproject.toml [tool.steady])
apply, as for steady check.

Options:
  -o, --output FILE  Write the report to FILE (default: print it). Links to the code are
                     relative to FILE's folder.
  --format FORMAT    markdown (default) or html: one self-contained page with a chart,
                     for a browser or for printing (the default for an --output FILE
                     ending in .html)
  --select RULES     Run only these rules (comma-separated codes or names)
  --ignore RULES     Do not run these rules
  --config PATH      Use this configuration file for every file (as steady check does)
  --no-cache         Neither read nor write the result cache (.steady_cache/)
  -j, --jobs N       Check files on N worker threads (default: ${cores})
  -h, --help         Show this help

Exit status:
  0  the report was written (whatever it found: use steady check to fail a build)
  2  bad usage, bad configuration, a named path that does not exist, or the output cannot
     be written
`;
}

/** A usage error of the report command. */
class ReportUsageError extends Error {}

/** The validated options. */
interface ReportArgs {
  paths: string[];
  output?: string;
  format: AuditFormat;
  rules: Rule[];
  select?: string[];
  ignore: string[];
  config?: string;
  cache: boolean;
  jobs: number;
}

/** Parses the arguments after `report`. */
function parseReportArgs(argv: string[], deps: ReportDeps): ReportArgs | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        output: { type: 'string', short: 'o' },
        format: { type: 'string' },
        select: { type: 'string', multiple: true },
        ignore: { type: 'string', multiple: true },
        config: { type: 'string' },
        'no-cache': { type: 'boolean' },
        jobs: { type: 'string', short: 'j' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    const m = /^Unknown option '([^']*)'/.exec((e as Error).message);
    if (m) throw new ReportUsageError(`unknown option '${m[1]}'`);
    throw new ReportUsageError((e as Error).message.split('\n')[0].replace(/\. To specify.*$/, '').replace(/^Option '/, "option '"));
  }
  const v = parsed.values;
  if (v.help) return 'help';
  if (v.output === '') throw new ReportUsageError('--output needs a file name');
  const format = (v.format ?? (v.output && /\.html?$/i.test(v.output) ? 'html' : 'markdown')) as AuditFormat;
  if (!AUDIT_FORMATS.includes(format)) throw new ReportUsageError(`unknown report format '${v.format}' (use markdown or html)`);
  let jobs = availableParallelism();
  if (v.jobs !== undefined) {
    if (!/^\d+$/.test(v.jobs) || Number(v.jobs) < 1) throw new ReportUsageError(`--jobs needs a positive whole number, not '${v.jobs}'`);
    jobs = Number(v.jobs);
  }
  const selected = v.select ? new Set(deps.parseRuleList('--select', v.select)) : undefined;
  const ignored = new Set(v.ignore ? deps.parseRuleList('--ignore', v.ignore) : []);
  const rules = RULES.filter((r) => (!selected || selected.has(r)) && !ignored.has(r));
  if (v.config !== undefined && v.config.trim() === '') throw new ReportUsageError('--config needs the path of a configuration file');
  return {
    paths: parsed.positionals.length ? parsed.positionals : ['.'],
    output: v.output,
    format,
    rules,
    select: selected && [...selected].map((r) => r.code),
    ignore: [...ignored].map((r) => r.code),
    config: v.config,
    cache: !v['no-cache'],
    jobs,
  };
}

/** The report's title: the folder or file it covers. */
function titleOf(paths: readonly string[], cwd: string): string {
  const name = paths.length === 1 ? path.basename(path.resolve(cwd, paths[0])) : path.basename(cwd);
  return `Stability audit of ${name || path.resolve(cwd)}`;
}

/** The folder the report's paths are relative to: the audited folder when there is exactly one, else `cwd`. */
function auditRoot(paths: readonly string[], cwd: string): string {
  if (paths.length !== 1) return cwd;
  const abs = path.resolve(cwd, paths[0]);
  try {
    return statSync(abs).isDirectory() ? abs : cwd;
  } catch {
    return cwd;
  }
}

/** Runs `steady report`; returns the exit status. Usage errors of the rule lists propagate to the CLI. */
export async function runReport(argv: string[], io: ReportIO, deps: ReportDeps): Promise<number> {
  const notice = (m: string): void => io.stderr(`steady: ${m}\n`);
  let args: ReportArgs | 'help';
  try {
    args = parseReportArgs(argv, deps);
  } catch (e) {
    if (!(e instanceof ReportUsageError)) throw e;
    notice(e.message);
    return 2;
  }
  if (args === 'help') {
    io.stdout(reportHelpText());
    return 0;
  }
  if (args.config !== undefined) {
    let ok = false;
    try {
      ok = statSync(path.resolve(io.cwd, args.config)).isFile();
    } catch {
      // reported below
    }
    if (!ok) {
      notice(`cannot read the configuration file ${args.config}`);
      return 2;
    }
  }
  const store = new ConfigStore({ ...DEFAULT_SETTINGS, select: args.select ?? [], ignore: args.ignore, configPath: args.config }, io.cwd);
  const discovered = discover(args.paths, { cwd: io.cwd, onNotice: notice });
  if (discovered.errors.length) {
    for (const e of discovered.errors) notice(e);
    return 2;
  }
  const files = discovered.files.filter((f) => !store.forFile(f.path).excluded);
  const problems = store.problems();
  for (const p of problems) notice(`${p.file ? `${displayPath(io.cwd, p.file)}${p.line ? `:${p.line}:${p.column}` : ''}: ` : ''}${p.message}`);
  if (problems.length) return 2;
  const ran = new Set(files.flatMap((f) => store.forFile(f.path).rules));
  const cache = openCliCache(io.cwd, args.cache, notice);
  const reports = await checkFilesCached(files, {
    rules: files.length ? RULES.filter((r) => ran.has(r)) : args.rules,
    fix: false,
    cwd: io.cwd,
    jobs: args.jobs,
    workerScript: io.workerScript,
    configFor: (f) => {
      const c = store.forFile(f.path);
      return { ruleCodes: c.rules.map((r) => r.code), severity: c.severity, ruleOptions: c.ruleOptions };
    },
    cache,
  });
  cache.save(notice);
  for (const n of reports.flatMap(deps.noticesOf)) notice(n);
  if (reports.some((r) => r.status === 'unreadable' && r.explicit)) return 2;
  const checked = reports.filter((r) => r.status === 'checked');

  const outFile = args.output === undefined ? undefined : path.resolve(io.cwd, args.output);
  // Paths are shown relative to the one folder audited (or the working folder), links relative to the report.
  const root = auditRoot(args.paths, io.cwd);
  const linkBase = path.relative(outFile ? path.dirname(outFile) : io.cwd, root).split(path.sep).join('/');
  const shown = (p: string): string => displayPath(root, path.resolve(io.cwd, p));
  const text = renderAudit(
    {
      title: titleOf(args.paths, io.cwd),
      scope: args.paths.map((p) => (path.resolve(io.cwd, p) === io.cwd ? `${path.basename(io.cwd)}/` : p)),
      files: checked.length,
      lines: checked.reduce((n, r) => n + r.lines, 0),
      version: VERSION,
      date: new Date(),
      diagnostics: checked.flatMap((r) => r.diagnostics.map((d) => ({ ...d, path: shown(d.path) }))),
      source: (p) => {
        try {
          return readFileSync(path.resolve(root, p), 'utf8').replace(/^\ufeff/, '');
        } catch {
          return undefined;
        }
      },
      linkBase,
    },
    args.format,
  );
  if (!outFile) {
    io.stdout(text);
    return 0;
  }
  try {
    mkdirSync(path.dirname(outFile), { recursive: true });
    writeFileSync(outFile, text, 'utf8');
  } catch (e) {
    notice(`cannot write ${args.output}: ${errorText(e)}`);
    return 2;
  }
  const n = checked.reduce((k, r) => k + r.diagnostics.length, 0);
  io.stdout(`Wrote ${args.output}: ${n} finding${n === 1 ? '' : 's'} in ${checked.length} file${checked.length === 1 ? '' : 's'} checked\n`);
  return 0;
}
