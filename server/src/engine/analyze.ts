/**
 * The analysis pass: one walk over the tree dispatches each node to the rules that want its kind.
 *
 * Incremental contract: the file is cut into segments, one per top-level declaration (Python groups runs of
 * module-level statements; a segment runs from its first node's start to the next segment's start, so the segments
 * partition the text). Findings are cached per segment and
 * reused when the segment's text is unchanged and the file's facts (see FactProvider) are unchanged; every offset
 * a cached finding holds is stored relative to the segment that contains it and moved with that segment.
 */
import type { Parser, Tree } from 'web-tree-sitter';
import type { LanguageId } from '../languages';
import type { FactProvider, Finding, Report, Rule, RuleContext, SegmentFact } from './rule';
import { eol, indentUnit } from './fix';
import { reparseStatement } from './reparse';
import { applySuppressions } from './suppress';
import { SyntaxSource, type Node } from './syntax';

/** A rule that threw on a file: logged by the front end, and the rest of the file's findings still arrive. */
export interface RuleFailure {
  code: string;
  path: string;
  error: string;
}

/** The outcome of analysing one version of a file. */
export interface AnalysisResult {
  findings: Finding[];
  /** Hints about the file's suppression comments (unused ones, ones without a reason), sorted by position. */
  hints: Finding[];
  failures: RuleFailure[];
  /** Segments in the file and how many of them the rules had to visit (the rest were reused). */
  segments: number;
  segmentsAnalyzed: number;
}

/** Options the front ends pass for one file. */
export interface AnalyzeOptions {
  path: string;
  /** Per-rule options by rule code. */
  ruleOptions?: Record<string, Record<string, unknown>>;
  /**
   * Where the syntax changed since the version this analyzer analysed last (Tree.getChangedRanges between the tree
   * this one was parsed from and this one). Without it the syntax tree is read whole.
   */
  changedRanges?: readonly { startIndex: number; endIndex: number }[];
}

interface Segment {
  key: string;
  start: number;
  end: number;
  /** The top-level nodes of the segment: one declaration, or a run of module-level Python statements. */
  nodes: Node[];
  /**
   * Fact values by provider, as [index into nodes, value] pairs. Facts are collected when first needed (a rule reads
   * them, or a reused finding depends on them), and shared with the next version's segment of the same text.
   */
  facts: Map<string, [number, unknown][]>;
  /** The JSON of each collected provider's values, the part of the cache key other segments' findings depend on. */
  factsJson: Map<string, string>;
  /**
   * The segment's tree holds an ERROR or MISSING node. Error recovery depends on the parse history, so the same text
   * can come with another tree next time: such a segment's facts and findings are never reused.
   */
  hasError: boolean;
}

/** Python top-level nodes that form a segment of their own; other module-level statements are grouped in runs. */
const PY_DEFINITIONS = new Set(['function_definition', 'class_definition', 'decorated_definition']);

/**
 * An offset stored as (segment index, distance from that segment's start). The index counts from the segment whose
 * cache holds the finding, so a cache moves with its segment unchanged.
 */
type RelOffset = [number, number];

interface StoredFinding {
  finding: Finding;
  start: RelOffset;
  end: RelOffset;
  edits: RelOffset[][];
}

interface SegmentCache {
  key: string;
  /** Stored findings by rule code. */
  byRule: Map<string, StoredFinding[]>;
  /** The fact providers each rule read while it visited the segment (directly or through a memoised value). */
  reads: Map<string, ReadonlySet<string>>;
  /**
   * Whether every stored finding lies wholly in this segment (offsets and fix edits), so that the cache can be
   * taken over as it is when the segment is unchanged. Computed when first asked.
   */
  local?: boolean;
}

/** A memoised value and the fact providers read while computing it (replayed into the reads of whoever reuses it). */
interface MemoEntry {
  value: unknown;
  reads: ReadonlySet<string>;
}

const NO_READS: ReadonlySet<string> = new Set();

const EMPTY_OPTIONS: Readonly<Record<string, unknown>> = Object.freeze({});

/** Node types of calls, whose callee Rule.callees filters. */
const CALL_TYPES: ReadonlySet<string> = new Set(['call_expression', 'call']);

/** Whether a path names a test file, which some rules treat more gently. */
export function isTestPath(p: string, language: LanguageId): boolean {
  const base = p.replace(/\\/g, '/').split('/').pop() ?? p;
  if (language === 'go') return base.endsWith('_test.go');
  return /^test_.*\.py$/.test(base) || /_test\.py$/.test(base) || base === 'conftest.py';
}

