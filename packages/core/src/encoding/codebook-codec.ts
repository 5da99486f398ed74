/**
 * The `codebook` kind (weight sharing): each element is `centroids[index]`, indices packed.
 */
import type { ErrorLocation } from '../errors.ts';
import { bytesPerElement } from '../tensor/dtype.ts';
import { toFloat32 } from '../tensor/host-tensor.ts';
import { shapeSize } from '../tensor/shape.ts';
import { forEachCodeChunk, packedByteLength } from './bit-pack.ts';
import { checkNoOverlap } from './decode-destination.ts';
import { fieldText } from './describe-fields.ts';
import { decodeCodebookSimd } from './simd/codebook-simd.ts';
import { defaultDecodeSimd, type DecodeSimdKernel } from './simd/decode-kernel.ts';
import type { EncodingCodec } from './encoding-codec.ts';
import { child, element, fail, readBits, readBytes, readShape, readTensor } from './field-checks.ts';
import type { CodebookMetadata } from './metadata.ts';
import type { CodebookEncoding } from './types.ts';

const FLOAT_COMPONENT_DTYPES = ['float32', 'float16'] as const;

/** The codec of {@link CodebookEncoding}. */
export const codebookCodec: EncodingCodec<CodebookEncoding, CodebookMetadata> = {
  kind: 'codebook',
  shape: (encoding) => encoding.shape,
  byteLength: (encoding) => encoding.centroids.data.byteLength + encoding.indices.byteLength,
  decode(encoding, _nested, destination) {
    if (destination !== undefined) checkNoOverlap(destination, [encoding.indices, encoding.centroids.data], "the encoding's indices or centroids");
    return { dtype: 'float32', shape: [...encoding.shape], data: decodeCodebook(encoding, destination) };
  },
  validate(record, location) {
    const { shape, size } = readShape(record.shape, child(location, 'shape'));
    readCodebook(record, size, location);
    return shape;
  },
  parts: (encoding, writer) => ({
    kind: 'codebook',
    shape: [...encoding.shape],
    bits: encoding.bits,
    centroids: writer.tensor('centroids', encoding.centroids),
    indices: writer.buffer('indices', 'uint8', encoding.indices),
  }),
  readParts: (record, reader) => ({
    kind: 'codebook',
    shape: record.shape,
    bits: record.bits,
    centroids: reader.tensor(record.centroids, 'centroids', FLOAT_COMPONENT_DTYPES),
    indices: reader.bytes(record.indices, 'indices'),
  }),
  describe: (fields) => `codebook ${fieldText(fields.bits)}-bit`,
};

/**
 * Storage bytes of a codebook encoding from its shape and settings alone: `centroidCount`
 * centroids of `centroidDType` plus indices packed `bits` wide.
 *
 * @example
 * ```ts
 * codebookByteLength({ shape: [64, 32], bits: 4, centroidCount: 16, centroidDType: 'float32' }); // 64 + 1024
 * ```
 */
export function codebookByteLength(size: {
  readonly shape: readonly number[];
  readonly bits: number;
  readonly centroidCount: number;
  readonly centroidDType: 'float32' | 'float16';
}): number {
  return size.centroidCount * bytesPerElement(size.centroidDType) + packedByteLength(shapeSize(size.shape), size.bits);
}

function readCodebook(record: Readonly<Record<string, unknown>>, size: number, location: ErrorLocation): void {
  const bits = readBits(record.bits, child(location, 'bits'));
  const centroidsLocation = child(location, 'centroids');
  const centroids = readTensor(record.centroids, FLOAT_COMPONENT_DTYPES, undefined, centroidsLocation);
  const count = centroids.data.length;
  if (centroids.shape.length !== 1)
    fail(`centroids must be 1-D, got rank ${centroids.shape.length}`, child(centroidsLocation, 'shape'));
  if (count > 2 ** bits)
    fail(`${bits}-bit indices address at most ${2 ** bits} centroids, got ${count}`, centroidsLocation);
  const indicesLocation = child(location, 'indices');
  const packed = readBytes(record.indices, packedByteLength(size, bits), indicesLocation);
  // Only a codebook with fewer than 2^bits centroids can hold an index that points past it.
  if (count < 2 ** bits) {
    forEachCodeChunk(packed, size, bits, false, (indices, start) => {
      for (let offset = 0; offset < indices.length; offset++) {
        const index = indices[offset]!;
        if (index >= count)
          fail(`index ${index} is past the ${count} centroids`, element(indicesLocation, start + offset));
      }
    });
  }
}

/**
 * Decodes a validated codebook encoding into `destination` (a Float32Array of its element count,
 * fresh when omitted): through the SIMD kernels where the engine has WebAssembly SIMD, else in
 * JS; both copy each centroid's float32 bits. Internal; use `decode`.
 *
 * @example
 * ```ts
 * const values = decodeCodebook(codebookFromIndices({ shape: [2], centroids, indices: [1, 0] }));
 * ```
 */
export function decodeCodebook(
  encoding: CodebookEncoding,
  destination: Float32Array = new Float32Array(shapeSize(encoding.shape)),
  kernel: DecodeSimdKernel | null = defaultDecodeSimd(),
): Float32Array {
  const centroids = toFloat32(encoding.centroids).data;
  if (kernel !== null && decodeCodebookSimd(kernel, encoding, centroids, destination)) return destination;
  return decodeCodebookJs(encoding, centroids, destination);
}

/**
 * The JS codebook decoder, into `destination`: each element's centroid bits copied through
 * integer views (so even a NaN centroid keeps its payload). Internal; the SIMD kernels' reference.
 *
 * @example
 * ```ts
 * decodeCodebookJs(encoding, new Float32Array([-1, 1]), new Float32Array(4));
 * ```
 */
export function decodeCodebookJs(encoding: CodebookEncoding, centroids: Float32Array, destination: Float32Array): Float32Array {
  const centroidBits = new Uint32Array(centroids.buffer, centroids.byteOffset, centroids.length);
  const words = new Uint32Array(destination.buffer, destination.byteOffset, destination.length);
  forEachCodeChunk(encoding.indices, destination.length, encoding.bits, false, (indices, start) => {
    for (let offset = 0; offset < indices.length; offset++) words[start + offset] = centroidBits[indices[offset]!]!;
  });
  return destination;
}
