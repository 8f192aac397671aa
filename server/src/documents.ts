/**
 * Open documents: their text, version and one syntax tree each. Incremental changes are applied to the text and, as
 * tree-sitter edits, to the tree; the tree is parsed again only when it is asked for, from the edited old tree, so a
 * burst of changes costs one parse. The analysis of an edit may not need it at all (see `OpenDocument.analyze`).
 */
import type { Edit, Point, Tree } from 'web-tree-sitter';
import { Analyzer, type AnalysisResult, type AnalyzeOptions } from './engine/analyze';
import { syntaxTree, type Node } from './engine/syntax';
import type { Rule } from './engine/rule';
import { sharedParser, type LanguageId } from './languages';
import { LineIndex, type Range } from './lineIndex';

/** An LSP content change: a ranged replacement, or the whole text. */
export interface ContentChange {
  range?: Range;
  text: string;
}

/** One open document and what has been derived from its current version. */
export class OpenDocument {
  private index?: LineIndex;
  /** The incremental analyzer, re-created when the rule set changes. */
  analyzer?: Analyzer;
  analyzerRules?: readonly Rule[];
  /** The most recent analysis, keyed by the version it was made for. */
  result?: { version: number; payload: unknown };
  private ownSyntax?: { text: string; root: Node };
  /** The tree parsed for version `treeVersion`; while `stale`, edited in place to the current text but not parsed. */
  private parsed: Tree | null;
  private treeVersion: number;
  private stale: false | 'incremental' | 'full' = false;
  /** Where the syntax changed from version `changeFrom` to `treeVersion` (Tree.getChangedRanges). */
  private changeFrom?: number;
  private changedRanges?: { startIndex: number; endIndex: number }[];
  /** The version of the tree the analyzer last read (its copy has since followed edits without one). */
  private analyzerBase?: number;

  constructor(
    readonly uri: string,
    readonly language: LanguageId,
    public version: number,
    public text: string,
    tree: Tree | null,
  ) {
    this.parsed = tree;
    this.treeVersion = version;
  }

  /** The syntax tree of the current text (parsed now if edits came since the last parse); null without a parser. */
  get tree(): Tree | null {
    if (this.stale) this.reparse();
    return this.parsed;
  }

  private reparse(): void {
    const old = this.parsed;
    const parser = sharedParser(this.language);
    const incremental = this.stale === 'incremental' && old;
    const tree = incremental ? parser.parse(this.text, old) : parser.parse(this.text);
    this.changeFrom = incremental && tree ? this.treeVersion : undefined;
    this.changedRanges = incremental && tree ? old.getChangedRanges(tree) : undefined;
    old?.delete();
    this.parsed = tree;
    this.treeVersion = this.version;
    this.stale = false;
  }

  /** Applies LSP changes to the text and the tree (which is not parsed yet). */
  edit(version: number, changes: readonly ContentChange[]): void {
    const { text, reparse, index } = applyChanges(this.text, this.stale === 'full' ? null : this.parsed, changes, this.lines);
    this.stale = reparse === 'full' || this.stale === 'full' || !this.parsed ? 'full' : 'incremental';
    this.text = text;
    this.lines = index;
    this.version = version;
    this.result = undefined;
  }

  /**
   * Analyses the current text. The analyzer's copy of the syntax follows the edits since it last analysed: for a
   * change inside one Python statement, by parsing that statement alone; otherwise from the tree, read again only
   * where tree-sitter reports a change.
   */
  analyze(rules: readonly Rule[], opts: Omit<AnalyzeOptions, 'changedRanges'>): AnalysisResult | undefined {
    const analyzer = this.analyzerFor(rules);
    if (this.stale === 'incremental' && this.analyzerBase !== undefined) {
      const edited = analyzer.analyzeEdited(this.text, sharedParser(this.language), opts);
      if (edited) return edited;
    }
    const tree = this.tree;
    if (!tree) return undefined;
    const changedRanges = this.changeFrom !== undefined && this.changeFrom === this.analyzerBase ? this.changedRanges : undefined;
    const result = analyzer.analyze(this.text, tree, { ...opts, changedRanges });
    this.analyzerBase = this.treeVersion;
    return result;
  }

  /** The line index of the current text. */
  get lines(): LineIndex {
    if (!this.index || this.index.text !== this.text) this.index = new LineIndex(this.text);
    return this.index;
  }
  /** Sets the line index of the current text (one derived from the previous version's); undefined builds it anew. */
  set lines(index: LineIndex | undefined) {
    this.index = index;
  }

