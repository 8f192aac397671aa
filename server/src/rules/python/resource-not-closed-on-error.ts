/** PY201 resource-not-closed-on-error: placeholder until the rule is written. */
import { defineRule } from '../../engine/rule';

export default defineRule({
  code: 'PY201',
  name: 'resource-not-closed-on-error',
  language: 'python',
  category: 'resource-leak',
  severity: 'warning',
  fix: 'none',
  summary: '',
  kinds: [],
  docs: { whatItDoes: '', whyBad: '', example: '', useInstead: '', fixSafety: '' },
  check() {},
});
