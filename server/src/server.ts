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
import { ConfigStore, DEFAULT_SETTINGS, isConfigFile, parseSettings, type FileConfig, type Settings } from './config';
import { ConfigSession } from './configServer';
import { skippedDiagnostic, toDiagnostic } from './diagnostics';
import { DocumentStore, type OpenDocument } from './documents';
import { suppressionHover } from './hover';
import { languageForId, loadLanguages } from './languages';
import { WorkspaceAnalysis, type CachedFindings } from './workspace';
import { contentHash, ResultCache } from './cache';
import { executeWorkspaceCommand, FIX_ALL_WORKSPACE_COMMAND, GENERATE_REPORT_COMMAND } from './workspaceActions';

/** Files larger than this are not analysed; they get one info diagnostic saying why. */
export const MAX_FILE_SIZE = 5 * 1024 * 1024;

const connection: Connection = createConnection(ProposedFeatures.all);
const documents = new DocumentStore();
const ready = loadLanguages();
let pullDiagnostics = false;
let configurationRequests = false;
let settings: Settings = DEFAULT_SETTINGS;
/** The configuration files and settings of every document. */
const config = new ConfigSession(connection, new ConfigStore(DEFAULT_SETTINGS));
/** A folder of the workspace: where a relative steady.configPath and untitled documents' configuration are found. */
let workspaceRoot: string | undefined;
const loggedFailures = new Set<string>();
/** The workspace analysis's result cache (the workspace commands reuse its findings). */
let resultCache: ResultCache<CachedFindings> | undefined;
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

/** Applies new settings to the configuration. */
function setSettings(next: Settings): void {
  settings = next;
  config.store.setSettings(settings);
}

/** The configuration of a document: by its path, or (untitled documents) as a file in the workspace folder. */
function configOf(uri: string): FileConfig {
  let file = pathOf(uri);
  if (!uri.startsWith('file:')) file = path.join(workspaceRoot ?? process.cwd(), path.basename(file) || 'untitled');
  const c = config.store.forFile(file);
  config.publishProblems();
  return c;
}

/** Re-analyses every open document after a configuration change (pull: asks the client to pull again). */
function configChanged(): void {
  workspace?.configMaybeChanged();
  for (const doc of documents.all()) {
    doc.result = undefined;
    // Resolve now, so that problems of the new configuration are reported even before the client pulls.
    configOf(doc.uri);
  }
  config.publishProblems();
  if (pullDiagnostics) connection.languages.diagnostics.refresh();
  else for (const doc of documents.all()) schedulePush(doc.uri);
}

