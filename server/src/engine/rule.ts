/**
 * Rule types. The engine and the rules know nothing of LSP: positions are UTF-16 offsets into the file's text
 * (web-tree-sitter's startIndex/endIndex), translated to lines and columns by the front ends.
 */
import type { Node } from './syntax';
import type { LanguageId } from '../languages';

/** How bad a finding is; maps to LSP DiagnosticSeverity. */
export type Severity = 'error' | 'warning' | 'info' | 'hint';

/** The rule categories of RULES.md §0, one digit each in the rule code. */
export type Category =
  | 'concurrency'
  | 'resource-leak'
  | 'error-handling'
  | 'shutdown/lifecycle'
  | 'unbounded-growth'
  | 'network/timeouts'
  | 'data-integrity'
  | 'security/file-permissions'
  | 'config-validation';

/** One replacement of the text between two UTF-16 offsets of the analysed text. */
export interface TextEdit {
  start: number;
  end: number;
  newText: string;
}

/**
 * A fix for a finding. `title` is a verb phrase ("Wrap close in sync.Once"). `safe` fixes keep semantics except
 * for removing the defect and go into fix-all; `assisted` fixes change visible behaviour and are offered only as
 * code actions. The alternative fixes of one finding are mutually exclusive.
 */
export interface Fix {
  title: string;
  applicability: 'safe' | 'assisted';
  edits: TextEdit[];
}

/** A defect found by a rule, anchored on one node. */
export interface Finding {
  /** The rule code, e.g. GO101. */
  code: string;
  /** The rule's kebab-case name. */
  name: string;
  start: number;
  end: number;
  message: string;
  severity: Severity;
  fixes: Fix[];
}

/** The fixed documentation headings of a rule (Ruff's layout). */
export interface RuleDocs {
  /** What it does: one paragraph. */
  whatItDoes: string;
  /** Why is this bad: the production failure it prevents. */
  whyBad: string;
  /** A code example that triggers the rule. */
  example: string;
  /** The corrected code. */
  useInstead: string;
  /** What the fixes do and when they are safe. */
  fixSafety: string;
  /** Peer rules of Ruff, staticcheck, golangci-lint, Pylint that overlap. */
  related?: string;
}

/**
 * A per-declaration summary a rule needs from the rest of the file. `collect` sees one top-level node (a
 * "segment") and returns a JSON-serialisable, position-free value; the engine caches it by the segment's text and
 * re-runs every rule of the file when the combined summaries change. Rules must read other declarations only
 * through facts, so that unchanged declarations can keep their findings while the user types.
 */
export interface FactProvider<T = unknown> {
  id: string;
  language: LanguageId;
  /** Reads only the segment's tree (never the file's text), so that the engine can tell what the value depends on. */
  collect(segment: Node): T | undefined;
}

/** One segment's fact value together with the live segment node it came from. */
export interface SegmentFact<T> {
  node: Node;
  value: T;
}

/** What a rule reports: the anchor node (or offsets), the run-time consequence, and its fixes. */
export interface Report {
  node?: Node;
  start?: number;
  end?: number;
  message: string;
  severity?: Severity;
  fixes?: Fix[];
}

/** What a rule's check sees besides the node: the file, shared per-file analyses, and the report sink. */
export interface RuleContext {
  readonly language: LanguageId;
  readonly path: string;
  readonly text: string;
  readonly root: Node;
  /** True for Go `_test.go` files and Python `test_*.py` / `*_test.py` files. */
  readonly isTestFile: boolean;
  /** Rule options from configuration (empty unless configured). */
  readonly options: Readonly<Record<string, unknown>>;
  /** The values of a fact provider for every top-level segment of the file that produced one. */
  facts<T>(provider: FactProvider<T>): SegmentFact<T>[];
  /** Computes a value once per node per analysis (shared between rules, e.g. lock regions of a function). */
  memo<T>(node: Node, key: string, compute: () => T): T;
  /** The text of a node. */
  textOf(node: Node): string;
  report(r: Report): void;
}

/** Whether a rule offers fixes: never, for some findings, or for every finding. */
export type FixAvailability = 'none' | 'sometimes' | 'always';

/** A rule: its metadata, docs, the node kinds it wants and its check. Rules only report; no I/O, no state. */
export interface Rule {
  code: string;
  name: string;
  language: LanguageId;
  category: Category;
  severity: Severity;
  fix: FixAvailability;
  /** Short description used in SARIF and the docs index. */
  summary: string;
  /** Node types the dispatcher hands to `check`. */
  kinds: readonly string[];
  /**
   * For calls (Go `call_expression`, Python `call`) among `kinds`: a test that the callee's text passes for every call
   * the rule may report on or use. The dispatcher hands `check` only the calls that pass, and works out each call's
   * callee text once for all rules. Other node kinds are not filtered.
   */
  callees?: RegExp;
  /** Fact providers the rule reads through ctx.facts(). */
  facts?: readonly FactProvider<any>[];
  docs: RuleDocs;
  check(node: Node, ctx: RuleContext): void;
}

/** Declares a rule; checks the code's shape so a typo fails at load time. */
export function defineRule(rule: Rule): Rule {
  if (!/^(GO|PY)[1-9]\d\d$/.test(rule.code)) throw new Error(`bad rule code ${rule.code}`);
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(rule.name)) throw new Error(`bad rule name ${rule.name}`);
  const want = rule.code.startsWith('GO') ? 'go' : 'python';
  if (rule.language !== want) throw new Error(`${rule.code} must have language ${want}`);
  // RegExp.test with the g or y flag moves lastIndex, so the same callee would pass or fail by turns.
  if (rule.callees && (rule.callees.global || rule.callees.sticky)) throw new Error(`${rule.code}: callees must not use the g or y flag`);
  return rule;
}

/** The documentation URL of a rule's page. */
export function ruleDocsUrl(rule: Pick<Rule, 'name'>): string {
  return `https://github.com/steady-dev/steady/blob/main/docs/rules/${rule.name}.md`;
}
