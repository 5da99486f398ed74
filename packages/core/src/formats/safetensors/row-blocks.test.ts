import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { affineFromCodes } from '../../encoding/affine.ts';
import { denseEncoding } from '../../encoding/dense.ts';
import type { Encoding, Granularity } from '../../encoding/types.ts';
import { bytesSource, memorySink } from '../byte-source.ts';
import { readSafetensorsModel } from './read-params.ts';
import { concatenateRowBlocks } from './row-blocks.ts';
import { spillParams, writeSafetensors } from './write.ts';

/** An affine encoding of rows [start, start + count) of a [rows, columns] tensor whose codes and scales are fixed functions of position. */
function affineRows(start: number, count: number, columns: number, bits: number, granularity: Granularity): Encoding {
  const codes = Array.from({ length: count * columns }, (_, index) => ((start * columns + index) * 7) % 2 ** bits);
  const scaleCount = granularity.kind === 'axis' ? count : count * Math.ceil(columns / (granularity as { size: number }).size);
  const scaleShape = granularity.kind === 'axis' ? [count] : [count, Math.ceil(columns / (granularity as { size: number }).size)];
  const offset = granularity.kind === 'axis' ? start : start * (scaleShape[1] ?? 1);
  return affineFromCodes({
    shape: [count, columns],
    bits,
    signed: false,
    granularity,
    codes,
    scales: { dtype: 'float32', shape: scaleShape, data: Float32Array.from({ length: scaleCount }, (_, index) => 0.5 + offset + index) },
  });
}

function denseRows(start: number, count: number, columns: number): Encoding {
  const data = Float32Array.from({ length: count * columns }, (_, index) => start * columns + index);
  return denseEncoding({ dtype: 'float32', shape: [count, columns], data });
}

/** The file bytes of one param written whole: the oracle the streamed param must match. */
async function wholeFile(name: string, value: Encoding): Promise<Uint8Array> {
  const sink = memorySink();
  const shape = value.kind === 'dense' ? value.tensor.shape : value.shape;
  await writeSafetensors(sink, [{ name, role: 'other', shape: [...shape], value }]);
  return sink.bytes();
}

async function streamedFile(blockRows: number, rows: number, encodeRows: (start: number, count: number) => Encoding) {
  const blockCount = Math.ceil(rows / blockRows);
  let calls = 0;
  const streamed = await concatenateRowBlocks('w', blockCount, async (index) => {
    calls++;
    const start = index * blockRows;
    return encodeRows(start, Math.min(blockRows, rows - start));
  });
  if (streamed === undefined) return undefined;
  const chunks: Uint8Array[] = [];
  const planner = await spillParams([streamed], { write: async (chunk) => void chunks.push(chunk.slice()) });
  const sink = memorySink();
  await sink.write(planner.header());
  for (const chunk of chunks) await sink.write(chunk);
  await sink.close();
  return { bytes: sink.bytes(), calls };
}

describe('concatenateRowBlocks', () => {
  test('writes a cast tensor block by block exactly as it would be written whole', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 40 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 12 }), async (rows, columns, blockRows) => {
        const result = await streamedFile(blockRows, rows, (start, count) => denseRows(start, count, columns));
        expect(result).toBeDefined();
        expect(result!.bytes).toEqual(await wholeFile('w', denseRows(0, rows, columns)));
        const model = await readSafetensorsModel(bytesSource(result!.bytes, 'streamed.safetensors'));
        expect(model.params.get('w')?.shape).toEqual([rows, columns]);
      }),
      { numRuns: 40 },
    );
  });

  test('writes per-row and grouped affine codes block by block exactly as whole', async () => {
    const granularity = fc.oneof(
      fc.constant<Granularity>({ kind: 'axis', axis: 0 }),
      fc.integer({ min: 1, max: 5 }).map((size): Granularity => ({ kind: 'group', axis: 1, size })),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 30 }),
        fc.integer({ min: 1, max: 9 }),
        fc.constantFrom(1, 2, 3, 4, 8),
        fc.constantFrom(4, 8),
        granularity,
        async (rows, columns, blocks, bits, chosen) => {
          // Whole-byte blocks: the caller picks a multiple of 8 rows.
          const blockRows = 8 * blocks;
          const result = await streamedFile(blockRows, rows, (start, count) => affineRows(start, count, columns, bits, chosen));
          expect(result).toBeDefined();
          expect(result!.bytes).toEqual(await wholeFile('w', affineRows(0, rows, columns, bits, chosen)));
          const blockCount = Math.ceil(rows / blockRows);
          // Once to gather, once more per block for the largest component.
          expect(result!.calls).toBe(2 * blockCount);
        },
      ),
      { numRuns: 40 },
    );
  });

  test('declines encodings that do not split by rows', async () => {
    const perColumn = (start: number, count: number) =>
      affineFromCodes({
        shape: [count, 2],
        bits: 8,
        signed: false,
        granularity: { kind: 'axis', axis: 1 },
        codes: new Array(count * 2).fill(start % 7),
        scales: { dtype: 'float32', shape: [2], data: new Float32Array([1, 2]) },
      });
    expect(await streamedFile(2, 6, perColumn)).toBeUndefined();
    const perTensor = (start: number, count: number) =>
      affineFromCodes({
        shape: [count, 2],
        bits: 8,
        signed: false,
        granularity: { kind: 'tensor' },
        codes: new Array(count * 2).fill(start % 7),
        scales: { dtype: 'float32', shape: [], data: new Float32Array([1]) },
      });
    expect(await streamedFile(2, 6, perTensor)).toBeUndefined();
    // 4-bit codes of an odd number of elements per block would not end on a byte.
    expect(await streamedFile(1, 6, (start, count) => affineRows(start, count, 3, 4, { kind: 'axis', axis: 0 }))).toBeUndefined();
  });

  test('refuses blocks that are not encoded alike', async () => {
    const streamed = concatenateRowBlocks('w', 3, async (index) =>
      index === 1 ? affineRows(2, 2, 3, 8, { kind: 'axis', axis: 0 }) : denseRows(2 * index, 2, 3),
    );
    await expect(streamed).rejects.toThrow(/row block 1 of param "w" is not encoded like the blocks before it/);
  });
});
