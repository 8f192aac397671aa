/** GO407 context-cancel-not-called: placeholder until the rule is written. */
import { defineRule } from '../../engine/rule';

export default defineRule({
  code: 'GO407',
  name: 'context-cancel-not-called',
  language: 'go',
  category: 'shutdown/lifecycle',
  severity: 'warning',
  fix: 'none',
  summary: '',
  kinds: [],
  docs: { whatItDoes: '', whyBad: '', example: '', useInstead: '', fixSafety: '' },
  check() {},
});
