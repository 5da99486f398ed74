import '@whittle/quantize/register';
import { compress, createModel, defaultRegistry, hostTensor, isWhittleError, type Param, type RecipeStep } from '@whittle/core';
import { compressSafetensorsFile, readSafetensorsFile, writeSafetensorsFile } from '@whittle/core/fs';
import fc from 'fast-check';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

// The property: for every per-param kind the default registry knows once @whittle/quantize is
// registered, streaming a checkpoint through `compressSafetensorsFile` writes the file that the
// whole-model path writes (read it whole, `compress`, `writeSafetensorsFile`), byte for byte
// except the streamed header's padding, or both fail with the same error.

let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'whittle-streaming-'));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** Tiny thresholds, so small tensors go through in blocks of rows. */
const ROW_BLOCKS = { threshold: 512, blockBytes: 256 };

const PER_PARAM_KINDS = defaultRegistry.kinds().filter((kind) => defaultRegistry.get(kind)?.perParam === true);

/**
 * Values tried for the fields of any step; each handler's own `validate` decides which
 * combinations are valid steps of its kind, so no kind's fields are written down here.
 */
const FIELD_VALUES: Record<string, readonly unknown[]> = {
  bits: [1, 2, 3, 4, 8, 16],
  symmetric: [true, false],
  narrowRange: [true, false],
  granularity: [{ kind: 'tensor' }, { kind: 'axis' }, { kind: 'group', size: 8 }, { kind: 'group', size: 4, axis: 1 }],
  scaleDType: ['float32', 'float16'],
  dtype: ['float16', 'bfloat16', 'float32'],
  iterations: [1, 3],
  seed: [1, 7],
  roles: [['linear-weight'], ['linear-weight', 'bias', 'embedding'], ['bias']],
  exclude: [['*.bias'], ['embed.*']],
};

/** Valid steps of `kind`: its example with fields drawn from {@link FIELD_VALUES}, kept when the handler accepts them. */
function stepsOf(kind: string): fc.Arbitrary<RecipeStep> {
  const handler = defaultRegistry.get(kind)!;
  const fields = fc
    .subarray(Object.keys(FIELD_VALUES), { maxLength: 3 })
    .chain((names) => fc.tuple(...names.map((name) => fc.constantFrom(...FIELD_VALUES[name]!).map((value) => [name, value] as const))));
  return fields
    .map((drawn) => {
      const step: Record<string, unknown> = { ...(handler.example ?? {}), kind };
      for (const [field, value] of drawn) step[field] = value;
      try {
        return handler.validate(step as RecipeStep, { step: 1 });
      } catch {
        return undefined;
      }
    })
    .filter((step): step is RecipeStep => step !== undefined);
}

const NAMES = ['layers.0.fc.weight', 'layers.0.fc.bias', 'embed.weight', 'layers.1.norm.weight', 'head.weight', 'conv.kernel'];

/** A random checkpoint: float params of shapes their names suit, one large enough to go in blocks of rows. */
const checkpoints = fc
  .record({
    rows: fc.integer({ min: 2, max: 40 }),
    columns: fc.constantFrom(4, 8, 16),
    dtype: fc.constantFrom('float32' as const, 'float16' as const),
    count: fc.integer({ min: 1, max: NAMES.length }),
    seed: fc.integer({ min: 1, max: 2 ** 30 }),
    metadata: fc.option(fc.constant({ format: 'pt' }), { nil: undefined }),
  })
  .map(({ rows, columns, dtype, count, seed, metadata }) => {
    let state = seed;
    const random = (): number => {
      state = (state * 1103515245 + 12345) >>> 0;
      return (state / 2 ** 32 - 0.5) * (1 + (state % 7));
    };
    const params = NAMES.slice(0, count).map((name): Param => {
      const shape = name.endsWith('bias') || name.includes('norm') ? [columns] : name.endsWith('kernel') ? [2, 2, columns / 4 + 1, 3] : [rows, columns];
      const size = shape.reduce((product, dimension) => product * dimension, 1);
      const tensor = hostTensor('float32', shape, Float32Array.from({ length: size }, random));
      const value = dtype === 'float32' ? { kind: 'dense' as const, tensor } : { kind: 'dense' as const, tensor: hostTensor('float16', shape, Uint16Array.from(tensor.data, (x) => toHalf(x))) };
      return { name, role: 'other', shape, value };
    });
    // A large tensor, always there, so every run has one that may be blocked.
    const large = [rows * 2 + 8, columns];
    const data = Float32Array.from({ length: large[0]! * large[1]! }, random);
    params.push({ name: 'lm_head.weight', role: 'other', shape: large, value: { kind: 'dense', tensor: hostTensor('float32', large, data) } });
    return { params, metadata };
  });

