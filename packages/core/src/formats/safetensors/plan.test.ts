import fc from 'fast-check';
import { expect, test } from 'vitest';
import type { WhittleError } from '../../errors.ts';
import { readSafetensorsHeader } from './header.ts';
import { jsonStringUtf8Length, planSafetensors, SafetensorsHeaderPlanner, tensorEntryJson, tensorEntryJsonLength } from './plan.ts';

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

test('the streaming planner renders the header planSafetensors renders, across blocks and in pieces', () => {
  // Enough entries to fill more than one block, with names of one- to four-byte characters.
  const layouts = Array.from({ length: 90_000 }, (_, index) => ({
    name: `${['layer', 'ядро', '核', '🙂'][index % 4]}.${index}${index % 7 === 0 ? '"\n' : ''}`,
    encoding: {
      kind: 'dense' as const,
      shape: [index % 5, 2],
      tensor: { buffer: 'tensor', dtype: index % 3 === 0 ? ('float16' as const) : ('float32' as const), shape: [index % 5, 2] },
    },
  }));
  const metadata = { format: 'pt', 'ключ': 'значение' };
  const planner = new SafetensorsHeaderPlanner({ metadata });
  layouts.forEach((layout, index) => planner.add(layout, index));
  const expected = planSafetensors(layouts, { metadata }).header;
  const { byteLength, parts: pieces } = planner.headerParts();
  const parts = [...pieces];
  expect(byteLength).toBe(expected.byteLength);
  expect(parts.length).toBeGreaterThan(4);
  expect(Buffer.compare(Buffer.concat(parts), expected)).toBe(0);
  expect(parts[0]!.byteLength).toBe(8);
  // Dense params laid out without their layouts' metadata give the same header.
  const dense = new SafetensorsHeaderPlanner({ metadata });
  layouts.forEach((layout, index) => dense.addDense(layout.name, layout.encoding.tensor.dtype, layout.encoding.shape, index));
  expect(Buffer.compare(dense.header(), expected)).toBe(0);
  expect(dense.dataSize).toBe(planner.dataSize);
  const empty = new SafetensorsHeaderPlanner({ metadata });
  expect(Buffer.compare(empty.header(), planSafetensors([], { metadata }).header)).toBe(0);
  expect(Buffer.compare(new SafetensorsHeaderPlanner().header(), planSafetensors([]).header)).toBe(0);
});

test('names known to be distinct are not indexed while params keep them, and clashes are found all the same', () => {
  // The reference: a planner that indexes every name. With known names, a param that keeps its
  // name is not indexed until one does otherwise; the header and every clash must be the same.
  const known = ['a', 'b', 'c', 'd', 'e', 'f'];
  const step = fc.record({
    name: fc.constantFrom(...known, 'x', 'y'),
    dense: fc.boolean(),
  });
  const plan = (steps: { name: string; dense: boolean }[], knownNames?: (index: number) => string | undefined): string => {
    const planner = new SafetensorsHeaderPlanner(knownNames === undefined ? {} : { knownNames });
    try {
      steps.forEach(({ name, dense }, index) => {
        if (dense) planner.addDense(name, 'float32', [1], index);
        else planner.add({ name, encoding: { kind: 'dense', shape: [1], tensor: { buffer: 'tensor', dtype: 'float32', shape: [1] } } }, index);
      });
      return Buffer.from(planner.header()).toString('latin1');
    } catch (error) {
      return `${(error as WhittleError).field}: ${(error as WhittleError).detail}`;
    }
  };
  fc.assert(
    fc.property(fc.array(step, { maxLength: 10 }), fc.nat({ max: 8 }), (steps, keep) => {
      // Most runs keep the known names for a while before anything else happens.
      const run = [...known.slice(0, Math.min(keep, known.length)).map((name) => ({ name, dense: true })), ...steps];
      expect(plan(run, (index) => known[index])).toBe(plan(run));
    }),
    { numRuns: 500 },
  );
});

test('entries of params that keep their known names are written out with the header, as the planner writes any', () => {
  // Enough entries for several blocks of the text made at the end, with shapes and dtypes that
  // change and repeat; then params that leave the run: one renamed, one encoded, one kept again.
  const layouts = Array.from({ length: 60_000 }, (_, index) => ({
    name: `layer.${index}`,
    encoding: {
      kind: 'dense' as const,
      shape: index % 1000 < 500 ? [1, 1] : [index % 5, 2, 10 ** (index % 9)],
      tensor: { buffer: 'tensor', dtype: index % 3 === 0 ? ('float16' as const) : ('float32' as const), shape: [] as number[] },
    },
  }));
  for (const layout of layouts) layout.encoding.tensor.shape = layout.encoding.shape;
  const metadata = { format: 'pt' };
  const known = (index: number): string | undefined => layouts[index]?.name;
  const expected = planSafetensors(layouts, { metadata }).header;
  const planner = new SafetensorsHeaderPlanner({ metadata, knownNames: known });
  layouts.forEach((layout, index) => planner.addDense(layout.name, layout.encoding.tensor.dtype, layout.encoding.shape, index));
  expect(planner.dataSize).toBe(planSafetensors(layouts).dataSize);
  const { byteLength, parts } = planner.headerParts();
  expect(byteLength).toBe(expected.byteLength);
  expect(Buffer.compare(Buffer.concat([...parts]), expected)).toBe(0);
  // The parts can be read again, and the whole header is the same.
  expect(Buffer.compare(Buffer.concat([...parts]), expected)).toBe(0);
  expect(Buffer.compare(planner.header(), expected)).toBe(0);

  const mixed = layouts.slice(0, 5000).map((layout, index) => (index === 3000 ? { ...layout, name: 'renamed' } : layout));
  const mixedPlanner = new SafetensorsHeaderPlanner({ metadata, knownNames: known });
  mixed.forEach((layout, index) => {
    if (index === 4000) mixedPlanner.add(layout, index);
    else mixedPlanner.addDense(layout.name, layout.encoding.tensor.dtype, layout.encoding.shape, index);
  });
  expect(Buffer.compare(mixedPlanner.header(), planSafetensors(mixed, { metadata }).header)).toBe(0);
  // A param that takes a name kept earlier is refused, as when every name is indexed.
  expect(() => mixedPlanner.addDense('layer.7', 'float32', [1], 5000)).toThrow(/used twice/);
});
