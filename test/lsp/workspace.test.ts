/**
 * The workspace analysis over stdio: files that were never opened get diagnostics (push and pull clients), stay
 * fresh through watched-file events, are cached across sessions, and never hold up an open document.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { LspClient, type Message } from './client';

const GO_BAD = `package main

import (
	"os"
	"os/signal"
)

func wait() {
	quit := make(chan os.Signal, 1)
	signal.Notify(quit, os.Interrupt)
	<-quit
}
`;
const GO_CLEAN = GO_BAD.replace('signal.Notify(quit, os.Interrupt)', 'signal.Notify(quit)');
const PY_BAD = `def ship(items):
    try:
        send(items)
    except:
        pass
`;
const PY_CLEAN = `def ship(items):
    send(items)
`;

const uriOf = (p: string): string => pathToFileURL(p).href;

/** A fixture workspace in a fresh temporary folder. */
function makeWorkspace(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'steady-ws-'));
  for (const [rel, text] of Object.entries(files)) {
    const abs = path.join(root, rel);
    mkdirSync(path.dirname(abs), { recursive: true });
    writeFileSync(abs, text);
  }
  return root;
}

interface Session {
  c: LspClient;
  root: string;
  /** The latest pushed (or pulled) diagnostics per URI. */
  diags: Map<string, any[]>;
  registrations: any[];
  progress: Message[];
}

interface StartOptions {
  pull?: boolean;
  storage?: string;
  settings?: Record<string, unknown>;
  filesExclude?: Record<string, unknown>;
  env?: Record<string, string>;
  /** Do not answer window/workDoneProgress/create until this resolves. */
  progress?: boolean;
}

/** Starts a server on a workspace folder as VS Code would: watched files, progress, configuration. */
async function start(root: string, opts: StartOptions = {}): Promise<Session> {
  const c = opts.env ? spawnWithEnv(opts.env) : new LspClient();
  const session: Session = { c, root, diags: new Map(), registrations: [], progress: [] };
  const client = session.c;
  client.requestHandlers.set('workspace/configuration', (p: any) =>
    p.items.map((i: any) => (i.section === 'steady' ? (opts.settings ?? {}) : i.section === 'files.exclude' ? (opts.filesExclude ?? {}) : null)),
  );
  client.requestHandlers.set('client/registerCapability', (p: any) => {
    session.registrations.push(...p.registrations);
    return null;
  });
  client.requestHandlers.set('window/workDoneProgress/create', () => null);
  await client.request('initialize', {
    processId: process.pid,
    rootUri: uriOf(root),
    workspaceFolders: [{ uri: uriOf(root), name: path.basename(root) }],
    initializationOptions: { storagePath: opts.storage, settings: opts.settings },
    capabilities: {
      window: { workDoneProgress: true },
      textDocument: {
        synchronization: { didSave: false },
        codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix', 'source.fixAll'] } } },
        publishDiagnostics: { versionSupport: true },
        ...(opts.pull ? { diagnostic: { dynamicRegistration: false } } : {}),
      },
      workspace: {
        configuration: true,
        workspaceFolders: true,
        didChangeWatchedFiles: { dynamicRegistration: true },
        ...(opts.pull ? { diagnostics: { refreshSupport: true } } : {}),
      },
    },
  });
  client.notify('initialized', {});
  return session;
}

function spawnWithEnv(env: Record<string, string>): LspClient {
  const saved: Record<string, string | undefined> = {};
  for (const k of Object.keys(env)) {
    saved[k] = process.env[k];
    process.env[k] = env[k];
  }
  try {
    return new LspClient();
  } finally {
    for (const k of Object.keys(env)) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  }
}

/** The last pushed diagnostics of a URI (waiting until some arrive and `pred` holds). */
async function pushed(s: Session, file: string, pred: (d: any[]) => boolean = () => true, ms = 20000): Promise<any[]> {
  const uri = uriOf(path.join(s.root, file));
  const last = (): any[] | undefined => {
    for (let i = s.c.notifications.length - 1; i >= 0; i--) {
      const m = s.c.notifications[i];
      if (m.method === 'textDocument/publishDiagnostics' && m.params.uri === uri) return m.params.diagnostics;
    }
    return undefined;
  };
  const deadline = Date.now() + ms;
  for (;;) {
    const d = last();
    if (d && pred(d)) return d;
    if (Date.now() > deadline) throw new Error(`no matching diagnostics for ${file}; last: ${JSON.stringify(d)}; stderr: ${s.c.stderr.join('')}`);
    await sleep(20);
  }
}

/** Waits for the workspace status notification to satisfy `pred`. */
async function status(s: Session, pred: (st: any) => boolean, ms = 30000): Promise<any> {
  const deadline = Date.now() + ms;
  for (;;) {
    const all = s.c.notifications.filter((m) => m.method === 'steady/workspaceStatus');
    const st = all[all.length - 1]?.params;
    if (st && pred(st)) return st;
    if (Date.now() > deadline) throw new Error(`status never matched; last: ${JSON.stringify(st)}; stderr: ${s.c.stderr.join('')}`);
    await sleep(20);
  }
}

const idle = (s: Session, ms?: number) => status(s, (st) => st.state === 'idle', ms);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const codes = (ds: any[]) => ds.map((d) => d.code).sort();

function watched(s: Session, changes: { file: string; type: 1 | 2 | 3 }[]): void {
  s.c.notify('workspace/didChangeWatchedFiles', { changes: changes.map((ch) => ({ uri: uriOf(path.join(s.root, ch.file)), type: ch.type })) });
}

describe('workspace analysis (stdio)', function () {
  this.timeout(120_000);
  const sessions: Session[] = [];
  const roots: string[] = [];
  const open = async (root: string, opts?: StartOptions): Promise<Session> => {
    const s = await start(root, opts);
    sessions.push(s);
    return s;
  };
  const ws = (files: Record<string, string>): string => {
    const r = makeWorkspace(files);
    roots.push(r);
    return r;
  };

  afterEach(async () => {
    for (const s of sessions.splice(0)) await s.c.close();
  });
  after(() => {
    for (const r of roots) rmSync(r, { recursive: true, force: true });
  });

  it('publishes diagnostics of files that were never opened (push), with fixes and version null', async () => {
    const root = ws({ 'cmd/main.go': GO_BAD, 'lib/ship.py': PY_BAD, 'lib/clean.py': PY_CLEAN, 'vendor/x/bad.go': GO_BAD, 'node_modules/m/bad.py': PY_BAD });
    const s = await open(root);
    const go = await pushed(s, 'cmd/main.go', (d) => d.length > 0);
    assert.deepEqual(codes(go), ['GO404']);
    assert.equal(go[0].data.version, null);
    assert.equal(go[0].data.fixes[0].applicability, 'safe');
    assert.deepEqual(codes(await pushed(s, 'lib/ship.py', (d) => d.length > 0)), ['PY301']);
    const st = await idle(s);
    assert.equal(st.total, 3, 'vendor and node_modules are not analysed');
    assert.equal(st.done, 3);
    assert.equal(st.counts.warning, 2);
    const pushedUris = new Set(s.c.notifications.filter((m) => m.method === 'textDocument/publishDiagnostics').map((m) => m.params.uri));
    assert.ok(![...pushedUris].some((u) => /vendor|node_modules/.test(u)), [...pushedUris].join(' '));
    assert.ok(s.registrations.some((r) => r.method === 'workspace/didChangeWatchedFiles' && JSON.stringify(r.registerOptions).includes('**/*.go')));
  });
});
