import '@whittle/quantize/register';
import {
  compress,
  createModel,
  encodingParamCount,
  hostTensor,
  memorySink,
  type HostTensor,
  type Param,
  type RecipeStep,
} from '@whittle/core';
import { planSafetensors, writeSafetensors, type StreamedParam } from '@whittle/core/safetensors';
import { encodeRowBlocks, type TensorRows } from '@whittle/core/fs';
import { describe, expect, test } from 'vitest';

/** A recipe run on one param through core's whole-model `compress`. */
async function compressParam(param: Param, steps: readonly RecipeStep[]): Promise<{ param: Param }> {
  const result = await compress(createModel({ format: 'safetensors', topology: null, params: [param] }), steps, { requireSelection: false });
  return { param: result.model.params.get(param.name)! };
}

/** `encodeRowBlocks` with each block run through {@link compressParam}, its element count as figures. */
function compressRows(tensor: TensorRows, steps: readonly RecipeStep[], onBlocks: (figures: readonly number[]) => void, sizes?: { threshold: number; blockBytes: number }) {
  return encodeRowBlocks(
    tensor,
    async (block) => {
      const { param } = await compressParam(block, steps);
      return { encoding: param.value, figures: encodingParamCount(param.value) };
    },
    onBlocks,
    sizes,
  );
}

const ROWS = 90;
const COLUMNS = 64;

function weights(): HostTensor<'float32'> {
  let state = 7;
  const data = Float32Array.from({ length: ROWS * COLUMNS }, () => {
    state = (state * 1103515245 + 12345) >>> 0;
    return (state / 2 ** 32 - 0.5) * (1 + (state % 5));
  });
  return hostTensor('float32', [ROWS, COLUMNS], data);
}

function rowsOf(name: string, tensor: HostTensor<'float32'>, reads: number[][]): TensorRows {
  return {
    name,
    role: 'linear-weight',
    dtype: 'float32',
    shape: tensor.shape,
    byteLength: tensor.data.byteLength,
    async readRows(start, count) {
      reads.push([start, count]);
      return hostTensor('float32', [count, COLUMNS], tensor.data.slice(start * COLUMNS, (start + count) * COLUMNS));
    },
  };
}

/** The file one param makes: the oracle is the recipe run on the whole tensor, written whole. */
async function fileOf(param: Param | StreamedParam): Promise<Uint8Array> {
  const sink = memorySink();
  await writeSafetensors(sink, [param as Param]);
  return sink.bytes();
}

/** The bytes of one streamed param, laid out as the file writer lays them out. */
async function streamedFile(streamed: StreamedParam): Promise<Uint8Array> {
  const plan = planSafetensors([{ name: streamed.name, encoding: streamed.encoding }]);
  const bytes = new Uint8Array(plan.byteLength);
  bytes.set(plan.header, 0);
  let offset = plan.header.byteLength;
  for await (const chunk of streamed.chunks()) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

const SIZES = { threshold: 1024, blockBytes: 2048 };

describe('encodeRowBlocks', () => {
  test.each<[string, RecipeStep[]]>([
    ['a cast', [{ kind: 'cast', dtype: 'float16' }]],
    ['int8 per output channel', [{ kind: 'quantize.affine', bits: 8, granularity: { kind: 'axis' } }]],
    ['int4 in groups of 32', [{ kind: 'quantize.affine', bits: 4, granularity: { kind: 'group', size: 32 } }]],
    ['asymmetric int4 in groups of 16', [{ kind: 'quantize.affine', bits: 4, symmetric: false, granularity: { kind: 'group', size: 16 } }]],
  ])('%s in blocks of rows writes what the whole tensor would', async (_, steps) => {
    const tensor = weights();
    const reads: number[][] = [];
    const figures: number[] = [];
    const streamed = await compressRows(rowsOf('fc.weight', tensor, reads), steps, (results) => figures.push(...results), SIZES);
    expect(streamed).toBeDefined();
    // Blocks of 8 rows (2 KiB), the last keeping the remainder: no read holds the tensor.
    expect(Math.max(...reads.map(([, count]) => count!))).toBeLessThan(ROWS);
    const whole = await compressParam({ name: 'fc.weight', role: 'linear-weight', shape: [ROWS, COLUMNS], value: { kind: 'dense', tensor } }, steps);
    expect(await streamedFile(streamed!)).toEqual(await fileOf(whole.param));
    expect(figures.reduce((total, figure) => total + figure, 0)).toBe(ROWS * COLUMNS);
  });

  test('a recipe whose result does not split by rows compresses the tensor whole', async () => {
    const steps: RecipeStep[] = [{ kind: 'quantize.affine', bits: 8, granularity: { kind: 'tensor' } }];
    expect(await compressRows(rowsOf('fc.weight', weights(), []), steps, () => {}, SIZES)).toBeUndefined();
    const kmeans: RecipeStep[] = [{ kind: 'quantize.kmeans', bits: 4 }];
    expect(await compressRows(rowsOf('fc.weight', weights(), []), kmeans, () => {}, SIZES)).toBeUndefined();
  });

  test('a tensor under the threshold is left to the whole-tensor path', async () => {
    const steps: RecipeStep[] = [{ kind: 'cast', dtype: 'float16' }];
    expect(await compressRows(rowsOf('fc.weight', weights(), []), steps, () => {})).toBeUndefined();
  });

  test('an error in a later block names the element of the whole tensor', async () => {
    const tensor = weights();
    tensor.data[50 * COLUMNS + 3] = Number.NaN;
    const steps: RecipeStep[] = [{ kind: 'quantize.affine', bits: 8, granularity: { kind: 'axis' } }];
    await expect(compressRows(rowsOf('fc.weight', tensor, []), steps, () => {}, SIZES)).rejects.toThrow(
      `element ${50 * COLUMNS + 3} is NaN`,
    );
  });
});
