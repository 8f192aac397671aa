/** GO104 write-under-rlock: placeholder until the rule is written. */
import { defineRule } from '../../engine/rule';

export default defineRule({
  code: 'GO104',
  name: 'write-under-rlock',
  language: 'go',
  category: 'concurrency',
  severity: 'warning',
  fix: 'none',
  summary: '',
  kinds: [],
  docs: { whatItDoes: '', whyBad: '', example: '', useInstead: '', fixSafety: '' },
  check() {},
});
