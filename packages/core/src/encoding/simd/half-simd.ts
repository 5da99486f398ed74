/**
 * float16 and bfloat16 widening through the SIMD kernels, a cache-sized chunk at a time. Exact,
 * NaN sign and payload included, as the JS table in ../../tensor/half.ts is.
 */
import { chunkTarget, layOutRegions, residentOutput, type DecodeSimdKernel } from './decode-kernel.ts';

/**
 * Widens 16-bit float patterns (`float16` or `bfloat16`) into `destination` (as long as `bits`)
 * with the SIMD kernels; returns false, having written nothing, where they do not apply.
 *
 * @example
 * ```ts
 * if (!widenHalvesSimd(kernel, 'float16', bits, values)) widenInJs(bits, values);
 * ```
 */
export function widenHalvesSimd(
  kernel: DecodeSimdKernel,
  format: 'float16' | 'bfloat16',
  bits: Uint16Array,
  destination: Float32Array,
): boolean {
  const size = bits.length;
  if (size < kernel.minimumElements || size !== destination.length) return false;
  const resident = residentOutput(kernel, destination);
  if (resident === undefined) return false;
  const chunk = kernel.chunkElements;
  const regions = layOutRegions(kernel, [chunk * 2, chunk * 4], [destination, bits]);
  if (regions === undefined) return false;
  const [sourceAddress, valuesAddress] = regions as [number, number];
  const { exports } = kernel;
  const sourceView = new Uint16Array(exports.memory.buffer, sourceAddress, chunk);
  const valuesView = new Float32Array(exports.memory.buffer, valuesAddress, chunk);
  const widen = format === 'float16' ? exports.halfToFloat : exports.bfloatToFloat;
  for (let start = 0; start < size; start += chunk) {
    const count = Math.min(chunk, size - start);
    const target = chunkTarget(resident, start, count, size, valuesAddress);
    sourceView.set(bits.subarray(start, start + count));
    widen(sourceAddress, target, count);
    if (target === valuesAddress) destination.set(count === chunk ? valuesView : valuesView.subarray(0, count), start);
  }
  return true;
}
