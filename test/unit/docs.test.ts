/** The generated rule docs must match the rule files: run `npm run docs` after changing a rule's docs. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CHECKOUT, generatedDocs } from '../../scripts/gen-docs';

describe('generated rule docs', () => {
  for (const [rel, text] of generatedDocs()) {
    it(`${rel} is up to date`, () => {
      const file = path.join(CHECKOUT, rel);
      assert.ok(existsSync(file), `${rel} is missing: run npm run docs`);
      assert.equal(readFileSync(file, 'utf8'), text, `${rel} is stale: run npm run docs`);
    });
  }
});
