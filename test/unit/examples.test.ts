/**
 * The demo projects under examples/ are analysed with every rule: each first-wave rule must fire on them, and the
 * findings must be exactly the (file, line, code) list kept in examples/expected.json, so that a change to either
 * the rules or the examples that moves, adds or loses a finding is caught. examples/README.md must list the same.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { analyzeText } from '../../server/src/engine/run';
import { lineOf, lineStartsOf } from '../../server/src/engine/suppress';
import { languageForPath, loadLanguages, type LanguageId } from '../../server/src/languages';
import { RULES } from '../../server/src/rules';

/** The examples/ folder of the checkout, found from the compiled test's folder. */
const EXAMPLES = path.resolve(__dirname, '..', '..', '..', 'examples');

/** The first-wave rule codes of RULES.md §2, each of which the examples must exercise. */
const FIRST_WAVE = [
  'GO101', 'GO102', 'GO103', 'GO104', 'GO203', 'GO401', 'GO402', 'GO403', 'GO404', 'GO407',
  'PY101', 'PY103', 'PY201', 'PY301', 'PY401',
];

/** One expected finding: a path relative to examples/ with forward slashes, a 1-based line and a rule code. */
interface Expected {
  file: string;
  line: number;
  code: string;
}

/** Every Go or Python source file under dir, as paths relative to dir with forward slashes, sorted. */
function sourceFiles(dir: string): { rel: string; language: LanguageId }[] {
  const out: { rel: string; language: LanguageId }[] = [];
  const stack = [''];
  while (stack.length > 0) {
    const relDir = stack.pop()!;
    for (const ent of readdirSync(path.join(dir, relDir), { withFileTypes: true })) {
      const rel = relDir ? `${relDir}/${ent.name}` : ent.name;
      if (ent.isDirectory()) {
        if (ent.name !== '__pycache__' && !ent.name.startsWith('.')) stack.push(rel);
        continue;
      }
      const firstLine = ent.name.includes('.') ? undefined : readFileSync(path.join(dir, rel), 'utf8').split('\n', 1)[0];
      const language = languageForPath(rel, firstLine);
      if (language) out.push({ rel, language });
    }
  }
  return out.sort((a, b) => a.rel.localeCompare(b.rel));
}

/** The line (1-based) holding a UTF-16 offset, given the offsets where lines start. */
function lineAt(starts: number[], offset: number): number {
  return lineOf(starts, offset) + 1;
}

const key = (e: Expected): string => `${e.file}:${e.line} ${e.code}`;

describe('examples/', () => {
  const found: Expected[] = [];
  const messages = new Map<string, string>();

  before(async () => {
    await loadLanguages();
    for (const { rel, language } of sourceFiles(EXAMPLES)) {
      const file = path.join(EXAMPLES, rel);
      const text = readFileSync(file, 'utf8');
      const result = analyzeText(language, text, RULES, { path: file });
      assert.deepEqual(result.failures, [], `a rule threw on examples/${rel}`);
      const starts = lineStartsOf(text);
      for (const f of result.findings) {
        const e = { file: rel, line: lineAt(starts, f.start), code: f.code };
        found.push(e);
        messages.set(key(e), `${f.severity}: ${f.message}`);
      }
    }
  });

  it('exercises every first-wave rule', () => {
    const codes = new Set(found.map((f) => f.code));
    assert.deepEqual(FIRST_WAVE.filter((c) => !codes.has(c)), [], 'first-wave rules that never fire on examples/');
  });

  it('reports exactly the findings listed in examples/expected.json', () => {
    const expected = (JSON.parse(readFileSync(path.join(EXAMPLES, 'expected.json'), 'utf8')) as Expected[]).map(key);
    const actual = found.map(key);
    const unexpected = actual.filter((k) => !expected.includes(k)).map((k) => `unexpected ${k} (${messages.get(k)})`);
    const missing = expected.filter((k) => !actual.includes(k)).map((k) => `missing ${k}`);
    assert.deepEqual([...unexpected, ...missing], []);
    assert.equal(actual.length, new Set(actual).size, 'two findings of one rule on one line');
  });

  it('documents exactly those findings in examples/README.md', () => {
    const expected = (JSON.parse(readFileSync(path.join(EXAMPLES, 'expected.json'), 'utf8')) as Expected[]).map(key);
    const documented: string[] = [];
    let section = '';
    for (const line of readFileSync(path.join(EXAMPLES, 'README.md'), 'utf8').split('\n')) {
      const heading = /^## `([^`]+)`/.exec(line);
      if (heading) section = heading[1];
      const row = /^\| `([^`]+)` \| (\d+) \| ([A-Z]{2}\d{3})\b/.exec(line);
      if (row) documented.push(key({ file: `${section}${row[1]}`, line: Number(row[2]), code: row[3] }));
    }
    assert.deepEqual([...documented].sort(), [...expected].sort());
  });
});
