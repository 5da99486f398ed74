import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WhittleError } from '@whittle/core';
import { affineLayout } from '../primitives/affine-layout.ts';
import { gpuWindows } from './gpu-windows.ts';
import { quantizeCases, slotOfElement } from './webgpu-test-cases.ts';

const limits = {
  maxStorageBufferBindingSize: 128 * 2 ** 20,
  maxBufferSize: 256 * 2 ** 20,
  maxComputeWorkgroupsPerDimension: 65535,
  minStorageBufferOffsetAlignment: 256,
};

describe('gpuWindows', () => {
  it('tile the tensor with aligned windows whose slot ranges hold every slot their elements use', () => {
    fc.assert(
      fc.property(quantizeCases(9000), fc.constantFrom(2048, 4096, undefined), ({ shape, options }, windowElements) => {
        const size = shape.reduce((product, dimension) => product * dimension, 1);
        const grouped = options.granularity.kind === 'group';
        const windows = gpuWindows(affineLayout(shape, options.granularity), size, grouped, limits, windowElements);
        let next = 0;
        for (const { base, count, slotLow, slotHigh } of windows) {
          expect(base).toBe(next);
          expect(base % 2048).toBe(0);
          expect((slotLow * 16) % 256).toBe(0);
          for (let index = base; index < base + count; index++) {
            const slot = slotOfElement(shape, options.granularity, index);
            expect(slot >= slotLow && slot < slotHigh).toBe(true);
          }
          next = base + count;
        }
        expect(next).toBe(size);
      }),
      { numRuns: 30 },
    );
  });

  it('narrow windows of strided groups until their slots fit a binding, and refuse what never fits', () => {
    const small = { ...limits, maxStorageBufferBindingSize: 64 * 1024 };
    // 3 groups of rows, each holding 4096 slots (64 KiB of 16-byte entries) per group row.
    const shape = [96, 4096];
    const layout = affineLayout(shape, { kind: 'group', axis: 0, size: 32 });
    const windows = gpuWindows(layout, 96 * 4096, true, small);
    for (const window of windows) expect((window.slotHigh - window.slotLow) * 16).toBeLessThanOrEqual(64 * 1024);
    const wide = affineLayout([2, 8192], { kind: 'group', axis: 0, size: 2 });
    expect(() => gpuWindows(wide, 2 * 8192, true, small)).toThrow(WhittleError);
    expect(() => gpuWindows(affineLayout([8192], { kind: 'axis', axis: 0 }), 8192, false, small)).toThrow(/cannot fit/);
  });
});