/**
 * Analyses successive versions of one file, reusing the findings of unchanged declarations. One instance per open
 * document; a one-shot analysis is `new Analyzer(...).analyze(...)`.
 *
 * A rule's cached findings for an unchanged segment are reused while the facts that rule reads are unchanged; a
 * change of another rule's facts does not make it run again.
 */
export class Analyzer {
  private readonly dispatch = new Map<string, Rule[]>();
  /**
   * Per call node kind with callee filters (see Rule.callees): one test that passes whenever some filter passes, or
   * null when the filters cannot be joined (they have flags) and are only tested one by one.
   */
  private readonly anyCallee = new Map<string, RegExp | null>();
  private readonly providers = new Map<string, FactProvider<unknown>>();
  private readonly active: Rule[] = [];
  /** The syntax tree of the previous version, whose unchanged nodes the next version keeps. */
  private readonly source = new SyntaxSource();
  private prevSegments: Segment[] = [];
  private prevCaches: SegmentCache[] = [];
  /** Per rule: the part of its cache key other than facts (style, header, options); a change re-runs it everywhere. */
  private prevRuleBase = new Map<string, string>();
  private prevProviderKeys = new Map<string, string>();

  constructor(
    readonly language: LanguageId,
    readonly rules: readonly Rule[],
  ) {
    for (const rule of rules) {
      if (rule.language !== language) continue;
      this.active.push(rule);
      for (const k of rule.kinds) {
        let list = this.dispatch.get(k);
        if (!list) this.dispatch.set(k, (list = []));
        list.push(rule);
      }
      for (const p of rule.facts ?? []) if (!this.providers.has(p.id)) this.providers.set(p.id, p);
    }
    for (const kind of CALL_TYPES) {
      const filters = (this.dispatch.get(kind) ?? []).flatMap((r) => (r.callees ? [r.callees] : []));
      if (!filters.length) continue;
      // Joined as alternatives, filters must share their (empty) flags.
      const joinable = filters.every((f) => f.flags === '');
      this.anyCallee.set(kind, joinable ? new RegExp(filters.map((f) => `(?:${f.source})`).join('|')) : null);
    }
  }

  /** Analyses `text`, whose current syntax tree is `tree` (owned by the caller). */
  analyze(text: string, tree: Tree, opts: AnalyzeOptions): AnalysisResult {
    return this.run(text, this.source.update(tree, text, opts.changedRanges), opts);
  }

  /**
   * Analyses `text`, an edit of the last analysed text, parsing only the statement that holds the change (see
   * engine/reparse.ts); undefined when that cannot be done, and the caller parses the file. Python only: Go's
   * incremental parse is fast as it is.
   */
  analyzeEdited(text: string, parser: Parser, opts: Omit<AnalyzeOptions, 'changedRanges'>): AnalysisResult | undefined {
    if (this.language !== 'python') return undefined;
    const root = reparseStatement(parser, this.source, text);
    return root && this.run(text, root, opts);
  }

  /** The syntax tree of the last analysed version, if that version's text is `text`. */
  rootOf(text: string): Node | undefined {
    return this.source.rootNode && this.source.text === text ? this.source.rootNode : undefined;
  }

