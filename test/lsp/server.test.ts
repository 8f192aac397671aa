/** The language server over stdio, as an editor drives it: open, incremental edits, diagnostics, code actions. */
import assert from 'node:assert/strict';
import { applyLspEdits, GO_NOTIFY, LspClient } from './client';

const GO = GO_NOTIFY;

describe('language server (stdio, push diagnostics)', function () {
  let c: LspClient;
  const uri = 'file:///tmp/steady-test/main.go';

  beforeEach(async () => {
    c = new LspClient();
    const init = await c.initialize();
    assert.equal(init.capabilities.textDocumentSync.change, 2, 'incremental sync');
    assert.equal(init.capabilities.diagnosticProvider, undefined, 'no pull support offered to a push-only client');
  });
  afterEach(async () => {
    const code = await c.close();
    assert.equal(code, 0, `server exit code; stderr: ${c.stderr.join('')}`);
  });

  it('publishes diagnostics with code, source, severity, docs link and fixes on open', async () => {
    c.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'go', version: 1, text: GO } });
    const diags = await c.diagnosticsFor(uri, 1);
    const d = diags.find((x) => x.code === 'GO404');
    assert.ok(d, JSON.stringify(diags));
    assert.equal(d.source, 'steady');
    assert.equal(d.severity, 2);
    assert.deepEqual(d.range.start, { line: 9, character: 1 });
    assert.match(d.codeDescription.href, /signal-notify-without-sigterm/);
    assert.match(d.message, /SIGTERM/);
    assert.equal(d.data.version, 1);
    assert.equal(d.data.fixes[0].applicability, 'safe');
  });

  it('follows incremental edits: a defect typed in appears, deleting it clears it', async () => {
    const clean = GO.replace('signal.Notify(quit, os.Interrupt)', 'signal.Notify(quit)');
    c.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'go', version: 1, text: clean } });
    assert.deepEqual((await c.diagnosticsFor(uri, 1)).filter((d) => d.code === 'GO404'), []);
    const col = clean.split('\n')[9].indexOf('quit') + 4;
    c.notify('textDocument/didChange', {
      textDocument: { uri, version: 2 },
      contentChanges: [{ range: { start: { line: 9, character: col }, end: { line: 9, character: col } }, text: ', os.Interrupt' }],
    });
    const after = await c.diagnosticsFor(uri, 2);
    assert.equal(after.filter((d) => d.code === 'GO404').length, 1);
    c.notify('textDocument/didChange', {
      textDocument: { uri, version: 3 },
      contentChanges: [{ range: { start: { line: 9, character: col }, end: { line: 9, character: col + 14 } }, text: '' }],
    });
    assert.deepEqual((await c.diagnosticsFor(uri, 3)).filter((d) => d.code === 'GO404'), []);
  });

  it('applies several changes of one didChange in order, across lines', async () => {
    c.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'go', version: 1, text: GO } });
    await c.diagnosticsFor(uri, 1);
    // Insert two functions at the top of the body list, then type a defect into the second one.
    c.notify('textDocument/didChange', {
      textDocument: { uri, version: 2 },
      contentChanges: [
        { range: { start: { line: 7, character: 0 }, end: { line: 7, character: 0 } }, text: 'func a() {}\n\nfunc b(q chan os.Signal) {\n}\n\n' },
        { range: { start: { line: 10, character: 0 }, end: { line: 10, character: 0 } }, text: '\tsignal.Notify(q, os.Interrupt)\n' },
      ],
    });
    const diags = (await c.diagnosticsFor(uri, 2)).filter((d) => d.code === 'GO404');
    assert.deepEqual(diags.map((d) => d.range.start.line).sort((x, y) => x - y), [10, 15]);
  });

  it('offers the quick fix and a disable action, and the fix clears the diagnostic', async () => {
    c.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'go', version: 1, text: GO } });
    const diags = await c.diagnosticsFor(uri, 1);
    const actions = await c.request('textDocument/codeAction', {
      textDocument: { uri },
      range: diags[0].range,
      context: { diagnostics: diags },
    });
    const titles = actions.map((a: any) => a.title);
    assert.ok(titles.includes('Add syscall.SIGTERM to the trapped signals'), titles.join(' | '));
    assert.ok(titles.includes('Disable GO404 for this line'), titles.join(' | '));
    const fix = actions.find((a: any) => a.title.startsWith('Add syscall'));
    assert.equal(fix.kind, 'quickfix');
    assert.equal(fix.isPreferred, true);
    const change = fix.edit.documentChanges[0];
    assert.equal(change.textDocument.version, 1);
    const fixed = applyLspEdits(GO, change.edits);
    assert.match(fixed, /signal\.Notify\(quit, os\.Interrupt, syscall\.SIGTERM\)/);
    assert.match(fixed, /"syscall"/);
    c.notify('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: fixed }] });
    assert.deepEqual((await c.diagnosticsFor(uri, 2)).filter((d) => d.code === 'GO404'), []);

    const disable = actions.find((a: any) => a.title.startsWith('Disable'));
    const suppressed = applyLspEdits(GO, disable.edit.documentChanges[0].edits);
    assert.match(suppressed, /\n\t\/\/ steady:ignore GO404 .+\n\tsignal\.Notify/);
    c.notify('textDocument/didChange', { textDocument: { uri, version: 3 }, contentChanges: [{ text: suppressed }] });
    assert.deepEqual((await c.diagnosticsFor(uri, 3)).filter((d) => d.code === 'GO404'), []);
  });

  it('refuses code actions computed for a stale version', async () => {
    c.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'go', version: 1, text: GO } });
    const diags = await c.diagnosticsFor(uri, 1);
    c.notify('textDocument/didChange', {
      textDocument: { uri, version: 2 },
      contentChanges: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '// header\n' }],
    });
    await c.diagnosticsFor(uri, 2);
    const actions = await c.request('textDocument/codeAction', { textDocument: { uri }, range: diags[0].range, context: { diagnostics: diags } });
    assert.deepEqual(actions, []);
  });

  it('source.fixAll.steady applies every safe fix as one edit', async () => {
    const two = GO + '\nfunc again(q chan os.Signal) {\n\tsignal.Notify(q, os.Interrupt)\n}\n';
    c.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'go', version: 1, text: two } });
    assert.equal((await c.diagnosticsFor(uri, 1)).filter((d) => d.code === 'GO404').length, 2);
    const actions = await c.request('textDocument/codeAction', {
      textDocument: { uri },
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      context: { diagnostics: [], only: ['source.fixAll'] },
    });
    assert.equal(actions.length, 1);
    assert.equal(actions[0].kind, 'source.fixAll.steady');
    const fixed = applyLspEdits(two, actions[0].edit.documentChanges[0].edits);
    assert.equal(fixed.match(/syscall\.SIGTERM/g)?.length, 2);
    assert.equal(fixed.match(/"syscall"/g)?.length, 1);
  });

  it('coalesces a flood of changes into analyses of the newest version, not one per change', async () => {
    c.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'go', version: 1, text: GO } });
    await c.diagnosticsFor(uri, 1);
    const before = c.notifications.length;
    // 300 keystrokes sent without waiting: each types one space at the end of the file.
    for (let v = 2; v <= 301; v++) {
      const line = GO.split('\n').length - 1;
      c.notify('textDocument/didChange', {
        textDocument: { uri, version: v },
        contentChanges: [{ range: { start: { line, character: v - 2 }, end: { line, character: v - 2 } }, text: ' ' }],
      });
    }
    const last = await c.diagnosticsFor(uri, 301);
    assert.equal(last.filter((d) => d.code === 'GO404').length, 1);
    const published = c.notifications.slice(before).filter((m) => m.method === 'textDocument/publishDiagnostics' && m.params.uri === uri);
    // Changes that arrive together are analysed once, for the newest version; no stale version is ever analysed
    // after a newer one arrived, so published versions strictly increase and the last is the newest.
    assert.ok(published.length < 300, `${published.length} analyses for 300 changes: none were coalesced`);
    const versions = published.map((m) => m.params.version);
    for (let i = 1; i < versions.length; i++) assert.ok(versions[i] > versions[i - 1], `version ${versions[i]} after ${versions[i - 1]}`);
    assert.equal(versions[versions.length - 1], 301);
  });

  it('survives hostile documents and keeps serving', async () => {
    const deep = 'package main\nfunc f() {\n' + '{'.repeat(3000) + '}'.repeat(3000) + '\n}\n';
    const deeper = 'package main\nfunc f() {\n' + '\tif x {\n'.repeat(10_000) + '\t}\n'.repeat(10_000) + '}\n';
    const pyDeep = 'x = ' + '('.repeat(3000) + '1' + ')'.repeat(3000) + '\n';
    const big = 'package main\n' + 'var x = 1\n'.repeat(600_000);
    const longLine = 'package main\nvar s = "' + 'x'.repeat(1_000_000) + '"\n';
    const binary = String.fromCharCode(...Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256));
    const docs = [
      ['deep.go', 'go', deep],
      ['deeper.go', 'go', deeper],
      ['deep.py', 'python', pyDeep],
      ['big.go', 'go', big],
      ['long-line.go', 'go', longLine],
      ['binary.go', 'go', binary],
      ['bad-utf8.py', 'python', 'x = "\uFFFD\uD800"\n\u0000\u0000'],
      ['empty.py', 'python', ''],
      ['broken.go', 'go', 'package main\nfunc (\n\tsignal.Notify(q, os.Interrupt)\n'],
    ] as const;
    for (const [name, lang, text] of docs) {
      const u = `file:///tmp/steady-test/${name}`;
      c.notify('textDocument/didOpen', { textDocument: { uri: u, languageId: lang, version: 1, text } });
      const diags = await c.diagnosticsFor(u, 1, 30000);
      assert.ok(Array.isArray(diags), name);
      if (name === 'big.go') assert.match(diags[0]?.message ?? '', /over 5 MB/);
    }
    // A change for a document that was never opened is ignored, and the server still answers.
    c.notify('textDocument/didChange', { textDocument: { uri: 'file:///nowhere.go', version: 2 }, contentChanges: [{ text: 'x' }] });
    c.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'go', version: 1, text: GO } });
    assert.equal((await c.diagnosticsFor(uri, 1)).filter((d) => d.code === 'GO404').length, 1);
  });
});

