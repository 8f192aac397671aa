/**
 * Rule.callees lets the dispatcher skip calls a rule would ignore. Each filter must pass every call the rule can
 * report on: with and without the filters, every fixture and example gives the same findings.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { defineRule, type Rule } from '../../server/src/engine/rule';
import { analyzeText } from '../../server/src/engine/run';
import { loadLanguages, type LanguageId } from '../../server/src/languages';
import { RULES } from '../../server/src/rules';

const ROOT = path.resolve(__dirname, '..', '..', '..');

function sources(dir: string, ext: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name.endsWith(ext)) out.push(path.join(e.parentPath, e.name));
  }
  return out.sort();
}

describe('callee filters (Rule.callees)', () => {
  before(async () => {
    await loadLanguages();
  });

  for (const [language, ext] of [['go', '.go'], ['python', '.py']] as [LanguageId, string][]) {
    it(`${language}: filtered and unfiltered rules find the same on every fixture and example`, () => {
      const rules = RULES.filter((r) => r.language === language);
      const filtered = rules.filter((r) => r.callees);
      const unfiltered: Rule[] = rules.map((r) => (r.callees ? { ...r, callees: undefined } : r));
      const files = [...sources(path.join(ROOT, 'test', 'testdata', language), ext), ...sources(path.join(ROOT, 'examples'), ext)];
      let reported = 0;
      for (const file of files) {
        const text = readFileSync(file, 'utf8');
        const a = analyzeText(language, text, rules, { path: file }).findings;
        const b = analyzeText(language, text, unfiltered, { path: file }).findings;
        assert.deepEqual(a, b, `${path.relative(ROOT, file)}: the callee filters change the findings`);
        reported += a.filter((f) => filtered.some((r) => r.code === f.code)).length;
      }
      // The comparison means something only if the filtered rules report on these files.
      if (filtered.length) assert.ok(reported > filtered.length, `${language}: only ${reported} findings of filtered rules`);
    });
  }

  it('hands a rule only the calls its filter passes, joined or (with flags) one by one', () => {
    const seen = new Map<string, string[]>();
    const spy = (code: string, callees: RegExp): Rule =>
      defineRule({
        ...RULES.find((r) => r.language === 'go')!,
        code,
        kinds: ['call_expression'],
        callees,
        facts: [],
        check: (node) => {
          const l = seen.get(code) ?? [];
          l.push(node.childForFieldName('function')!.text);
          seen.set(code, l);
        },
      });
    const text = 'package p\n\nfunc a() {\n\tFOO()\n\tfoo()\n\tbar()\n}\n';
    analyzeText('go', text, [spy('GO991', /^foo$/i), spy('GO992', /^foo$/)], { path: 'a.go' });
    assert.deepEqual(Object.fromEntries(seen), { GO991: ['FOO', 'foo'], GO992: ['foo'] });
    seen.clear();
    analyzeText('go', text, [spy('GO992', /^foo$/), spy('GO993', /^bar$/)], { path: 'a.go' });
    assert.deepEqual(Object.fromEntries(seen), { GO992: ['foo'], GO993: ['bar'] });
  });

  it('refuses a stateful (g or y) filter', () => {
    const rule = RULES.find((r) => r.callees)!;
    assert.throws(() => defineRule({ ...rule, callees: /^close$/g }), /must not use the g or y flag/);
    assert.doesNotThrow(() => defineRule({ ...rule }));
  });
});
