/**
 * `steady check`: the command-line front end. Parses the options, discovers the files, checks them (on worker
 * threads; this bundle is also the worker script), prints the report and sets the exit status.
 */
import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { isMainThread, workerData } from 'node:worker_threads';
import { checkFilesCached, CLI_CACHE_DIR, openCliCache } from './checkCache';
import { isCheckWorkerData, runCheckWorker } from './checkPool';
import { ConfigStore, DEFAULT_SETTINGS, type FileConfig } from './config';
import { ruleCodesOf } from './configFile';
import { discover } from './discover';
import type { Rule } from './engine/rule';
import { compareDiagnostics, displayPath, isFailing, type CheckReport, type FileReport } from './report/diagnostic';
import { runReport } from './report/command';
import { FORMATS, formatReport, type Format } from './report/format';
import { RULES, findRule } from './rules';
import { VERSION } from './version';

/** Exit statuses: clean, problems found, and bad usage or unreadable input. */
export const EXIT = { ok: 0, problems: 1, usage: 2 } as const;

const USAGE = 'Usage: steady check [options] [paths...]';

/** The text of `steady check --help`. */
export function helpText(cores = availableParallelism()): string {
  return `${USAGE}

Finds stability defects in Go and Python code: double closes, leaked locks, goroutines and
threads that never stop, unclosed files, uncancelled contexts, swallowed errors.
\`steady report [options] [paths...]\` writes the findings as a stability audit in Markdown
or HTML instead (see steady report --help).

Paths (default: .) are files or folders. Folders are searched recursively for *.go and *.py
files and for files without an extension whose first line is a Python shebang. The search
skips .git, .hg, .svn, node_modules, vendor, __pycache__, testdata, Python virtual
environments, symbolic links to folders, and whatever .gitignore files ignore (nested
ones too, and those of the enclosing git repository). Files named on the command line
are checked even when they would be ignored.

Options:
  --select RULES   Run only these rules: comma-separated codes, names or prefixes, e.g.
                   --select GO404,silent-broad-except,PY4 (may be repeated)
  --ignore RULES   Do not run these rules (same syntax)
  --config PATH    Use this configuration file for every file instead of the steady.toml,
                   .steady.toml or pyproject.toml [tool.steady] found next to each file
  --show-config    Print the configuration files that apply to each path and the resolved
                   rules, severities and excludes, then exit
  --format FORMAT  text (default), json or sarif
  --fix            Apply the safe fixes in place, then report the problems that remain.
                   A file is never rewritten with code that parses worse than before.
  -j, --jobs N     Check files on N worker threads (default: ${cores}, the number of cores)
  --no-cache       Neither read nor write the result cache (${CLI_CACHE_DIR}/ in the
                   working folder: the results of unchanged files, kept between runs)
  -h, --help       Show this help
  -V, --version    Show the version

Configuration: each file uses the nearest steady.toml, .steady.toml or pyproject.toml with
a [tool.steady] table, found by walking up from its folder; --select and --ignore apply on
top of it. Files its exclude globs match are not checked. A configuration problem (unknown
key or rule, wrong type, TOML syntax error) is reported with its position and exit status 2.

Files that are binary (contain NUL bytes), not valid UTF-8, or larger than 10 MB are
skipped with a notice on stderr; skipping does not change the exit status. A rule that
fails on a file is reported on stderr and the other findings are still printed.
Colours are used when stdout is a terminal, unless NO_COLOR is set.

Exit status:
  0  no problem of warning severity or above (info and hints do not fail the check)
  1  at least one error or warning
  2  bad usage, bad configuration, a named path that does not exist or cannot be read, or an
     internal failure
`;
}

/** Where the CLI writes; the process streams unless a test passes others. */
export interface CliIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  cwd: string;
  /** Whether to colour the text format. */
  color: boolean;
  /** The script worker threads run (this file). */
  workerScript: string;
}

/** A usage error: printed as one line, exit status 2. */
class UsageError extends Error {}

/** Resolves a comma-separated list of rule codes or names; unknown ones are a usage error. */
export function parseRuleList(option: string, values: readonly string[]): Rule[] {
  const ids = values.flatMap((v) => v.split(',')).map((s) => s.trim()).filter((s) => s !== '');
  if (ids.length === 0) throw new UsageError(`${option} needs at least one rule code or name`);
  return ids.flatMap((id) => {
    const codes = ruleCodesOf(id);
    if (!codes) throw new UsageError(`unknown rule '${id}' in ${option} (rules are named by code, e.g. GO404, by name, or by a prefix: GO, PY, GO4)`);
    return codes.map((c) => findRule(c)!);
  });
}

/** The options of `steady check`, validated. */
interface CheckArgs {
  paths: string[];
  rules: Rule[];
  format: Format;
  fix: boolean;
  jobs: number;
  /** The rule codes of --select (undefined: not given) and --ignore. */
  select?: string[];
  ignore: string[];
  /** --config, as given. */
  config?: string;
  showConfig: boolean;
  cache: boolean;
}

