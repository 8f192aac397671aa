/**
 * The worker thread of the workspace analysis (bundled as dist/workspaceWorker.js): it walks workspace folders and
 * analyses files it is handed as bytes, returning engine findings (for the result cache) and the LSP diagnostics
 * built from them. It does no other I/O and holds no state between files except the rule profiles.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { setPriority } from 'node:os';
import { decodeSource, withSeverity } from './checkFile';
import type { SourceFile } from './discover';
import type { Finding, Severity } from './engine/rule';
import { analyzeText } from './engine/run';
import { loadLanguages, type LanguageId } from './languages';
import { LineIndex } from './lineIndex';
import { RULES } from './rules';
import { diskDiagnostics } from './workspaceDiagnostics';
import { discoverFolders, type FolderSpec } from './workspaceFiles';
import type { Diagnostic } from 'vscode-languageserver';

/** The data a workspace worker is started with. */
export interface WorkspaceWorkerData {
  steadyWorkspaceWorker: true;
  /** Niceness of the worker thread (Linux: per thread), so the main thread answers keystrokes first. */
  niceness: number;
}

/** A rule set with its configuration, sent once per worker and then referred to by id. */
export interface RuleProfile {
  id: number;
  codes: string[];
  severity: Readonly<Record<string, Severity>>;
  ruleOptions: Record<string, Record<string, unknown>>;
}

/** Messages to a worker. */
export type ToWorker =
  | { kind: 'profile'; profile: RuleProfile }
  | { kind: 'analyze'; id: number; path: string; language: LanguageId; bytes: Uint8Array; hash: string; profile: number }
  | { kind: 'discover'; id: number; folders: FolderSpec[] };

/** The outcome of one job. */
export type JobResult =
  | { kind: 'analyzed'; findings: Finding[]; diagnostics: Diagnostic[]; failures: { code: string; error: string }[] }
  | { kind: 'skipped'; reason: string }
  | { kind: 'discovered'; files: SourceFile[]; notices: string[] };

/** Messages from a worker; `heap` is the worker's own memory (wasm and JS heaps) in bytes after the job. */
export type FromWorker = { kind: 'ready' } | { kind: 'done'; id: number; result: JobResult; heap: number };

/** Whether a worker's data asks it to be a workspace worker. */
export function isWorkspaceWorkerData(data: unknown): data is WorkspaceWorkerData {
  return !!data && typeof data === 'object' && (data as WorkspaceWorkerData).steadyWorkspaceWorker === true;
}

/** The body of a workspace worker. */
export function runWorkspaceWorker(data: WorkspaceWorkerData): void {
  const port = parentPort;
  if (!port) throw new Error('runWorkspaceWorker must run on a worker thread');
  try {
    if (data.niceness) setPriority(0, data.niceness);
  } catch {
    // Not permitted or not supported here: run at normal priority.
  }
  const profiles = new Map<number, { profile: RuleProfile; rules: typeof RULES }>();
  const heap = (): number => {
    // The committed JS heap and the wasm memory: what the worker holds of the process's RSS.
    const m = process.memoryUsage();
    return m.external + m.heapTotal;
  };
  const analyze = (msg: Extract<ToWorker, { kind: 'analyze' }>): JobResult => {
    const decoded = decodeSource(msg.bytes);
    if ('skip' in decoded) return { kind: 'skipped', reason: decoded.skip };
    const p = profiles.get(msg.profile);
    if (!p) throw new Error(`unknown rule profile ${msg.profile}`);
    const rules = p.rules.filter((r) => r.language === msg.language);
    const result = analyzeText(msg.language, decoded.text, rules, { path: msg.path, ruleOptions: p.profile.ruleOptions });
    const findings = withSeverity(result.findings, p.profile.severity);
    return {
      kind: 'analyzed',
      findings,
      diagnostics: diskDiagnostics(findings, new LineIndex(decoded.text), msg.hash),
      failures: result.failures.map((f) => ({ code: f.code, error: String(f.error).split('\n')[0] })),
    };
  };
  loadLanguages().then(
    () => {
      port.on('message', (msg: ToWorker) => {
        if (msg.kind === 'profile') {
          const codes = new Set(msg.profile.codes);
          profiles.set(msg.profile.id, { profile: msg.profile, rules: RULES.filter((r) => codes.has(r.code)) });
          return;
        }
        let result: JobResult;
        if (msg.kind === 'discover') {
          const notices: string[] = [];
          result = { kind: 'discovered', files: discoverFolders(msg.folders, (m) => notices.push(m)), notices };
        } else {
          try {
            result = analyze(msg);
          } catch (e) {
            result = { kind: 'skipped', reason: `the analysis failed: ${String((e as Error)?.message ?? e).split('\n')[0]}` };
          }
        }
        port.postMessage({ kind: 'done', id: msg.id, result, heap: heap() } satisfies FromWorker);
      });
      port.postMessage({ kind: 'ready' } satisfies FromWorker);
    },
    (e: unknown) => {
      setImmediate(() => {
        throw e;
      });
    },
  );
}

if (!isMainThread && isWorkspaceWorkerData(workerData)) runWorkspaceWorker(workerData);
