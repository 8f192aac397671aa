/**
 * End-to-end: suppression comments (hover, "disable for this file", the docs link) and recovery from a server that
 * dies, in a real VS Code extension host.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as vscode from 'vscode';
import { closeAll, codeOf, EXTENSION_ID, openFixture, pick, quickFixesAt, rangeOf, steadyDiagnostics, waitForDiagnostics, waitUntil } from './helpers';

/** The process ids of the Steady servers started by this extension host. */
function serverPids(): number[] {
  const ps = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return ps
    .split('\n')
    .filter((l) => /dist[\\/]server\.js/.test(l) && l.includes(`--clientProcessId=${process.pid}`))
    .map((l) => Number(l.trim().split(/\s+/)[0]));
}

describe('Steady in VS Code: suppressions and recovery', function () {
  this.timeout(60_000);

  before(async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
    await openFixture('fixes/suppress.go');
    await waitUntil('the extension to activate', () => ext.isActive);
  });

  afterEach(closeAll);

  it('links a diagnostic to its rule page shipped in the extension, which opens', async () => {
    const editor = await openFixture('fixes/suppress.go');
    const [d] = await waitForDiagnostics(editor.document.uri, 'GO404', (ds) => ds.some((x) => codeOf(x) === 'GO404'));
    assert.ok(typeof d.code === 'object', 'the code carries a link');
    const target = d.code.target;
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    assert.ok(target.path.startsWith(ext.extensionUri.path), `${target} lies inside the extension ${ext.extensionUri}`);
    const page = await vscode.workspace.openTextDocument(target.with({ scheme: ext.extensionUri.scheme, authority: ext.extensionUri.authority }));
    assert.match(page.getText(), /^# GO404 `signal-notify-without-sigterm`|^# GO404/m);
  });

  it('shows the rule on hover over a code in a steady:ignore comment', async () => {
    const editor = await openFixture('fixes/suppress.go');
    const doc = editor.document;
    await editor.edit((b) => b.insert(rangeOf(doc, '\tquit := make').start, '\t// steady:ignore GO404 only run by hand in development\n'));
    const at = rangeOf(doc, 'GO404 only').start.translate(0, 2);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, at);
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))).join('\n');
    assert.match(text, /GO404 signal-notify-without-sigterm/);
    assert.match(text, /Rule documentation/);
    await waitForDiagnostics(doc.uri, 'an unused-suppression hint (the comment is on the wrong line)', (ds) =>
      ds.some((x) => codeOf(x) === 'unused-suppression' && x.tags?.includes(vscode.DiagnosticTag.Unnecessary)),
    );
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });

  it('disables a rule for the file with a steady:ignore-file comment', async () => {
    const editor = await openFixture('fixes/suppress.go');
    const doc = editor.document;
    const [d] = await waitForDiagnostics(doc.uri, 'GO404', (ds) => ds.some((x) => codeOf(x) === 'GO404'));
    await vscode.workspace.applyEdit(pick(await quickFixesAt(doc.uri, d.range), 'Disable GO404 for this file').edit!);
    assert.ok(
      doc.getText().startsWith('package fixes\n\n// steady:ignore-file GO404 TODO: say why this is safe\n\nimport ('),
      `text after the action:\n${doc.getText()}`,
    );
    await waitForDiagnostics(doc.uri, 'no diagnostics', (ds) => ds.length === 0);
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });

  it('restarts a server that died, and its diagnostics come back', async () => {
    const editor = await openFixture('fixes/suppress.go');
    const uri = editor.document.uri;
    await waitForDiagnostics(uri, 'GO404', (ds) => ds.some((x) => codeOf(x) === 'GO404'));
    const before = serverPids();
    assert.equal(before.length, 1, `one server process for this extension host, found ${before.join(', ') || 'none'}`);
    process.kill(before[0], 'SIGKILL');
    await waitUntil('a new server process', () => {
      const now = serverPids();
      return now.length === 1 && now[0] !== before[0];
    });
    // The new server analyses what is open: type a second defect and see both reported.
    const doc = editor.document;
    const end = doc.positionAt(doc.getText().length);
    await editor.edit((b) => b.insert(end, '\nfunc waitForStop() {\n\tstop := make(chan os.Signal, 1)\n\tsignal.Notify(stop, os.Interrupt)\n\t<-stop\n}\n'));
    await waitForDiagnostics(uri, 'two GO404 from the restarted server', (ds) => ds.filter((x) => codeOf(x) === 'GO404').length === 2);
    assert.ok(steadyDiagnostics(uri).length >= 2);
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });
});
