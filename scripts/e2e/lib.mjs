/**
 * Shared pieces of Steady's real-client tests: installing code-server (a real VS Code: server, Node extension host,
 * web workbench) into `.tools/`, starting it in its own process group on a free loopback port, and driving its page
 * with playwright-core in Debian's Chromium.
 *
 * code-server is installed by hand, step by step, because its npm postinstall downloads binaries from GitHub, which
 * an offline machine cannot reach. The finished install is marked with a stamp file and reused by later runs.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project's root folder. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The code-server release used: the newest whose engines.node is 20; it bundles VS Code 1.100.3. */
export const CODE_SERVER_VERSION = '4.100.3';
/**
 * Where code-server is installed: `.tools/` in the checkout (ignored by git), or under STEADY_TOOLS_DIR when set, so
 * that fresh clones on one machine (CI's, for one) can share one install.
 */
export const TOOLS = path.join(process.env.STEADY_TOOLS_DIR ? path.resolve(process.env.STEADY_TOOLS_DIR) : path.join(ROOT, '.tools'), `code-server-${CODE_SERVER_VERSION}`);
/** The code-server package folder inside the install. */
export const CODE_SERVER_DIR = path.join(TOOLS, 'node_modules', 'code-server');
/** code-server's entry point, started with this very node. */
export const CODE_SERVER_ENTRY = path.join(CODE_SERVER_DIR, 'out', 'node', 'entry.js');
/** Debian's Chromium. */
export const CHROMIUM = '/usr/bin/chromium';
/** Results (screenshots, logs) go here; ignored by git. */
export const RESULTS = path.join(ROOT, 'test-results');

const STAMP = path.join(TOOLS, '.installed');

/** Logs a step with the seconds since the script started. */
export function step(message) {
  const s = (performance.now() / 1000).toFixed(1).padStart(6);
  console.log(`[${s}s] ${message}`);
}

