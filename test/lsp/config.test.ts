/**
 * Configuration in the language server: a steady.toml beside the file changes its diagnostics, edits to it take
 * effect without a restart, a malformed one gets a diagnostic of its own while the last good one stays in force,
 * and the editor settings apply on top.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { URI } from 'vscode-uri';
import { GO_NOTIFY, LspClient, type Message } from './client';

const GO = GO_NOTIFY;

const WARNING = 2;
const INFO = 3;

describe('language server configuration', function () {
  this.timeout(60_000);
  let c: LspClient;
  let dir: string;
  let uri: string;
  let tomlUri: string;

  /** Writes steady.toml and tells the server, as the client's file watcher would. */
  function writeToml(text: string, type = 2): void {
    writeFileSync(path.join(dir, 'steady.toml'), text);
    c.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: tomlUri, type }] });
  }

  /** The first diagnostics pushed for the Go file after `from` notifications that satisfy `pred`. */
  async function nextGoDiagnostics(from: number, pred: (d: any[]) => boolean): Promise<any[]> {
    const m = await c.waitFor(
      (x) => c.notifications.indexOf(x) >= from && x.method === 'textDocument/publishDiagnostics' && x.params.uri === uri && pred(x.params.diagnostics),
      30_000,
      'diagnostics of main.go',
    );
    return m.params.diagnostics;
  }

  const go404 = (ds: any[]) => ds.filter((d) => d.code === 'GO404');

  function configDiagnostics(from: number, pred: (d: any[]) => boolean): Promise<Message> {
    return c.waitFor(
      (x) => c.notifications.indexOf(x) >= from && x.method === 'textDocument/publishDiagnostics' && x.params.uri === tomlUri && pred(x.params.diagnostics),
      30_000,
      'diagnostics of steady.toml',
    );
  }

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'steady-lsp-config-'));
    mkdirSync(path.join(dir, 'svc'));
    uri = URI.file(path.join(dir, 'svc', 'main.go')).toString();
    tomlUri = URI.file(path.join(dir, 'steady.toml')).toString();
  });
  afterEach(async () => {
    const code = await c.close();
    rmSync(dir, { recursive: true, force: true });
    assert.equal(code, 0, `server exit code; stderr: ${c.stderr.join('')}`);
  });

  it('applies a steady.toml found above the file, and edits to it without a restart', async () => {
    writeFileSync(path.join(dir, 'steady.toml'), '[severity]\nGO404 = "info"\n');
    c = new LspClient();
    await c.initialize();
    c.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'go', version: 1, text: GO } });
    const first = (await c.diagnosticsFor(uri, 1, 30_000)).filter((d) => d.code === 'GO404');
    assert.equal(first.length, 1);
    assert.equal(first[0].severity, INFO);

    let mark = c.notifications.length;
    writeToml('ignore = ["signal-notify-without-sigterm"]\n');
    await nextGoDiagnostics(mark, (ds) => go404(ds).length === 0);

    mark = c.notifications.length;
    writeToml('exclude = ["svc/"]\n');
    await nextGoDiagnostics(mark, (ds) => ds.length === 0); // an excluded file has no diagnostics

    mark = c.notifications.length;
    rmSync(path.join(dir, 'steady.toml'));
    c.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: tomlUri, type: 3 }] });
    const back = go404(await nextGoDiagnostics(mark, (ds) => go404(ds).length > 0));
    assert.equal(back.length, 1);
    assert.equal(back[0].severity, WARNING);
  });

  it('reports a malformed steady.toml on the file and keeps the last good configuration', async () => {
    writeFileSync(path.join(dir, 'steady.toml'), 'ignore = ["GO404"]\n');
    c = new LspClient();
    await c.initialize();
    c.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'go', version: 1, text: GO } });
    assert.deepEqual((await c.diagnosticsFor(uri, 1, 30_000)).filter((d) => d.code === 'GO404'), []);

    let mark = c.notifications.length;
    writeToml('ignore = ["GO404"\nselect = \n');
    const bad = await configDiagnostics(mark, (d) => d.length > 0);
    const d = bad.params.diagnostics[0];
    assert.match(d.message, /TOML syntax error/);
    assert.match(d.message, /last valid/);
    assert.equal(d.severity, 1);
    assert.equal(d.source, 'steady');
    // The last good configuration stays: the re-analysis after the change still ignores GO404.
    assert.deepEqual(go404(await nextGoDiagnostics(mark, () => true)), []);

    mark = c.notifications.length;
    writeToml('ignore = ["GO404"]\nseverity = { GO999 = "info" }\n');
    const unknown = await configDiagnostics(mark, (ds) => ds.length > 0);
    assert.match(unknown.params.diagnostics[0].message, /unknown rule "GO999"/);
    assert.deepEqual(unknown.params.diagnostics[0].range.start, { line: 1, character: 13 });

    mark = c.notifications.length;
    writeToml('select = ["GO404"]\n');
    await configDiagnostics(mark, (ds) => ds.length === 0);
    await nextGoDiagnostics(mark, (ds) => go404(ds).length === 1);
    assert.doesNotMatch(c.stderr.join(''), /failed|uncaught/);
  });

  it('asks a pull client to pull again after a configuration change, and pushes configuration problems', async () => {
    writeFileSync(path.join(dir, 'steady.toml'), 'select = ["GO404"]\n');
    c = new LspClient();
    let refreshes = 0;
    c.requestHandlers.set('workspace/diagnostic/refresh', () => {
      refreshes++;
      return null;
    });
    await c.initialize({ pull: true });
    c.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'go', version: 1, text: GO } });
    const pull = () => c.request('textDocument/diagnostic', { textDocument: { uri } });
    const first = await pull();
    assert.equal(go404(first.items).length, 1);
    const mark = c.notifications.length;
    writeToml('select = ["GO404"]\n[severity]\nGO404 = "hint"\nGO405 = "loud"\n');
    await configDiagnostics(mark, (ds) => ds.length === 1 && /GO405/.test(ds[0].message));
    const deadline = Date.now() + 30_000;
    while (refreshes === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(refreshes > 0, 'the server asked for a refresh');
    const second = await c.request('textDocument/diagnostic', { textDocument: { uri }, previousResultId: first.resultId });
    assert.equal(second.kind, 'full');
    assert.equal(go404(second.items).length, 1, 'the last good configuration stays in force');
    assert.equal(go404(second.items)[0].severity, WARNING);
  });

  it('applies the settings on top of the file, and settings changes without a restart', async () => {
    writeFileSync(path.join(dir, 'steady.toml'), '[severity]\nGO404 = "info"\n');
    c = new LspClient();
    let settings: unknown = { severity: { 'signal-notify-without-sigterm': 'error' } };
    c.requestHandlers.set('workspace/configuration', () => [settings]);
    await c.initialize({ settings });
    c.requestHandlers.set('workspace/configuration', () => [settings]);
    c.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'go', version: 1, text: GO } });
    // The settings may arrive after the first analysis; the document is analysed again when they do.
    const d = go404(await nextGoDiagnostics(0, (ds) => go404(ds).some((x) => x.severity === 1)));
    assert.equal(d.length, 1, 'the setting wins over the file');

    settings = { enable: false };
    const mark = c.notifications.length;
    c.notify('workspace/didChangeConfiguration', { settings: { steady: settings } });
    await nextGoDiagnostics(mark, (ds) => ds.length === 0);
  });

  it('reports a bad setting in a message and ignores it', async () => {
    c = new LspClient();
    await c.initialize({ settings: { select: ['GO404'], ignore: ['no-such-rule'], severity: { GO404: 'loud' } } });
    c.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'go', version: 1, text: GO } });
    // Only GO404 runs once the settings have arrived; the bad entries are left out.
    await nextGoDiagnostics(0, (ds) => ds.map((x) => x.code).join() === 'GO404');
    await c.waitFor((m) => m.method === 'window/showMessage' && /unknown rule "no-such-rule"/.test(m.params.message), 30_000, 'a message');
  });

  it('registers a watcher for configuration files when the client can', async () => {
    c = new LspClient();
    const registrations: any[] = [];
    c.requestHandlers.set('client/registerCapability', (p) => {
      registrations.push(...p.registrations);
      return null;
    });
    await c.request('initialize', {
      processId: process.pid,
      rootUri: URI.file(dir).toString(),
      capabilities: { workspace: { didChangeWatchedFiles: { dynamicRegistration: true } } },
    });
    c.requestHandlers.set('client/registerCapability', (p) => {
      registrations.push(...p.registrations);
      return null;
    });
    c.notify('initialized', {});
    const deadline = Date.now() + 10_000;
    const hasConfigWatcher = () =>
      registrations.some(
        (r) => r.method === 'workspace/didChangeWatchedFiles' && r.registerOptions.watchers.some((w: any) => /steady\.toml/.test(w.globPattern)),
      );
    while (!hasConfigWatcher() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(hasConfigWatcher(), JSON.stringify(registrations));
  });
});
