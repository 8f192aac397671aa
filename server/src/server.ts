/** The Steady language server: LSP wiring only (capabilities, handlers); the work is in the engine and helpers. */
import {
  CodeActionKind,
  createConnection,
  DidChangeConfigurationNotification,
  DocumentDiagnosticReportKind,
  ProposedFeatures,
  TextDocumentSyncKind,
  type CodeAction,
  type Connection,
  type Diagnostic,
  type DocumentDiagnosticReport,
  type InitializeParams,
  type InitializeResult,
  type WorkspaceDiagnosticReport,
} from 'vscode-languageserver/node';
import path from 'node:path';
import { URI } from 'vscode-uri';
import { FIX_ALL_KIND, fixAllAction, quickFixes, wants } from './codeActions';
import { DEFAULT_SETTINGS, isConfigFile, parseSettings, selectRules, type Settings } from './config';
import { skippedDiagnostic, toDiagnostic } from './diagnostics';
import { DocumentStore, type OpenDocument } from './documents';
import { suppressionHover } from './hover';
import { languageForId, loadLanguages } from './languages';
import { rulesOnlyConfig, sha256, WorkspaceAnalysis } from './workspace';
import { ServerResultCache } from './workspaceCache';

/** Files larger than this are not analysed; they get one info diagnostic saying why. */
export const MAX_FILE_SIZE = 5 * 1024 * 1024;

const connection: Connection = createConnection(ProposedFeatures.all);
const documents = new DocumentStore();
const ready = loadLanguages();
let pullDiagnostics = false;
let configurationRequests = false;
let settings: Settings = DEFAULT_SETTINGS;
const loggedFailures = new Set<string>();
/** The background analysis of the workspace folders' files (created at initialize). */
let workspace: WorkspaceAnalysis | undefined;
let initializeParams: InitializeParams | undefined;

ready.catch((e) => connection.console.error(String((e as Error).message ?? e)));

/** Runs a handler body, logging instead of throwing so one bad request never takes the session down. */
async function guard<T>(what: string, fallback: T, body: () => T | Promise<T>): Promise<T> {
  try {
    await ready;
    return await body();
  } catch (e) {
    connection.console.error(`steady: ${what} failed: ${(e as Error)?.stack ?? e}`);
    return fallback;
  }
}

function pathOf(uri: string): string {
  try {
    return URI.parse(uri).fsPath;
  } catch {
    return uri;
  }
}

function currentRules() {
  const problems: string[] = [];
  const rules = settings.enable ? selectRules(settings.select, settings.ignore, problems) : [];
  for (const p of problems) logOnce(`settings: ${p}`);
  return rules;
}

function logOnce(message: string): void {
  if (loggedFailures.has(message)) return;
  loggedFailures.add(message);
  connection.console.warn(`steady: ${message}`);
}

/** Analyses a document's current version (once per version) and returns its diagnostics. */
function diagnose(doc: OpenDocument): Diagnostic[] {
  if (doc.result?.version === doc.version) return doc.result.payload as Diagnostic[];
  let diagnostics: Diagnostic[];
  if (doc.text.length > MAX_FILE_SIZE) {
    diagnostics = [skippedDiagnostic(`Steady does not analyse files over ${MAX_FILE_SIZE / 1024 / 1024} MB (this one has ${(doc.text.length / 1024 / 1024).toFixed(1)} MB)`)];
  } else if (!doc.tree) {
    diagnostics = [];
  } else {
    const rules = currentRules();
    const result = doc.analyzerFor(rules).analyze(doc.text, doc.tree, { path: pathOf(doc.uri) });
    for (const f of result.failures) {
      const key = `${f.code} ${f.path}`;
      if (!loggedFailures.has(key)) {
        loggedFailures.add(key);
        connection.console.error(`steady: rule ${f.code} failed on ${f.path}: ${f.error}`);
      }
    }
    const lines = doc.lines;
    diagnostics = [...result.findings, ...result.hints].map((f) => toDiagnostic(f, lines, doc.version));
  }
  doc.result = { version: doc.version, payload: diagnostics };
  workspace?.scheduleStatus();
  return diagnostics;
}

