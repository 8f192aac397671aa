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
  type InitializeResult,
} from 'vscode-languageserver/node';
import { URI } from 'vscode-uri';
import { FIX_ALL_KIND, fixAllAction, quickFixes, wants } from './codeActions';
import { DEFAULT_SETTINGS, parseSettings, selectRules, type Settings } from './config';
import { skippedDiagnostic, toDiagnostic } from './diagnostics';
import { DocumentStore, type OpenDocument } from './documents';
import { languageForId, loadLanguages } from './languages';

/** Files larger than this are not analysed; they get one info diagnostic saying why. */
export const MAX_FILE_SIZE = 5 * 1024 * 1024;

const connection: Connection = createConnection(ProposedFeatures.all);
const documents = new DocumentStore();
const ready = loadLanguages();
let pullDiagnostics = false;
let configurationRequests = false;
let settings: Settings = DEFAULT_SETTINGS;
const loggedFailures = new Set<string>();

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
    diagnostics = result.findings.map((f) => toDiagnostic(f, lines, doc.version));
  }
  doc.result = { version: doc.version, payload: diagnostics };
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
    for (const p of problems) connection.console.warn(`steady: ${p}`);
  } catch (e) {
    connection.console.warn(`steady: could not read settings: ${(e as Error).message}`);
  }
}

connection.onInitialize((params): InitializeResult => {
  const caps = params.capabilities;
  pullDiagnostics = !!caps.textDocument?.diagnostic;
  configurationRequests = !!caps.workspace?.configuration;
  const init = params.initializationOptions as { settings?: unknown } | undefined;
  if (init?.settings) settings = parseSettings(init.settings);
  return {
    capabilities: {
      textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, FIX_ALL_KIND], resolveProvider: false },
      ...(pullDiagnostics ? { diagnosticProvider: { interFileDependencies: false, workspaceDiagnostics: false } } : {}),
    },
    serverInfo: { name: 'steady', version: '0.1.0' },
  };
});

connection.onInitialized(async () => {
  if (configurationRequests) {
    void connection.client.register(DidChangeConfigurationNotification.type, { section: 'steady' }).catch(() => undefined);
    await refreshSettings();
  }
});

connection.onDidChangeConfiguration(async (change) => {
  if (configurationRequests) await refreshSettings();
  else settings = parseSettings((change.settings as { steady?: unknown } | undefined)?.steady);
  for (const doc of documents.all()) doc.result = undefined;
  if (pullDiagnostics) connection.languages.diagnostics.refresh();
  else for (const doc of documents.all()) schedulePush(doc.uri);
});

connection.onDidOpenTextDocument((p) =>
  guard('open', undefined, () => {
    const language = languageForId(p.textDocument.languageId);
    if (!language) return;
    documents.open(p.textDocument.uri, language, p.textDocument.version, p.textDocument.text);
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
    if (!pullDiagnostics) void connection.sendDiagnostics({ uri: p.textDocument.uri, diagnostics: [] });
  }),
);

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
