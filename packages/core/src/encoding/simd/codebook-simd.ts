/**
 * Codebook decoding through the SIMD kernels: indices unpacked to one byte each (int32 for
 * 16-bit indices) a chunk at a time, then looked up (four byte swizzles per 16 indices for codebooks of up to 16 centroids, one load per
 * index above that). The centroids' float32 bits are copied, never computed, so the result is
 * bit for bit the JS decoder's.
 */
import type { CodebookEncoding } from '../types.ts';
import { chunkTarget, layOutRegions, residentOutput, unpackTable, type DecodeSimdKernel } from './decode-kernel.ts';

/**
 * Decodes `encoding` into `destination` (its element count long) with the SIMD kernels, given
 * its centroids as float32; returns false, having written nothing, where they do not apply.
 *
 * @example
 * ```ts
 * if (!decodeCodebookSimd(kernel, encoding, centroids, values)) decodeCodebookJs(encoding, centroids, values);
 * ```
 */
export function decodeCodebookSimd(
  kernel: DecodeSimdKernel,
  encoding: CodebookEncoding,
  centroids: Float32Array,
  destination: Float32Array,
): boolean {
  const size = destination.length;
  if (size < kernel.minimumElements || size === 0) return false;
  const resident = residentOutput(kernel, destination);
  if (resident === undefined) return false;
  const { bits } = encoding;
  const chunk = kernel.chunkElements;
  const codeBytes = Math.ceil((chunk * bits) / 8);
  // Indices of up to 8 bits are looked up from one byte each; 16-bit ones from int32.
  const unpackedBytes = bits === 8 ? 0 : bits === 16 ? chunk * 4 : chunk;
  const small = centroids.length <= 16 && bits !== 16;
  const tableBytes = small ? 64 : 2 ** bits * 4;
  const regions = layOutRegions(kernel, [tableBytes, codeBytes, unpackedBytes, chunk * 4], [destination, encoding.indices, centroids]);
  if (regions === undefined) return false;
  const [tableAddress, codesAddress, unpackedAddress, valuesAddress] = regions as [number, number, number, number];
  const { exports } = kernel;
  const buffer = exports.memory.buffer;
  const centroidBits = new Uint32Array(centroids.buffer, centroids.byteOffset, centroids.length);
  if (small) {
    // Byte k of centroid i at table + 16k + i.
    const planes = new Uint8Array(buffer, tableAddress, 64);
    planes.fill(0);
    for (let index = 0; index < centroidBits.length; index++) {
      const word = centroidBits[index]!;
      for (let byte = 0; byte < 4; byte++) planes[byte * 16 + index] = (word >>> (byte * 8)) & 0xff;
    }
  } else {
    // Validated indices stay below the centroid count; the rest of the table is never read.
    new Uint32Array(buffer, tableAddress, centroidBits.length).set(centroidBits);
  }
  const codesView = new Uint8Array(buffer, codesAddress, codeBytes);
  const valuesView = new Float32Array(buffer, valuesAddress, chunk);
  const indices = encoding.indices;
  for (let start = 0; start < size; start += chunk) {
    const count = Math.min(chunk, size - start);
    const target = chunkTarget(resident, start, count, size, valuesAddress);
    codesView.set(indices.subarray((start * bits) / 8, Math.ceil(((start + count) * bits) / 8)));
    if (bits === 16) exports.unpack16(codesAddress, unpackedAddress, count, 0);
    else if (bits === 4) exports.unpack4(codesAddress, unpackedAddress, count, 0);
    else if (bits !== 8) exports.unpackBits(unpackTable(bits), codesAddress, unpackedAddress, count, bits, 0);
    const indicesAddress = bits === 8 ? codesAddress : unpackedAddress;
    if (bits === 16) exports.lookup(indicesAddress, target, count, tableAddress);
    else if (small) exports.lookup16(indicesAddress, target, count, tableAddress);
    else exports.lookupBytes(indicesAddress, target, count, tableAddress);
    if (target === valuesAddress) destination.set(count === chunk ? valuesView : valuesView.subarray(0, count), start);
  }
  return true;
}
