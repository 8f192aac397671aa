/**
 * Entry point of the end-to-end suite, loaded by VS Code's extension host as `extensionTestsPath` (desktop VS Code
 * through @vscode/test-electron, or code-server's web workbench): runs every `*.e2e.js` file beside it with mocha and
 * rejects when a test fails, which VS Code turns into the exit code.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import Mocha from 'mocha';

/** Runs the suite; called by VS Code in the extension host once the workbench is up. */
export function run(): Promise<void> {
  const mocha = new Mocha({
    ui: 'bdd',
    reporter: 'spec',
    color: false,
    timeout: 60_000,
    grep: process.env.STEADY_E2E_GREP || undefined,
  });
  const files = readdirSync(__dirname).filter((f) => f.endsWith('.e2e.js')).sort();
  for (const f of files) mocha.addFile(path.join(__dirname, f));
  // The code-server runner prints the extension host's console from this line on.
  console.log(`steady e2e: running ${files.join(', ')}`);
  return new Promise((resolve, reject) => {
    try {
      const runner = mocha.run((failures) => {
        const stats = runner.stats;
        // A plain closing line that CI logs and people can read at a glance.
        console.log(`vscode e2e: ${stats?.passes ?? 0} passed, ${failures} failed${stats?.pending ? `, ${stats.pending} skipped` : ''}`);
        if (failures > 0) reject(new Error(`${failures} end-to-end test(s) failed`));
        else resolve();
      });
    } catch (e) {
      reject(e);
    }
  });
}
