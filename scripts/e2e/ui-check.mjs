#!/usr/bin/env node
/**
 * `npm run test:ui`: what a user sees after installing Steady. Packages the extension (.vsix), installs it into
 * code-server with `--install-extension`, opens the fixture workspace in headless Chromium, opens a Go file from the
 * explorer, and checks — by looking at the page as a user would — the squiggles, the Problems panel entries, the
 * quick-fix menu's fix title and the language status item. Screenshots go to test-results/ui-*.png.
 *
 * Environment: STEADY_UI_KEEP=1 keeps the run folder; STEADY_UI_SKIP_PACKAGE=1 installs the existing .vsix as is.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  RESULTS,
  ROOT,
  collectLogs,
  copyWorkspace,
  ensureCodeServer,
  exitWith,
  installExtension,
  launchChromium,
  makeRunDir,
  removeRunDir,
  run,
  startCodeServer,
  step,
} from './lib.mjs';

const WAIT_MS = 30_000;
const results = [];

/** Runs one named check; a failure is recorded (with a screenshot) and the next check still runs. */
async function check(page, name, body) {
  try {
    await body();
    results.push({ name, ok: true });
    console.log(`  ✔ ${name}`);
  } catch (e) {
    results.push({ name, ok: false });
    console.log(`  ✘ ${name}\n      ${String(e?.message ?? e).split('\n').join('\n      ')}`);
    const shot = path.join(RESULTS, `ui-failed-${results.length}.png`);
    await page.screenshot({ path: shot }).catch(() => undefined);
    console.log(`      screenshot: ${path.relative(ROOT, shot)}`);
  }
}

async function main() {
  ensureCodeServer();
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const vsix = path.join(ROOT, `${pkg.name}-${pkg.version}.vsix`);
  if (!process.env.STEADY_UI_SKIP_PACKAGE || !existsSync(vsix)) {
    step('packaging the extension (npm run package)');
    run('npm', ['run', '--silent', 'package'], { cwd: ROOT });
  }
  mkdirSync(RESULTS, { recursive: true });
  for (const f of readdirSync(RESULTS)) if (/^ui-.*\.png$/.test(f)) rmSync(path.join(RESULTS, f), { force: true });

  const runDir = makeRunDir('ui');
  const workspace = copyWorkspace(runDir);
  step(`installing ${path.basename(vsix)} into code-server`);
  installExtension(runDir, vsix);
  // A user who has been here before: no first-run walkthrough over the editor.
  const userDir = path.join(runDir, 'data', 'User');
  mkdirSync(userDir, { recursive: true });
  writeFileSync(path.join(userDir, 'settings.json'), JSON.stringify({ 'workbench.startupEditor': 'none', 'workbench.tips.enabled': false }, null, 2));
  const server = await startCodeServer(runDir);
  let browser;
  try {
    step(`code-server answers on ${server.base}; opening the workspace`);
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    page.setDefaultTimeout(WAIT_MS);
    await page.goto(`${server.base}/?folder=${encodeURIComponent(workspace)}`);
    await page.locator('.monaco-workbench').waitFor();

    await check(page, 'the explorer opens cmd/shop/main.go', async () => {
      const explorer = page.locator('.explorer-folders-view');
      await explorer.waitFor();
      // The explorer shows cmd/shop as one compact row; expanding it reveals main.go.
      await explorer.getByRole('treeitem', { name: /^cmd/ }).click();
      await explorer.getByRole('treeitem', { name: 'main.go', exact: true }).click();
      await page.locator('.tab.active', { hasText: 'main.go' }).waitFor();
      await page.locator('.monaco-editor .view-lines', { hasText: 'signal.Notify(quit, os.Interrupt)' }).waitFor();
    });

    await check(page, 'squiggles mark the defects (an error and warnings)', async () => {
      await page.locator('.monaco-editor .squiggly-error').first().waitFor();
      await page.locator('.monaco-editor .squiggly-warning').first().waitFor();
    });

    await check(page, 'the Problems panel lists GO101, GO203 and GO404', async () => {
      await page.keyboard.press('Control+Shift+M');
      const panel = page.locator('.markers-panel');
      await panel.waitFor();
      for (const text of ['GO101', 'GO203', 'GO404', 'but not SIGTERM', 'close of closed channel', 'never closed']) {
        await panel.getByText(text, { exact: false }).first().waitFor();
      }
      await page.screenshot({ path: path.join(RESULTS, 'ui-1-problems.png') });
    });

    await check(page, 'the light bulb menu offers "Add syscall.SIGTERM to the trapped signals"', async () => {
      // Put the cursor on the signal.Notify call (Ctrl+G, line number), then open the quick-fix menu (Ctrl+.).
      const text = readFileSync(path.join(workspace, 'cmd', 'shop', 'main.go'), 'utf8').split('\n');
      const line = text.findIndex((l) => l.includes('signal.Notify(quit, os.Interrupt)')) + 1;
      await page.locator('.monaco-editor .view-lines').first().click();
      await page.keyboard.press('Control+G');
      await page.keyboard.type(`${line}:3`);
      await page.keyboard.press('Enter');
      await page.locator('.codicon-light-bulb, .codicon-lightbulb-autofix, .codicon-lightbulb-sparkle').first().waitFor();
      await page.keyboard.press('Control+.');
      const menu = page.locator('.action-widget');
      await menu.getByText('Add syscall.SIGTERM to the trapped signals').waitFor();
      await menu.getByText('Disable GO404 for this line').waitFor();
      await page.screenshot({ path: path.join(RESULTS, 'ui-2-quick-fix.png') });
      // Choose the fix as a user would (it is the first, focused entry) and see its diagnostic leave the panel.
      await menu.locator('.monaco-list-row.focused', { hasText: 'Add syscall.SIGTERM to the trapped signals' }).waitFor();
      await page.keyboard.press('Enter');
      await page.locator('.monaco-editor .view-lines', { hasText: 'signal.Notify(quit, os.Interrupt, syscall.SIGTERM)' }).waitFor();
      await page.locator('.markers-panel').getByText('GO404').waitFor({ state: 'detached' });
      await page.screenshot({ path: path.join(RESULTS, 'ui-3-fixed.png') });
    });

    await check(page, 'the language status item shows Steady', async () => {
      await page.locator('[id="status.languageStatus"]').click();
      await page.locator('.hover-language-status, .monaco-hover', { hasText: 'Steady' }).first().waitFor();
      await page.screenshot({ path: path.join(RESULTS, 'ui-4-status.png') });
    });
  } finally {
    await browser?.close().catch(() => undefined);
    server.stop();
    const steadyLog = collectLogs(runDir, 'ui-logs');
    if (results.some((r) => !r.ok) && steadyLog.trim()) console.log(`--- the Steady output channel ---\n${steadyLog.trimEnd()}\n---`);
    removeRunDir(runDir, 'STEADY_UI_KEEP');
  }
  const failed = results.filter((r) => !r.ok).length;
  console.log(`ui check: ${results.length - failed} passed, ${failed} failed`);
  console.log(`screenshots: ${path.relative(ROOT, RESULTS)}/ui-*.png`);
  return failed ? 1 : 0;
}

exitWith(main);
