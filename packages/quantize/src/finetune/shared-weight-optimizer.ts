/**
 * An optimizer that trains shared weights through their centroids (Deep Compression §3.3): the
 * model's forward pass reads each shared kernel as centroids[cluster], tfjs computes the loss
 * gradient with respect to that kernel, and this optimizer sums it over each cluster, steps the
 * centroids with the wrapped optimizer (Adam's moments are per centroid), and writes the kernel
 * back from them. Passed to tfjs-layers' `fit`/`trainOnBatch` as any optimizer is.
 */
import * as tf from '@tensorflow/tfjs-core';
import { WhittleError } from '@whittle/core';
import type { SharedWeights } from './shared-weights.ts';

/** A variable's gradient by the variable's name, as tfjs's optimizers take it. */
interface NamedGradient {
  readonly name: string;
  readonly tensor: tf.Tensor;
}

/** A shared param as it trains: the variable the layer reads, and its centroids as a variable. */
export interface SharedVariable {
  readonly weights: SharedWeights;
  /** The layer's weight variable (what the model computes with). */
  readonly kernel: tf.Variable;
  /** The trainable centroids, float32 `[count]`. */
  readonly centroids: tf.Variable;
  /** `clusters` as an int32 tensor, for the gather that rebuilds the kernel. */
  readonly clusters: tf.Tensor;
}

/**
 * Wraps `inner` so that a gradient of a shared kernel becomes, for each centroid, the sum of the
 * gradients of the weights in its cluster (pruned elements and frozen centroids get none); the
 * gradients of variables in `trainable` pass through, and any other variable is left as it is.
 * The caller owns `inner` and the variables and disposes them.
 */
export class SharedWeightOptimizer extends tf.Optimizer {
  /** For tfjs's serialization registry. */
  static className = 'WhittleSharedWeightOptimizer';

  private readonly byKernel: ReadonlyMap<string, SharedVariable>;

  constructor(
    private readonly inner: tf.Optimizer,
    shared: readonly SharedVariable[],
    private readonly trainable: ReadonlySet<string>,
  ) {
    super();
    this.byKernel = new Map(shared.map((variable) => [variable.kernel.name, variable]));
  }

  override applyGradients(gradients: tf.NamedTensorMap | NamedGradient[]): void {
    const list = Array.isArray(gradients) ? gradients : Object.entries(gradients).map(([name, tensor]) => ({ name, tensor }));
    const passed: NamedGradient[] = [];
    const owned: tf.Tensor[] = [];
    try {
      for (const { name, tensor } of list) {
        // tfjs leaves out (or passes undefined for) a variable the loss does not depend on.
        if (tensor === undefined || tensor === null) continue;
        const shared = this.byKernel.get(name);
        if (shared !== undefined) {
          const centroidGradient = tf.tensor1d(clusterSums(shared.weights, tensor.dataSync() as Float32Array), 'float32');
          owned.push(centroidGradient);
          passed.push({ name: shared.centroids.name, tensor: centroidGradient });
        } else if (this.trainable.has(name)) {
          passed.push({ name, tensor });
        }
      }
      this.inner.applyGradients(passed);
    } finally {
      tf.dispose(owned);
    }
    for (const shared of this.byKernel.values()) writeKernel(shared);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return this.inner.getConfig();
  }
}

/**
 * The sum of `gradient` over each cluster of `weights`, in float64 then rounded once: zero for a
 * frozen centroid, and the pruned elements' cluster dropped.
 */
export function clusterSums(weights: SharedWeights, gradient: Float32Array): Float32Array {
  const { clusters, centroids, frozen } = weights;
  if (gradient.length !== clusters.length) {
    throw new WhittleError('invalid-argument', `a gradient of ${gradient.length} values for the ${clusters.length} of ${weights.name}`, { field: weights.name });
  }
  const sums = new Float64Array(centroids.length + 1);
  for (let element = 0; element < clusters.length; element++) sums[clusters[element]!]! += gradient[element]!;
  const result = new Float32Array(centroids.length);
  for (let cluster = 0; cluster < centroids.length; cluster++) result[cluster] = frozen[cluster] === 1 ? 0 : sums[cluster]!;
  return result;
}

/**
 * The kernel set to centroids[cluster] (pruned elements +0).
 *
 * @example
 * ```ts
 * writeKernel(shared); // before the first batch, and after every step
 * ```
 */
export function writeKernel(shared: SharedVariable): void {
  tf.tidy(() => {
    const padded = tf.concat([shared.centroids, tf.zeros([1], 'float32')]);
    shared.kernel.assign(tf.reshape(tf.gather(padded, shared.clusters), shared.kernel.shape));
  });
}
