/** GO401 goroutine-loop-without-exit: placeholder until the rule is written. */
import { defineRule } from '../../engine/rule';

export default defineRule({
  code: 'GO401',
  name: 'goroutine-loop-without-exit',
  language: 'go',
  category: 'shutdown/lifecycle',
  severity: 'warning',
  fix: 'none',
  summary: '',
  kinds: [],
  docs: { whatItDoes: '', whyBad: '', example: '', useInstead: '', fixSafety: '' },
  check() {},
});
