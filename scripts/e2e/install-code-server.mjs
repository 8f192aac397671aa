#!/usr/bin/env node
/**
 * `npm run test:e2e:setup`: installs what the real-client tests need, once: Debian's ripgrep, libkrb5-dev and
 * chromium when missing (with apt-get, as root), and code-server into .tools/ (or STEADY_TOOLS_DIR). `npm run test:e2e`
 * and `npm run test:ui` do the same on their own; this script lets a CI step or a developer do it ahead of time.
 */
import { CODE_SERVER_ENTRY, ensureCodeServer, ensureDebianPackages, step } from './lib.mjs';

try {
  ensureDebianPackages();
  ensureCodeServer();
  step(`code-server ready: ${CODE_SERVER_ENTRY}`);
} catch (e) {
  console.error(e?.stack ?? e);
  process.exit(1);
}