/** Analyses a document's current version (once per version) and returns its diagnostics. */
function diagnose(doc: OpenDocument): Diagnostic[] {
  if (doc.result?.version === doc.version) return doc.result.payload as Diagnostic[];
  let diagnostics: Diagnostic[];
  if (doc.text.length > MAX_FILE_SIZE) {
    diagnostics = [skippedDiagnostic(`Steady does not analyse files over ${MAX_FILE_SIZE / 1024 / 1024} MB (this one has ${(doc.text.length / 1024 / 1024).toFixed(1)} MB)`)];
  } else {
    const cfg = configOf(doc.uri);
    const result = cfg.excluded
      ? { findings: [], hints: [], failures: [] }
      : (doc.analyze(cfg.rules, { path: pathOf(doc.uri), ruleOptions: cfg.ruleOptions }) ?? { findings: [], hints: [], failures: [] });
    for (const f of result.failures) {
      const key = `${f.code} ${f.path}`;
      if (!loggedFailures.has(key)) {
        loggedFailures.add(key);
        connection.console.error(`steady: rule ${f.code} failed on ${f.path}: ${f.error}`);
      }
    }
    const lines = doc.lines;
    diagnostics = [...result.findings, ...result.hints].map((f) => toDiagnostic(f, lines, doc.version, cfg.severity[f.code]));
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
    setSettings(parseSettings(raw, problems));
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
  const root = params.workspaceFolders?.[0]?.uri ?? params.rootUri;
  if (root) {
    workspaceRoot = pathOf(root);
    config.store.setBaseDir(workspaceRoot);
  }
  if (init?.settings) setSettings(parseSettings(init.settings));
  workspace = createWorkspaceAnalysis(params, init);
  return {
    capabilities: {
      workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
      hoverProvider: true,
      executeCommandProvider: { commands: [FIX_ALL_WORKSPACE_COMMAND, GENERATE_REPORT_COMMAND] },
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
    // Documents opened while the settings were on their way were analysed without them.
    if (documents.all().length) configChanged();
  }
  config.registerWatchers(!!initializeParams?.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration);
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
    cacheDir = path.join(init.globalStoragePath, 'workspaces', contentHash(folders.map((f) => f.uri).join('\n')).slice(0, 16));
  }
  const ws = new WorkspaceAnalysis({
    connection,
    config: () => config.store,
    openDiagnostics: () => documents.all().map((d) => (d.result?.payload as Diagnostic[] | undefined) ?? []),
    pull: pullDiagnostics,
    watchRegistration: !!caps.workspace?.didChangeWatchedFiles?.dynamicRegistration,
    configurationRequests,
    workerScript: path.join(__dirname, 'workspaceWorker.js'),
    cache: (resultCache = cacheDir
      ? ResultCache.open<CachedFindings>(cacheDir, {
          onLog: (m) => connection.console.log(`steady: ${m}`),
          validate: (v): v is CachedFindings => !!v && typeof v === 'object' && Array.isArray((v as CachedFindings).findings),
        })
      : ResultCache.disabled<CachedFindings>()),
  });
  ws.setFolders(folders);
  if (init?.settings) ws.updateSettings(init.settings);
  return ws;
}

connection.onDidChangeConfiguration(async (change) => {
  if (configurationRequests) await refreshSettings();
  else {
    const problems: string[] = [];
    setSettings(parseSettings((change.settings as { steady?: unknown } | undefined)?.steady, problems));
    for (const p of problems) connection.console.warn(`steady: ${p}`);
    workspace?.updateSettings((change.settings as { steady?: unknown } | undefined)?.steady);
  }
  configChanged();
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
    // Configuration files: re-resolve and re-analyse.
    if (config.onWatchedFiles(p.changes.map((c) => pathOf(c.uri)))) configChanged();
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
    const resultId = `${doc.version}:${config.store.generation}`;
    if (p.previousResultId === resultId) return { kind: DocumentDiagnosticReportKind.Unchanged, resultId };
    return { kind: DocumentDiagnosticReportKind.Full, resultId, items };
  }),
);

connection.onExecuteCommand((p) =>
  guard('command', undefined as unknown, async () => {
    const caps = initializeParams?.capabilities;
    // The current folders (they may have changed since initialize).
    const folders = (caps?.workspace?.workspaceFolders ? await connection.workspace.getWorkspaceFolders() : undefined) ??
      initializeParams?.workspaceFolders ??
      (initializeParams?.rootUri ? [{ uri: initializeParams.rootUri }] : []);
    return executeWorkspaceCommand(p.command, {
      connection,
      caps: {
        documentChanges: !!caps?.workspace?.workspaceEdit?.documentChanges,
        changeAnnotations: !!caps?.workspace?.workspaceEdit?.changeAnnotationSupport,
        progress: !!caps?.window?.workDoneProgress,
      },
      host: {
        folders: () => folders.filter((f) => f.uri.startsWith('file:')).map((f) => pathOf(f.uri)),
        openDocument: (fsPath) => documents.all().find((d) => pathOf(d.uri) === fsPath),
        openDocuments: () => documents.all(),
        configFor: (fsPath) => configOf(URI.file(fsPath).toString()),
        cached: (fsPath, key) => resultCache?.get(fsPath, key),
        analyze: workspace
          ? (fsPath, language, text) => workspace!.analyzeOffThread(fsPath, language, text, configOf(URI.file(fsPath).toString()))
          : undefined,
        maxFileSize: workspace?.maxFileSize ?? MAX_FILE_SIZE,
        log: (m) => connection.console.log(`steady: ${m}`),
      },
    });
  }),
);

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
      const cfg = configOf(doc.uri);
      const all = cfg.excluded ? undefined : fixAllAction(doc, cfg.rules, { path: pathOf(doc.uri), ruleOptions: cfg.ruleOptions });
      if (all) actions.push(all);
    }
    return actions;
  }),
);

process.on('uncaughtException', (e) => connection.console.error(`steady: uncaught: ${e?.stack ?? e}`));
process.on('unhandledRejection', (e) => connection.console.error(`steady: unhandled rejection: ${(e as Error)?.stack ?? e}`));

connection.listen();