/** Parses the arguments after `check`; returns 'help' for --help. */
function parseCheckArgs(argv: string[]): CheckArgs | 'help' | 'version' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        select: { type: 'string', multiple: true },
        ignore: { type: 'string', multiple: true },
        format: { type: 'string' },
        fix: { type: 'boolean' },
        config: { type: 'string' },
        'show-config': { type: 'boolean' },
        jobs: { type: 'string', short: 'j' },
        'no-cache': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'V' },
      },
    });
  } catch (e) {
    const err = e as Error & { code?: string };
    const m = /^Unknown option '([^']*)'/.exec(err.message);
    if (m) throw new UsageError(`unknown option '${m[1]}'`);
    throw new UsageError(err.message.split('\n')[0].replace(/\. To specify.*$/, '').replace(/^Option '/, "option '"));
  }
  const v = parsed.values;
  if (v.help) return 'help';
  if (v.version) return 'version';
  const format = (v.format ?? 'text') as Format;
  if (!FORMATS.includes(format)) throw new UsageError(`unknown format '${v.format}' (use text, json or sarif)`);
  let jobs = availableParallelism();
  if (v.jobs !== undefined) {
    if (!/^\d+$/.test(v.jobs) || Number(v.jobs) < 1) throw new UsageError(`--jobs needs a positive whole number, not '${v.jobs}'`);
    jobs = Number(v.jobs);
  }
  const selected = v.select ? new Set(parseRuleList('--select', v.select)) : undefined;
  const ignored = new Set(v.ignore ? parseRuleList('--ignore', v.ignore) : []);
  const rules = RULES.filter((r) => (!selected || selected.has(r)) && !ignored.has(r));
  if (v.config !== undefined && v.config.trim() === '') throw new UsageError('--config needs the path of a configuration file');
  return {
    select: selected && [...selected].map((r) => r.code),
    ignore: [...ignored].map((r) => r.code),
    config: v.config,
    showConfig: !!v['show-config'],
    paths: parsed.positionals.length ? parsed.positionals : ['.'],
    rules,
    format,
    fix: !!v.fix,
    jobs,
    cache: !v['no-cache'],
  };
}

/** The stderr notices of one file's report: why it was skipped or not fixed, and each rule that failed on it. */
export function noticesOf(report: FileReport): string[] {
  return [...report.notices, ...report.failures.map((f) => `rule ${f.rule} failed on ${report.path}: ${f.message}`)];
}

/** The configuration store of a run: --config instead of discovery, --select/--ignore on top of the files. */
function configStore(args: CheckArgs, cwd: string): ConfigStore {
  if (args.config !== undefined) {
    const file = path.resolve(cwd, args.config);
    let ok = false;
    try {
      ok = statSync(file).isFile();
    } catch {
      /* reported below */
    }
    if (!ok) throw new UsageError(`cannot read the configuration file ${args.config}`);
  }
  return new ConfigStore({ ...DEFAULT_SETTINGS, select: args.select ?? [], ignore: args.ignore, configPath: args.config }, cwd);
}

/** Prints the configuration problems found so far; true when there were any. */
function reportConfigProblems(store: ConfigStore, io: CliIO): boolean {
  const problems = store.problems();
  for (const p of problems) {
    const where = p.file ? `${displayPath(io.cwd, p.file)}${p.line ? `:${p.line}:${p.column}` : ''}: ` : '';
    io.stderr(`steady: ${where}${p.message}\n`);
  }
  return problems.length > 0;
}

/** `--show-config`: which configuration files apply to each path, and what they resolve to. */
function showConfig(args: CheckArgs, store: ConfigStore, io: CliIO): number {
  const out: string[] = [];
  for (const p of args.paths) {
    const abs = path.resolve(io.cwd, p);
    let isDir = false;
    try {
      isDir = statSync(abs).isDirectory();
    } catch {
      io.stderr(`steady: ${p}: no such file or folder\n`);
      return EXIT.usage;
    }
    // A folder shows what a file directly inside it gets (overrides may change that for particular files).
    const probe = isDir ? path.join(abs, '__steady_probe__') : abs;
    const c: FileConfig = store.forFile(probe);
    const on = new Set(c.rules.map((r) => r.code));
    out.push(`${p}${isDir ? ' (a file in this folder)' : ''}`);
    out.push(`  configuration files: ${c.sources.length ? c.sources.map((s) => displayPath(io.cwd, s)).join(' (extends) ') : 'none (defaults)'}`);
    if (!isDir) out.push(`  excluded: ${c.excluded ? 'yes' : 'no'}`);
    out.push(`  select: ${RULES.filter((r) => on.has(r.code)).map((r) => r.code).join(', ') || '(no rules)'}`);
    out.push(`  ignore: ${RULES.filter((r) => !on.has(r.code)).map((r) => r.code).join(', ') || '(none)'}`);
    const sev = Object.entries(c.severity);
    out.push(`  severity: ${sev.length ? sev.map(([k, v]) => `${k}=${v}`).join(', ') : '(rule defaults)'}`);
    const ex = store.excludesFor(probe);
    out.push(`  exclude: ${ex.length ? ex.map((e) => `${e.globs.join(', ')} (from ${displayPath(io.cwd, e.file)})`).join('; ') : '(none)'}`);
    const opts = Object.entries(c.ruleOptions);
    if (opts.length) out.push(`  options: ${opts.map(([k, v]) => `${k} ${JSON.stringify(v)}`).join('; ')}`);
  }
  io.stdout(out.join('\n') + '\n');
  return reportConfigProblems(store, io) ? EXIT.usage : EXIT.ok;
}

