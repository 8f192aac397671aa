/**
 * Workspace-level commands of the language server: "Fix All Safe Problems in Workspace" (one WorkspaceEdit of every
 * safe fix, annotated so the editor shows it for review) and "Generate Stability Report" (the Markdown audit of the
 * workspace). Open documents take part with their editor text and version, other files with their text on disk.
 * The work yields to the event loop between files, so edits and diagnostics of open documents keep flowing.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { AnnotatedTextEdit, ChangeAnnotation, Connection, TextDocumentEdit, TextEdit as LspTextEdit, WorkspaceEdit } from 'vscode-languageserver';
import { URI } from 'vscode-uri';
import { contentHash, type CacheKey } from './cache';
import { decodeSource, withSeverity } from './checkFile';
import { discover } from './discover';
import { fixKeepsSyntax } from './engine/fix';
import type { Finding, Rule, Severity } from './engine/rule';
import { analyzeText, fixAll } from './engine/run';
import type { LanguageId } from './languages';
import { LineIndex } from './lineIndex';
import { auditMarkdown } from './report/audit';
import { countLines, toReportDiagnostic, type ReportDiagnostic } from './report/diagnostic';
import { VERSION } from './version';

/** The command that applies every safe fix of the workspace. */
export const FIX_ALL_WORKSPACE_COMMAND = 'steady.fixAllWorkspace';
/** The server command that returns the stability report of the workspace (the client's steady.generateReport opens it). */
export const GENERATE_REPORT_COMMAND = 'steady.server.generateReport';
/** The change annotation of the workspace fix-all edit. */
export const FIX_ALL_ANNOTATION = 'steady.fixAllWorkspace';

/** An open document as the actions see it. */
export interface OpenText {
  uri: string;
  version: number;
  text: string;
  language: LanguageId;
}

/** The configuration of one file, as far as the actions need it. */
export interface ActionConfig {
  rules: readonly Rule[];
  ruleOptions?: Record<string, Record<string, unknown>>;
  severity?: Readonly<Record<string, Severity>>;
  excluded: boolean;
  /** The configuration's hash (the result cache's key), when known. */
  hash?: string;
}

/** What the actions need from the server. */
export interface ActionHost {
  /** The workspace folders (file system paths). */
  folders(): string[];
  /** The open document of a file, if it is open. */
  openDocument(fsPath: string): OpenText | undefined;
  /** The open documents (including any outside the folders). */
  openDocuments(): OpenText[];
  /** The configuration of a file. */
  configFor(fsPath: string): ActionConfig;
  /** The findings the workspace analysis cached for a file's bytes and configuration, if any. */
  cached?(fsPath: string, key: CacheKey): { findings: Finding[] } | undefined;
  /** Analyses a file's text off the main thread (the workspace workers); without it, the report analyses in place. */
  analyze?(fsPath: string, language: LanguageId, text: string): Promise<Finding[]>;
  /** Files larger than this (bytes) are left alone. */
  maxFileSize: number;
  log(message: string): void;
  /** Called after each file, with files done and total; returns false to stop (cancelled). */
  progress?(done: number, total: number): boolean;
}

/** One file to act on, with its text. */
interface Target {
  fsPath: string;
  uri: string;
  /** The document version when open; null for a file on disk. */
  version: number | null;
  text: string;
  language: LanguageId;
  /** sha256 of the file's bytes on disk (files that are not open). */
  bytesHash?: string;
}

/** Lets other messages through between files. */
const yieldNow = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The path of a URI (or the URI itself when it has none). */
function fsPathOf(uri: string): string {
  try {
    return URI.parse(uri).fsPath;
  } catch {
    return uri;
  }
}