// Push mode: coalesce bursts of changes into one analysis of the newest version.
const pending = new Set<string>();
let flushScheduled = false;
function schedulePush(uri: string): void {
  if (pullDiagnostics) return;
  pending.add(uri);
  if (flushScheduled) return;
  flushScheduled = true;
  setImmediate(() => {
    flushScheduled = false;
    const uris = [...pending];
    pending.clear();
    for (const u of uris) {
      const doc = documents.get(u);
      if (!doc) continue;
      void guard('diagnostics', undefined, () => {
        const diagnostics = diagnose(doc);
        void connection.sendDiagnostics({ uri: doc.uri, version: doc.version, diagnostics });
      });
    }
  });
}

async function refreshSettings(): Promise<void> {
  if (!configurationRequests) return;
  try {
    const raw = await connection.workspace.getConfiguration('steady');
    const problems: string[] = [];
    settings = parseSettings(raw, problems);
    workspace?.updateSettings(raw);
    for (const p of problems) connection.console.warn(`steady: ${p}`);
  } catch (e) {
    connection.console.warn(`steady: could not read settings: ${(e as Error).message}`);
  }
}

connection.onInitialize((params): InitializeResult => {
  const caps = params.capabilities;
  pullDiagnostics = !!caps.textDocument?.diagnostic;
  configurationRequests = !!caps.workspace?.configuration;
  const init = params.initializationOptions as { settings?: unknown; storagePath?: unknown; globalStoragePath?: unknown } | undefined;
  if (init?.settings) settings = parseSettings(init.settings);
  workspace = createWorkspaceAnalysis(params, init);
  return {
    capabilities: {
      workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
      hoverProvider: true,
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, FIX_ALL_KIND], resolveProvider: false },
      ...(pullDiagnostics ? { diagnosticProvider: { interFileDependencies: false, workspaceDiagnostics: true } } : {}),
    },
    serverInfo: { name: 'steady', version: '0.1.0' },
  };
});

connection.onInitialized(async () => {
  if (configurationRequests) {
    void connection.client.register(DidChangeConfigurationNotification.type, { section: 'steady' }).catch(() => undefined);
    await refreshSettings();
  }
  if (initializeParams?.capabilities.workspace?.workspaceFolders) {
    connection.workspace.onDidChangeWorkspaceFolders((e) => guard('workspace folders', undefined, () => workspace?.foldersChanged(e.added, e.removed)));
  }
  await ready.catch(() => undefined);
  await workspace?.start();
});

/** The workspace analysis of a session: its folders, its capabilities and its cache in the client's storage folder. */
function createWorkspaceAnalysis(
  params: InitializeParams,
  init: { settings?: unknown; storagePath?: unknown; globalStoragePath?: unknown } | undefined,
): WorkspaceAnalysis {
  initializeParams = params;
  const caps = params.capabilities;
  const folders = params.workspaceFolders ?? (params.rootUri ? [{ uri: params.rootUri, name: '' }] : []);
  // The workspace's own storage folder; without one (no folder open), a folder per workspace in the global one.
  let cacheDir = typeof init?.storagePath === 'string' ? init.storagePath : undefined;
  if (!cacheDir && typeof init?.globalStoragePath === 'string' && folders.length) {
    cacheDir = path.join(init.globalStoragePath, 'workspaces', sha256(folders.map((f) => f.uri).join('\n')).slice(0, 16));
  }
  const ws = new WorkspaceAnalysis({
    connection,
    config: () => rulesOnlyConfig(currentRules(), settingsKey()),
    openDiagnostics: () => documents.all().map((d) => (d.result?.payload as Diagnostic[] | undefined) ?? []),
    pull: pullDiagnostics,
    watchRegistration: !!caps.workspace?.didChangeWatchedFiles?.dynamicRegistration,
    configurationRequests,
    workerScript: path.join(__dirname, 'workspaceWorker.js'),
    cache: ServerResultCache.open(cacheDir, (m) => connection.console.log(`steady: ${m}`)),
  });
  ws.setFolders(folders);
  if (init?.settings) ws.updateSettings(init.settings);
  return ws;
}

