/** The line index: positions and offsets, and an index brought up to date by an edit instead of built anew. */
import assert from 'node:assert/strict';
import { LineIndex } from '../../server/src/lineIndex';

/** Every line start of an index, through its public API. */
function startsOf(index: LineIndex): number[] {
  return Array.from({ length: index.lineCount }, (_, line) => index.offset({ line, character: 0 }));
}

describe('LineIndex', () => {
  it('splits lines at \\n, \\r\\n and a lone \\r', () => {
    const index = new LineIndex('a\nb\r\nc\rd\r');
    assert.deepEqual(startsOf(index), [0, 2, 5, 7, 9]);
    assert.deepEqual(index.position(6), { line: 2, character: 1 });
    assert.equal(index.offset({ line: 1, character: 99 }), 3); // clamped before the line break
  });

  it('edited() gives the line starts of the edited text, for random edits around line breaks', () => {
    // Texts and insertions made of line breaks and letters, so that edits split and join '\r\n' pairs.
    let seed = 7;
    const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const pick = (n: number) => Array.from({ length: n }, () => ['a', '\r', '\n', '\r\n'][Math.floor(random() * 4)]).join('');
    for (let round = 0; round < 200; round++) {
      let text = pick(Math.floor(random() * 12));
      let index = new LineIndex(text);
      for (let step = 0; step < 20; step++) {
        const start = Math.floor(random() * (text.length + 1));
        const end = Math.min(text.length, start + Math.floor(random() * 4));
        const inserted = pick(Math.floor(random() * 4));
        const next = text.slice(0, start) + inserted + text.slice(end);
        index = index.edited(next, start, end, inserted);
        assert.equal(index.text, next);
        assert.deepEqual(startsOf(index), startsOf(new LineIndex(next)), `${JSON.stringify(text)} with [${start}, ${end}) replaced by ${JSON.stringify(inserted)}`);
        text = next;
      }
    }
  });
});