  private run(text: string, root: Node, opts: AnalyzeOptions): AnalysisResult {
    const segments = this.segment(root, text);
    // Fix helpers follow file-wide style (line endings, indent unit), so a change of style invalidates every segment.
    const style = `${eol(text) === '\r\n' ? 'crlf' : 'lf'}|${indentUnit(text, this.language)}`;
    // Fix helpers that add an import read the file's header (package clause, docstring, comments and imports) and the
    // kind of statement after it, so a change there invalidates every segment too.
    const header = fileHeader(root, this.language);
    // A provider's key joins every segment's values, those without a value too: rules see which declaration holds a
    // value (SegmentFact.node), so a value moving to another declaration is a change even when the values are the same.
    // Keys are computed only for providers that are read, so facts nobody needs in this version are never collected.
    const providerKeys = new Map<string, string>();
    const keyOf = (p: FactProvider<unknown>): string => {
      let key = providerKeys.get(p.id);
      if (key === undefined) {
        this.collect(p, segments);
        key = segments.map((s) => s.factsJson.get(p.id) ?? '').join('\u0000');
        providerKeys.set(p.id, key);
      }
      return key;
    };
    const ruleBase = new Map<string, string>();
    for (const rule of this.active) {
      const options = opts.ruleOptions?.[rule.code];
      ruleBase.set(rule.code, style + '\u0001' + header + '\u0001' + (options ? JSON.stringify(options) : ''));
    }
    const failures: RuleFailure[] = [];

    // Match unchanged segments to the previous version's, in order, by text.
    const byKey = new Map<string, number[]>();
    this.prevSegments.forEach((s, i) => {
      if (s.hasError) return;
      const l = byKey.get(s.key);
      if (l) l.push(i);
      else byKey.set(s.key, [i]);
    });
    const oldToNew = new Map<number, number>();
    const newToOld: (number | undefined)[] = segments.map((s, i) => {
      if (s.hasError) return undefined;
      const l = byKey.get(s.key);
      const old = l?.shift();
      if (old !== undefined) oldToNew.set(old, i);
      return old;
    });
    // Where error recovery turns top-level text into ERROR nodes, statements can move across declaration boundaries,
    // so a declaration's findings may depend on text outside it: such versions are analysed from scratch (facts are
    // still reused). Errors inside a declaration stay inside its segment, which is re-analysed anyway. The property
    // test in test/unit/incremental.test.ts holds this to account.
    const broken = segments.some((s) => s.nodes.some((n) => n.isError || n.type === 'ERROR'));
    const stale = this.active.filter((r) => this.prevRuleBase.get(r.code) !== ruleBase.get(r.code));
    // Facts whose combined value changed, among those a reusable finding depends on: a rule re-runs on an unchanged
    // segment only if it read one of them there. A provider without a previous key counts as changed.
    const changedFacts = new Set<string>();
    if (!broken) {
      const needed = new Set<string>();
      newToOld.forEach((old) => {
        if (old === undefined) return;
        for (const read of this.prevCaches[old].reads.values()) for (const id of read) needed.add(id);
      });
      for (const id of needed) {
        const p = this.providers.get(id);
        if (!p || this.prevProviderKeys.get(id) !== keyOf(p)) changedFacts.add(id);
      }
    }

    const caches: SegmentCache[] = [];
    const findings: Finding[] = [];
    let analyzed = 0;
    // Memoised values of the file (keyed on the root) live for the whole analysis; those of other nodes only while
    // their segment is visited, so that a large file does not keep every segment's nodes alive at once.
    const memo = { file: new Map<string, MemoEntry>(), segment: new Map<string, MemoEntry>() };
    const ctxBase = this.makeContext(text, root, segments, opts, keyOf);
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i];
      const old = broken ? undefined : newToOld[i];
      // An unchanged segment whose rules are all current and read no changed fact keeps its cache as it is.
      if (old !== undefined && stale.length === 0) {
        const prev = this.prevCaches[old];
        if (isLocal(prev) && !readsAny(prev, changedFacts)) {
          for (const list of prev.byRule.values()) for (const s of list) findings.push(placed(s, seg.start));
          caches.push(prev);
          continue;
        }
      }
      const byRule = new Map<string, StoredFinding[]>();
      const reads = new Map<string, ReadonlySet<string>>();
      let rerun: Rule[];
      if (old === undefined) {
        rerun = this.active;
      } else {
        rerun = [...stale];
        const prev = this.prevCaches[old];
        for (const rule of this.active) {
          if (rerun.includes(rule)) continue;
          const read = prev.reads.get(rule.code) ?? NO_READS;
          let readChanged = false;
          for (const id of read) {
            if (!changedFacts.has(id)) continue;
            readChanged = true;
            break;
          }
          const stored = prev.byRule.get(rule.code) ?? [];
          // A fix that edits other declarations (a caller, a callee) was computed from their text, which may have changed.
          const reused = readChanged || stored.some(editsElsewhere) ? undefined : relocate(stored, oldToNew, segments, old);
          if (!reused) {
            rerun.push(rule);
            continue;
          }
          findings.push(...reused);
          if (reused.length) byRule.set(rule.code, store(reused, segments, i));
          if (read.size) reads.set(rule.code, read);
        }
      }
      if (rerun.length) {
        analyzed++;
        memo.segment.clear();
        const found = this.visit(seg, rerun, ctxBase, memo, reads, failures, opts.path, opts.ruleOptions);
        findings.push(...found);
        for (const f of found) {
          let l = byRule.get(f.code);
          if (!l) byRule.set(f.code, (l = []));
          l.push(...store([f], segments, i));
        }
      }
      caches.push({ key: seg.key, byRule, reads });
    }
    this.prevSegments = segments;
    this.prevCaches = caches;
    this.prevRuleBase = ruleBase;
    this.prevProviderKeys = providerKeys;
    const { kept, hints } = applySuppressions(findings, text, root, this.language, this.active, failures.length === 0);
    kept.sort((a, b) => a.start - b.start || a.code.localeCompare(b.code));
    return { findings: kept, hints, failures, segments: segments.length, segmentsAnalyzed: analyzed };
  }

  /**
   * Cuts the file into segments. Go: one per top-level node. Python: one per definition, and one per run of other
   * module-level statements (an `acquire()` and its `release()` at module level judge each other, so they share one).
   */
  private segment(root: Node, text: string): Segment[] {
    const prevFacts = new Map<string, Segment>();
    for (const s of this.prevSegments) if (!s.hasError) prevFacts.set(s.key, s);
    const groups: Node[][] = [];
    const n = root.childCount;
    for (let i = 0; i < n; i++) {
      const node = root.child(i)!;
      const last = groups[groups.length - 1];
      const standalone = this.language === 'go' || PY_DEFINITIONS.has(node.type);
      const lastStandalone = last && (this.language === 'go' || PY_DEFINITIONS.has(last[last.length - 1].type));
      if (last && !standalone && !lastStandalone) last.push(node);
      else groups.push([node]);
    }
    const out: Segment[] = [];
    groups.forEach((nodes, g) => {
      const start = g === 0 ? 0 : nodes[0].startIndex;
      const end = g + 1 < groups.length ? groups[g + 1][0].startIndex : text.length;
      const key = text.slice(start, end);
      const hasError = nodes.some((n) => n.hasError);
      const before = hasError ? undefined : prevFacts.get(key);
      out.push({ key, start, end, nodes, facts: before?.facts ?? new Map(), factsJson: before?.factsJson ?? new Map(), hasError });
    });
    return out;
  }

  /** Collects a provider's values on every segment that does not hold them yet. */
  private collect(p: FactProvider<unknown>, segments: Segment[]): void {
    for (const s of segments) {
      if (s.factsJson.has(p.id)) continue;
      const values: [number, unknown][] = [];
      s.nodes.forEach((node, k) => {
        let v: unknown;
        try {
          v = p.collect(node);
        } catch {
          v = undefined;
        }
        if (v !== undefined) values.push([k, v]);
      });
      if (values.length) s.facts.set(p.id, values);
      s.factsJson.set(p.id, values.length ? JSON.stringify(values) : '');
    }
  }

  private makeContext(
    text: string,
    root: Node,
    segments: Segment[],
    opts: AnalyzeOptions,
    keyOf: (p: FactProvider<unknown>) => string,
  ): Omit<RuleContext, 'report' | 'options' | 'memo'> {
    const factLists = new Map<string, SegmentFact<unknown>[]>();
    const language = this.language;
    return {
      language,
      path: opts.path,
      text,
      root,
      isTestFile: isTestPath(opts.path, language),
      facts<T>(p: FactProvider<T>): SegmentFact<T>[] {
        let l = factLists.get(p.id);
        if (!l) {
          keyOf(p as FactProvider<unknown>);
          l = [];
          for (const s of segments) for (const [k, value] of s.facts.get(p.id) ?? []) l.push({ node: s.nodes[k], value });
          factLists.set(p.id, l);
        }
        return l as SegmentFact<T>[];
      },
      textOf(node: Node): string {
        return text.slice(node.startIndex, node.endIndex);
      },
    };
  }

  /** Hands each node of the segment whose kind a rule wants to that rule (one walk of the segment). */
  private visit(
    seg: Segment,
    rules: readonly Rule[],
    base: Omit<RuleContext, 'report' | 'options' | 'memo'>,
    memo: { file: Map<string, MemoEntry>; segment: Map<string, MemoEntry> },
    reads: Map<string, ReadonlySet<string>>,
    failures: RuleFailure[],
    path: string,
    ruleOptions?: AnalyzeOptions['ruleOptions'],
  ): Finding[] {
    const found: Finding[] = [];
    if (!this.dispatch.size) return found;
    const failed = new Set<string>();
    const wanted = rules === this.active ? undefined : new Set(rules);
    const contexts = new Map<Rule, RuleContext>();
    const rootId = base.root.id;
    // Fact reads are recorded per rule (its findings here depend on them) and for every memoised computation in
    // progress (whoever reuses the value depends on them too).
    const recording: Set<string>[] = [];
    const contextOf = (rule: Rule): RuleContext => {
      let ctx = contexts.get(rule);
      if (!ctx) {
        const read = new Set<string>();
        reads.set(rule.code, read);
        ctx = Object.assign(Object.create(base), {
          options: ruleOptions?.[rule.code] ?? EMPTY_OPTIONS,
          report: (r: Report) => found.push(toFinding(rule, r)),
          facts<T>(p: FactProvider<T>): SegmentFact<T>[] {
            read.add(p.id);
            for (const r of recording) r.add(p.id);
            return base.facts(p);
          },
          memo<T>(node: Node, key: string, compute: () => T): T {
            const map = node.id === rootId ? memo.file : memo.segment;
            const k = `${node.id}:${key}`;
            let entry = map.get(k);
            if (!entry) {
              const during = new Set<string>();
              recording.push(during);
              try {
                entry = { value: compute(), reads: during };
              } finally {
                recording.pop();
              }
              map.set(k, entry);
            }
            for (const id of entry.reads) {
              read.add(id);
              for (const r of recording) r.add(id);
            }
            return entry.value as T;
          },
        }) as RuleContext;
        contexts.set(rule, ctx);
      }
      return ctx;
    };
    // Every named node of the segment in document order (pre-order), handed to the rules that want its kind. Named
    // nodes hang only below named nodes (anonymous ones are tokens), so the walk follows named children.
    const stack: Node[] = [];
    for (let k = seg.nodes.length - 1; k >= 0; k--) stack.push(seg.nodes[k]);
    while (stack.length) {
      const node = stack.pop()!;
      const kids = node.namedChildren;
      for (let k = kids.length - 1; k >= 0; k--) stack.push(kids[k]);
      const list = node.isNamed ? this.dispatch.get(node.type) : undefined;
      if (!list) continue;
      // A call's callee is read once; when no filter passes it, no filtered rule is asked.
      let callee: string | undefined;
      let anyPasses = true;
      const any = this.anyCallee.get(node.type);
      if (any !== undefined) {
        callee = node.childForFieldName('function')?.text ?? '';
        anyPasses = any === null || any.test(callee);
      }
      for (const rule of list) {
        if ((failed.size && failed.has(rule.code)) || (wanted && !wanted.has(rule))) continue;
        if (rule.callees && callee !== undefined && (!anyPasses || !rule.callees.test(callee))) continue;
        try {
          rule.check(node, contextOf(rule));
        } catch (e) {
          failed.add(rule.code);
          failures.push({ code: rule.code, path, error: (e as Error)?.stack ?? String(e) });
        }
      }
    }
    return found;
  }
}

