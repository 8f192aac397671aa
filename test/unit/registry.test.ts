/** Checks the rule registry against its own contracts, so docs, codes and names cannot drift. */
import assert from 'node:assert/strict';
import { RULES, findRule } from '../../server/src/rules';

const HEADINGS = ['whatItDoes', 'whyBad', 'example', 'useInstead', 'fixSafety'] as const;

describe('rule registry', () => {
  it('has unique codes and names', () => {
    assert.equal(new Set(RULES.map((r) => r.code)).size, RULES.length);
    assert.equal(new Set(RULES.map((r) => r.name)).size, RULES.length);
  });
  for (const rule of RULES) {
    it(`${rule.code} is complete`, () => {
      assert.ok(rule.kinds.length > 0, 'wants no node kinds');
      assert.ok(rule.summary.length > 10, 'has no summary');
      for (const h of HEADINGS) assert.ok(rule.docs[h].trim().length > 0, `docs lack ${h}`);
      const digit = rule.code[2];
      const cats: Record<string, string> = {
        '1': 'concurrency', '2': 'resource-leak', '3': 'error-handling', '4': 'shutdown/lifecycle', '5': 'unbounded-growth',
        '6': 'network/timeouts', '7': 'data-integrity', '8': 'security/file-permissions', '9': 'config-validation',
      };
      assert.equal(rule.category, cats[digit], 'category does not match the code digit');
      assert.equal(findRule(rule.code), rule);
      assert.equal(findRule(rule.name), rule);
      assert.equal(findRule(rule.code.toLowerCase()), rule);
    });
  }
});
