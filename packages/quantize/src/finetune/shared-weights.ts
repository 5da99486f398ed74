/**
 * A param whose weights share a codebook, in the form centroid fine-tuning trains: one cluster
 * number per element (pruned elements in a cluster of their own that is always zero), the
 * centroids, and the way back to the same encoding with new centroids.
 */
import {
  WhittleError,
  codebookEncoding,
  decodeToFloat32,
  denseEncoding,
  float32ArrayToFloat16,
  hostTensor,
  sparseEncoding,
  toFloat32,
  unpackBits,
  type CodebookEncoding,
  type Encoding,
  type Param,
} from '@whittle/core';

/** A param of shared weights, unpacked for training. */
export interface SharedWeights {
  /** The param's name. */
  readonly name: string;
  /** The param's shape. */
  readonly shape: readonly number[];
  /**
   * The cluster of each element, row-major: 0 to `centroids.length − 1`, or `centroids.length`
   * for an element a sparse param does not store (pruned: it is +0 and stays so).
   */
  readonly clusters: Int32Array;
  /** The shared values, as the codebook holds them (widened to float32). */
  readonly centroids: Float32Array;
  /**
   * 1 for a centroid that must not move: one that is exactly 0, which holds pruned weights
   * stored dense, or the zero fillers of a CSR layout (moving it would bring them back).
   */
  readonly frozen: Uint8Array;
}

/**
 * The shared weights of `param` when it stores a codebook (k-means weight sharing), dense or as
 * the values of a sparse param; `undefined` for any other encoding.
 *
 * @example
 * ```ts
 * const shared = sharedWeightsOf(model.params.get('dense_1/kernel')!); // { clusters, centroids, frozen, … }
 * ```
 */
export function sharedWeightsOf(param: Param): SharedWeights | undefined {
  const { value } = param;
  if (value.kind === 'codebook') {
    const centroids = toFloat32(value.centroids).data;
    const size = elementCount(value.shape);
    const clusters = Int32Array.from(unpackBits(value.indices, size, value.bits));
    return { name: param.name, shape: [...value.shape], clusters, centroids, frozen: zeroCentroids(centroids) };
  }
  if (value.kind !== 'sparse' || value.values.kind !== 'codebook') return undefined;
  const codebook = value.values;
  const centroids = toFloat32(codebook.centroids).data;
  const entries = elementCount(codebook.shape);
  const entryClusters = unpackBits(codebook.indices, entries, codebook.bits);
  // The layout's own decoder places each entry: give it cluster + 1 as the entry's value (exact in
  // float32 for at most 256 clusters), and the elements it leaves at 0 are the pruned ones.
  const placed = decodeToFloat32(
    sparseEncoding({
      shape: value.shape,
      layout: value.layout,
      values: denseEncoding(hostTensor('float32', [entries], Float32Array.from(entryClusters, (cluster) => cluster + 1))),
    }),
  ).data;
  const pruned = centroids.length;
  const clusters = Int32Array.from(placed, (slot) => (slot === 0 ? pruned : slot - 1));
  return { name: param.name, shape: [...value.shape], clusters, centroids, frozen: zeroCentroids(centroids) };
}

/**
 * `encoding` (a codebook, or a sparse param whose values are one) with its centroids replaced by
 * `centroids`: the same shape, layout, bits and index bytes, the centroids in the codebook's
 * dtype. Throws `invalid-argument` for another encoding, a different centroid count, or a value
 * that is not finite.
 *
 * @example
 * ```ts
 * const tuned = withCentroids(param.value, Float32Array.from([-0.1, 0.02, 0.3]));
 * ```
 */
export function withCentroids(encoding: Encoding, centroids: Float32Array): Encoding {
  if (encoding.kind === 'sparse' && encoding.values.kind === 'codebook') {
    return sparseEncoding({ shape: encoding.shape, layout: encoding.layout, values: replaceCentroids(encoding.values, centroids) });
  }
  if (encoding.kind !== 'codebook') {
    throw new WhittleError('invalid-argument', `expected a codebook, dense or sparse, got a ${encoding.kind} encoding`, { field: 'encoding' });
  }
  return replaceCentroids(encoding, centroids);
}

function replaceCentroids(codebook: CodebookEncoding, centroids: Float32Array): CodebookEncoding {
  const count = codebook.centroids.data.length;
  if (centroids.length !== count) {
    throw new WhittleError('invalid-argument', `expected ${count} centroids, got ${centroids.length}`, { field: 'centroids' });
  }
  const index = centroids.findIndex((centroid) => !Number.isFinite(centroid));
  if (index >= 0) {
    throw new WhittleError('invalid-argument', `centroid ${index} is ${centroids[index]}; lower the learning rate`, { field: `centroids[${index}]` });
  }
  const shape = [...codebook.centroids.shape];
  return codebookEncoding({
    shape: [...codebook.shape],
    bits: codebook.bits,
    indices: codebook.indices,
    centroids:
      codebook.centroids.dtype === 'float16'
        ? { dtype: 'float16', shape, data: float32ArrayToFloat16(centroids) }
        : { dtype: 'float32', shape, data: Float32Array.from(centroids) },
  });
}

function zeroCentroids(centroids: Float32Array): Uint8Array {
  return Uint8Array.from(centroids, (centroid) => (centroid === 0 ? 1 : 0));
}

function elementCount(shape: readonly number[]): number {
  return shape.reduce((product, size) => product * size, 1);
}
