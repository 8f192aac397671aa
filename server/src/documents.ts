/**
 * Open documents: their text, version and one cached syntax tree each. Incremental changes are applied to the text
 * and, as tree-sitter edits, to the tree; the document is re-parsed with the old tree, which is then freed.
 */
import type { Edit, Point, Tree } from 'web-tree-sitter';
import { Analyzer } from './engine/analyze';
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
  /** Where the syntax changed from version `changeFrom` to the current one (Tree.getChangedRanges). */
  changeFrom?: number;
  changedRanges?: { startIndex: number; endIndex: number }[];
  /** The version the analyzer analysed last. */
  analyzedVersion?: number;

  constructor(
    readonly uri: string,
    readonly language: LanguageId,
    public version: number,
    public text: string,
    public tree: Tree | null,
  ) {}

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
    if (!this.tree) return null;
    const analysed = this.analyzer?.rootOf(this.text);
    if (analysed) return analysed;
    if (this.ownSyntax?.text !== this.text) this.ownSyntax = { text: this.text, root: syntaxTree(this.tree, this.text) };
    return this.ownSyntax.root;
  }

  /** The incremental analyzer for a rule set. */
  analyzerFor(rules: readonly Rule[]): Analyzer {
    if (!this.analyzer || this.analyzerRules !== rules) {
      this.analyzer = new Analyzer(this.language, rules);
      this.analyzerRules = rules;
    }
    return this.analyzer;
  }

  /** Frees the tree's wasm memory. */
  dispose(): void {
    this.tree?.delete();
    this.tree = null;
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
   * Applies incremental changes and re-parses with the old tree. Returns undefined for an unknown document or an
   * out-of-order version (which is ignored).
   */
  change(uri: string, version: number, changes: readonly ContentChange[]): OpenDocument | undefined {
    const doc = this.docs.get(uri);
    if (!doc || version <= doc.version) return undefined;
    const { text, reparse, index } = applyChanges(doc.text, doc.tree, changes, doc.lines);
    const old = doc.tree;
    const parser = sharedParser(doc.language);
    doc.tree = reparse === 'incremental' && old ? parser.parse(text, old) : parser.parse(text);
    // What changed in the syntax, for the analyzer's copy of the tree (only from the version just before this one).
    doc.changeFrom = reparse === 'incremental' && old && doc.tree ? doc.version : undefined;
    doc.changedRanges = doc.changeFrom !== undefined ? old!.getChangedRanges(doc.tree!) : undefined;
    old?.delete();
    doc.text = text;
    doc.lines = index;
    doc.version = version;
    doc.result = undefined;
    return doc;
  }

  close(uri: string): void {
    this.docs.get(uri)?.dispose();
    this.docs.delete(uri);
  }
}
