import fc from 'fast-check';
import { expect, test } from 'vitest';
import { WhittleError } from '../errors.ts';
import { blobSource, bytesSource, memorySink } from './byte-source.ts';

test('bytesSource and blobSource read exactly the asked range, and refuse ranges past the end', async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 64 }), fc.nat(80), fc.nat(80), async (bytes, offset, length) => {
      for (const source of [bytesSource(bytes, 'a.bin'), blobSource(new Blob([bytes]), 'a.bin')]) {
        expect(source.size).toBe(bytes.length);
        if (offset + length <= bytes.length) {
          expect(Array.from(await source.read(offset, length))).toEqual(Array.from(bytes.subarray(offset, offset + length)));
        } else {
          await expect(source.read(offset, length)).rejects.toMatchObject({ code: 'malformed-file', file: 'a.bin' });
        }
      }
    }),
    { numRuns: 50 },
  );
  await expect(bytesSource(new Uint8Array(4)).read(-1, 2)).rejects.toBeInstanceOf(WhittleError);
  await expect(bytesSource(new Uint8Array(4)).read(0.5, 2)).rejects.toBeInstanceOf(WhittleError);
});

test('memorySink keeps what was written, copies chunks, and refuses writes after close', async () => {
  const sink = memorySink();
  const chunk = new Uint8Array([1, 2, 3]);
  await sink.write(chunk);
  chunk[0] = 9; // the sink must have copied
  await sink.write(new Uint8Array([4]));
  await sink.close();
  expect(Array.from(sink.bytes())).toEqual([1, 2, 3, 4]);
  await expect(sink.write(new Uint8Array([5]))).rejects.toBeInstanceOf(WhittleError);
});
