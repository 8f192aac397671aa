// Bundles the client, the language server and the CLI, and copies the wasm files they load at run time.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, chmodSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const production = process.argv.includes('--production');
const outdir = 'dist';
mkdirSync(outdir, { recursive: true });

// web-tree-sitter's ESM build needs import.meta.url, which a CommonJS bundle lacks: bundle its CommonJS build.
const treeSitterCjs = {
  name: 'web-tree-sitter-cjs',
  setup(build) {
    build.onResolve({ filter: /^web-tree-sitter$/ }, () => ({ path: require.resolve('web-tree-sitter') }));
  },
};

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  plugins: [treeSitterCjs],
};

await Promise.all([
  esbuild.build({ ...common, entryPoints: ['client/src/extension.ts'], outfile: `${outdir}/extension.js`, external: ['vscode'] }),
  esbuild.build({ ...common, entryPoints: ['server/src/server.ts'], outfile: `${outdir}/server.js` }),
  // The language server's workspace analysis runs this bundle on worker threads.
  esbuild.build({ ...common, entryPoints: ['server/src/workspaceWorker.ts'], outfile: `${outdir}/workspaceWorker.js` }),
  esbuild.build({
    ...common,
    entryPoints: ['server/src/cli.ts'],
    outfile: `${outdir}/cli.js`,
    banner: { js: '#!/usr/bin/env node' },
  }),
]);
chmodSync(`${outdir}/cli.js`, 0o755);

// The grammars are committed under grammars/ (see grammars/PROVENANCE.md); the runtime wasm comes from web-tree-sitter.
for (const f of readdirSync('grammars')) {
  if (f.endsWith('.wasm')) copyFileSync(path.join('grammars', f), path.join(outdir, f));
}
copyFileSync(require.resolve('web-tree-sitter/tree-sitter.wasm'), path.join(outdir, 'tree-sitter.wasm'));
