import { expect, test } from 'vitest';
import { formatTable } from './table.ts';

test('pads columns to their widest cell, numbers right-aligned', () => {
  const text = formatTable(
    [{ header: 'variant' }, { header: 'bytes', align: 'right' }],
    [
      ['float32', '941 kB'],
      ['bf16', '470 kB'],
    ],
  );
  expect(text).toBe(['variant   bytes', '-------  ------', 'float32  941 kB', 'bf16     470 kB'].join('\n'));
});

test('counts code points, so ∞ and × take one column', () => {
  const text = formatTable([{ header: 'x', align: 'right' }], [['∞'], ['2.00×']]);
  expect(text.split('\n')).toEqual(['    x', '-----', '    ∞', '2.00×']);
});

test('a missing cell is empty', () => {
  expect(formatTable([{ header: 'a' }, { header: 'b' }], [['1']]).split('\n')[2]).toBe('1');
});
