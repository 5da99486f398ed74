import type * as tf from '@tensorflow/tfjs-core';
import { bitsPerWeight, compress, countParams, modelByteLength, type Model, type Recipe } from '@whittle/core';
import { predictOnce } from './dense-stack.ts';
import { outputAgreement } from './output-agreement.ts';
import type { DemoVariant } from './variants.ts';
import { weightError } from './weight-error.ts';

/** One variant's figures against the float32 reference model. */
export interface VariantResult {
  readonly variant: string;
  readonly recipe: Recipe;
  /** Parameters stored (fewer than the model's weights once pruning or factorization lands). */
  readonly params: number;
  /** Exact bytes of every param's encoding. */
  readonly bytes: number;
  /** Bits per weight of the original model's shape: 8 · bytes over its element count. */
  readonly bitsPerWeight: number;
  /** Reference bytes over this variant's bytes. */
  readonly compressionRatio: number;
  /** Signal-to-quantization-noise ratio over all weights, in dB; Infinity when exact. */
  readonly weightSqnrDb: number;
  readonly weightMaxAbsError: number;
  readonly top1AgreementPercent: number;
  readonly logitsMaxAbsDiff: number;
  /** Time `compress` took. */
  readonly compressSeconds: number;
}

/** What every variant is measured against. */
export interface ReferenceRun {
  readonly model: Model;
  /** The seeded input batch, on the current backend. */
  readonly inputs: tf.Tensor2D;
  /** The reference model's logits for `inputs`. */
  readonly logits: tf.Tensor2D;
}

/**
 * Compresses the reference model with a variant's recipe, then measures the result: size,
 * weight error, and agreement of its outputs with the reference's on the same inputs.
 *
 * @example
 * ```ts
 * const result = await evaluateVariant({ name: 'float16', recipe: [cast('float16')] }, reference);
 * ```
 */
export async function evaluateVariant(variant: DemoVariant, reference: ReferenceRun): Promise<VariantResult> {
  const { model, steps } = await compress(reference.model, variant.recipe);
  const params = countParams(model);
  const bytes = modelByteLength(model);
  const weights = weightError(reference.model, model);
  const logits = predictOnce(model, reference.inputs);
  const agreement = await outputAgreement(reference.logits, logits).finally(() => logits.dispose());
  return {
    variant: variant.name,
    recipe: variant.recipe,
    params,
    bytes,
    bitsPerWeight: bitsPerWeight(bytes, weightCount(reference.model)),
    compressionRatio: modelByteLength(reference.model) / bytes,
    weightSqnrDb: weights.sqnrDb,
    weightMaxAbsError: weights.maxAbsError,
    ...agreement,
    compressSeconds: steps.reduce((total, step) => total + step.seconds, 0),
  };
}

/** Logical weights: the elements of every param's shape, whatever its storage. */
function weightCount(model: Model): number {
  let total = 0;
  for (const param of model.params.values()) total += param.shape.reduce((product, size) => product * size, 1);
  return total;
}
