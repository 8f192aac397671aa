/**
 * Checks fix safety on real code: runs every rule on every file of the corpora, applies each offered fix alone (and
 * then all safe fixes together) and checks the result parses (tree-sitter, `gofmt -e`, `python3 -m py_compile`) and
 * no longer reports what was fixed. `npm run fixcheck [--limit N] [corpus...]`; exit status 1 on any failure.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyEdits, syntaxErrorCount } from '../server/src/engine/fix';
import { analyzeText, fixAll } from '../server/src/engine/run';
import type { Rule, TextEdit } from '../server/src/engine/rule';
import { loadLanguages, type LanguageId } from '../server/src/languages';
import { RULES } from '../server/src/rules';

/** One failed check of one fixed text. */
export interface FixFailure {
  file: string;
  rule: string;
  title: string;
  check: string;
  message: string;
  excerpt: string;
}

/** The tally of one run. */
export interface FixCheckReport {
  files: number;
  tried: number;
  /** Fixes tried, by rule. */
  triedByRule: Map<string, number>;
  failures: FixFailure[];
  /** Notices such as a missing gofmt. */
  notices: string[];
}

interface Variant {
  file: string;
  language: LanguageId;
  rule: string;
  title: string;
  original: string;
  fixed: string;
  /** Index of the original's temp file, shared by the variants of one file. */
  originalPath: string;
  path: string;
}

/** True when the gofmt binary can be run. */
export function hasGofmt(): boolean {
  const r = spawnSync('gofmt', ['-h'], { stdio: 'ignore' });
  return !r.error;
}

/** A short unified-style excerpt of the lines that differ between two texts. */
export function excerpt(before: string, after: string, context = 2, max = 16): string {
  const a = before.split('\n');
  const b = after.split('\n');
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  const from = Math.max(0, pre - context);
  const out = [`@@ line ${pre + 1} @@`];
  for (let i = from; i < pre; i++) out.push(' ' + a[i]);
  const removed = a.slice(pre, a.length - suf);
  const added = b.slice(pre, b.length - suf);
  const clip = (lines: string[], sign: string) => {
    for (const l of lines.slice(0, max)) out.push(sign + l);
    if (lines.length > max) out.push(`${sign}… (${lines.length - max} more lines)`);
  };
  clip(removed, '-');
  clip(added, '+');
  for (let i = a.length - suf; i < Math.min(a.length, a.length - suf + context); i++) out.push(' ' + a[i]);
  return out.join('\n');
}

/** Source files under a corpus root, sorted, skipping testdata, vendor, site-packages and caches. */
export function corpusFiles(root: string, limit = Infinity): string[] {
  const skip = new Set(['testdata', 'vendor', 'site-packages', 'dist-packages', '__pycache__', 'node_modules', '.git']);
  const out: string[] = [];
  const stack = [root];
  if (statSync(root).isFile()) return [root];
  while (stack.length) {
    const dir = stack.pop()!;
    let entries: string[];
    try {
      entries = readdirSync(dir).sort();
    } catch {
      continue;
    }
    for (const e of entries) {
      const p = path.join(dir, e);
      let st;
      try {
        st = statSync(p);
      } catch {
        continue;
      }
      if (st.isDirectory()) {
        if (!skip.has(e)) stack.push(p);
      } else if (/\.(go|py)$/.test(e)) {
        out.push(p);
      }
    }
  }
  out.sort();
  return out.slice(0, limit);
}

/** Runs the per-fix and fix-all checks over files; gofmt and py_compile run batched at the end. */
export class FixChecker {
  readonly report: FixCheckReport = { files: 0, tried: 0, triedByRule: new Map(), failures: [], notices: [] };
  private readonly dir = mkdtempSync(path.join(os.tmpdir(), 'fixcheck-'));
  private readonly variants: Variant[] = [];
  private readonly originals = new Map<string, { file: string; language: LanguageId }>();
  private counter = 0;
  private readonly gofmt: boolean;
  private readonly rules: readonly Rule[];