function toFinding(rule: Rule, r: Report): Finding {
  const start = r.node ? r.node.startIndex : (r.start ?? 0);
  const end = r.node ? r.node.endIndex : (r.end ?? start);
  return {
    code: rule.code,
    name: rule.name,
    start,
    end,
    message: r.message,
    severity: r.severity ?? rule.severity,
    fixes: r.fixes ?? [],
  };
}

/** Top-level node types that make up a file's header (before its first declaration or statement). */
const HEADER_TYPES: Record<LanguageId, ReadonlySet<string>> = {
  go: new Set(['package_clause', 'import_declaration', 'comment']),
  python: new Set(['import_statement', 'import_from_statement', 'future_import_statement', 'comment']),
};

/**
 * The file's header (see HEADER_TYPES; a Python docstring counts) as a key: the text of its package clause, imports
 * and docstring, and the type of the node after it. Comments count only as being there: a fix that inserts an import
 * after them edits another declaration and is recomputed anyway, and rules see build tags through facts, so editing
 * a licence comment does not make every rule run again.
 */
function fileHeader(root: Node, language: LanguageId): string {
  const parts: string[] = [];
  let next = '';
  const n = root.childCount;
  for (let i = 0; i < n; i++) {
    const c = root.child(i)!;
    const doc = language === 'python' && c.type === 'expression_statement' && c.firstNamedChild?.type === 'string';
    if (HEADER_TYPES[language].has(c.type) || doc) {
      parts.push(c.type === 'comment' ? 'comment' : c.text);
      continue;
    }
    next = c.type;
    break;
  }
  return `${parts.join('\u0003')}\u0002${next}`;
}

