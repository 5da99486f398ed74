import fc from 'fast-check';
import { expect, test } from 'vitest';
import { parseSafetensorsHeader } from './header.ts';
import { safetensorsRoleAt } from './header-columns.ts';

/** A header of F32 `[n]` tensors in the given text order, laid out in `order` in the data section. */
function headerOf(names: readonly string[], order: readonly number[]): { bytes: Uint8Array; size: number } {
  const offsets = new Array<number>(names.length);
  let at = 0;
  for (const index of order) {
    offsets[index] = at;
    at += 4 * (index + 1);
  }
  const entries = names.map((name, index) => `${JSON.stringify(name)}:{"dtype":"F32","shape":[${index + 1}],"data_offsets":[${offsets[index]},${offsets[index]! + 4 * (index + 1)}]}`);
  return { bytes: new TextEncoder().encode(`{${entries.join(',')}}`), size: at };
}

test('columns give back every name, shape and offset, in file order, whatever the characters', () => {
  const name = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 6 }).filter((text) => text !== '__metadata__' && !/["\\\u0000-\u001f]/.test(text));
  fc.assert(
    fc.property(fc.uniqueArray(name, { minLength: 1, maxLength: 12 }).chain((names) => fc.tuple(fc.constant(names), fc.shuffledSubarray(names.map((_, index) => index), { minLength: names.length }))), ([names, order]) => {
      const { bytes, size } = headerOf(names, order);
      const header = parseSafetensorsHeader(bytes, 'm.safetensors', 8 + bytes.byteLength + size);
      const { columns } = header;
      // The oracle: JSON.parse of the same text, sorted by begin offset.
      const parsed = Object.entries(JSON.parse(new TextDecoder().decode(bytes)) as Record<string, { shape: number[]; data_offsets: [number, number] }>);
      parsed.sort((a, b) => a[1].data_offsets[0] - b[1].data_offsets[0]);
      expect(columns.count).toBe(parsed.length);
      parsed.forEach(([key, entry], index) => {
        expect(columns.name(index)).toBe(key);
        expect(columns.shape(index)).toEqual(entry.shape);
        expect(columns.byteLength(index)).toBe(entry.data_offsets[1] - entry.data_offsets[0]);
        expect(columns.indexOf(key)).toBe(index);
        expect(header.tensors.get(key)?.dataOffsets).toEqual(entry.data_offsets);
      });
      expect(columns.indexOf(`${names[0]}x`)).toBe(names.includes(`${names[0]}x`) ? columns.indexOf(`${names[0]}x`) : -1);
    }),
  );
});

test('roles by index are the roles inferRoles gives, the BatchNorm sibling rule included', () => {
  const text = JSON.stringify({
    'down.1.weight': { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
    'down.1.running_mean': { dtype: 'F32', shape: [1], data_offsets: [4, 8] },
    'fc.weight': { dtype: 'F32', shape: [1, 1], data_offsets: [8, 12] },
    'fc.bias': { dtype: 'F32', shape: [1], data_offsets: [12, 16] },
  });
  const bytes = new TextEncoder().encode(text);
  const header = parseSafetensorsHeader(bytes, 'm.safetensors', 8 + bytes.byteLength + 16);
  expect([0, 1, 2, 3].map((index) => safetensorsRoleAt(header, index))).toEqual(['norm-gamma', 'norm-mean', 'linear-weight', 'bias']);
});
