#!/usr/bin/env node
/**
 * `npm run test:e2e:electron`: runs the same end-to-end suite (test/e2e/suite) in desktop VS Code through
 * @vscode/test-electron, which downloads VS Code into .vscode-test/ on first use. It needs a machine that can reach
 * VS Code's download server; offline, use `npm run test:e2e` (code-server) instead. On a Linux machine without a
 * display, run it under a virtual one: `xvfb-run -a npm run test:e2e:electron`.
 *
 * Environment: STEADY_VSCODE_VERSION picks the VS Code version (default 1.100.3, the one code-server 4.100.3 bundles,
 * so both runners test the same VS Code; `stable` for the newest); STEADY_E2E_GREP=pattern runs only matching tests;
 * STEADY_E2E_KEEP=1 keeps the run folder.
 */
import path from 'node:path';
import { ROOT, buildExtension, compileSuite, copyWorkspace, exitWith, makeRunDir, removeRunDir, step } from './lib.mjs';

const VERSION = process.env.STEADY_VSCODE_VERSION || '1.100.3';

async function main() {
  const { runTests, downloadAndUnzipVSCode } = await import('@vscode/test-electron');
  step('building dist/ and compiling the suite');
  buildExtension();
  compileSuite();

  let vscodeExecutablePath;
  try {
    step(`getting VS Code ${VERSION} (cached in .vscode-test/)`);
    vscodeExecutablePath = await downloadAndUnzipVSCode({ version: VERSION, cachePath: path.join(ROOT, '.vscode-test') });
  } catch (e) {
    console.error(`e2e (electron): could not download VS Code ${VERSION}: ${e?.message ?? e}`);
    console.error('This machine cannot reach VS Code\'s download server. Run the same suite in code-server instead: npm run test:e2e');
    return 2;
  }

  const runDir = makeRunDir('electron');
  const workspace = copyWorkspace(runDir);
  try {
    step('running the suite in VS Code');
    return await runTests({
      vscodeExecutablePath,
      extensionDevelopmentPath: ROOT,
      extensionTestsPath: path.join(ROOT, 'out', 'e2e', 'suite', 'index.js'),
      extensionTestsEnv: process.env.STEADY_E2E_GREP ? { STEADY_E2E_GREP: process.env.STEADY_E2E_GREP } : undefined,
      launchArgs: [
        workspace,
        '--disable-extensions',
        '--disable-workspace-trust',
        '--skip-welcome',
        '--skip-release-notes',
        '--disable-gpu',
        `--user-data-dir=${path.join(runDir, 'data')}`,
        `--extensions-dir=${path.join(runDir, 'ext')}`,
      ],
    });
  } finally {
    removeRunDir(runDir);
  }
}

// runTests rejects when VS Code exits with a non-zero code (a failed test included): exitWith reports it.
exitWith(main);
