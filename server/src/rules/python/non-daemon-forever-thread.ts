/** PY401 non-daemon-forever-thread: placeholder until the rule is written. */
import { defineRule } from '../../engine/rule';

export default defineRule({
  code: 'PY401',
  name: 'non-daemon-forever-thread',
  language: 'python',
  category: 'shutdown/lifecycle',
  severity: 'warning',
  fix: 'none',
  summary: '',
  kinds: [],
  docs: { whatItDoes: '', whyBad: '', example: '', useInstead: '', fixSafety: '' },
  check() {},
});
