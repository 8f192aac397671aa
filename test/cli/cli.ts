/**
 * Helpers of the CLI tests: build the bundle once, run `node cli.js` as a user would, and make temporary project
 * folders from a map of file names to contents.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The checkout, found from the compiled test's folder (out/test/cli). */
export const ROOT = path.resolve(__dirname, '..', '..', '..');

let cli: string | undefined;

/**
 * Builds dist/ with esbuild.mjs and copies the CLI bundle and its wasm files to a private folder, so the tests run
 * the shipped artefact on its own (as an installed package would) and are not disturbed by a concurrent rebuild.
 * STEADY_CLI names an already built cli.js to test instead.
 */
export function buildCli(): string {
  if (cli) return cli;
  if (process.env.STEADY_CLI) return (cli = path.resolve(process.env.STEADY_CLI));
  execFileSync(process.execPath, ['esbuild.mjs'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'steady-cli-bin-'));
  const dist = path.join(ROOT, 'dist');
  for (const f of readdirSync(dist)) {
    if (f === 'cli.js' || f.endsWith('.wasm')) copyFileSync(path.join(dist, f), path.join(dir, f));
  }
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return (cli = path.join(dir, 'cli.js'));
}

/** The outcome of one CLI run. */
export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** How long one CLI run may take: generous, since a loaded machine runs the tests too; a hang is still caught. */
export const RUN_TIMEOUT_MS = 240_000;

/**
 * Runs `node cli.js ARGS` in `cwd` (stdout is a pipe, so no colours unless forced through a terminal); `uid` runs it
 * as that user (and group), for tests of permissions that root would ignore.
 */
export function run(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}, uid?: number): RunResult {
  const bin = buildCli();
  if (uid !== undefined) chmodSync(path.dirname(bin), 0o755);
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd,
    ...(uid === undefined ? {} : { uid, gid: uid }),
    encoding: 'utf8',
    env: { ...process.env, ...env },
    maxBuffer: 256 * 1024 * 1024,
    timeout: RUN_TIMEOUT_MS,
  });
  if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT') {
    throw new Error(`steady ${args.join(' ')} did not finish within ${RUN_TIMEOUT_MS / 1000} s (in ${cwd})`);
  }
  if (r.error) throw r.error;
  if (r.status === null) throw new Error(`steady was killed by ${r.signal}: ${r.stderr}`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs the CLI with `--format json` and parses its output. */
export function runJson(args: readonly string[], cwd: string, uid?: number): RunResult & { json: JsonReport } {
  const r = run(['check', '--format', 'json', ...args], cwd, {}, uid);
  let json: JsonReport;
  try {
    json = JSON.parse(r.stdout) as JsonReport;
  } catch {
    throw new Error(`not JSON (exit ${r.status}): ${r.stdout.slice(0, 500)}\nstderr: ${r.stderr}`);
  }
  return { ...r, json };
}

/** A position of the JSON format. */
export interface JsonPosition {
  line: number;
  column: number;
}

/** A diagnostic of the JSON format. */
export interface JsonDiagnostic {
  path: string;
  rule: string;
  name: string;
  category: string;
  severity: string;
  message: string;
  range: { start: JsonPosition; end: JsonPosition };
  fixes: { title: string; applicability: string; edits: { range: { start: JsonPosition; end: JsonPosition }; newText: string }[] }[];
}

/** The JSON format's one object. */
export interface JsonReport {
  version: string;
  summary: { files: number; lines: number; diagnostics: number; durationMs: number; fixed?: { fixes: number; files: number } };
  diagnostics: JsonDiagnostic[];
}

const made: string[] = [];

/** Creates a temporary folder holding `files` (relative path → text or bytes); removed when the tests end. */
export function project(files: Record<string, string | Buffer>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'steady-cli-'));
  made.push(dir);
  for (const [rel, content] of Object.entries(files)) {
    const abs = path.join(dir, rel);
    mkdirSync(path.dirname(abs), { recursive: true });
    writeFileSync(abs, content);
  }
  return dir;
}

/** Removes the folders project() made. */
export function cleanProjects(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** A Go program whose signal.Notify (line 10, column 2) traps only the interrupt: GO404 reports it. */
export const GO_SIGNAL = `package main

import (
\t"os"
\t"os/signal"
)

func main() {
\tquit := make(chan os.Signal, 1)
\tsignal.Notify(quit, os.Interrupt)
\t<-quit
}
`;

/** GO_SIGNAL with its GO404 fix applied. */
export const GO_SIGNAL_FIXED = `package main

import (
\t"os"
\t"os/signal"
\t"syscall"
)

func main() {
\tquit := make(chan os.Signal, 1)
\tsignal.Notify(quit, os.Interrupt, syscall.SIGTERM)
\t<-quit
}
`;

/** A Go program that traps SIGTERM as well: GO404 finds nothing. */
export const GO_CLEAN = GO_SIGNAL_FIXED;

/** GO404's message for GO_SIGNAL. */
export const GO404_MESSAGE =
  'signal.Notify traps os.Interrupt but not SIGTERM: a container or systemd stop kills the process without running the graceful shutdown';