connection.onDidChangeConfiguration(async (change) => {
  if (configurationRequests) await refreshSettings();
  else {
    settings = parseSettings((change.settings as { steady?: unknown } | undefined)?.steady);
    workspace?.updateSettings((change.settings as { steady?: unknown } | undefined)?.steady);
  }
  workspace?.configMaybeChanged();
  for (const doc of documents.all()) doc.result = undefined;
  if (pullDiagnostics) connection.languages.diagnostics.refresh();
  else for (const doc of documents.all()) schedulePush(doc.uri);
});

connection.onDidOpenTextDocument((p) =>
  guard('open', undefined, () => {
    const language = languageForId(p.textDocument.languageId);
    if (!language) return;
    documents.open(p.textDocument.uri, language, p.textDocument.version, p.textDocument.text);
    workspace?.onOpen(pathOf(p.textDocument.uri));
    schedulePush(p.textDocument.uri);
  }),
);

connection.onDidChangeTextDocument((p) =>
  guard('change', undefined, () => {
    const uri = p.textDocument.uri;
    if (!documents.get(uri)) {
      connection.console.log(`steady: ignoring a change to ${uri}, which was never opened`);
      return;
    }
    const doc = documents.change(uri, p.textDocument.version, p.contentChanges);
    if (doc) schedulePush(uri);
  }),
);

connection.onDidCloseTextDocument((p) =>
  guard('close', undefined, () => {
    documents.close(p.textDocument.uri);
    pending.delete(p.textDocument.uri);
    // A file of the workspace goes back to its on-disk diagnostics; any other file loses its diagnostics.
    const onDisk = workspace?.onClose(pathOf(p.textDocument.uri)) ?? false;
    if (!onDisk && !pullDiagnostics) void connection.sendDiagnostics({ uri: p.textDocument.uri, diagnostics: [] });
    workspace?.scheduleStatus();
  }),
);

connection.onDidChangeWatchedFiles((p) =>
  guard('watched files', undefined, () => {
    // Source files: the workspace analysis re-checks what changed on disk.
    workspace?.onWatchedFiles(p.changes.filter((c) => !isConfigFile(pathOf(c.uri))));
    workspace?.configMaybeChanged();
  }),
);

connection.languages.diagnostics.onWorkspace((p, token, _workDone, resultProgress) =>
  guard<WorkspaceDiagnosticReport>('workspace diagnostics', { items: [] }, () =>
    workspace ? workspace.workspaceDiagnostics(p, token, resultProgress) : { items: [] },
  ),
);

connection.onShutdown(() => workspace?.dispose());

connection.languages.diagnostics.on((p) =>
  guard<DocumentDiagnosticReport>('diagnostics', { kind: DocumentDiagnosticReportKind.Full, items: [] }, () => {
    const doc = documents.get(p.textDocument.uri);
    if (!doc) return { kind: DocumentDiagnosticReportKind.Full, items: [] };
    const items = diagnose(doc);
    const resultId = `${doc.version}:${settingsKey()}`;
    if (p.previousResultId === resultId) return { kind: DocumentDiagnosticReportKind.Unchanged, resultId };
    return { kind: DocumentDiagnosticReportKind.Full, resultId, items };
  }),
);

let settingsGeneration = 0;
let lastSettings = settings;
function settingsKey(): number {
  if (lastSettings !== settings) {
    lastSettings = settings;
    settingsGeneration++;
  }
  return settingsGeneration;
}

connection.onHover((p) =>
  guard('hover', null, () => {
    const doc = documents.get(p.textDocument.uri);
    return doc ? suppressionHover(doc, p.position) : null;
  }),
);

connection.onCodeAction((p) =>
  guard('code actions', [] as CodeAction[], () => {
    const doc = documents.get(p.textDocument.uri);
    if (!doc) return [];
    const actions: CodeAction[] = [];
    if (wants(p.context.only, CodeActionKind.QuickFix)) actions.push(...quickFixes(doc, p.context.diagnostics));
    if (p.context.only && wants(p.context.only, FIX_ALL_KIND)) {
      const all = fixAllAction(doc, currentRules(), { path: pathOf(doc.uri) });
      if (all) actions.push(all);
    }
    return actions;
  }),
);

process.on('uncaughtException', (e) => connection.console.error(`steady: uncaught: ${e?.stack ?? e}`));
process.on('unhandledRejection', (e) => connection.console.error(`steady: unhandled rejection: ${(e as Error)?.stack ?? e}`));

connection.listen();