/** The files of the workspace (and open documents outside it), each once; unreadable files are left out. */
function* targets(host: ActionHost, files: { path: string; language: LanguageId }[]): Generator<Target | undefined> {
  const seen = new Set<string>();
  for (const f of files) {
    seen.add(f.path);
    const open = host.openDocument(f.path);
    if (open) {
      yield { fsPath: f.path, uri: open.uri, version: open.version, text: open.text, language: open.language };
      continue;
    }
    let text: string | undefined;
    let bytesHash: string | undefined;
    try {
      if (statSync(f.path).size > host.maxFileSize) {
        yield undefined;
        continue;
      }
      const bytes = readFileSync(f.path);
      const decoded = decodeSource(bytes);
      if ('text' in decoded) text = decoded.text;
      else host.log(`skipping ${f.path}: ${decoded.skip}`);
      bytesHash = contentHash(bytes);
    } catch (e) {
      host.log(`skipping ${f.path}: ${(e as Error).message}`);
    }
    yield text === undefined ? undefined : { fsPath: f.path, uri: URI.file(f.path).toString(), version: null, text, language: f.language, bytesHash };
  }
  // Open documents outside the folders (or not found on disk, e.g. new files) count too, when they are files.
  for (const d of host.openDocuments()) {
    const p = fsPathOf(d.uri);
    if (!d.uri.startsWith('file:') || seen.has(p)) continue;
    yield { fsPath: p, uri: d.uri, version: d.version, text: d.text, language: d.language };
  }
}

/** The findings the workspace analysis already has for a file on disk with this configuration, if any. */
function cachedFindings(host: ActionHost, t: Target, cfg: ActionConfig): Finding[] | undefined {
  if (!t.bytesHash || cfg.hash === undefined || !host.cached) return undefined;
  return host.cached(t.fsPath, { contentHash: t.bytesHash, configHash: cfg.hash })?.findings;
}

/** The workspace's source files, as `steady check` finds them. */
function workspaceFiles(host: ActionHost): { path: string; language: LanguageId }[] {
  const folders = host.folders();
  if (folders.length === 0) return [];
  const found = discover(folders, { onNotice: (m) => host.log(m) });
  return found.files.map((f) => ({ path: f.path, language: f.language }));
}

/** The smallest single edit turning `before` into `after`, in LSP positions of `before`. */
function minimalEdit(before: string, after: string): LspTextEdit {
  let pre = 0;
  const max = Math.min(before.length, after.length);
  while (pre < max && before.charCodeAt(pre) === after.charCodeAt(pre)) pre++;
  let suf = 0;
  while (suf < max - pre && before.charCodeAt(before.length - 1 - suf) === after.charCodeAt(after.length - 1 - suf)) suf++;
  return { range: new LineIndex(before).range(pre, before.length - suf), newText: after.slice(pre, after.length - suf) };
}

/** What the workspace fix-all found to do. */
export interface WorkspaceFixAll {
  /** The edit to apply; undefined when there is nothing to fix. */
  edit?: WorkspaceEdit;
  /** Fixes and files involved. */
  fixes: number;
  files: number;
  /** True when the run was cancelled before every file was seen. */
  cancelled: boolean;
}

/** How the client can take a workspace edit. */
export interface EditCapabilities {
  documentChanges: boolean;
  changeAnnotations: boolean;
}

/**
 * Computes every safe fix of the workspace (re-analysed until nothing changes, per file) as one WorkspaceEdit: one
 * minimal text edit per changed file, versioned for open documents. With change annotations the edits carry an
 * annotation that needs confirmation, so the editor shows them for review before applying them.
 */
