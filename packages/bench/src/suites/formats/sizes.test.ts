import { expect, test } from 'vitest';
import { FULL_FORMATS_SIZES, QUICK_FORMATS_SIZES, mebibytes, megabytesPerSecond } from './sizes.ts';

const MIB = 1024 * 1024;
const tfjsBytes = (shapes: readonly (readonly number[])[]) =>
  shapes.reduce((total, shape) => total + shape.reduce((size, side) => size * side, 1), 0);

test('the published sizes are the documented ones: 256 MiB of uint8 and at least 1 GB of safetensors', () => {
  expect(tfjsBytes(FULL_FORMATS_SIZES.tfjsWeights)).toBe(256 * MIB);
  expect(FULL_FORMATS_SIZES.shardBytes).toBe(4 * MIB);
  const { safetensorsLayers: layers, safetensorsSide: side } = FULL_FORMATS_SIZES;
  expect(layers * (side * side + side) * 4).toBeGreaterThanOrEqual(1e9);
});

test('quick shrinks them to 32 MiB and 128 MiB', () => {
  expect(tfjsBytes(QUICK_FORMATS_SIZES.tfjsWeights)).toBe(32 * MIB);
  const { safetensorsLayers: layers, safetensorsSide: side } = QUICK_FORMATS_SIZES;
  expect(layers * side * side * 4).toBe(128 * MIB);
});

test('sizes in MiB, rates in decimal MB/s', () => {
  expect(mebibytes(256 * MIB)).toBe('256 MiB');
  expect(mebibytes(1024.25 * MIB)).toBe('1024.3 MiB');
  expect(megabytesPerSecond(2e6, 0.5)).toBe(4);
});
