import type * as tf from '@tensorflow/tfjs-core';
import { bitsPerWeight, compress, countParams, modelByteLength, type CompressOptions, type Model, type Recipe } from '@whittle/core';
import { top1Accuracy } from './accuracy.ts';
import { predictLogits } from './predict-logits.ts';
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
  /** Reference bytes over this variant's bytes (named as `compress --json` names it). */
  readonly ratio: number;
  /** Signal-to-quantization-noise ratio over all weights, in dB; Infinity when exact (null in JSON). */
  readonly weightSqnrDb: number;
  readonly weightMaxAbsError: number;
  /** Share of the test inputs classified correctly, in percent. */
  readonly top1AccuracyPercent: number;
  /** Share of the test inputs given the same class as the reference gives them, in percent. */
  readonly top1AgreementPercent: number;
  readonly logitsMaxAbsDiff: number;
  /** Time `compress` took. */
  readonly compressSeconds: number;
}

/** What every variant is measured against. */
export interface ReferenceRun {
  readonly model: Model;
  /** The test inputs, on the current backend. */
  readonly inputs: tf.Tensor2D;
  /** The true class of each test input. */
  readonly labels: Uint8Array;
  /** The reference model's logits for `inputs`. */
  readonly logits: tf.Tensor2D;
}

/** Options of {@link evaluateVariant}. */
export interface EvaluateVariantOptions {
  /** Per-param progress of the variant's `compress` run, for a progress reporter. */
  readonly onProgress?: CompressOptions['onProgress'];
}

/**
 * Compresses the reference model with a variant's recipe, then measures the result: size,
 * weight error, accuracy on the test inputs, and agreement of its outputs with the reference's.
 *
 * @example
 * ```ts
 * const result = await evaluateVariant({ name: 'float16', recipe: [cast('float16')] }, reference, {
 *   onProgress: ({ param, done, total }) => progress.update(done, total, `float16: ${param}`),
 * });
 * ```
 */
export async function evaluateVariant(variant: DemoVariant, reference: ReferenceRun, options: EvaluateVariantOptions = {}): Promise<VariantResult> {
  const { model, steps } = await compress(reference.model, variant.recipe, options.onProgress === undefined ? {} : { onProgress: options.onProgress });
  const params = countParams(model);
  const bytes = modelByteLength(model);
  const weights = weightError(reference.model, model);
  const logits = await predictLogits(model, reference.inputs);
  const [accuracy, agreement] = await Promise.all([
    top1Accuracy(logits, reference.labels),
    outputAgreement(reference.logits, logits),
  ]).finally(() => logits.dispose());
  return {
    variant: variant.name,
    recipe: variant.recipe,
    params,
    bytes,
    bitsPerWeight: bitsPerWeight(bytes, weightCount(reference.model)),
    ratio: modelByteLength(reference.model) / bytes,
    weightSqnrDb: weights.sqnrDb,
    weightMaxAbsError: weights.maxAbsError,
    top1AccuracyPercent: accuracy,
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