/** A float's nearest float16 bits (finite, small values only). */
function toHalf(value: number): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, value);
  const bits = view.getUint32(0);
  const sign = (bits >>> 16) & 0x8000;
  const exponent = ((bits >>> 23) & 0xff) - 127 + 15;
  if (exponent <= 0) return sign;
  return sign | (exponent << 10) | ((bits >>> 13) & 0x3ff);
}

/** The file with its header's trailing padding cut to what the whole-model writer leaves (8-byte alignment). */
function withoutExtraPadding(bytes: Uint8Array): Uint8Array {
  const size = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  let end = 8 + size;
  while (end > 8 && bytes[end - 1] === 0x20) end--;
  const json = bytes.subarray(8, end);
  const padded = json.byteLength + ((8 - ((8 + json.byteLength) % 8)) % 8);
  const out = new Uint8Array(8 + padded + bytes.byteLength - 8 - size).fill(0x20, 8, 8 + padded);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  out.set(bytes.subarray(8 + size), 8 + padded);
  return out;
}

async function outcome(work: () => Promise<string>): Promise<{ bytes?: Uint8Array; error?: string }> {
  try {
    return { bytes: new Uint8Array(await readFile(await work())) };
  } catch (error) {
    if (!isWhittleError(error)) throw error;
    return { error: `${error.code}: ${error.detail}` };
  }
}

let run = 0;
/** Tensors that went through in blocks of rows, over every kind's runs. */
let rowBlocked = 0;

describe('streaming gives the whole-model output', () => {
  test('the default registry has per-param kinds from core and quantize', () => {
    expect(PER_PARAM_KINDS).toContain('cast');
    expect(PER_PARAM_KINDS.some((kind) => kind.startsWith('quantize.'))).toBe(true);
  });

  test.each(PER_PARAM_KINDS)('%s', async (kind) => {
    let compared = 0;
    await fc.assert(
      fc.asyncProperty(checkpoints, fc.array(stepsOf(kind), { minLength: 1, maxLength: 2 }), async ({ params, metadata }, steps) => {
        const at = join(directory, `${run++}`);
        const input = `${at}-in.safetensors`;
        await writeSafetensorsFile(input, createModel({ format: 'safetensors', topology: null, params }), metadata === undefined ? {} : { metadata });
        const whole = await outcome(async () => {
          const model = await readSafetensorsFile(input);
          const result = await compress(model, steps);
          await writeSafetensorsFile(`${at}-whole.safetensors`, result.model, metadata === undefined ? {} : { metadata });
          return `${at}-whole.safetensors`;
        });
        const streamed = await outcome(async () => {
          const result = await compressSafetensorsFile(input, `${at}-streamed.safetensors`, steps, { rowBlocks: ROW_BLOCKS });
          expect(result.streamed).toBe(true);
          rowBlocked += result.rowBlocked;
          return `${at}-streamed.safetensors`;
        });
        if (whole.error !== undefined || streamed.error !== undefined) {
          expect(streamed.error).toBe(whole.error);
          return;
        }
        const normalised = withoutExtraPadding(streamed.bytes!);
        expect(Buffer.from(normalised).equals(Buffer.from(whole.bytes!))).toBe(true);
        compared++;
      }),
      { numRuns: 12 },
    );
    // Most runs write a file: a property that only ever compared two errors would prove little.
    expect(compared).toBeGreaterThan(3);
  });

  test('some runs went through in blocks of rows', () => {
    expect(rowBlocked).toBeGreaterThan(0);
  });
});
