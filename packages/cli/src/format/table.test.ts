import fc from 'fast-check';
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

test('control characters in cells are escaped, so a name cannot add a row or reach the terminal', () => {
  const text = formatTable([{ header: 'name' }, { header: 'n' }], [['a\nfake  row', '1'], ['evil\u001b[31mred', '2']]);
  expect(text.split('\n')).toEqual(['name               n', '-----------------  -', 'a\\nfake  row       1', 'evil\\u001b[31mred  2']);
});

test('any cells give one line per row, with no control characters', () => {
  fc.assert(
    fc.property(fc.array(fc.array(fc.string({ unit: 'binary' }), { minLength: 2, maxLength: 2 }), { maxLength: 20 }), (rows) => {
      const lines = formatTable([{ header: 'a' }, { header: 'b', align: 'right' }], rows).split('\n');
      expect(lines).toHaveLength(rows.length + 2);
      for (const line of lines) expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
    }),
  );
});

test('a table of 200,000 rows lays out in linear time (no spread of every cell into Math.max)', () => {
  const rows = Array.from({ length: 200_000 }, (_, index) => [`layers.${index}.weight`, String(index)]);
  const started = performance.now();
  const lines = formatTable([{ header: 'name' }, { header: 'n', align: 'right' }], rows).split('\n');
  expect(lines).toHaveLength(200_002);
  expect(lines[2]).toBe(`layers.0.weight${' '.repeat(12)}0`);
  expect(performance.now() - started).toBeLessThan(10_000);
});
