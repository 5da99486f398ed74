import fc from 'fast-check';
import { expect, test } from 'vitest';
import { floatScratch } from './float-scratch.ts';

test('views of exactly the size asked, over memory reused while it is large enough', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 1, maxLength: 30 }), (sizes) => {
      const scratch = floatScratch();
      let previous: Float32Array | undefined;
      for (const size of sizes) {
        const view = scratch.take(size);
        expect(view.length).toBe(size);
        if (previous !== undefined && size <= previous.buffer.byteLength / 4) expect(view.buffer).toBe(previous.buffer);
        // Never more than twice the largest request.
        expect(view.buffer.byteLength / 4).toBeLessThanOrEqual(Math.max(1, 2 * Math.max(...sizes)));
        previous = view;
      }
    }),
  );
});
