/**
 * k-means weight sharing (Deep Compression, Han et al. 2016): every weight of a tensor is
 * replaced by the nearest of 2^bits shared centroids, stored as a codebook plus packed indices.
 */
import {
  WhittleError,
  codebookByteLength,
  codebookEncoding,
  describeValue,
  isFloatDType,
  toFloat32,
  type CodebookEncoding,
  type HostTensor,
} from '@whittle/core';
import { lloydCentroids } from './lloyd-1d.ts';
import { optimalCentroids1d } from './optimal-1d-kmeans.ts';
import { firstNonFinite, nonFiniteError } from './non-finite.ts';
import { packMaskedCodesInto, packedByteLength } from '@whittle/core';
import { scratchFor, type AffineScratch } from './quantize-affine-destination.ts';
import { sortFloat32 } from './sort-floats.ts';

/** Options of {@link kmeansQuantize}. */
export interface KmeansOptions {
  /** Index width, 1–8: 2^bits centroids. */
  readonly bits: number;
  /** Most Lloyd iterations (default 50); stops earlier once no weight changes cluster. */
  readonly iterations?: number;
  /** Seed for reseeding empty clusters (default 0); equal inputs and seeds give equal outputs. */
  readonly seed?: number;
  /**
   * Where Lloyd's iterations start (default `'optimal'`): `'optimal'`, the clustering with the
   * least squared error found by dynamic programming over the sorted values (exact for tensors
   * with up to about a hundred thousand distinct values, and over merged runs of neighbouring
   * values above that, which the iterations then refine); `'linear'`, centroids spread evenly
   * over [min, max] as Deep Compression (Han et al. 2016) starts them, which keeps more centroids
   * on the rare large weights at the cost of a larger squared error.
   */
  readonly init?: KmeansInit;
}

/**
 * Buffers the caller owns for {@link kmeansQuantize}, every field optional (a missing one is
 * allocated). Each may be longer than needed: the encoding holds views of exactly the bytes
 * written, from offset 0, and shares them, so it is valid until they are written again.
 */
export interface KmeansDestination {
  /** Packed indices: at least ceil(size · bits / 8) bytes. */
  readonly indices?: Uint8Array;
  /** At least 2^bits float32 centroids. */
  readonly centroids?: Float32Array;
  /** Working memory for the unpacked indices, shared with `quantizeAffine` (see `createAffineScratch`). */
  readonly scratch?: AffineScratch;
}

/** How {@link kmeansQuantize} chooses its starting centroids. */
export type KmeansInit = 'optimal' | 'linear';

/** Every {@link KmeansInit}. */
export const KMEANS_INITS: readonly KmeansInit[] = ['optimal', 'linear'];

/**
 * Clusters a float tensor's values into 2^bits centroids (the least-squared-error clustering by
 * dynamic programming, or a linear initialisation over [min, max]; then Lloyd iterations until
 * no value changes cluster or `iterations` run out; empty clusters are reseeded from the seed)
 * and encodes each value as the index of its nearest centroid (ties to the lower one). Centroids
 * are stored as float32, ascending. Cost: one radix sort, O(n); the optimal start O(n) to merge
 * runs plus k·m·log m for m ≤ 2^22 / k runs; per iteration O(k log n) plus the weights that
 * change cluster; O(n log k) to assign.
 *
 * `destination` (optional) holds buffers the caller owns for the indices and centroids (see
 * {@link KmeansDestination}); the bytes are the same as without it. A buffer too short or of the
 * wrong type is an `invalid-argument` error naming its field.
 *
 * Throws `invalid-tensor` naming the element for NaN or an infinity.
 *
 * @example
 * ```ts
 * const shared = kmeansQuantize(kernel, { bits: 4 }); // 16 float32 centroids + 4-bit indices
 * const restored = decode(shared);
 * ```
 */
