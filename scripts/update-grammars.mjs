// Copies the Go and Python wasm grammars from node_modules into grammars/ and prints their provenance rows.
import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
for (const pkg of ['tree-sitter-go', 'tree-sitter-python']) {
  const dir = path.dirname(require.resolve(`${pkg}/package.json`));
  const { version } = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const file = `${pkg}.wasm`;
  copyFileSync(path.join(dir, file), path.join('grammars', file));
  const sha = createHash('sha256').update(readFileSync(path.join('grammars', file))).digest('hex');
  console.log(`| ${file} | ${pkg} | ${version} | ${sha} |`);
}
