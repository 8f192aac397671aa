/**
 * The rule fixture harness (CONVENTIONS.md "Fixtures"): every fixture under test/testdata/<lang>/ is run with the
 * rule its file name names. Every diagnostic must be wanted by an inline `want` comment and every `want` met; the
 * `.golden` file must equal the fixture with every safe fix applied; fixes converge, never overlap and never add
 * syntax errors; and each rule's declared `fix` availability matches what it does.
 * Set UPDATE_GOLDEN=1 to rewrite the golden files from the current fixes.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { applyEdits, fixKeepsSyntax, syntaxErrorCount } from '../../server/src/engine/fix';
import { analyzeText, fixAll } from '../../server/src/engine/run';
import type { Finding, Rule } from '../../server/src/engine/rule';
import { lineOf, lineStartsOf } from '../../server/src/engine/suppress';
import { loadLanguages, type LanguageId } from '../../server/src/languages';
import { RULES } from '../../server/src/rules';

/** test/testdata, found from the compiled test's folder or the checkout. */
export const TESTDATA = path.resolve(__dirname, '..', '..', '..', 'test', 'testdata');

interface Want {
  line: number;
  code: string;
  text?: string;
  met: boolean;
}

/** Parses `want CODE "substring"` expectations: trailing ones judge their line, lone ones the next line. */
export function parseWants(text: string, language: LanguageId): Want[] {
  const wants: Want[] = [];
  const marker = language === 'go' ? '//' : '#';
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    const at = line.indexOf(`${marker} want `);
    if (at === -1) return;
    const alone = line.slice(0, at).trim() === '';
    const spec = line.slice(at + marker.length + ' want '.length);
    const re = /([A-Z]{2}\d{3})(?:\s+"([^"]*)")?/g;
    for (let m = re.exec(spec); m; m = re.exec(spec)) {
      wants.push({ line: alone ? i + 1 : i, code: m[1], text: m[2], met: false });
    }
  });
  return wants;
}

/** The fixtures of a rule: files in testdata/<lang>/ named `<rule-name>.<ext>` or `<rule-name>.<variant>.<ext>`. */
export function fixturesOf(rule: Rule): string[] {
  const dir = path.join(TESTDATA, rule.language);
  if (!existsSync(dir)) return [];
  const ext = rule.language === 'go' ? '.go' : '.py';
  return readdirSync(dir)
    .filter((f) => f.endsWith(ext) && f.split('.')[0] === rule.name)
    .map((f) => path.join(dir, f));
}

before(async () => {
  await loadLanguages();
});

describe('rule fixtures', () => {
  for (const rule of RULES) {
    describe(`${rule.code} ${rule.name}`, () => {
      const files = fixturesOf(rule);
      const allFindings: Finding[] = [];

      it('has at least one fixture', () => {
        assert.ok(files.length > 0, `no fixture test/testdata/${rule.language}/${rule.name}.*`);
      });

      for (const file of files) {
        const rel = path.relative(TESTDATA, file);
        describe(rel, () => {
          const text = readFileSync(file, 'utf8');
          const opts = { path: file };
          let findings: Finding[] = [];

          it('reports exactly the wanted diagnostics', () => {
            const result = analyzeText(rule.language, text, [rule], opts);
            assert.deepEqual(result.failures, [], 'the rule threw');
            findings = result.findings;
            allFindings.push(...findings);
            const wants = parseWants(text, rule.language);
            const starts = lineStartsOf(text);
            const unwanted: string[] = [];
            for (const f of findings) {
              const line = lineOf(starts, f.start);
              const w = wants.find((x) => !x.met && x.line === line && x.code === f.code && (!x.text || f.message.includes(x.text)));
              if (w) w.met = true;
              else unwanted.push(`${rel}:${line + 1}: unexpected ${f.code} ${f.message}`);
            }
            const unmet = wants.filter((w) => !w.met).map((w) => `${rel}:${w.line + 1}: missing ${w.code}${w.text ? ` "${w.text}"` : ''}`);
            assert.deepEqual([...unwanted, ...unmet], []);
          });

          it('offers fixes whose edits do not overlap and keep the code parsing', () => {
            const base = syntaxErrorCount(rule.language, text);
            for (const f of findings) {
              for (const fix of f.fixes) {
                assert.match(fix.title, /^[A-Z][a-z]+/, `fix title should be a verb phrase: ${fix.title}`);
                assert.doesNotThrow(() => applyEdits(text, fix.edits), `edits overlap: ${fix.title}`);
                assert.ok(fixKeepsSyntax(rule.language, text, fix.edits, base), `"${fix.title}" adds a syntax error at ${f.start}`);
              }
            }
          });

          it('matches the golden file with every safe fix applied, and the fixes converge', () => {
            const golden = `${file}.golden`;
            const fixed = fixAll(rule.language, text, [rule], opts);
            assert.ok(fixed.converged, 'safe fixes did not converge');
            if (process.env.UPDATE_GOLDEN) writeFileSync(golden, fixed.text);
            assert.ok(existsSync(golden), `missing ${path.relative(TESTDATA, golden)} (run with UPDATE_GOLDEN=1)`);
            assert.equal(fixed.text, readFileSync(golden, 'utf8'));
            assert.ok(syntaxErrorCount(rule.language, fixed.text) <= syntaxErrorCount(rule.language, text), 'fix-all added syntax errors');
            const again = analyzeText(rule.language, fixed.text, [rule], opts);
            const leftover = again.findings.filter((f) => f.fixes.some((x) => x.applicability === 'safe'));
            assert.deepEqual(leftover.map((f) => `${f.code} ${f.message}`), [], 'safe fixes left something to fix');
          });
        });
      }

      describe('all fixtures', () => it(`declare fix: '${rule.fix}' and behave so`, () => {
        const withFix = allFindings.filter((f) => f.fixes.length > 0).length;
        if (rule.fix === 'none') assert.equal(withFix, 0, 'declared no fix but offers one');
        if (rule.fix === 'always') assert.equal(withFix, allFindings.length, 'declared a fix for every finding');
        if (rule.fix === 'sometimes') assert.ok(withFix > 0 && withFix <= allFindings.length, 'declared fixes but offers none');
        assert.ok(allFindings.length > 0, 'the fixtures hold no positive case');
      }));
    });
  }
});
