import { compareTensors, decodeToFloat32, shapesEqual, type Model } from '@whittle/core';

/** The error a candidate model's weights picked up, over all of them at once. */
export interface WeightError {
  /** 10 · log10(Σx² / Σ(x − y)²) over every compared weight, in dB; Infinity when exact. */
  readonly sqnrDb: number;
  /** Largest absolute difference of any weight. */
  readonly maxAbsError: number;
}

/**
 * Compares every param the two models share (same name and shape) as one long vector, so
 * large kernels weigh more than small biases, as they do in the model's outputs.
 *
 * @example
 * ```ts
 * const { sqnrDb } = weightError(model, (await compress(model, [cast('bfloat16')])).model);
 * ```
 */
export function weightError(reference: Model, candidate: Model): WeightError {
  const pairs: Array<[Float32Array, Float32Array]> = [];
  for (const [name, before] of reference.params) {
    const after = candidate.params.get(name);
    if (after === undefined || !shapesEqual(before.shape, after.shape)) continue;
    pairs.push([decodeToFloat32(before.value).data, decodeToFloat32(after.value).data]);
  }
  const { sqnr, maxAbsError } = compareTensors(concatenate(pairs.map(([x]) => x)), concatenate(pairs.map(([, y]) => y)));
  return { sqnrDb: sqnr, maxAbsError };
}

function concatenate(parts: readonly Float32Array[]): Float32Array {
  const joined = new Float32Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}