/** Runs `steady check` with parsed arguments and returns the exit status. */
async function check(args: CheckArgs, io: CliIO): Promise<number> {
  const started = performance.now();
  const notice = (m: string): void => io.stderr(`steady: ${m}\n`);
  const store = configStore(args, io.cwd);
  if (args.showConfig) return showConfig(args, store, io);
  const discovered = discover(args.paths, { cwd: io.cwd, onNotice: notice });
  if (discovered.errors.length) {
    for (const e of discovered.errors) io.stderr(`steady: ${e}\n`);
    return EXIT.usage;
  }
  // Each file's configuration; a configuration problem stops the run before anything is checked.
  const configOf = (file: { path: string }) => store.forFile(file.path);
  const found = { ...discovered, files: discovered.files.filter((f) => !configOf(f).excluded) };
  if (reportConfigProblems(store, io)) return EXIT.usage;
  const ran = new Set(found.files.flatMap((f) => configOf(f).rules));
  args = { ...args, rules: found.files.length ? RULES.filter((r) => ran.has(r)) : args.rules };
  const cache = openCliCache(io.cwd, args.cache, notice);
  const reports = await checkFilesCached(found.files, {
    rules: args.rules,
    fix: args.fix,
    cwd: io.cwd,
    jobs: args.jobs,
    workerScript: io.workerScript,
    configFor: (f) => {
      const c = configOf(f);
      return { ruleCodes: c.rules.map((r) => r.code), severity: c.severity, ruleOptions: c.ruleOptions };
    },
    cache,
  });
  cache.prune((file) => existsSync(file));
  cache.save(notice);

  const notices = reports.flatMap(noticesOf);
  let status: number = EXIT.ok;
  if (reports.some((r) => r.status === 'unreadable' && r.explicit)) status = EXIT.usage;
  for (const n of notices) notice(n);
  const checked = reports.filter((r) => r.status === 'checked');
  if (checked.length === 0 && found.files.length === 0) notice('no Go or Python files to check');

  const diagnostics = reports.flatMap((r) => r.diagnostics).sort(compareDiagnostics);
  const report: CheckReport = {
    version: VERSION,
    cwd: io.cwd,
    rules: args.rules,
    files: checked.length,
    lines: checked.reduce((n, r) => n + r.lines, 0),
    diagnostics,
    durationMs: Math.round(performance.now() - started),
    notices,
  };
  if (args.fix) {
    report.fixed = {
      fixes: reports.reduce((n, r) => n + r.fixesApplied, 0),
      files: reports.filter((r) => r.fixesApplied > 0).length,
    };
  }
  io.stdout(formatReport(report, args.format, { color: io.color }));
  if (status === EXIT.ok && diagnostics.some((d) => isFailing(d.severity))) status = EXIT.problems;
  return status;
}

/** The CLI: runs one command line and returns the exit status; never throws. */
export async function main(argv: string[], io: CliIO): Promise<number> {
  try {
    const [command, ...rest] = argv;
    if (command === '-h' || command === '--help' || command === 'help') {
      io.stdout(helpText());
      return EXIT.ok;
    }
    if (command === '-V' || command === '--version') {
      io.stdout(`steady ${VERSION}\n`);
      return EXIT.ok;
    }
    if (command === undefined) throw new UsageError(`no command given (${USAGE}; see steady --help)`);
    if (command === 'report') return await runReport(rest, io, { parseRuleList, noticesOf });
    if (command !== 'check') throw new UsageError(`unknown command '${command}' (${USAGE})`);
    const args = parseCheckArgs(rest);
    if (args === 'help') {
      io.stdout(helpText());
      return EXIT.ok;
    }
    if (args === 'version') {
      io.stdout(`steady ${VERSION}\n`);
      return EXIT.ok;
    }
    return await check(args, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`steady: ${e.message}\n`);
    } else {
      io.stderr(`steady: internal error: ${String((e as Error)?.message ?? e).split('\n')[0]}\n`);
      if (process.env.STEADY_DEBUG) io.stderr(`${(e as Error)?.stack}\n`);
    }
    return EXIT.usage;
  }
}

/** Runs the CLI on the process's arguments and streams. */
function runFromCommandLine(): void {
  // A closed pipe (`steady check | head`) is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  const noColor = process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '';
  const io: CliIO = {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    cwd: process.cwd(),
    color: !!process.stdout.isTTY && !noColor,
    workerScript: __filename,
  };
  void main(process.argv.slice(2), io).then((code) => {
    process.exitCode = code;
  });
}

if (!isMainThread && isCheckWorkerData(workerData)) runCheckWorker(workerData);
else if (require.main === module) runFromCommandLine();