export async function workspaceFixAll(host: ActionHost, caps: EditCapabilities): Promise<WorkspaceFixAll> {
  const files = workspaceFiles(host);
  const changes: { target: Target; edit: LspTextEdit; applied: number }[] = [];
  let done = 0;
  let cancelled = false;
  const total = files.length;
  for (const t of targets(host, files)) {
    if (t) {
      const cfg = host.configFor(t.fsPath);
      const rules = cfg.rules.filter((r) => r.language === t.language);
      // Files the workspace analysis found nothing safely fixable in are not analysed again.
      const known = cachedFindings(host, t, cfg);
      const fixable = !known || known.some((f) => f.fixes.some((x) => x.applicability === 'safe'));
      if (!cfg.excluded && rules.length > 0 && fixable) {
        try {
          const result = fixAll(t.language, t.text, rules, { path: t.fsPath, ruleOptions: cfg.ruleOptions });
          if (result.applied > 0 && result.text !== t.text) {
            const edit = minimalEdit(t.text, result.text);
            const start = new LineIndex(t.text);
            const offsets = { start: start.offset(edit.range.start), end: start.offset(edit.range.end), newText: edit.newText };
            if (fixKeepsSyntax(t.language, t.text, [offsets])) changes.push({ target: t, edit, applied: result.applied });
            else host.log(`not fixing ${t.fsPath}: the fixed code would not parse`);
          }
        } catch (e) {
          host.log(`fix-all failed on ${t.fsPath}: ${(e as Error).message}`);
        }
      }
    }
    done++;
    if (host.progress && !host.progress(Math.min(done, total), total)) {
      cancelled = true;
      break;
    }
    await yieldNow();
  }
  const fixes = changes.reduce((n, c) => n + c.applied, 0);
  if (changes.length === 0) return { fixes: 0, files: 0, cancelled };
  let edit: WorkspaceEdit;
  if (caps.documentChanges) {
    const documentChanges: TextDocumentEdit[] = changes.map((c) => ({
      textDocument: { uri: c.target.uri, version: c.target.version },
      edits: [caps.changeAnnotations ? ({ ...c.edit, annotationId: FIX_ALL_ANNOTATION } satisfies AnnotatedTextEdit) : c.edit],
    }));
    edit = { documentChanges };
    if (caps.changeAnnotations) {
      const annotation: ChangeAnnotation = {
        label: 'Steady: fix all safe problems',
        needsConfirmation: true,
        description: `${fixes} fix${fixes === 1 ? '' : 'es'} in ${changes.length} file${changes.length === 1 ? '' : 's'}`,
      };
      edit.changeAnnotations = { [FIX_ALL_ANNOTATION]: annotation };
    }
  } else {
    edit = { changes: Object.fromEntries(changes.map((c) => [c.target.uri, [c.edit]])) };
  }
  return { edit, fixes, files: changes.length, cancelled };
}

/** The report the server returns to the client. */
export interface WorkspaceReport {
  /** The audit in Markdown; its links are relative to `root`. */
  markdown: string;
  /** The folder the links are relative to (the first workspace folder), as a URI; undefined without folders. */
  root?: string;
  /** A file name the client can suggest when the report is saved. */
  fileName: string;
  findings: number;
  cancelled: boolean;
}