  constructor(opts: { gofmt?: boolean; rules?: readonly Rule[] } = {}) {
    this.gofmt = opts.gofmt ?? hasGofmt();
    this.rules = opts.rules ?? RULES;
    if (!this.gofmt) this.report.notices.push('gofmt is not installed: the gofmt check is skipped');
  }

  private fail(v: Omit<Variant, 'path' | 'originalPath' | 'language'>, check: string, message: string): void {
    this.report.failures.push({
      file: v.file,
      rule: v.rule,
      title: v.title,
      check,
      message,
      excerpt: excerpt(v.original, v.fixed),
    });
  }

  private tempFile(language: LanguageId, text: string): string {
    const p = path.join(this.dir, `${this.counter++}.${language === 'go' ? 'go' : 'py'}`);
    writeFileSync(p, text);
    return p;
  }

  /** Checks one file's text. */
  checkText(file: string, language: LanguageId, text: string): void {
    this.report.files++;
    const rules = this.rules.filter((r) => r.language === language);
    const opts = { path: file };
    const { findings } = analyzeText(language, text, rules, opts);
    if (!findings.some((f) => f.fixes.length > 0)) return;
    const baseErrors = syntaxErrorCount(language, text);
    let originalPath: string | undefined;
    const counts = new Map<string, number>();
    for (const f of findings) counts.set(f.code, (counts.get(f.code) ?? 0) + 1);
    const byCode = new Map<string, Rule>(rules.map((r) => [r.code, r]));
    const queue = (v: Omit<Variant, 'path' | 'originalPath' | 'language'>) => {
      if (!originalPath) {
        originalPath = this.tempFile(language, text);
        this.originals.set(originalPath, { file, language });
      }
      this.variants.push({ ...v, language, originalPath, path: this.tempFile(language, v.fixed) });
    };
    for (const f of findings) {
      for (const fix of f.fixes) {
        this.report.tried++;
        const key = `${f.code} ${f.name}`;
        this.report.triedByRule.set(key, (this.report.triedByRule.get(key) ?? 0) + 1);
        const v = { file, rule: key, title: `${fix.title} (${fix.applicability})`, original: text, fixed: '' };
        try {
          v.fixed = applyEdits(text, fix.edits);
        } catch (e) {
          this.fail(v, 'edits', String(e));
          continue;
        }
        const errors = syntaxErrorCount(language, v.fixed);
        if (errors > baseErrors) {
          this.fail(v, 'syntax', `${errors - baseErrors} new tree-sitter ERROR/MISSING node(s)`);
          continue;
        }
        const after = analyzeText(language, v.fixed, [byCode.get(f.code)!], opts).findings;
        if (after.length >= counts.get(f.code)!) {
          // The count did not drop: fail only when the same diagnostic (message) is still on the anchor's line.
          const line = lineAt(v.fixed, mapOffset(f.start, fix.edits));
          if (after.some((g) => g.message === f.message && lineAt(v.fixed, g.start) === line)) {
            this.fail(v, 'refind', `${f.code} still reports the same diagnostic on line ${line + 1}: "${f.message}"`);
          }
        }
        queue(v);
      }
    }
    if (findings.some((f) => f.fixes.some((x) => x.applicability === 'safe'))) {
      this.report.tried++;
      this.report.triedByRule.set('fix-all', (this.report.triedByRule.get('fix-all') ?? 0) + 1);
      const v = { file, rule: 'fix-all', title: 'all safe fixes', original: text, fixed: '' };
      let result;
      try {
        result = fixAll(language, text, rules, opts);
      } catch (e) {
        this.fail(v, 'fix-all', String(e));
        return;
      }
      v.fixed = result.text;
      const errors = syntaxErrorCount(language, v.fixed);
      if (errors > baseErrors) this.fail(v, 'syntax', `${errors - baseErrors} new tree-sitter ERROR/MISSING node(s)`);
      else if (!result.converged) this.fail(v, 'refind', `fix-all did not converge after ${result.rounds} rounds`);
      if (result.applied > 0) queue(v);
    }
  }

