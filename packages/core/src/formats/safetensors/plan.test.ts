import fc from 'fast-check';
import { expect, test } from 'vitest';
import { readSafetensorsHeader } from './header.ts';
import { jsonStringUtf8Length, tensorEntryJson, tensorEntryJsonLength } from './plan.ts';

test('a string counts as the UTF-8 bytes of its JSON text, whatever its characters', () => {
  const special = fc.constantFrom('"', '\\', '\n', '\b', '\f', '\r', '\t', '\u0000', '\u001f', '\u007f', '\u0080', 'é', '\u07ff', '\u0800', '€', '\uffff', '🙂', '\ud800', '\udfff');
  fc.assert(
    fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.array(special).map((parts) => parts.join(''))), (text) => {
      expect(jsonStringUtf8Length(text)).toBe(Buffer.byteLength(JSON.stringify(text)));
    }),
  );
});

test("an entry's length is that of its text, counted from the header's columns", async () => {
  const entry = fc.record({
    dtype: fc.constantFrom('F32', 'F16', 'BF16', 'I8', 'U8', 'F64', 'BOOL', 'F8_E4M3'),
    // Two dimensions at most beside the zero: their product stays under the extent limit.
    shape: fc.array(fc.integer({ min: 0, max: 65_000 }), { maxLength: 2 }),
    gap: fc.nat({ max: 2 ** 44 }),
  });
  await fc.assert(
    fc.asyncProperty(fc.array(entry, { minLength: 1, maxLength: 6 }), async (entries) => {
      // Empty tensors (a zero dimension, or none but tiny ones) after gaps of unused bytes, so
      // dimensions and offsets of many digits are counted without a large file.
      let offset = 0;
      const parts = entries.map(({ dtype, shape, gap }, index) => {
        const dims = shape.length > 0 && shape.some((dimension) => dimension > 1) ? [0, ...shape] : shape.map(() => 1);
        const size = dims.includes(0) ? 0 : (dtype === 'F64' ? 8 : dtype === 'F32' ? 4 : dtype === 'F16' || dtype === 'BF16' ? 2 : 1);
        const begin = offset + gap;
        offset = begin + size;
        return `"t${index}":${JSON.stringify({ dtype, shape: dims, data_offsets: [begin, begin + size] })}`;
      });
      const json = new TextEncoder().encode(`{${parts.join(',')}}`);
      const bytes = new Uint8Array(8 + json.byteLength);
      new DataView(bytes.buffer).setBigUint64(0, BigInt(json.byteLength), true);
      bytes.set(json, 8);
      // A source as large as the offsets say, holding only the header.
      const source = { name: 'm.safetensors', size: bytes.byteLength + offset, read: async (at: number, length: number) => bytes.slice(at, at + length) };
      const header = await readSafetensorsHeader(source);
      const { tensors } = header.columns;
      expect(tensors.count).toBe(entries.length);
      for (let index = 0; index < tensors.count; index++) {
        expect(tensorEntryJsonLength(tensors, index)).toBe(tensorEntryJson(tensors.info(index)).length);
      }
    }),
    { numRuns: 40 },
  );
});
