/** Steady's version, from package.json: inlined by the bundler, or read from the checkout when running compiled sources. */
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** Reads the version of the `steady` package.json, bundled or found above this file. */
function readVersion(): string {
  try {
    // esbuild inlines this file into the bundle; from tsc's out/ it does not exist and the walk below finds it.
    return (require('../../package.json') as { version: string }).version;
  } catch {
    // fall through
  }
  for (let dir = __dirname, i = 0; i < 6; i++, dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'steady' && pkg.version) return pkg.version;
    } catch {
      // keep looking
    }
  }
  return '0.0.0-unknown';
}

/** The version of this build of Steady. */
export const VERSION: string = readVersion();
