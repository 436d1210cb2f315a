import { describe, expect, it } from 'vitest';
import { copyLines, copyText } from './load-stage.ts';

describe('copyText (COPY text format)', () => {
  it.each([
    [null, '\\N'],
    [undefined, '\\N'],
    ['', ''],
    ['plain', 'plain'],
    [42, '42'],
    [false, 'false'],
    ['a\tb', 'a\\tb'],
    ['line\nnext\r', 'line\\nnext\\r'],
    ['C:\\path', 'C:\\\\path'],
    ['\\N', '\\\\N'],
    [{ a: 'x\ty', b: [1, null] }, '{"a":"x\\\\ty","b":[1,null]}'],
    [{ s: 'back\\slash' }, '{"s":"back\\\\\\\\slash"}'],
  ])('%j → %s', (value, text) => {
    expect(copyText(value)).toBe(text);
  });

  it('joins columns with tabs and ends every row with a newline', () => {
    expect(
      copyLines([
        [1, 'a', null],
        [2, 'b\nc', { k: 1 }],
      ]),
    ).toBe('1\ta\t\\N\n2\tb\\nc\t{"k":1}\n');
    expect(copyLines([])).toBe('');
  });
});
