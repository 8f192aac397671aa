/**
 * Generates docs/rules/<name>.md for every rule and docs/rules/README.md, a table of all rules by category, from the
 * rule files themselves. `npm run docs` writes them; the test suite fails when they are stale.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import type { Rule } from '../server/src/engine/rule';
import { RULES } from '../server/src/rules';
import { SCHEMA_PATH, schemaText } from './gen-schema';

const FIX: Record<Rule['fix'], string> = {
  none: 'No automatic fix.',
  sometimes: 'A fix is offered for some findings.',
  always: 'A fix is offered for every finding.',
};

function fence(language: Rule['language'], code: string): string {
  return '```' + (language === 'go' ? 'go' : 'python') + '\n' + code.trim() + '\n```';
}

/** The Markdown page of one rule. */
export function rulePage(rule: Rule): string {
  const d = rule.docs;
  const parts = [
    `# ${rule.code} ${rule.name}`,
    `*Language* ${rule.language === 'go' ? 'Go' : 'Python'} · *Category* ${rule.category} · *Default severity* ${rule.severity} · *Fix* ${rule.fix}`,
    `${rule.summary}`,
    `## What it does\n\n${d.whatItDoes.trim()}`,
    `## Why is this bad?\n\n${d.whyBad.trim()}`,
    `## Example\n\n${fence(rule.language, d.example)}`,
    `## Use instead\n\n${fence(rule.language, d.useInstead)}`,
    `## Fix safety\n\n${FIX[rule.fix]} ${d.fixSafety.trim()}`,
    `## Configuration\n\nSelect or ignore it by code or name (\`${rule.code}\` or \`${rule.name}\`) in \`select\`/\`ignore\` of \`steady.toml\` (or \`[tool.steady]\` in \`pyproject.toml\`, also per path in \`[[overrides]]\`), with \`steady check --select/--ignore\`, or with the \`steady.select\`/\`steady.ignore\` settings. Change its severity with \`${rule.code} = "info"\` in the \`[severity]\` table (\`"off"\` turns it off), and set its options, if it has any, in a \`[rules.${rule.name}]\` table. Silence one line with \`${rule.language === 'go' ? '//' : '#'} steady:ignore ${rule.code} <reason>\` on that line or alone on the line above it, or a whole file with \`steady:ignore-file ${rule.code} <reason>\` in its leading comments.`,
  ];
  if (d.related?.trim()) parts.push(`## Related rules\n\n${d.related.trim()}`);
  return parts.join('\n\n') + '\n';
}

/** The index page: every rule, grouped by category. */
export function indexPage(rules: readonly Rule[]): string {
  const cats = [...new Set(rules.map((r) => r.category))].sort((a, b) => {
    const digit = (c: string) => rules.find((r) => r.category === c)!.code[2];
    return digit(a).localeCompare(digit(b));
  });
  const out = ['# Steady rules', '', `${rules.length} rules. Each page says what the rule finds, the production failure it prevents, and its fix.`, ''];
  for (const c of cats) {
    out.push(`## ${c}`, '', '| code | name | language | severity | fix | summary |', '|---|---|---|---|---|---|');
    for (const r of rules.filter((x) => x.category === c)) {
      out.push(`| ${r.code} | [${r.name}](${r.name}.md) | ${r.language === 'go' ? 'Go' : 'Python'} | ${r.severity} | ${r.fix} | ${r.summary.replace(/\|/g, '\\|')} |`);
    }
    out.push('');
  }
  return out.join('\n');
}

/** Every generated file, by path relative to the checkout. */
export function generatedDocs(): Map<string, string> {
  const files = new Map<string, string>();
  for (const r of RULES) files.set(`docs/rules/${r.name}.md`, rulePage(r));
  files.set('docs/rules/README.md', indexPage(RULES));
  files.set(SCHEMA_PATH.split(path.sep).join('/'), schemaText());
  return files;
}

/** The checkout's root, from the compiled script's folder (out/scripts) or the sources. */
export const CHECKOUT = [path.resolve(__dirname, '..', '..'), path.resolve(__dirname, '..')].find((d) => existsSync(path.join(d, 'package.json')))!;

if (require.main === module) {
  for (const [rel, text] of generatedDocs()) {
    const file = path.join(CHECKOUT, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    const old = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
    if (old !== text) {
      writeFileSync(file, text);
      console.log(`wrote ${rel}`);
    }
  }
}