  /** The syntax tree of the current version (the analyzer's when it has analysed this text), or null without a tree. */
  syntax(): Node | null {
    const analysed = this.analyzer?.rootOf(this.text);
    if (analysed) return analysed;
    const tree = this.tree;
    if (!tree) return null;
    if (this.ownSyntax?.text !== this.text) this.ownSyntax = { text: this.text, root: syntaxTree(tree, this.text) };
    return this.ownSyntax.root;
  }

  /** The incremental analyzer for a rule set. */
  analyzerFor(rules: readonly Rule[]): Analyzer {
    if (!this.analyzer || this.analyzerRules !== rules) {
      this.analyzer = new Analyzer(this.language, rules);
      this.analyzerRules = rules;
      this.analyzerBase = undefined;
    }
    return this.analyzer;
  }

  /** Frees the tree's wasm memory. */
  dispose(): void {
    this.parsed?.delete();
    this.parsed = null;
    this.stale = false;
  }
}

function pointAfter(start: Point, inserted: string): Point {
  let row = start.row;
  let last = -1;
  for (let i = inserted.indexOf('\n'); i !== -1; i = inserted.indexOf('\n', i + 1)) {
    row++;
    last = i;
  }
  return last === -1 ? { row, column: start.column + inserted.length } : { row, column: inserted.length - last - 1 };
}

/** Tree-sitter's row/column of an offset: rows split at '\n' only; columns in UTF-16 units. */
function pointAt(text: string, offset: number): Point {
  let row = 0;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    row++;
    lineStart = i + 1;
  }
  return { row, column: offset - lineStart };
}

/**
 * Applies a batch of LSP changes to a text and its tree, returning the new text and, when the batch had only ranged
 * changes, its line index (brought up to date from `index`, the old text's). The tree is edited in place.
 */
export function applyChanges(
  text: string,
  tree: Tree | null,
  changes: readonly ContentChange[],
  index?: LineIndex,
): { text: string; reparse: 'incremental' | 'full'; index?: LineIndex } {
  let reparse: 'incremental' | 'full' = 'incremental';
  let idx = index?.text === text ? index : undefined;
  for (const ch of changes) {
    if (!ch.range) {
      text = ch.text;
      reparse = 'full';
      idx = undefined;
      continue;
    }
    idx ??= new LineIndex(text);
    const start = idx.offset(ch.range.start);
    const oldEnd = Math.max(start, idx.offset(ch.range.end));
    if (tree && reparse === 'incremental') {
      // Derive points from the text itself (rows at '\n'), and the new end from the inserted text.
      const startPosition = pointAt(text, start);
      const edit: Edit = {
        startIndex: start,
        oldEndIndex: oldEnd,
        newEndIndex: start + ch.text.length,
        startPosition,
        oldEndPosition: pointAt(text, oldEnd),
        newEndPosition: pointAfter(startPosition, ch.text),
      } as Edit;
      tree.edit(edit);
    }
    const next = text.slice(0, start) + ch.text + text.slice(oldEnd);
    idx = idx.edited(next, start, oldEnd, ch.text);
    text = next;
  }
  return { text, reparse, index: idx };
}

/** The open documents of a session. */
export class DocumentStore {
  private readonly docs = new Map<string, OpenDocument>();

  get(uri: string): OpenDocument | undefined {
    return this.docs.get(uri);
  }

  all(): OpenDocument[] {
    return [...this.docs.values()];
  }

  /** Opens (or re-opens) a document and parses it. */
  open(uri: string, language: LanguageId, version: number, text: string): OpenDocument {
    this.docs.get(uri)?.dispose();
    const doc = new OpenDocument(uri, language, version, text, sharedParser(language).parse(text));
    this.docs.set(uri, doc);
    return doc;
  }

  /**
   * Applies incremental changes (the tree is parsed again when next asked for). Returns undefined for an unknown
   * document or an out-of-order version (which is ignored).
   */
  change(uri: string, version: number, changes: readonly ContentChange[]): OpenDocument | undefined {
    const doc = this.docs.get(uri);
    if (!doc || version <= doc.version) return undefined;
    doc.edit(version, changes);
    return doc;
  }

  close(uri: string): void {
    this.docs.get(uri)?.dispose();
    this.docs.delete(uri);
  }
}