/** Whether every stored finding of a cache lies wholly in the cache's segment. */
function isLocal(cache: SegmentCache): boolean {
  if (cache.local === undefined) {
    cache.local = true;
    for (const list of cache.byRule.values()) {
      for (const s of list) {
        if (s.start[0] !== 0 || s.end[0] !== 0 || s.edits.some((offs) => offs.some((o) => o[0] !== 0))) cache.local = false;
      }
    }
  }
  return cache.local;
}

/** Whether some rule of a cache read one of `facts`. */
function readsAny(cache: SegmentCache, facts: ReadonlySet<string>): boolean {
  if (facts.size === 0) return false;
  for (const read of cache.reads.values()) for (const id of read) if (facts.has(id)) return true;
  return false;
}

/** A stored finding that lies wholly in its segment, placed where that segment now starts. */
function placed(s: StoredFinding, segmentStart: number): Finding {
  const start = segmentStart + s.start[1];
  if (start === s.finding.start) return s.finding;
  const delta = start - s.finding.start;
  s.finding = {
    ...s.finding,
    start,
    end: s.finding.end + delta,
    fixes: s.finding.fixes.map((fx) => ({ ...fx, edits: fx.edits.map((e) => ({ ...e, start: e.start + delta, end: e.end + delta })) })),
  };
  return s.finding;
}

