/** GO103 recursive-lock: placeholder until the rule is written. */
import { defineRule } from '../../engine/rule';

export default defineRule({
  code: 'GO103',
  name: 'recursive-lock',
  language: 'go',
  category: 'concurrency',
  severity: 'warning',
  fix: 'none',
  summary: '',
  kinds: [],
  docs: { whatItDoes: '', whyBad: '', example: '', useInstead: '', fixSafety: '' },
  check() {},
});
