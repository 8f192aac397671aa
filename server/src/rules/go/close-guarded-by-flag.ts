/** GO101 close-guarded-by-flag: placeholder until the rule is written. */
import { defineRule } from '../../engine/rule';

export default defineRule({
  code: 'GO101',
  name: 'close-guarded-by-flag',
  language: 'go',
  category: 'concurrency',
  severity: 'warning',
  fix: 'none',
  summary: '',
  kinds: [],
  docs: { whatItDoes: '', whyBad: '', example: '', useInstead: '', fixSafety: '' },
  check() {},
});