/** Runs a command to completion with inherited output; throws when it fails. */
export function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts, env: { ...process.env, ...(opts.env ?? {}) } });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}${opts.cwd ? ` (in ${opts.cwd})` : ''}`);
}

function have(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function debPackageInstalled(name) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('install ok installed');
}

/**
 * Installs the Debian packages the real-client tests need when any is missing: ripgrep (VS Code's search),
 * libkrb5-dev (headers for code-server's kerberos module) and chromium (the browser that renders the workbench).
 */
export function ensureDebianPackages() {
  const missing = [];
  if (!have('rg')) missing.push('ripgrep');
  if (!debPackageInstalled('libkrb5-dev')) missing.push('libkrb5-dev');
  if (!existsSync(CHROMIUM)) missing.push('chromium');
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`missing Debian packages: ${missing.join(' ')}; install them with: sudo apt-get install -y --no-install-recommends ${missing.join(' ')}`);
  }
  step(`apt-get install ${missing.join(' ')}`);
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  const install = () =>
    spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { stdio: 'inherit', env: { ...process.env, ...env } }).status === 0;
  if (!install()) {
    run('apt-get', ['update'], { env });
    if (!install()) throw new Error(`apt-get install ${missing.join(' ')} failed`);
  }
}

/**
 * Installs the Debian packages when missing, then code-server into `.tools/` unless a finished install is already
 * there, replaying its postinstall by hand so that nothing is downloaded from outside the npm registry (native
 * modules are built from source against the installed node headers).
 */
export function ensureCodeServer() {
  ensureDebianPackages();
  if (existsSync(STAMP) && existsSync(CODE_SERVER_ENTRY)) return;
  step(`installing code-server@${CODE_SERVER_VERSION} into ${TOOLS} (once; later runs reuse it)`);
  rmSync(TOOLS, { recursive: true, force: true });
  mkdirSync(TOOLS, { recursive: true });
  writeFileSync(path.join(TOOLS, 'package.json'), JSON.stringify({ name: 'steady-e2e-tools', private: true }, null, 2) + '\n');
  // node-gyp builds against the installed node's headers and never downloads them.
  const env = { npm_config_nodedir: process.env.npm_config_nodedir || '/usr', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };
  const npm = (args, cwd, extra = {}) => run('npm', args, { cwd, env: { ...env, ...extra } });

  npm(['install', '--no-save', '--ignore-scripts', `code-server@${CODE_SERVER_VERSION}`], TOOLS);
  // argon2's prebuilt download fails offline; rebuilding compiles it from source.
  npm(['rebuild', 'argon2'], TOOLS);

  // code-server's postinstall.sh, by hand.
  const vscode = path.join(CODE_SERVER_DIR, 'lib', 'vscode');
  npm(['install', '--omit=dev', '--ignore-scripts'], vscode);
  // @vscode/ripgrep's postinstall skips its GitHub download when bin/ exists: give it Debian's rg.
  const rgBin = path.join(vscode, 'node_modules', '@vscode', 'ripgrep', 'bin');
  mkdirSync(rgBin, { recursive: true });
  const rg = spawnSync('sh', ['-c', 'command -v rg'], { encoding: 'utf8' }).stdout.trim() || '/usr/bin/rg';
  copyFileSync(rg, path.join(rgBin, 'rg'));
  chmodSync(path.join(rgBin, 'rg'), 0o755);
  // npm skips dependency install scripts during install; rebuild runs them (node-pty's runs `npx node-gyp`).
  npm(['rebuild'], vscode, { npm_config_yes: 'true' });
  const link = (target, at) => {
    rmSync(at, { force: true });
    symlinkSync(target, at);
  };
  link('node_modules', path.join(vscode, 'node_modules.asar'));
  link('code-linux.sh', path.join(vscode, 'bin', 'remote-cli', 'code-server'));
  link('browser-linux.sh', path.join(vscode, 'bin', 'helpers', 'browser.sh'));
  npm(['install', '--omit=dev'], path.join(vscode, 'extensions'));

  writeFileSync(STAMP, `code-server@${CODE_SERVER_VERSION} installed ${new Date().toISOString()}\n`);
  step('code-server installed');
}

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** A new empty folder for one run (user data, extensions, XDG folders), under the system's temp folder. */
export function makeRunDir(prefix) {
  return mkdtempSync(path.join(os.tmpdir(), `steady-${prefix}-`));
}

/** Removes a run folder, unless the environment variable `keepVar` asks to keep it for inspection. */
export function removeRunDir(runDir, keepVar = 'STEADY_E2E_KEEP') {
  if (process.env[keepVar]) console.log(`run folder kept: ${runDir}`);
  else rmSync(runDir, { recursive: true, force: true });
}

/** Runs a script's `main()` and exits with the status it returns; an exception prints its stack and exits 1. */
export function exitWith(main) {
  main().then(
    (code) => process.exit(code),
    (e) => {
      console.error(e?.stack ?? e);
      process.exit(1);
    },
  );
}

/** Copies the fixture workspace into a run folder so tests can edit and save files without touching the repo. */
export function copyWorkspace(runDir) {
  const dest = path.join(runDir, 'workspace');
  cpSync(path.join(ROOT, 'test', 'e2e', 'workspace'), dest, { recursive: true });
  return dest;
}

function codeServerEnv(runDir) {
  return {
    ...process.env,
    XDG_CONFIG_HOME: path.join(runDir, 'xdg-config'),
    XDG_DATA_HOME: path.join(runDir, 'xdg-data'),
    XDG_CACHE_HOME: path.join(runDir, 'xdg-cache'),
    EXTENSIONS_GALLERY: '{}',
  };
}

function commonArgs(runDir) {
  return [
    '--config', path.join(runDir, 'config.yaml'),
    '--auth', 'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--user-data-dir', path.join(runDir, 'data'),
    '--extensions-dir', path.join(runDir, 'ext'),
  ];
}

/** Installs a packaged extension (.vsix) into the run's extensions folder with code-server's CLI. */
export function installExtension(runDir, vsix) {
  writeFileSync(path.join(runDir, 'config.yaml'), 'auth: none\ncert: false\n');
  run(process.execPath, [CODE_SERVER_ENTRY, ...commonArgs(runDir), '--install-extension', vsix], { env: codeServerEnv(runDir) });
}

/**
 * Starts code-server in its own process group on a free loopback port and waits until /healthz answers.
 * Returns `{ port, base, stop }`; `stop()` kills the whole group (its file watchers outlive the parent otherwise).
 */
export async function startCodeServer(runDir, { log = path.join(runDir, 'code-server.log'), timeoutMs = 60_000 } = {}) {
  writeFileSync(path.join(runDir, 'config.yaml'), 'auth: none\ncert: false\n');
  const port = await freePort();
  const out = openSync(log, 'a');
  const child = spawn(process.execPath, [CODE_SERVER_ENTRY, ...commonArgs(runDir), '--bind-addr', `127.0.0.1:${port}`], {
    env: codeServerEnv(runDir),
    detached: true, // setsid: a process group of its own
    stdio: ['ignore', out, out],
  });
  let exited = false;
  child.on('exit', () => (exited = true));
  const stop = () => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  };
  // Never leave the group behind, whatever way this process ends.
  process.on('exit', stop);
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { stop(); process.exit(130); });

  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) throw new Error(`code-server exited during start-up; see ${log}`);
    try {
      const r = await fetch(`${base}/healthz`);
      if (r.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      stop();
      throw new Error(`code-server did not answer /healthz within ${timeoutMs / 1000} s; see ${log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { port, base, stop, pid: child.pid };
}

/** Launches Debian's Chromium headless with the flags this offline machine needs. */
export async function launchChromium() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * Copies a run's logs that explain a failure (the Steady output channel, the extension host's and code-server's logs)
 * into test-results/<name>/ and returns the Steady output channel's text ('' when there is none).
 */
export function collectLogs(runDir, name) {
  const dest = path.join(RESULTS, name);
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  let steady = '';
  const stack = [runDir];
  while (stack.length) {
    const dir = stack.pop();
    let entries = [];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'workspace' && e.name !== 'ext') stack.push(p);
      } else if (/-Steady\.log$|^(remoteexthost|exthost|remoteagent|code-server)\.log$|^code-server-std(out|err)\.log$/.test(e.name)) {
        copyFileSync(p, path.join(dest, e.name));
        if (/-Steady\.log$/.test(e.name)) steady += readFileSync(p, 'utf8');
      }
    }
  }
  return steady;
}

/** Builds dist/ (client, server, CLI, wasm). */
export function buildExtension() {
  run(process.execPath, ['esbuild.mjs'], { cwd: ROOT });
}

/** Compiles the end-to-end suite (test/e2e/tsconfig.json) into out/e2e. */
export function compileSuite() {
  run(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(ROOT, 'test', 'e2e', 'tsconfig.json')], { cwd: ROOT });
}
