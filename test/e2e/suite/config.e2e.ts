/**
 * steady.toml in a real VS Code: a configuration file written into the workspace changes the open file's diagnostics
 * without a restart (through the file watcher the server registers), a malformed one gets a diagnostic of its own,
 * and removing it brings the defaults back.
 */
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { closeAll, codeOf, describe_, fixture, openFixture, waitForDiagnostics, waitUntil } from './helpers';

describe('steady.toml', () => {
  after(closeAll);

  it('applies a steady.toml written into the workspace, reports a malformed one, and forgets a removed one', async () => {
    const editor = await openFixture('cmd/shop/main.go');
    const uri = editor.document.uri;
    const toml = fixture('cmd/shop/steady.toml');
    const write = (text: string) => vscode.workspace.fs.writeFile(toml, new TextEncoder().encode(text));
    await waitForDiagnostics(uri, 'GO101, GO203 and GO404', (ds) => ds.map(codeOf).sort().join() === 'GO101,GO203,GO404');
    try {
      await write('ignore = ["GO203"]\n\n[severity]\nsignal-notify-without-sigterm = "info"\n');
      const diags = await waitForDiagnostics(uri, 'GO203 ignored and GO404 as information', (ds) => {
        const go404 = ds.find((d) => codeOf(d) === 'GO404');
        return ds.map(codeOf).sort().join() === 'GO101,GO404' && go404?.severity === vscode.DiagnosticSeverity.Information;
      });
      assert.equal(diags.length, 2, describe_(diags));

      await write('ignore = ["GO203"]\nselct = ["GO101"]\n');
      const bad = await waitForDiagnostics(toml, 'a diagnostic on the malformed steady.toml', (ds) => ds.length > 0);
      assert.match(bad[0].message, /unknown key "selct"/);
      assert.equal(bad[0].range.start.line, 1);
      // The last good version stays in force.
      await waitForDiagnostics(uri, 'the last good configuration', (ds) => ds.map(codeOf).sort().join() === 'GO101,GO404');
    } finally {
      await vscode.workspace.fs.delete(toml);
    }
    await waitForDiagnostics(uri, 'every diagnostic back', (ds) => ds.map(codeOf).sort().join() === 'GO101,GO203,GO404');
    await waitUntil('the steady.toml diagnostic cleared', () => vscode.languages.getDiagnostics(toml).length === 0);
  });
});
