/** The Steady VS Code client: starts the language server, a status item, an output channel and the restart command. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  CloseAction,
  ErrorAction,
  ExecuteCommandRequest,
  LanguageClient,
  State,
  TransportKind,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import { WorkspaceStatusNotification, type WorkspaceStatus } from '../../server/src/workspaceProtocol';
import { CrashPolicy } from './crashPolicy';

let client: LanguageClient | undefined;

/** Starts the language server for Go and Python documents. */
export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel('Steady');
  const status = vscode.languages.createLanguageStatusItem('steady.status', [{ language: 'go' }, { language: 'python' }]);
  status.name = 'Steady';
  status.text = 'Steady';
  status.command = { title: 'Show Problems', command: 'workbench.actions.view.problems' };
  context.subscriptions.push(output, status);

  const crashes = new CrashPolicy();
  const module = context.asAbsolutePath(path.join('dist', 'server.js'));
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'go' },
      { scheme: 'file', language: 'python' },
      { scheme: 'untitled', language: 'go' },
      { scheme: 'untitled', language: 'python' },
      { scheme: 'vscode-remote', language: 'go' },
      { scheme: 'vscode-remote', language: 'python' },
    ],
    outputChannel: output,
    synchronize: { configurationSection: 'steady' },
    // The workspace analysis caches its results here, so reopening the workspace re-analyses only what changed.
    initializationOptions: { storagePath: context.storageUri?.fsPath, globalStoragePath: context.globalStorageUri.fsPath },
    // A server that dies is restarted, up to a limit; then the user is told, and can restart it by hand.
    errorHandler: {
      error: () => ({ action: ErrorAction.Continue }),
      closed: () => {
        const decision = crashes.onCrash(Date.now());
        if (decision.restart) {
          output.appendLine('The Steady server stopped unexpectedly; restarting it');
          return { action: CloseAction.Restart, handled: true };
        }
        output.appendLine(decision.message!);
        void vscode.window.showErrorMessage(decision.message!, 'Restart Server', 'Show Output').then((choice) => {
          if (choice === 'Restart Server') void vscode.commands.executeCommand('steady.restartServer');
          else if (choice === 'Show Output') output.show();
        });
        return { action: CloseAction.DoNotRestart, handled: true };
      },
    },
  };
  client = new LanguageClient('steady', 'Steady', serverOptions, clientOptions);
  context.subscriptions.push(
    client.onDidChangeState((e) => {
      status.text = e.newState === State.Running ? 'Steady' : e.newState === State.Starting ? 'Steady: starting' : 'Steady: stopped';
      status.severity = e.newState === State.Stopped ? vscode.LanguageStatusSeverity.Warning : vscode.LanguageStatusSeverity.Information;
      status.busy = false;
    }),
    client.onNotification(WorkspaceStatusNotification.type, (s) => showStatus(status, s)),
    vscode.commands.registerCommand('steady.generateReport', () => generateReport()),
    vscode.commands.registerCommand('steady.restartServer', async () => {
      output.appendLine('Restarting the Steady server');
      crashes.reset();
      if (client?.state === State.Stopped) await client.start();
      else await client?.restart();
    }),
  );
  await client.start();
}

/** Shows the workspace analysis state and the problem counts in the status item. */
function showStatus(item: vscode.LanguageStatusItem, s: WorkspaceStatus): void {
  const n = (count: number, what: string): string => `${count.toLocaleString('en-US')} ${what}${count === 1 ? '' : 's'}`;
  const { error, warning, info, hint } = s.counts;
  const problems = error + warning + info + hint === 0 ? 'no problems' : [n(error, 'error'), n(warning, 'warning'), ...(info ? [n(info, 'info')] : [])].join(', ');
  item.busy = s.state === 'scanning' || s.state === 'starting';
  if (s.state === 'scanning') item.text = `Steady: analysing ${s.done.toLocaleString('en-US')}/${s.total.toLocaleString('en-US')} files`;
  else item.text = `Steady: ${problems}`;
  item.detail =
    s.state === 'scanning'
      ? problems
      : s.state === 'cancelled'
        ? `workspace analysis cancelled after ${n(s.done, 'file')}`
        : s.state === 'off'
          ? 'open files only'
          : `${n(s.files, 'file')} in the workspace${hint ? `, ${n(hint, 'hint')}` : ''}`;
  item.severity = vscode.LanguageStatusSeverity.Information;
}

/**
 * "Steady: Generate Stability Report": the server analyses the workspace and returns the audit in Markdown; it opens
 * as an untitled Markdown document named after the first workspace folder's steady-report-DATE.md (its links are
 * relative to that folder), with its preview beside it.
 */
async function generateReport(): Promise<{ uri: string; findings: number } | undefined> {
  if (!client || client.state !== State.Running) {
    void vscode.window.showWarningMessage('Steady: the server is not running.');
    return undefined;
  }
  const report = (await client.sendRequest(ExecuteCommandRequest.type, { command: 'steady.server.generateReport', arguments: [] })) as
    | { markdown: string; findings: number; fileName: string }
    | null;
  if (!report) return undefined;
  // An untitled document named in the first folder: saving suggests that place, where the relative links work.
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  let doc: vscode.TextDocument;
  if (folder) {
    const target = vscode.Uri.joinPath(folder, report.fileName).with({ scheme: 'untitled' });
    doc = await vscode.workspace.openTextDocument(target);
    const edit = new vscode.WorkspaceEdit();
    edit.replace(target, new vscode.Range(0, 0, doc.lineCount, 0), report.markdown);
    await vscode.workspace.applyEdit(edit);
    if (doc.languageId !== 'markdown') doc = await vscode.languages.setTextDocumentLanguage(doc, 'markdown');
  } else {
    doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: report.markdown });
  }
  await vscode.window.showTextDocument(doc, { preview: false });
  await vscode.commands.executeCommand('markdown.showPreviewToSide').then(undefined, () => undefined);
  return { uri: doc.uri.toString(), findings: report.findings };
}

/** Stops the language server. */
export function deactivate(): Promise<void> | undefined {
  return client?.stop();
}
