#!/usr/bin/env node
/**
 * `npm run test:e2e`: runs the end-to-end suite (test/e2e/suite) inside a real VS Code, code-server's, with Steady
 * loaded from its development path, and exits with the suite's result.
 *
 * code-server's CLI rejects --extensionDevelopmentPath/--extensionTestsPath, but its web workbench reads them from the
 * page URL's payload; a headless Chromium (Debian's, driven by playwright-core) opens that page, and the workbench
 * reports the extension host's console through window.codeAutomationLog and the end through
 * window.codeAutomationExit(code), which this script exposes to the page.
 *
 * Environment: STEADY_E2E_GREP=pattern runs only matching tests; STEADY_E2E_KEEP=1 keeps the run folder.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { format } from 'node:util';
import {
  RESULTS,
  ROOT,
  buildExtension,
  collectLogs,
  compileSuite,
  copyWorkspace,
  ensureCodeServer,
  exitWith,
  launchChromium,
  makeRunDir,
  removeRunDir,
  startCodeServer,
  step,
} from './lib.mjs';

const TIMEOUT_MS = Number(process.env.STEADY_E2E_TIMEOUT_MS || 300_000);

async function main() {
  ensureCodeServer();
  step('building dist/ and compiling the suite');
  buildExtension();
  compileSuite();

  const runDir = makeRunDir('e2e');
  const workspace = copyWorkspace(runDir);
  mkdirSync(RESULTS, { recursive: true });
  step(`starting code-server (run folder ${runDir})`);
  const server = await startCodeServer(runDir);
  let browser;
  let exitCode = 1;
  const logLines = [];
  try {
    step(`code-server answers on ${server.base}`);
    browser = await launchChromium();
    const page = await browser.newPage();
    page.setDefaultTimeout(TIMEOUT_MS);

    let settle;
    let suiteStarted = false;
    const exited = new Promise((resolve) => (settle = resolve));
    await page.exposeFunction('codeAutomationLog', (type, args) => {
      const line = Array.isArray(args) ? format(...args) : String(args);
      logLines.push(`[${type}] ${line}`);
      // The suite's console (mocha's report) goes to stdout from its first line on; before it, only the workbench's
      // errors do. Everything is in test-results/e2e-extension-host.log.
      if (line.startsWith('steady e2e: running')) suiteStarted = true;
      if (suiteStarted || type === 'error') process.stdout.write(line.endsWith('\n') ? line : line + '\n');
    });
    await page.exposeFunction('codeAutomationExit', (code) => settle({ code: Number(code) }));
    page.on('crash', () => settle({ code: 1, reason: 'the page crashed' }));
    page.on('pageerror', (e) => logLines.push(`[pageerror] ${e.message}`));

    const remote = (p) => `vscode-remote://127.0.0.1:${server.port}${p}`;
    const payload = [
      ['extensionDevelopmentPath', remote(ROOT)],
      ['extensionTestsPath', remote(path.join(ROOT, 'out', 'e2e', 'suite', 'index.js'))],
      ['skipWelcome', 'true'],
      ['skipReleaseNotes', 'true'],
    ];
    const url = `${server.base}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    step('opening the workbench; the suite runs in its extension host');
    await page.goto(url);

    const timer = setTimeout(() => settle({ code: 1, reason: `the suite did not finish within ${TIMEOUT_MS / 1000} s` }), TIMEOUT_MS);
    const result = await exited;
    clearTimeout(timer);
    if (result.reason) {
      console.error(`e2e: ${result.reason}`);
      await page.screenshot({ path: path.join(RESULTS, 'e2e-failure.png') }).catch(() => undefined);
    }
    step(`suite finished with exit code ${result.code}`);
    exitCode = result.code;
    return result.code;
  } finally {
    writeFileSync(path.join(RESULTS, 'e2e-extension-host.log'), logLines.join('\n') + '\n');
    await browser?.close().catch(() => undefined);
    server.stop();
    const steadyLog = collectLogs(runDir, 'e2e-logs');
    if (exitCode !== 0 && steadyLog.trim()) console.log(`--- the Steady output channel ---\n${steadyLog.trimEnd()}\n---`);
    removeRunDir(runDir);
  }
}

exitWith(main);