export function kmeansQuantize(tensor: HostTensor, options: KmeansOptions, destination: KmeansDestination = {}): CodebookEncoding {
  if (!isFloatDType(tensor.dtype)) {
    throw new WhittleError('invalid-tensor', `quantizes float tensors, got ${describeValue(tensor.dtype)}`, {
      field: 'dtype',
    });
  }
  const { bits, iterations = 50, seed = 0, init = 'optimal' } = options;
  if (!Number.isInteger(bits) || bits < 1 || bits > 8) {
    throw new WhittleError('invalid-argument', `k-means bits must be an integer from 1 to 8, got ${describeValue(bits)}`, {
      field: 'bits',
    });
  }
  if (!Number.isSafeInteger(iterations) || iterations < 0) {
    throw new WhittleError('invalid-argument', `iterations must be a non-negative integer, got ${describeValue(iterations)}`, {
      field: 'iterations',
    });
  }
  if (!Number.isSafeInteger(seed)) {
    throw new WhittleError('invalid-argument', `seed must be an integer, got ${describeValue(seed)}`, { field: 'seed' });
  }
  if (!KMEANS_INITS.includes(init)) {
    throw new WhittleError('invalid-argument', `init must be one of ${KMEANS_INITS.join(', ')}, got ${describeValue(init)}`, {
      field: 'init',
    });
  }
  const count = 2 ** bits;
  const values = toFloat32(tensor).data;
  const indicesOut = destinationArray(destination.indices, Uint8Array, packedByteLength(values.length, bits), 'destination.indices');
  const centroidsOut = destinationArray(destination.centroids, Float32Array, count, 'destination.centroids');
  const index = firstNonFinite(values);
  if (index >= 0) throw nonFiniteError(values, index);
  const sorted = sortFloat32(values);
  const initial = init === 'optimal' ? optimalCentroids1d(sorted, count) : undefined;
  const centroids = centroidsOut;
  centroids.set(lloydCentroids(sorted, { count, iterations, seed, ...(initial === undefined ? {} : { initial }) }).centroids);
  // Centroids stay ascending after rounding to float32, so nearest is a search among midpoints.
  const midpoints = new Float64Array(count);
  for (let cluster = 0; cluster + 1 < count; cluster++) {
    midpoints[cluster] = (centroids[cluster]! + centroids[cluster + 1]!) / 2;
  }
  midpoints[count - 1] = Infinity; // never passed, so the search stays within the centroids
  // 8-bit indices are their own packing: written straight into the output.
  const indices = bits === 8 ? indicesOut : scratchFor(destination.scratch, 0, values.length, false).codes.subarray(0, values.length);
  const firstStep = count >>> 1;
  for (let position = 0; position < values.length; position++) {
    const value = values[position]!;
    // Fixed-depth binary search: bits comparisons, branch-light.
    let cluster = 0;
    for (let step = firstStep; step > 0; step >>>= 1) {
      if (value > midpoints[cluster + step - 1]!) cluster += step;
    }
    indices[position] = cluster;
  }
  return codebookEncoding({
    shape: [...tensor.shape],
    bits,
    centroids: { dtype: 'float32', shape: [count], data: centroids },
    indices: indices === indicesOut ? indicesOut : packMaskedCodesInto(indices, bits, indicesOut),
  });
}

/**
 * The exact bytes `kmeansQuantize` stores for a tensor of `shape` at `bits`: always 2^bits
 * float32 centroids (repeated values leave some equal, never fewer) plus indices packed `bits`
 * wide. The values cannot change the size.
 *
 * @example
 * ```ts
 * kmeansByteLength([64, 32], 4); // 16 × 4 + 1024
 * ```
 */
export function kmeansByteLength(shape: readonly number[], bits: number): number {
  return codebookByteLength({ shape, bits, centroidCount: 2 ** bits, centroidDType: 'float32' });
}

function destinationArray<T extends Uint8Array | Float32Array>(
  given: unknown,
  type: { new (length: number): T; readonly name: string },
  length: number,
  field: string,
): T {
  if (given === undefined) return new type(length);
  if (!(given instanceof (type as unknown as typeof Uint8Array)) || (given as T).length < length) {
    throw new WhittleError('invalid-argument', `${field} must be a ${type.name} of at least ${length} elements, got ${describeValue(given)}`, {
      field,
    });
  }
  const array = given as T;
  return (array.length === length ? array : array.subarray(0, length)) as T;
}
