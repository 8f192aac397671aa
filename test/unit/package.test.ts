/**
 * Checks the packaged extension (.vsix): it holds everything the installed extension loads (the bundles, the wasm
 * grammars, the icon, the rule docs, the manifest's referenced files) and nothing that only the repository needs
 * (sources, tests, node_modules, source maps, tools). The .vsix is built from the current dist/ with `vsce package`.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const VSCE = path.join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');

/** One entry of a zip file's central directory. */
interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

/** Lists a zip archive's entries from its central directory (no zip64: a .vsix is far below 4 GB). */
function zipEntries(zip: Buffer): ZipEntry[] {
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  assert.ok(eocd >= 0, 'not a zip file: no end of central directory record');
  const count = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  const out: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    assert.equal(zip.readUInt32LE(p), 0x02014b50, 'corrupt central directory');
    const nameLen = zip.readUInt16LE(p + 28);
    const extraLen = zip.readUInt16LE(p + 30);
    const commentLen = zip.readUInt16LE(p + 32);
    out.push({
      method: zip.readUInt16LE(p + 10),
      compressedSize: zip.readUInt32LE(p + 20),
      size: zip.readUInt32LE(p + 24),
      localOffset: zip.readUInt32LE(p + 42),
      name: zip.toString('utf8', p + 46, p + 46 + nameLen),
    });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

/** The uncompressed bytes of one entry. */
function zipRead(zip: Buffer, e: ZipEntry): Buffer {
  const p = e.localOffset;
  const start = p + 30 + zip.readUInt16LE(p + 26) + zip.readUInt16LE(p + 28);
  const data = zip.subarray(start, start + e.compressedSize);
  return e.method === 0 ? Buffer.from(data) : zlib.inflateRawSync(data);
}

/** Every file under a folder, as paths relative to ROOT with forward slashes. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const stack = [dir];
  while (stack.length) {
    const d = stack.pop()!;
    for (const name of readdirSync(d)) {
      const p = path.join(d, name);
      if (statSync(p).isDirectory()) stack.push(p);
      else out.push(path.relative(ROOT, p).split(path.sep).join('/'));
    }
  }
  return out;
}

describe('packaged extension (.vsix)', function () {
  this.timeout(120_000);
  let tmp: string;
  let vsix: string;
  let zip: Buffer;
  let names: Set<string>;

  before(function () {
    if (!existsSync(VSCE)) {
      // Only when dev dependencies were installed without @vscode/vsce.
      console.log(`      skipped: @vscode/vsce is not installed (${path.relative(ROOT, VSCE)} is missing); run npm install`);
      this.skip();
    }
    assert.ok(existsSync(path.join(ROOT, 'dist', 'server.js')), 'dist/ is not built: run node esbuild.mjs (npm test does)');
    tmp = mkdtempSync(path.join(os.tmpdir(), 'steady-vsix-'));
    vsix = path.join(tmp, 'steady.vsix');
    const r = spawnSync(process.execPath, [VSCE, 'package', '--no-dependencies', '--out', vsix], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, `vsce package failed:\n${r.stdout}\n${r.stderr}`);
    zip = readFileSync(vsix);
    names = new Set(zipEntries(zip).map((e) => e.name));
  });

  after(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('holds the bundles, the wasm files, the icon and the listing files', () => {
    const required = [
      'extension.vsixmanifest',
      'extension/package.json',
      'extension/dist/extension.js',
      'extension/dist/server.js',
      'extension/dist/cli.js',
      'extension/dist/tree-sitter.wasm',
      'extension/dist/tree-sitter-go.wasm',
      'extension/dist/tree-sitter-python.wasm',
      'extension/images/icon.png',
      'extension/LICENSE.txt',
      'extension/changelog.md',
    ];
    if (existsSync(path.join(ROOT, 'README.md'))) required.push('extension/readme.md');
    const missing = required.filter((n) => !names.has(n));
    assert.deepEqual(missing, [], `missing from the .vsix: ${missing.join(', ')}`);
  });

  it('holds every generated rule doc page', function () {
    const dir = path.join(ROOT, 'docs', 'rules');
    const docs = existsSync(dir) ? filesUnder(dir) : [];
    const missing = docs.filter((f) => !names.has(`extension/${f}`));
    assert.deepEqual(missing, [], `rule docs missing from the .vsix: ${missing.join(', ')}`);
  });

  it('holds every file the manifest refers to', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    const refs: string[] = [pkg.main, pkg.icon];
    for (const g of pkg.contributes?.grammars ?? []) refs.push(g.path);
    for (const l of pkg.contributes?.languages ?? []) if (l.configuration) refs.push(l.configuration);
    const rel = (p: string) => `extension/${path.posix.normalize(p.replace(/^\.\//, ''))}`;
    const missing = refs.filter(Boolean).map(rel).filter((n) => !names.has(n) && !names.has(`${n}.js`));
    assert.deepEqual(missing, [], `files the manifest names are missing from the .vsix: ${missing.join(', ')}`);
  });

  it('holds no sources, tests, dependencies, source maps or tools', () => {
    const forbidden = [...names].filter((n) =>
      /(^|\/)(node_modules|src|test|out|scripts|examples|grammars|\.tools|\.git|\.ci|test-results)\//.test(n) ||
      /\.(ts|map|vsix|mjs)$/.test(n) ||
      /(^|\/)(tsconfig\.json|esbuild\.mjs|package-lock\.json|\.vscodeignore)$/.test(n),
    );
    assert.deepEqual(forbidden, [], `the .vsix holds files users do not need: ${forbidden.join(', ')}`);
  });

  it('carries the marketplace listing in its manifest', () => {
    const entry = zipEntries(zip).find((e) => e.name === 'extension/package.json')!;
    const pkg = JSON.parse(zipRead(zip, entry).toString('utf8'));
    assert.equal(pkg.displayName, 'Steady');
    assert.ok(pkg.description?.length > 20, 'no description');
    assert.ok(pkg.categories?.includes('Linters'), 'not in the Linters category');
    assert.equal(pkg.icon, 'images/icon.png');
    assert.equal(pkg.capabilities?.untrustedWorkspaces?.supported, true);
    for (const ev of ['onLanguage:go', 'onLanguage:python', 'workspaceContains:**/*.go', 'workspaceContains:**/*.py']) {
      assert.ok(pkg.activationEvents?.includes(ev), `no activation event ${ev}`);
    }
    const manifest = zipRead(zip, zipEntries(zip).find((e) => e.name === 'extension.vsixmanifest')!).toString('utf8');
    assert.match(manifest, /Microsoft\.VisualStudio\.Services\.Icons\.Default/);
    const png = zipRead(zip, zipEntries(zip).find((e) => e.name === 'extension/images/icon.png')!);
    assert.equal(png.readUInt32BE(16), 128, 'icon is not 128 pixels wide');
    assert.equal(png.readUInt32BE(20), 128, 'icon is not 128 pixels high');
  });

  it('is small', () => {
    const bytes = statSync(vsix).size;
    const unpacked = zipEntries(zip).reduce((n, e) => n + e.size, 0);
    console.log(`      .vsix: ${(bytes / 1024).toFixed(0)} KiB packed, ${(unpacked / 1024).toFixed(0)} KiB unpacked, ${names.size} files`);
    assert.ok(bytes < 5 * 1024 * 1024, `the .vsix is ${bytes} bytes`);
  });
});
