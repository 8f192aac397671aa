/** Suppression comments in the editor: hints about them, "disable" code actions, hover on rule codes, docs links. */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { URI } from 'vscode-uri';
import { applyLspEdits, GO_NOTIFY, LspClient } from './client';

const GO = `// Copyright 2026 The Authors.\n\n${GO_NOTIFY}`;

const PY = `#!/usr/bin/env python3
# -*- coding: utf-8 -*-
"""Relay."""


def relay():
    try:
        send()
    except:
        pass
`;

describe('suppressions in the editor', function () {
  let c: LspClient;
  const goUri = 'file:///tmp/steady-sup/main.go';
  const pyUri = 'file:///tmp/steady-sup/relay.py';

  beforeEach(async () => {
    c = new LspClient();
    await c.initialize();
  });
  afterEach(async () => {
    assert.equal(await c.close(), 0, c.stderr.join(''));
  });

  /** The code actions offered for the first diagnostic with `code`. */
  async function actionsFor(uri: string, version: number, code: string): Promise<any[]> {
    const diags = await c.diagnosticsFor(uri, version);
    const d = diags.find((x) => x.code === code);
    assert.ok(d, `no ${code} in ${JSON.stringify(diags)}`);
    return c.request('textDocument/codeAction', { textDocument: { uri }, range: d.range, context: { diagnostics: [d] } });
  }

  it('links each diagnostic to its rule page shipped with the extension', async () => {
    c.notify('textDocument/didOpen', { textDocument: { uri: goUri, languageId: 'go', version: 1, text: GO } });
    const d = (await c.diagnosticsFor(goUri, 1)).find((x) => x.code === 'GO404');
    const href = URI.parse(d.codeDescription.href);
    assert.equal(href.scheme, 'file', d.codeDescription.href);
    assert.match(href.fsPath, /docs[\\/]rules[\\/]signal-notify-without-sigterm\.md$/);
    assert.ok(existsSync(href.fsPath), href.fsPath);
  });

  it('offers "Disable for this file" after the Go package clause, keeping the header comment', async () => {
    c.notify('textDocument/didOpen', { textDocument: { uri: goUri, languageId: 'go', version: 1, text: GO } });
    const action = (await actionsFor(goUri, 1, 'GO404')).find((a) => a.title === 'Disable GO404 for this file');
    assert.ok(action);
    const text = applyLspEdits(GO, action.edit.documentChanges[0].edits);
    assert.equal(text, GO.replace('package main\n', 'package main\n\n// steady:ignore-file GO404 TODO: say why this is safe\n'));
    c.notify('textDocument/didChange', { textDocument: { uri: goUri, version: 2 }, contentChanges: [{ text }] });
    assert.deepEqual((await c.diagnosticsFor(goUri, 2)).map((d) => d.code), []);
  });

  it('adds the code to an existing steady:ignore-file comment', async () => {
    const text = GO.replace('package main\n', 'package main\n\n// steady:ignore-file GO101 no channels closed here\n');
    c.notify('textDocument/didOpen', { textDocument: { uri: goUri, languageId: 'go', version: 1, text } });
    const action = (await actionsFor(goUri, 1, 'GO404')).find((a) => a.title === 'Disable GO404 for this file');
    assert.equal(
      applyLspEdits(text, action.edit.documentChanges[0].edits),
      text.replace('GO101 no channels', 'GO101, GO404 no channels'),
    );
  });

  it('offers "Disable for this file" in Python after the shebang and encoding lines', async () => {
    c.notify('textDocument/didOpen', { textDocument: { uri: pyUri, languageId: 'python', version: 1, text: PY } });
    const action = (await actionsFor(pyUri, 1, 'PY301')).find((a) => a.title === 'Disable PY301 for this file');
    const text = applyLspEdits(PY, action.edit.documentChanges[0].edits);
    assert.equal(text, PY.replace('utf-8 -*-\n', 'utf-8 -*-\n# steady:ignore-file PY301 TODO: say why this is safe\n'));
    c.notify('textDocument/didChange', { textDocument: { uri: pyUri, version: 2 }, contentChanges: [{ text }] });
    assert.deepEqual((await c.diagnosticsFor(pyUri, 2)).map((d) => d.code), []);
  });

  it('greys out an unused suppression and offers to remove it', async () => {
    const text = GO.replace('\tquit := make', '\t// steady:ignore GO404 wrong line\n\tquit := make');
    c.notify('textDocument/didOpen', { textDocument: { uri: goUri, languageId: 'go', version: 1, text } });
    const diags = await c.diagnosticsFor(goUri, 1);
    const hint = diags.find((d) => d.code === 'unused-suppression');
    assert.ok(hint, JSON.stringify(diags));
    assert.equal(hint.severity, 4);
    assert.deepEqual(hint.tags, [1]);
    assert.match(URI.parse(hint.codeDescription.href).fsPath, /docs[\\/]suppressions\.md$/);
    const actions = await actionsFor(goUri, 1, 'unused-suppression');
    assert.deepEqual(actions.map((a) => a.title), ['Remove unused suppression']);
    assert.equal(applyLspEdits(text, actions[0].edit.documentChanges[0].edits), GO);
  });

  it('flags a suppression without a reason and offers to add one', async () => {
    const text = PY.replace('    except:', '    except:  # steady:ignore PY301');
    c.notify('textDocument/didOpen', { textDocument: { uri: pyUri, languageId: 'python', version: 1, text } });
    const actions = await actionsFor(pyUri, 1, 'suppression-without-reason');
    assert.deepEqual(actions.map((a) => a.title), ['Add a reason to the suppression']);
    assert.equal(applyLspEdits(text, actions[0].edit.documentChanges[0].edits), text.replace('PY301', 'PY301 TODO: say why this is safe'));
  });

  it('shows the rule on hover over a code or name in a suppression comment', async () => {
    const text = GO.replace('os.Interrupt)', 'os.Interrupt) // steady:ignore GO404, no-such-rule dev tool');
    c.notify('textDocument/didOpen', { textDocument: { uri: goUri, languageId: 'go', version: 1, text } });
    await c.diagnosticsFor(goUri, 1);
    const line = text.split('\n').findIndex((l) => l.includes('steady:ignore'));
    const col = text.split('\n')[line].indexOf('GO404') + 2;
    const hover = await c.request('textDocument/hover', { textDocument: { uri: goUri }, position: { line, character: col } });
    assert.equal(hover.contents.kind, 'markdown');
    assert.match(hover.contents.value, /\*\*GO404 signal-notify-without-sigterm\*\*/);
    assert.match(hover.contents.value, /\[Rule documentation\]\(file:\/\/.*signal-notify-without-sigterm\.md\)/);
    assert.deepEqual(hover.range.start, { line, character: col - 2 });
    const unknown = await c.request('textDocument/hover', {
      textDocument: { uri: goUri },
      position: { line, character: text.split('\n')[line].indexOf('no-such-rule') + 1 },
    });
    assert.match(unknown.contents.value, /no Steady rule has this code or name/);
    const elsewhere = await c.request('textDocument/hover', { textDocument: { uri: goUri }, position: { line, character: 2 } });
    assert.equal(elsewhere, null);
  });
});
