/**
 * The workspace commands of the language server: "Fix All Safe Problems in Workspace" sends one annotated
 * WorkspaceEdit covering open documents (their editor text and version) and files on disk, and "Generate Stability
 * Report" returns the Markdown audit of the workspace.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { URI } from 'vscode-uri';
import { GO_SIGNAL, GO_SIGNAL_FIXED } from '../cli/cli';
import { applyLspEdits, LspClient } from './client';

const GO_DISK = GO_SIGNAL;

/** The editor's (unsaved) text of main.go: one more line above the defect than on disk. */
const GO_EDITOR = GO_DISK.replace('func main() {', '// main waits for a signal.\nfunc main() {');

const GO_EDITOR_FIXED = GO_SIGNAL_FIXED.replace('func main() {', '// main waits for a signal.\nfunc main() {');

const PY = `def prune(peers, limit):
    for peer in peers:
        if peer.idle < limit:
            peers.remove(peer)
    return peers
`;

const PY_FIXED = `def prune(peers, limit):
    for peer in list(peers):
        if peer.idle < limit:
            peers.remove(peer)
    return peers
`;

describe('language server: workspace commands', function () {
  this.timeout(120_000);
  let dir: string;
  let c: LspClient;
  let goUri: string;
  let pyUri: string;
  let edits: any[];

  /** Starts a session on the fixture folder, with main.go open and edited. */
  async function start(workspaceEdit: object, storagePath?: string): Promise<any> {
    c = new LspClient();
    edits = [];
    c.requestHandlers.set('workspace/applyEdit', (p) => {
      edits.push(p);
      return { applied: true };
    });
    c.requestHandlers.set('client/registerCapability', () => null);
    c.requestHandlers.set('window/workDoneProgress/create', () => null);
    const init = await c.request('initialize', {
      processId: process.pid,
      rootUri: URI.file(dir).toString(),
      workspaceFolders: [{ uri: URI.file(dir).toString(), name: 'shop' }],
      initializationOptions: { settings: { select: ['GO404', 'PY101'] }, storagePath },
      capabilities: {
        textDocument: { publishDiagnostics: { versionSupport: true } },
        workspace: { workspaceEdit },
        window: { workDoneProgress: true },
      },
    });
    c.notify('initialized', {});
    c.notify('textDocument/didOpen', { textDocument: { uri: goUri, languageId: 'go', version: 1, text: GO_DISK } });
    c.notify('textDocument/didChange', {
      textDocument: { uri: goUri, version: 3 },
      contentChanges: [{ range: { start: { line: 7, character: 0 }, end: { line: 7, character: 0 } }, text: '// main waits for a signal.\n' }],
    });
    await c.diagnosticsFor(goUri, 3, 30_000);
    return init;
  }

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'steady-actions-'));
    mkdirSync(path.join(dir, 'cmd'));
    writeFileSync(path.join(dir, 'cmd', 'main.go'), GO_DISK);
    writeFileSync(path.join(dir, 'prune.py'), PY);
    writeFileSync(path.join(dir, 'clean.py'), 'print("ok")\n');
    goUri = URI.file(path.join(dir, 'cmd', 'main.go')).toString();
    pyUri = URI.file(path.join(dir, 'prune.py')).toString();
  });
  afterEach(async () => {
    const code = await c.close();
    rmSync(dir, { recursive: true, force: true });
    assert.equal(code, 0, `server exit code; stderr: ${c.stderr.join('')}`);
  });

  it('declares both commands', async () => {
    const init = await start({ documentChanges: true });
    assert.deepEqual(init.capabilities.executeCommandProvider.commands, ['steady.fixAllWorkspace', 'steady.server.generateReport']);
  });

  it('fixes the whole workspace in one annotated edit: open documents at their version, other files from disk', async () => {
    await start({ documentChanges: true, changeAnnotationSupport: { groupsOnLabel: true } });
    const result = await c.request('workspace/executeCommand', { command: 'steady.fixAllWorkspace', arguments: [] });
    assert.deepEqual(result, { applied: true, fixes: 2, files: 2 });
    assert.equal(edits.length, 1, 'one WorkspaceEdit');
    const { edit, label } = edits[0];
    assert.equal(label, 'Steady: fix 2 safe problems in 2 files');
    assert.deepEqual(Object.keys(edit.changeAnnotations), ['steady.fixAllWorkspace']);
    assert.equal(edit.changeAnnotations['steady.fixAllWorkspace'].needsConfirmation, true);
    assert.equal(edit.changeAnnotations['steady.fixAllWorkspace'].description, '2 fixes in 2 files');
    const byUri = new Map<string, any>(edit.documentChanges.map((d: any) => [d.textDocument.uri, d]));
    assert.deepEqual([...byUri.keys()].sort(), [goUri, pyUri].sort());
    assert.equal(byUri.get(goUri).textDocument.version, 3, 'the open document is edited at its current version');
    assert.equal(byUri.get(pyUri).textDocument.version, null, 'a file on disk has no version');
    for (const d of edit.documentChanges) for (const e of d.edits) assert.equal(e.annotationId, 'steady.fixAllWorkspace');
    assert.equal(applyLspEdits(GO_EDITOR, byUri.get(goUri).edits), GO_EDITOR_FIXED);
    assert.equal(applyLspEdits(PY, byUri.get(pyUri).edits), PY_FIXED);
  });

  it('sends plain edits to a client without change annotations, and nothing when there is nothing to fix', async () => {
    await start({ documentChanges: true });
    await c.request('workspace/executeCommand', { command: 'steady.fixAllWorkspace', arguments: [] });
    const { edit } = edits[0];
    assert.equal(edit.changeAnnotations, undefined);
    for (const d of edit.documentChanges) for (const e of d.edits) assert.equal(e.annotationId, undefined);

    // Once the fixes are in (the editor applies them: main.go changes, prune.py is written), nothing is left.
    c.notify('textDocument/didChange', { textDocument: { uri: goUri, version: 4 }, contentChanges: [{ text: GO_EDITOR_FIXED }] });
    writeFileSync(path.join(dir, 'prune.py'), PY_FIXED);
    const again = await c.request('workspace/executeCommand', { command: 'steady.fixAllWorkspace', arguments: [] });
    assert.deepEqual(again, { applied: false, fixes: 0, files: 0 });
    assert.equal(edits.length, 1, 'no second edit');
    const diags = await c.diagnosticsFor(goUri, 4, 30_000);
    assert.deepEqual(diags.filter((d: any) => d.code === 'GO404'), [], 'the open document is re-analysed after the edit');
  });

  it('returns the stability report of the workspace, with open documents as edited', async () => {
    await start({ documentChanges: true });
    const report = await c.request('workspace/executeCommand', { command: 'steady.server.generateReport', arguments: [] });
    assert.equal(report.findings, 2);
    assert.equal(report.root, URI.file(dir).toString());
    assert.match(report.fileName, /^steady-report-\d{4}-\d{2}-\d{2}\.md$/);
    const md: string = report.markdown;
    assert.match(md, new RegExp(`^# Stability audit of ${path.basename(dir)}\\n`));
    assert.match(md, /3 files, 19 lines/);
    assert.match(md, /\| \[Concurrency\]\(#concurrency-1\) \| · \| 1 \| · \| · \| 1 \|/);
    assert.match(md, /\| \[Shutdown and lifecycle\]\(#shutdown-and-lifecycle-1\) \| · \| 1 \| · \| · \| 1 \|/);
    assert.match(md, /\| \*\*Total\*\* \| \*\*0\*\* \| \*\*2\*\* \| \*\*0\*\* \| \*\*0\*\* \| \*\*2\*\* \|/);
    // main.go is open with one more line: the finding is on line 11 of the editor text, not line 10 of the disk.
    assert.match(md, /\[cmd\/main\.go:11\]\(cmd\/main\.go#L11\): signal\.Notify traps os\.Interrupt but not SIGTERM/);
    assert.ok(md.includes('> 11 |     signal.Notify(quit, os.Interrupt)'), md);
    assert.match(md, /\[prune\.py:4\]\(prune\.py#L4\)/);
    assert.ok(md.includes('  3 |     if peer.idle < limit:'), 'code excerpts are kept as written');
    assert.match(md, /\*\*Why it matters in production\.\*\* Containers, systemd and Kubernetes/);
  });

  it('reuses the findings the workspace analysis cached for files on disk', async () => {
    const storage = path.join(dir, '.storage');
    await start({ documentChanges: true }, storage);
    await c.waitFor(
      (m) => m.method === 'textDocument/publishDiagnostics' && m.params.uri === pyUri && m.params.diagnostics.some((d: any) => d.code === 'PY101'),
      60_000,
      'the workspace analysis of prune.py',
    );
    assert.equal(await c.close(), 0);
    const file = path.join(storage, 'results.json');
    assert.ok(existsSync(file), 'the workspace analysis saved its cache on shutdown');
    // Plant a marker in the cached finding: a report that reads the cache shows it.
    const data = JSON.parse(readFileSync(file, 'utf8'));
    const entry = Object.entries<any>(data.entries).find(([p]) => p.endsWith('prune.py'))![1];
    for (const f of entry.v.findings) f.message = 'served from the cache';
    writeFileSync(file, JSON.stringify(data));
    await start({ documentChanges: true }, storage);
    const report = await c.request('workspace/executeCommand', { command: 'steady.server.generateReport', arguments: [] });
    assert.match(report.markdown, /\[prune\.py:4\]\(prune\.py#L4\): served from the cache/);
  });
});