/** Analyses the workspace and renders its stability audit as Markdown, with links relative to the first folder. */
export async function workspaceReport(host: ActionHost, date = new Date()): Promise<WorkspaceReport> {
  const folders = host.folders();
  const root = folders[0];
  const files = workspaceFiles(host);
  const texts = new Map<string, string>();
  const diagnostics: ReportDiagnostic[] = [];
  let analysed = 0;
  let lines = 0;
  let done = 0;
  let cancelled = false;
  const rel = (p: string): string => (root ? path.relative(root, p) || path.basename(p) : p).split(path.sep).join('/');
  for (const t of targets(host, files)) {
    if (t) {
      const cfg = host.configFor(t.fsPath);
      const rules = cfg.rules.filter((r) => r.language === t.language);
      if (!cfg.excluded) {
        try {
          const findings =
            cachedFindings(host, t, cfg) ??
            (host.analyze
              ? await host.analyze(t.fsPath, t.language, t.text)
              : analyzeText(t.language, t.text, rules, { path: t.fsPath, ruleOptions: cfg.ruleOptions }).findings);
          analysed++;
          lines += countLines(t.text);
          if (findings.length) {
            const display = rel(t.fsPath);
            texts.set(display, t.text);
            const index = new LineIndex(t.text);
            const byCode = new Map(rules.map((r) => [r.code, r]));
            for (const f of findings) {
              const rule = byCode.get(f.code);
              if (rule) diagnostics.push(toReportDiagnostic(withSeverity([f], cfg.severity)[0], rule, index, display));
            }
          }
        } catch (e) {
          host.log(`report: analysis failed on ${t.fsPath}: ${(e as Error).message}`);
        }
      }
    }
    done++;
    if (host.progress && !host.progress(Math.min(done, files.length), files.length)) {
      cancelled = true;
      break;
    }
    await yieldNow();
  }
  const name = root ? path.basename(root) : 'the open files';
  const markdown = auditMarkdown({
    title: `Stability audit of ${name}`,
    scope: folders.length ? folders.map((f) => (f === root ? `${path.basename(f)}/` : `${rel(f)}/`)) : ['open files'],
    files: analysed,
    lines,
    version: VERSION,
    date,
    diagnostics,
    source: (p) => texts.get(p),
  });
  return {
    markdown: cancelled ? markdown.replace(/\n/, '\n\n> The analysis was cancelled: this report covers only part of the workspace.\n') : markdown,
    root: root ? URI.file(root).toString() : undefined,
    fileName: `steady-report-${date.toISOString().slice(0, 10)}.md`,
    findings: diagnostics.length,
    cancelled,
  };
}

/** What the command handler needs from the session. */
export interface CommandContext {
  connection: Connection;
  host: ActionHost;
  caps: EditCapabilities & { progress: boolean };
}

/** Runs `work` with a cancellable progress indicator in the editor when the client supports one. */
async function withProgress<T>(ctx: CommandContext, title: string, work: (host: ActionHost) => Promise<T>): Promise<T> {
  if (!ctx.caps.progress) return work(ctx.host);
  const progress = await ctx.connection.window.createWorkDoneProgress();
  progress.begin(title, 0, undefined, true);
  let last = -1;
  const host: ActionHost = {
    ...ctx.host,
    progress: (done, total) => {
      const pct = total ? Math.floor((done / total) * 100) : 100;
      if (pct !== last) {
        last = pct;
        progress.report(pct, `${done} of ${total} files`);
      }
      return !progress.token.isCancellationRequested;
    },
  };
  try {
    return await work(host);
  } finally {
    progress.done();
  }
}

/** Runs one of the workspace commands; returns the command's result (the report for GENERATE_REPORT_COMMAND). */
export async function executeWorkspaceCommand(command: string, ctx: CommandContext): Promise<unknown> {
  const { connection } = ctx;
  if (command === GENERATE_REPORT_COMMAND) {
    return withProgress(ctx, 'Steady: analysing the workspace for the report', (host) => workspaceReport(host));
  }
  if (command !== FIX_ALL_WORKSPACE_COMMAND) throw new Error(`unknown command ${command}`);
  const result = await withProgress(ctx, 'Steady: computing safe fixes', (host) => workspaceFixAll(host, ctx.caps));
  if (!result.edit) {
    void connection.window.showInformationMessage(result.cancelled ? 'Steady: cancelled; no fixes were applied.' : 'Steady: no safe fixes to apply in the workspace.');
    return { applied: false, fixes: 0, files: 0 };
  }
  const label = `Steady: fix ${result.fixes} safe problem${result.fixes === 1 ? '' : 's'} in ${result.files} file${result.files === 1 ? '' : 's'}`;
  const applied = await connection.workspace.applyEdit({ label, edit: result.edit });
  if (!applied.applied && applied.failureReason) {
    void connection.window.showWarningMessage(`Steady: the fixes were not applied: ${applied.failureReason}`);
  }
  return { applied: applied.applied, fixes: result.fixes, files: result.files };
}
