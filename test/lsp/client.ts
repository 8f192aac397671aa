/** A minimal LSP client over stdio for tests: spawns the built server and speaks JSON-RPC with Content-Length framing. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';

/** The built server bundle. */
export const SERVER = path.resolve(__dirname, '..', '..', '..', 'dist', 'server.js');

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

/** A JSON-RPC message received from the server. */
export interface Message {
  id?: number | string;
  method?: string;
  params?: any;
  result?: any;
  error?: { code: number; message: string };
}

/** A test LSP client connected to one server process. */
export class LspClient {
  readonly proc: ChildProcessWithoutNullStreams;
  private buffer = Buffer.alloc(0);
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners: ((m: Message) => void)[] = [];
  readonly notifications: Message[] = [];
  readonly stderr: string[] = [];
  /** Server-to-client requests are answered with these results by method. */
  readonly requestHandlers = new Map<string, (params: any) => unknown>();

  /**
   * `server`: another copy of the bundle; `uid`/`gid`: run the server as another user (tests of permissions, which
   * root would otherwise ignore).
   */
  constructor(args: string[] = ['--stdio'], opts: { server?: string; uid?: number; gid?: number } = {}) {
    const as = opts.uid === undefined ? {} : { uid: opts.uid, gid: opts.gid ?? opts.uid };
    this.proc = spawn(process.execPath, [opts.server ?? SERVER, ...args], { stdio: 'pipe', ...as });
    this.proc.stdout.on('data', (d: Buffer) => this.onData(d));
    this.proc.stderr.on('data', (d: Buffer) => this.stderr.push(d.toString()));
  }

  private onData(d: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, d]);
    for (;;) {
      const sep = this.buffer.indexOf('\r\n\r\n');
      if (sep === -1) return;
      const header = this.buffer.subarray(0, sep).toString();
      const m = /Content-Length: (\d+)/i.exec(header);
      if (!m) throw new Error(`bad header ${header}`);
      const len = Number(m[1]);
      if (this.buffer.length < sep + 4 + len) return;
      const body = this.buffer.subarray(sep + 4, sep + 4 + len).toString('utf8');
      this.buffer = this.buffer.subarray(sep + 4 + len);
      this.dispatch(JSON.parse(body) as Message);
    }
  }

  private dispatch(msg: Message): void {
    if (msg.method && msg.id !== undefined) {
      const h = this.requestHandlers.get(msg.method);
      this.write({ jsonrpc: '2.0', id: msg.id, result: h ? h(msg.params) : null });
      return;
    }
    if (msg.id !== undefined && !msg.method) {
      const p = this.pending.get(msg.id as number);
      if (p) {
        this.pending.delete(msg.id as number);
        if (msg.error) p.reject(new Error(msg.error.message));
        else p.resolve(msg.result);
      }
      return;
    }
    this.notifications.push(msg);
    for (const l of [...this.listeners]) l(msg);
  }

  private write(msg: object): void {
    const body = Buffer.from(JSON.stringify(msg), 'utf8');
    this.proc.stdin.write(`Content-Length: ${body.length}\r\n\r\n`);
    this.proc.stdin.write(body);
  }

  /** Sends a request and waits for its result. */
  request<T = any>(method: string, params: unknown): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.write({ jsonrpc: '2.0', id, method, params });
    });
  }

  /** Sends a notification. */
  notify(method: string, params: unknown): void {
    this.write({ jsonrpc: '2.0', method, params });
  }

  /** Waits for a notification matching `pred`, failing after `ms`. */
  waitFor(pred: (m: Message) => boolean, ms = 10000, what = 'notification'): Promise<Message> {
    const found = this.notifications.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners.splice(this.listeners.indexOf(listener), 1);
        reject(new Error(`timed out waiting for ${what}; stderr: ${this.stderr.join('')}`));
      }, ms);
      const listener = (m: Message) => {
        if (!pred(m)) return;
        clearTimeout(timer);
        this.listeners.splice(this.listeners.indexOf(listener), 1);
        resolve(m);
      };
      this.listeners.push(listener);
    });
  }

  /** Waits for the diagnostics pushed for a document version. */
  diagnosticsFor(uri: string, version: number, ms = 10000): Promise<any[]> {
    return this.waitFor(
      (m) => m.method === 'textDocument/publishDiagnostics' && m.params.uri === uri && m.params.version === version,
      ms,
      `diagnostics of ${uri} v${version}`,
    ).then((m) => m.params.diagnostics);
  }

  /** Initializes the session; `pull` declares pull-diagnostics support. */
  async initialize(opts: { pull?: boolean; settings?: unknown } = {}): Promise<any> {
    const result = await this.request('initialize', {
      processId: process.pid,
      rootUri: null,
      capabilities: {
        textDocument: {
          synchronization: { didSave: false },
          codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix', 'source.fixAll'] } } },
          publishDiagnostics: { versionSupport: true },
          ...(opts.pull ? { diagnostic: { dynamicRegistration: false } } : {}),
        },
        workspace: opts.settings !== undefined ? { configuration: true } : {},
      },
    });
    if (opts.settings !== undefined) this.requestHandlers.set('workspace/configuration', () => [opts.settings]);
    this.requestHandlers.set('client/registerCapability', () => null);
    this.notify('initialized', {});
    return result;
  }

  /** Shuts the server down and waits for the process to exit. */
  async close(): Promise<number | null> {
    try {
      await Promise.race([this.request('shutdown', null), new Promise((r) => setTimeout(r, 2000))]);
      this.notify('exit', null);
    } catch {
      /* already gone */
    }
    return new Promise((resolve) => {
      if (this.proc.exitCode !== null) return resolve(this.proc.exitCode);
      const t = setTimeout(() => this.proc.kill('SIGKILL'), 3000);
      this.proc.on('exit', (code) => {
        clearTimeout(t);
        resolve(code);
      });
    });
  }
}

/** Applies LSP text edits to a text (for checking what a code action would do). */
export function applyLspEdits(text: string, edits: { range: any; newText: string }[]): string {
  const lines = text.split('\n');
  const offset = (p: { line: number; character: number }) =>
    lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  const sorted = [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start));
  let out = text;
  for (const e of sorted) out = out.slice(0, offset(e.range.start)) + e.newText + out.slice(offset(e.range.end));
  return out;
}

/** A Go file with one GO404 finding (an interrupt trapped without SIGTERM), shared by the LSP tests. */
export const GO_NOTIFY = `package main

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
