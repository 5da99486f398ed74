import { encodingParts, hostTensor } from '@whittle/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { kmeansQuantize } from './kmeans-quantize.ts';
import { createAffineScratch } from './quantize-affine-destination.ts';
import { seededRandom } from './seeded-random.ts';

function bytesOf(encoding: ReturnType<typeof kmeansQuantize>) {
  const parts = encodingParts(encoding);
  return { metadata: JSON.stringify(parts.metadata), buffers: parts.buffers.map((buffer) => Array.from(buffer.bytes)) };
}

const caseArbitrary = fc.record({ length: fc.integer({ min: 1, max: 300 }), bits: fc.integer({ min: 1, max: 8 }), seed: fc.nat() }).map(({ length, bits, seed }) => {
  const random = seededRandom(seed);
  return { tensor: hostTensor('float32', [length], Float32Array.from({ length }, () => random() - 0.5)), bits };
});

describe('kmeansQuantize into a destination', () => {
  it('reused buffers across calls of different sizes hold exactly each new result', () => {
    fc.assert(
      fc.property(fc.array(caseArbitrary, { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 255 }), (cases, stale) => {
        const indices = new Uint8Array(300).fill(stale);
        const centroids = new Float32Array(256).fill(stale);
        const scratch = createAffineScratch();
        for (const { tensor, bits } of cases) {
          const written = kmeansQuantize(tensor, { bits, iterations: 5 }, { indices, centroids, scratch });
          expect(bytesOf(written)).toEqual(bytesOf(kmeansQuantize(tensor, { bits, iterations: 5 })));
          expect(written.indices.buffer).toBe(indices.buffer);
        }
      }),
      { numRuns: 80 },
    );
  });

  it('refuses buffers of the wrong type or too short, naming the field', () => {
    const tensor = hostTensor('float32', [64], Float32Array.from({ length: 64 }, (_, index) => Math.sin(index)));
    const cases: Array<[object, string]> = [
      [{ indices: new Uint8Array(31) }, 'destination.indices'],
      [{ indices: new Float32Array(64) }, 'destination.indices'],
      [{ centroids: new Float32Array(15) }, 'destination.centroids'],
      [{ centroids: new Float64Array(16) }, 'destination.centroids'],
      [{ scratch: { kind: 'affine-scratch' } }, 'destination.scratch'],
    ];
    for (const [destination, field] of cases) {
      expect(() => kmeansQuantize(tensor, { bits: 4 }, destination as never)).toThrow(expect.objectContaining({ code: 'invalid-argument', field }));
    }
  });
});
