/** GO403 fatal-exit-skips-cleanup: placeholder until the rule is written. */
import { defineRule } from '../../engine/rule';

export default defineRule({
  code: 'GO403',
  name: 'fatal-exit-skips-cleanup',
  language: 'go',
  category: 'shutdown/lifecycle',
  severity: 'warning',
  fix: 'none',
  summary: '',
  kinds: [],
  docs: { whatItDoes: '', whyBad: '', example: '', useInstead: '', fixSafety: '' },
  check() {},
});
