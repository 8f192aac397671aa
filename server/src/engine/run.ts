/** One-shot entry points over the engine: analyse a text, and apply every safe fix until nothing changes. */
import { sharedParser, type LanguageId } from '../languages';
import { Analyzer, type AnalysisResult, type AnalyzeOptions } from './analyze';
import { applyEdits, chooseSafeFixes, syntaxErrorCount } from './fix';
import type { Rule } from './rule';

/** Parses and analyses a text from scratch. */
export function analyzeText(language: LanguageId, text: string, rules: readonly Rule[], opts: AnalyzeOptions): AnalysisResult {
  const tree = sharedParser(language).parse(text);
  if (!tree) throw new Error('parse failed');
  try {
    return new Analyzer(language, rules).analyze(text, tree, opts);
  } finally {
    tree.delete();
  }
}

/** The outcome of fix-all on one text. */
export interface FixAllResult {
  text: string;
  /** Number of fixes applied over all rounds. */
  applied: number;
  rounds: number;
  /** True when the last round found nothing left to fix (the fixes converged). */
  converged: boolean;
}

/**
 * Applies all safe fixes, re-analysing after each round until no safe fix is left. A round whose result would add
 * syntax errors is not applied.
 */
export function fixAll(
  language: LanguageId,
  text: string,
  rules: readonly Rule[],
  opts: AnalyzeOptions,
  maxRounds = 10,
): FixAllResult {
  let current = text;
  let applied = 0;
  const baseErrors = syntaxErrorCount(language, text);
  for (let round = 0; round < maxRounds; round++) {
    const { findings } = analyzeText(language, current, rules, opts);
    const fixes = chooseSafeFixes(findings, current);
    if (fixes.length === 0) return { text: current, applied, rounds: round, converged: true };
    const next = applyEdits(current, fixes.flatMap((f) => f.edits));
    if (syntaxErrorCount(language, next) > baseErrors) {
      // Apply the fixes one at a time, keeping those that parse.
      let partial = current;
      let ok = 0;
      for (const f of fixes) {
        const fixedOne = applyEdits(current, f.edits);
        if (syntaxErrorCount(language, fixedOne) <= baseErrors) {
          partial = fixedOne;
          ok++;
          break;
        }
      }
      if (ok === 0) return { text: current, applied, rounds: round, converged: false };
      current = partial;
      applied += ok;
      continue;
    }
    current = next;
    applied += fixes.length;
  }
  return { text: current, applied, rounds: maxRounds, converged: false };
}
