/** Checks the rule registry against its own contracts, so docs, codes and names cannot drift. */
import assert from 'node:assert/strict';
import { RULES, findRule } from '../../server/src/rules';

const HEADINGS = ['whatItDoes', 'whyBad', 'example', 'useInstead', 'fixSafety'] as const;

/** Every rule of the catalogue (RULES.md §1), code and name, in registry order: Go then Python, by code. */
const CATALOGUE = `
GO101 close-guarded-by-flag GO102 lock-held-on-return GO103 recursive-lock GO104 write-under-rlock
GO105 blocking-call-under-lock GO201 response-body-not-closed GO202 cleanup-of-escaping-resource
GO203 resource-not-closed GO301 critical-error-discarded GO302 panic-on-recoverable-error
GO401 goroutine-loop-without-exit GO402 untracked-goroutine GO403 fatal-exit-skips-cleanup
GO404 signal-notify-without-sigterm GO405 cancel-before-body-read GO406 blocking-chan-op-ignores-cancel
GO407 context-cancel-not-called GO501 peer-keyed-map-without-eviction GO601 http-without-timeouts
GO701 unchecked-close-of-written-file GO702 check-then-create GO703 non-atomic-file-publish
GO801 unsafe-file-mode-or-location GO802 non-constant-time-secret-compare GO901 ticker-interval-unvalidated
PY101 mutate-during-iteration PY102 unsynchronized-shared-mutation PY103 lock-acquire-without-finally
PY201 resource-not-closed-on-error PY301 silent-broad-except PY302 hot-retry-loop PY303 possibly-unbound-after-except
PY401 non-daemon-forever-thread PY402 no-termination-signal-handler PY501 unbounded-queue
PY502 peer-keyed-growth-without-cap PY503 accumulating-mutable-default PY601 network-call-without-timeout
PY602 subprocess-without-check-or-timeout PY701 check-then-act-filesystem PY801 insecure-temp-or-mode
PY901 unvalidated-config-number`
  .trim()
  .split(/\s+/);

describe('rule registry', () => {
  it('registers all 42 rules of the catalogue, with their codes and names, in order', () => {
    const want: string[] = [];
    for (let i = 0; i < CATALOGUE.length; i += 2) want.push(`${CATALOGUE[i]} ${CATALOGUE[i + 1]}`);
    assert.equal(want.length, 42);
    assert.deepEqual(RULES.map((r) => `${r.code} ${r.name}`), want);
  });
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
