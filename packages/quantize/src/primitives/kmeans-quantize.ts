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
import { packMaskedCodes } from '@whittle/core';
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
 * Throws `invalid-tensor` naming the element for NaN or an infinity.
 *
 * @example
 * ```ts
 * const shared = kmeansQuantize(kernel, { bits: 4 }); // 16 float32 centroids + 4-bit indices
 * const restored = decode(shared);
 * ```
 */
export function kmeansQuantize(tensor: HostTensor, options: KmeansOptions): CodebookEncoding {
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
  const values = toFloat32(tensor).data;
  const index = firstNonFinite(values);
  if (index >= 0) throw nonFiniteError(values, index);
  const count = 2 ** bits;
  const sorted = sortFloat32(values);
  const initial = init === 'optimal' ? optimalCentroids1d(sorted, count) : undefined;
  const centroids = Float32Array.from(lloydCentroids(sorted, { count, iterations, seed, ...(initial === undefined ? {} : { initial }) }).centroids);
  // Centroids stay ascending after rounding to float32, so nearest is a search among midpoints.
  const midpoints = new Float64Array(count);
  for (let cluster = 0; cluster + 1 < count; cluster++) {
    midpoints[cluster] = (centroids[cluster]! + centroids[cluster + 1]!) / 2;
  }
  midpoints[count - 1] = Infinity; // never passed, so the search stays within the centroids
  const indices = new Uint8Array(values.length);
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
    indices: packMaskedCodes(indices, bits),
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