/** Whether a stored finding's fixes edit a segment other than the finding's own. */
function editsElsewhere(s: StoredFinding): boolean {
  for (const offs of s.edits) for (const o of offs) if (o[0] !== s.start[0]) return true;
  return false;
}

function segmentIndex(segments: Segment[], offset: number): number {
  let lo = 0;
  let hi = segments.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (segments[mid].start <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** An offset as (segment index counted from segment `own`, distance from that segment's start). */
function rel(segments: Segment[], offset: number, own: number): RelOffset {
  const i = segmentIndex(segments, offset);
  return [i - own, offset - segments[i].start];
}

/** Stores the findings of segment `own`. */
function store(findings: Finding[], segments: Segment[], own: number): StoredFinding[] {
  return findings.map((f) => ({
    finding: f,
    start: rel(segments, f.start, own),
    end: rel(segments, f.end, own),
    edits: f.fixes.map((fx) => fx.edits.flatMap((e) => [rel(segments, e.start, own), rel(segments, e.end, own)])),
  }));
}

/**
 * Moves the findings of the previous version's segment `own` to the new offsets, or returns undefined if any offset
 * cannot be moved.
 */
function relocate(stored: StoredFinding[], oldToNew: Map<number, number>, segments: Segment[], own: number): Finding[] | undefined {
  if (stored.length === 0) return [];
  const abs = (r: RelOffset): number | undefined => {
    const i = oldToNew.get(own + r[0]);
    return i === undefined ? undefined : segments[i].start + r[1];
  };
  // A range that spans several segments moves only if every segment it covers moved with it, unchanged and in order.
  const spans = (a: RelOffset, b: RelOffset): boolean => {
    const base = oldToNew.get(own + a[0]);
    if (base === undefined) return false;
    for (let k = a[0] + 1; k <= b[0]; k++) if (oldToNew.get(own + k) !== base + (k - a[0])) return false;
    return true;
  };
  const out: Finding[] = [];
  for (const s of stored) {
    const start = abs(s.start);
    const end = abs(s.end);
    if (start === undefined || end === undefined || !spans(s.start, s.end)) return undefined;
    const fixes = [];
    for (let k = 0; k < s.finding.fixes.length; k++) {
      const fx = s.finding.fixes[k];
      const offs = s.edits[k];
      const edits = [];
      for (let j = 0; j < fx.edits.length; j++) {
        const a = abs(offs[2 * j]);
        const b = abs(offs[2 * j + 1]);
        if (a === undefined || b === undefined || !spans(offs[2 * j], offs[2 * j + 1])) return undefined;
        edits.push({ start: a, end: b, newText: fx.edits[j].newText });
      }
      fixes.push({ ...fx, edits });
    }
    out.push({ ...s.finding, start, end, fixes });
  }
  return out;
}
