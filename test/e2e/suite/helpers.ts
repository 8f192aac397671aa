/** Helpers for the end-to-end suite: opening fixture files, waiting on diagnostics by event, applying code actions. */
import * as vscode from 'vscode';

/** The extension's identifier (publisher.name). */
export const EXTENSION_ID = 'steady-dev.steady';

/** How long a wait may take before the test fails with a description of what was seen instead. */
export const DEADLINE_MS = 20_000;

/** The fixture workspace folder (a throwaway copy of test/e2e/workspace). */
export function workspaceRoot(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('no workspace folder is open: the runner must open the fixture workspace');
  return folder.uri;
}

/** The URI of a file of the fixture workspace. */
export function fixture(rel: string): vscode.Uri {
  return vscode.Uri.joinPath(workspaceRoot(), ...rel.split('/'));
}

/** Opens a fixture file in an editor and returns the editor. */
export async function openFixture(rel: string): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument(fixture(rel));
  return vscode.window.showTextDocument(doc, { preview: false });
}

/** A diagnostic's code as a string (VS Code turns a code with a docs link into `{ value, target }`). */
export function codeOf(d: vscode.Diagnostic): string {
  const c = d.code;
  if (c === undefined) return '';
  return typeof c === 'object' ? String(c.value) : String(c);
}

/** Steady's diagnostics of a document, sorted by position. */
export function steadyDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages
    .getDiagnostics(uri)
    .filter((d) => d.source === 'steady')
    .sort((a, b) => a.range.start.compareTo(b.range.start));
}

/** A compact description of diagnostics for failure messages. */
export function describe_(diags: readonly vscode.Diagnostic[]): string {
  if (diags.length === 0) return '(none)';
  return diags.map((d) => `${codeOf(d)} ${fmtRange(d.range)} ${vscode.DiagnosticSeverity[d.severity]}: ${d.message}`).join('\n    ');
}

/** A range as 1-based `line:col-line:col`. */
export function fmtRange(r: vscode.Range): string {
  return `${r.start.line + 1}:${r.start.character + 1}-${r.end.line + 1}:${r.end.character + 1}`;
}

/**
 * Waits until `check(diagnostics)` holds for a document's Steady diagnostics, woken by onDidChangeDiagnostics and
 * by a slow poll as a safety net; fails at the deadline, saying what it waited for and what it saw.
 */
export function waitForDiagnostics(
  uri: vscode.Uri,
  what: string,
  check: (diags: vscode.Diagnostic[]) => boolean,
  timeoutMs = DEADLINE_MS,
): Promise<vscode.Diagnostic[]> {
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      sub.dispose();
      clearInterval(poll);
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(steadyDiagnostics(uri));
    };
    const test = () => {
      try {
        if (check(steadyDiagnostics(uri))) finish();
      } catch (e) {
        finish(e as Error);
      }
    };
    const sub = vscode.languages.onDidChangeDiagnostics((e) => {
      if (e.uris.some((u) => u.toString() === uri.toString())) test();
    });
    const poll = setInterval(test, 250);
    const timer = setTimeout(
      () => finish(new Error(`timed out after ${timeoutMs} ms waiting for ${what} in ${vscode.workspace.asRelativePath(uri)}; diagnostics:\n    ${describe_(steadyDiagnostics(uri))}`)),
      timeoutMs,
    );
    test();
  });
}

/** Polls `check()` until it is true or the deadline passes. */
export async function waitUntil(what: string, check: () => boolean | Promise<boolean>, timeoutMs = DEADLINE_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The range from the first occurrence of `needle` in a document (at or after `from`), to its end. */
export function rangeOf(doc: vscode.TextDocument, needle: string, from = 0): vscode.Range {
  const at = doc.getText().indexOf(needle, from);
  if (at < 0) throw new Error(`"${needle}" is not in ${vscode.workspace.asRelativePath(doc.uri)}`);
  return new vscode.Range(doc.positionAt(at), doc.positionAt(at + needle.length));
}

/** The quick fixes VS Code offers for a range, through every registered provider (as the light bulb asks). */
export async function quickFixesAt(uri: vscode.Uri, range: vscode.Range): Promise<vscode.CodeAction[]> {
  const actions =
    (await vscode.commands.executeCommand<(vscode.CodeAction | vscode.Command)[]>(
      'vscode.executeCodeActionProvider',
      uri,
      range,
      vscode.CodeActionKind.QuickFix.value,
    )) ?? [];
  return actions.filter((a): a is vscode.CodeAction => 'title' in a && !('command' in a && typeof a.command === 'string'));
}

/** Applies a code action's edit (and its command, if any) the way the light bulb does. */
export async function applyAction(action: vscode.CodeAction): Promise<void> {
  if (action.edit) {
    const ok = await vscode.workspace.applyEdit(action.edit);
    if (!ok) throw new Error(`the edit of "${action.title}" was not applied`);
  }
  if (action.command) await vscode.commands.executeCommand(action.command.command, ...(action.command.arguments ?? []));
}

/** Finds the quick fix with a title, failing with the titles on offer. */
export function pick(actions: readonly vscode.CodeAction[], title: string | RegExp): vscode.CodeAction {
  const a = actions.find((x) => (typeof title === 'string' ? x.title === title : title.test(x.title)));
  if (!a) throw new Error(`no quick fix titled ${title}; offered: ${actions.map((x) => JSON.stringify(x.title)).join(', ') || '(none)'}`);
  return a;
}

/** Reverts and closes every editor so the next test starts from the files on disk. */
export async function closeAll(): Promise<void> {
  for (const doc of vscode.workspace.textDocuments) {
    if (doc.isDirty && doc.uri.scheme === 'file') {
      await vscode.window.showTextDocument(doc);
      await vscode.commands.executeCommand('workbench.action.files.revert');
    }
  }
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}