describe('language server (pull diagnostics)', () => {
  it('answers textDocument/diagnostic and reports unchanged results', async () => {
    const c = new LspClient();
    try {
      const init = await c.initialize({ pull: true });
      assert.ok(init.capabilities.diagnosticProvider);
      const uri = 'file:///tmp/steady-test/pull.go';
      c.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'go', version: 1, text: GO } });
      const r1 = await c.request('textDocument/diagnostic', { textDocument: { uri } });
      assert.equal(r1.kind, 'full');
      assert.equal(r1.items.filter((d: any) => d.code === 'GO404').length, 1);
      const r2 = await c.request('textDocument/diagnostic', { textDocument: { uri }, previousResultId: r1.resultId });
      assert.equal(r2.kind, 'unchanged');
      assert.ok(!c.notifications.some((m) => m.method === 'textDocument/publishDiagnostics'), 'pull clients get no pushes');
    } finally {
      await c.close();
    }
  });

  it('drops diagnostics of rules turned off in settings', async () => {
    const c = new LspClient();
    try {
      await c.initialize({ pull: true, settings: { enable: true, select: [], ignore: ['signal-notify-without-sigterm'] } });
      const uri = 'file:///tmp/steady-test/ignored.go';
      c.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'go', version: 1, text: GO } });
      // Settings arrive after `initialized`; poll until they are in force.
      const deadline = Date.now() + 5000;
      let items: any[] = [];
      do {
        items = (await c.request('textDocument/diagnostic', { textDocument: { uri } })).items;
      } while (items.some((d) => d.code === 'GO404') && Date.now() < deadline && (await new Promise((r) => setTimeout(r, 50)), true));
      assert.deepEqual(items.filter((d) => d.code === 'GO404'), []);
    } finally {
      await c.close();
    }
  });
});