  /** Runs the batched external checks (gofmt, py_compile) over the queued variants. */
  flush(): void {
    const go = this.variants.filter((v) => v.language === 'go');
    const py = this.variants.filter((v) => v.language === 'python');
    const originalsOf = (lang: LanguageId) => [...this.originals].filter(([, o]) => o.language === lang).map(([p]) => p);
    if (this.gofmt && go.length) {
      const errs = runGofmt([...originalsOf('go'), ...go.map((v) => v.path)]);
      for (const v of go) {
        const msg = errs.parse.get(v.path);
        if (msg && !errs.parse.has(v.originalPath)) this.fail(v, 'gofmt', msg);
        else if (!msg && errs.unformatted.has(v.path) && !errs.unformatted.has(v.originalPath)) {
          this.fail(v, 'gofmt-format', gofmtDiff(v.path));
        }
      }
    }
    if (py.length) {
      const errs = runPyCompile([...originalsOf('python'), ...py.map((v) => v.path)]);
      for (const v of py) {
        const msg = errs.get(v.path);
        if (msg && !errs.has(v.originalPath)) this.fail(v, 'py_compile', msg);
      }
    }
    for (const v of this.variants) rmSync(v.path, { force: true });
    for (const p of this.originals.keys()) rmSync(p, { force: true });
    this.variants.length = 0;
    this.originals.clear();
  }

