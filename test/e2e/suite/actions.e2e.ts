/**
 * The workspace commands in a real VS Code: "Steady: Generate Stability Report" opens the audit as a Markdown
 * document, and "Steady: Fix All Safe Problems in Workspace" shows its edit in the refactor preview instead of
 * applying it (the test discards it there, so the fixture workspace stays as it is).
 */
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID, closeAll, fixture, openFixture, steadyDiagnostics, waitForDiagnostics, waitUntil } from './helpers';

describe('Steady workspace commands', function () {
  this.timeout(120_000);

  before(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)?.activate();
    // Wait until the server answers for a file, so the commands exist on both sides.
    const editor = await openFixture('cmd/shop/main.go');
    await waitForDiagnostics(editor.document.uri, 'any Steady diagnostic', (ds) => ds.length > 0);
  });
  after(closeAll);

  it('contributes both commands', async () => {
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('steady.fixAllWorkspace'));
    assert.ok(commands.includes('steady.generateReport'));
  });

  it('Generate Stability Report opens the audit of the workspace as Markdown', async () => {
    const result = (await vscode.commands.executeCommand('steady.generateReport')) as { uri: string; findings: number } | undefined;
    assert.ok(result, 'the command returns what it opened');
    assert.ok(result.findings > 0, 'the fixture workspace has findings');
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === result.uri);
    assert.ok(doc, 'the report is open');
    assert.equal(doc.languageId, 'markdown');
    const text = doc.getText();
    assert.match(text, /^# Stability audit of /);
    assert.match(text, /## Summary\n\n\| Category \| Errors \| Warnings \| Info \| Hints \| Total \|/);
    assert.match(text, /\[cmd\/shop\/\w+\.go:\d+\]\(cmd\/shop\/\w+\.go#L\d+\)/);
    // Close it without the "save?" prompt.
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('Fix All Safe Problems in Workspace asks for review before applying anything', async () => {
    const main = fixture('cmd/shop/main.go');
    const before = (await vscode.workspace.openTextDocument(main)).getText();
    let settled = false;
    const run = Promise.resolve(vscode.commands.executeCommand('steady.fixAllWorkspace')).finally(() => {
      settled = true;
    });
    // The edit needs confirmation: it waits in the refactor preview until it is applied or discarded.
    await waitUntil(
      'the workspace fix-all edit to wait in the refactor preview',
      async () => {
        if (settled) return true;
        await vscode.commands.executeCommand('refactorPreview.discard').then(undefined, () => undefined);
        return settled;
      },
      60_000,
    );
    const result = (await run) as { applied: boolean; fixes: number; files: number };
    assert.ok(result.fixes > 0, JSON.stringify(result));
    assert.equal(result.applied, false, 'discarded in the preview, so nothing was applied');
    assert.equal((await vscode.workspace.openTextDocument(main)).getText(), before);
    assert.ok(steadyDiagnostics(main).length > 0, 'the findings are still there');
  });
});
