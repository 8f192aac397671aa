/** Converts between UTF-16 offsets and LSP line/character positions for one version of a text. */

/** A zero-based line and UTF-16 character, as LSP and tree-sitter (with UTF-16 input) count them. */
export interface Position {
  line: number;
  character: number;
}

/** A range between two positions. */
export interface Range {
  start: Position;
  end: Position;
}

/** Line starts of one text, for offset↔position conversion in O(log lines). */
export class LineIndex {
  private readonly starts: number[];

  constructor(
    readonly text: string,
    starts?: number[],
  ) {
    if (starts) {
      this.starts = starts;
      return;
    }
    starts = [0];
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) starts.push(i + 1);
      else if (c === 13) {
        if (text.charCodeAt(i + 1) === 10) i++;
        starts.push(i + 1);
      }
    }
    this.starts = starts;
  }

  /**
   * The index of `text`, which is this index's text with [start, oldEnd) replaced by `inserted`. Only the edited
   * stretch is scanned; the other line starts are copied (and moved), so an edit costs O(lines), not O(characters).
   */
  edited(text: string, start: number, oldEnd: number, inserted: string): LineIndex {
    const old = this.starts;
    const delta = inserted.length - (oldEnd - start);
    const newEnd = start + inserted.length;
    const starts: number[] = [];
    // A line starts at p when the character before it is '\n', or a '\r' not followed by '\n'. Starts before
    // `start` and after `oldEnd` depend only on unchanged characters; those in [start, newEnd] are looked at again.
    let i = 0;
    for (; i < old.length && old[i] < start; i++) starts.push(old[i]);
    if (starts.length === 0) starts.push(0);
    for (let p = Math.max(start, 1); p <= newEnd && p <= text.length; p++) {
      const c = text.charCodeAt(p - 1);
      if (c === 10 || (c === 13 && text.charCodeAt(p) !== 10)) starts.push(p);
    }
    while (i < old.length && old[i] <= oldEnd) i++;
    for (; i < old.length; i++) starts.push(old[i] + delta);
    return new LineIndex(text, starts);
  }

  /** Number of lines (a text without a final newline still has its last line). */
  get lineCount(): number {
    return this.starts.length;
  }

  /** The position of an offset. */
  position(offset: number): Position {
    const o = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: o - this.starts[lo] };
  }

  /** The offset of a position; a character past the end of its line is clamped to the line's end. */
  offset(p: Position): number {
    if (p.line < 0) return 0;
    if (p.line >= this.starts.length) return this.text.length;
    const start = this.starts[p.line];
    const next = p.line + 1 < this.starts.length ? this.starts[p.line + 1] : this.text.length;
    let end = next;
    // The line's content ends before its line break.
    if (end > start && this.text.charCodeAt(end - 1) === 10) end--;
    if (end > start && this.text.charCodeAt(end - 1) === 13) end--;
    return Math.min(start + Math.max(0, p.character), end);
  }

  /** The range of two offsets. */
  range(start: number, end: number): Range {
    return { start: this.position(start), end: this.position(end) };
  }
}
