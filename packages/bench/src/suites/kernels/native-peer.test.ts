import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { float32ToFloat16Bits } from '@whittle/core';
import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import { buildNativePeer, measureNativePeer, type BlockFormat } from './native-peer.ts';

// The native peer must compute the published block definitions, or the bench compares whittle
// against something else: its blocks are checked against a plain float32 reading of them.
const peer = buildNativePeer();
if (peer.binary === undefined) console.warn(`skipping the native peer's tests: ${peer.reason}`);
const folder = mkdtempSync(join(tmpdir(), 'whittle-native-peer-test-'));
afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
  if (peer.binary !== undefined) rmSync(dirname(peer.binary), { recursive: true, force: true });
});

const f32 = Math.fround;

/**
 * q4_0 by its definition, every step rounded to float32 as the reference's float arithmetic is;
 * `fused`: the multiply and the add rounded once (the product of two float32 is exact in float64),
 * as a compiler that contracts them computes it.
 */
function q4Block(x: Float32Array, fused = false): number[] {
  let largest = 0;
  let extreme = 0;
  for (const value of x) {
    if (largest < Math.abs(value)) {
      largest = Math.abs(value);
      extreme = value;
    }
  }
  const d = f32(extreme / -8);
  const inverse = d !== 0 ? f32(1 / d) : 0;
  const code = (value: number) => Math.min(15, Math.trunc(fused ? f32(value * inverse + 8.5) : f32(f32(value * inverse) + 8.5)));
  const half = float32ToFloat16Bits(d);
  const bytes = [half & 0xff, half >> 8];
  for (let j = 0; j < 16; j++) bytes.push(code(x[j]!) | (code(x[j + 16]!) << 4));
  return bytes;
}

/** q8_0 by its definition (round half away from zero, as C's roundf). */
function q8Block(x: Float32Array): number[] {
  let largest = 0;
  for (const value of x) largest = Math.max(largest, Math.abs(value));
  const d = f32(largest / 127);
  const inverse = d !== 0 ? f32(1 / d) : 0;
  const half = float32ToFloat16Bits(d);
  const bytes = [half & 0xff, half >> 8];
  for (const value of x) {
    const product = f32(value * inverse);
    bytes.push((Math.sign(product) * Math.floor(Math.abs(product) + 0.5)) & 0xff);
  }
  return bytes;
}

/** Whether the block's scale d has a finite float32 inverse (or is 0). */
function inverseIsFinite(format: BlockFormat, x: Float32Array): boolean {
  const largest = x.reduce((most, value) => Math.max(most, Math.abs(value)), 0);
  const d = f32(largest / (format === 'q4_0' ? 8 : 127));
  return d === 0 || Number.isFinite(f32(1 / d));
}

const REFERENCE: Record<BlockFormat, (block: Float32Array) => number[]> = { q4_0: q4Block, q8_0: q8Block };

/** Weights that reach the definitions' edges: zeros, ties of magnitude, float16 subnormal and overflowing scales. */
const weights = fc
  .integer({ min: 1, max: 6 })
  .chain((blocks) =>
    fc.float32Array({ minLength: 32 * blocks, maxLength: 32 * blocks, noNaN: true, noDefaultInfinity: true }).chain((values) =>
      fc.constantFrom(1, 1e-3, 1e-7, 1e-30, 1e4, 1e30).map((magnitude) => {
        const scaled = values.map((value) => (Number.isFinite(value) ? f32((value % 1) * magnitude) : 0));
        // Every fourth block holds a magnitude tie: the first of the two is the extreme.
        for (let block = 0; block < blocks; block += 4) scaled[block * 32 + 31] = -scaled[block * 32]!;
        return scaled;
      }),
    ),
  );

describe.skipIf(peer.binary === undefined)('the native q4_0 / q8_0 peer', () => {
  for (const format of ['q4_0', 'q8_0'] as const) {
    test(`writes ${format} blocks as their definition does`, () => {
      let run = 0;
      fc.assert(
        fc.property(weights, (values) => {
          // A block whose scale is so small that its float32 inverse overflows codes infinities and
          // NaNs, which C converts to integers as it likes (undefined behaviour): no definition to check.
          for (let start = 0; start < values.length; start += 32) fc.pre(inverseIsFinite(format, values.subarray(start, start + 32)));
          const input = join(folder, `${format}-${run}.f32`);
          const output = join(folder, `${format}-${run++}.blocks`);
          writeFileSync(input, new Uint8Array(values.buffer));
          const seconds = measureNativePeer(peer.binary!, format, input, 0, 2, output);
          expect(seconds).toHaveLength(2);
          const written = Array.from(readFileSync(output));
          const blockBytes = format === 'q4_0' ? 18 : 34;
          expect(written).toHaveLength((values.length / 32) * blockBytes);
          for (let block = 0; block < values.length / 32; block++) {
            const weights = values.subarray(block * 32, block * 32 + 32);
            const bytes = written.slice(block * blockBytes, (block + 1) * blockBytes);
            const separate = REFERENCE[format](weights);
            // A compiler that fuses q4_0's multiply-add may give the singly rounded code instead.
            if (format === 'q4_0' && bytes.join() !== separate.join()) expect(bytes).toEqual(q4Block(weights, true));
            else expect(bytes).toEqual(separate);
          }
        }),
        { numRuns: 40 },
      );
    });
  }

  test('refuses a file that is not whole blocks, with its reason', () => {
    const input = join(folder, 'ragged.f32');
    writeFileSync(input, new Uint8Array(4 * 33));
    expect(() => measureNativePeer(peer.binary!, 'q4_0', input, 0, 1)).toThrow(/native q4_0 peer failed: .*not a whole number of 32-weight blocks/);
  });
});

test('without a C compiler there is no native peer, and the reason says which compiler failed', () => {
  const saved = process.env.CC;
  process.env.CC = 'no-such-c-compiler';
  try {
    const missing = buildNativePeer();
    expect(missing.binary).toBeUndefined();
    expect((missing as { reason: string }).reason).toMatch(/^no native q4_0 \/ q8_0 peer: no-such-c-compiler could not build .*block-quantize\.c \(.*ENOENT/);
  } finally {
    if (saved === undefined) delete process.env.CC;
    else process.env.CC = saved;
  }
});
