import fc from 'fast-check';
import { expect, test } from 'vitest';
import { cellWidth, formatTable, layoutTableChunks } from './table.ts';

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

test('a table laid out from given widths is the measured table when they are its widest cells, rows repeated or not', () => {
  const cell = fc.oneof(fc.constantFrom('', 'a', 'bb', '∞', '12 kB'), fc.string({ unit: 'binary', maxLength: 6 }));
  fc.assert(
    fc.property(fc.array(fc.array(cell, { minLength: 3, maxLength: 3 }), { maxLength: 15 }), fc.nat({ max: 3 }), (distinct, copies) => {
      const rows = distinct.flatMap((row) => Array.from({ length: copies + 1 }, (_, copy) => (copy % 2 === 0 ? row : [`${row[0]}x`, row[1]!, row[2]!])));
      const columns = [{ header: 'a' }, { header: 'b', align: 'right' as const }, { header: 'c' }];
      const widths = columns.map((_, index) => Math.max(0, ...rows.map((row) => cellWidth(row[index]!))));
      // One array refilled for every row, as a listing hands them over.
      const shared: string[] = [];
      const refilled = rows.map((row) => () => (shared.splice(0, shared.length, ...row), shared));
      const laidOut = [...layoutTableChunks(columns, widths, (function* () { for (const fill of refilled) yield fill(); })())].join('');
      expect(laidOut).toBe(formatTable(columns, rows));
    }),
  );
});

test('a cell is as wide as its escaped text, in code points', () => {
  expect(cellWidth('2.00×')).toBe(5);
  expect(cellWidth('a\nb')).toBe(4);
  expect(cellWidth('\u001b')).toBe(6);
  expect(cellWidth('🙂')).toBe(1);
});