  /** Removes the temp folder. */
  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The offset in the fixed text of an offset in the original: shifted by the edits before it. */
function mapOffset(offset: number, edits: readonly TextEdit[]): number {
  let shift = 0;
  for (const e of edits) {
    if (e.end <= offset) shift += e.newText.length - (e.end - e.start);
    else if (e.start <= offset && offset < e.end) return e.start + shift;
  }
  return offset + shift;
}

/** The 0-based line of an offset. */
function lineAt(text: string, offset: number): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

function chunks<T>(xs: T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

/** Parse errors (by path) and files gofmt would reformat. */
function runGofmt(paths: string[]): { parse: Map<string, string>; unformatted: Set<string> } {
  const parse = new Map<string, string>();
  const unformatted = new Set<string>();
  for (const chunk of chunks(paths, 200)) {
    const r = spawnSync('gofmt', ['-l', '-e', ...chunk], { encoding: 'utf8', maxBuffer: 1 << 28 });
    for (const line of r.stdout.split('\n')) if (line.trim()) unformatted.add(line.trim());
    for (const line of r.stderr.split('\n')) {
      const m = /^(.*?\.go):\d+:\d+: /.exec(line);
      if (!m) continue;
      const prev = parse.get(m[1]);
      if (!prev || prev.split('\n').length < 5) parse.set(m[1], prev ? `${prev}\n${line}` : line);
    }
  }
  return { parse, unformatted };
}

function gofmtDiff(p: string): string {
  try {
    const formatted = execFileSync('gofmt', [p], { encoding: 'utf8' });
    return 'gofmt would reformat the fixed file:\n' + excerpt(readFileSync(p, 'utf8'), formatted, 1, 8);
  } catch (e) {
    return String(e);
  }
}

const PY_COMPILE = `
import sys, json
for p in sys.stdin.read().split('\\n'):
    if not p:
        continue
    try:
        with open(p, 'rb') as f:
            compile(f.read(), p, 'exec', dont_inherit=True)
    except Exception as e:
        print(json.dumps([p, type(e).__name__ + ': ' + str(e)]))
`;

/** Compile errors by path, from one python3 process. */
function runPyCompile(paths: string[]): Map<string, string> {
  const out = new Map<string, string>();
  const r = spawnSync('python3', ['-W', 'ignore', '-c', PY_COMPILE], { input: paths.join('\n'), encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.error) throw r.error;
  for (const line of r.stdout.split('\n')) {
    if (!line.trim()) continue;
    const [p, msg] = JSON.parse(line) as [string, string];
    out.set(p, msg);
  }
  return out;
}

/** The default corpora: the Go and Python standard libraries, when installed. */
export function defaultCorpora(): string[] {
  const out: string[] = [];
  const share = '/usr/share';
  if (existsSync(share)) {
    for (const d of readdirSync(share).filter((d) => /^go-[\d.]+$/.test(d)).sort().slice(-1)) {
      out.push(path.join(share, d, 'src'));
    }
  }
  try {
    const stdlib = execFileSync('python3', ['-c', 'import sysconfig; print(sysconfig.get_paths()["stdlib"])'], { encoding: 'utf8' }).trim();
    if (stdlib) out.push(stdlib);
  } catch {
    // no python3
  }
  return out;
}

/** Prints the report; returns the exit status. */
export function printReport(report: FixCheckReport, show = 10): number {
  for (const n of report.notices) console.log(`notice: ${n}`);
  console.log(`files: ${report.files}, fixes tried: ${report.tried}, failed: ${report.failures.length}`);
  if (report.failures.length) console.log('fixes failed by rule (and by check):');
  console.log(`fixes tried by rule: ${[...report.triedByRule].sort().map(([r, n]) => `${r.split(' ')[0]} ${n}`).join(', ') || 'none'}`);
  const byRule = new Map<string, Map<string, number>>();
  for (const f of report.failures) {
    const m = byRule.get(f.rule) ?? new Map<string, number>();
    m.set(f.check, (m.get(f.check) ?? 0) + 1);
    byRule.set(f.rule, m);
  }
  for (const [rule, m] of [...byRule].sort()) {
    const total = [...m.values()].reduce((a, b) => a + b, 0);
    console.log(`  ${rule}: ${total} (${[...m].map(([c, n]) => `${c} ${n}`).join(', ')})`);
  }
  for (const f of report.failures.slice(0, show)) {
    console.log(`\n${f.file}\n  rule: ${f.rule}\n  fix: ${f.title}\n  check: ${f.check}\n  message: ${f.message.replace(/\n/g, '\n    ')}\n${f.excerpt.replace(/^/gm, '    ')}`);
  }
  return report.failures.length ? 1 : 0;
}

async function main(argv: string[]): Promise<number> {
  let limit = Infinity;
  let show = 10;
  const corpora: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--limit') limit = Number(argv[++i]);
    else if (argv[i] === '--show') show = Number(argv[++i]);
    else corpora.push(argv[i]);
  }
  if (!corpora.length) corpora.push(...defaultCorpora());
  await loadLanguages();
  const checker = new FixChecker();
  try {
    for (const corpus of corpora) {
      const files = corpusFiles(corpus, limit);
      const started = Date.now();
      let n = 0;
      for (const file of files) {
        const language: LanguageId = file.endsWith('.go') ? 'go' : 'python';
        let text: string;
        try {
          text = readFileSync(file, 'utf8');
        } catch {
          continue;
        }
        try {
          checker.checkText(file, language, text);
        } catch (e) {
          checker.report.failures.push({ file, rule: 'engine', title: '-', check: 'analyze', message: String((e as Error).stack ?? e), excerpt: '' });
        }
        if (++n % 500 === 0) {
          checker.flush();
          process.stderr.write(`  ${corpus}: ${n}/${files.length} files, ${checker.report.tried} fixes\n`);
        }
      }
      checker.flush();
      console.log(`${corpus}: ${files.length} files in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
  } finally {
    checker.dispose();
  }
  return printReport(checker.report, show);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      console.error(e);
      process.exit(2);
    },
  );
}
