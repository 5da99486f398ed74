import { WhittleError } from '@whittle/core';

/**
 * How far a model's outputs moved, relative to their scale: for each output, the RMS of
 * (candidate − reference) over the RMS of the reference, and the largest of these over the
 * outputs (a detector's boxes and scores differ in scale, so each is measured against its own).
 * 0 is no change; 0.05 moves the outputs by 5% of their scale.
 *
 * @example
 * ```ts
 * relativeOutputError([Float32Array.of(1, -1)], [Float32Array.of(1.1, -0.9)]); // 0.1
 * ```
 */
export function relativeOutputError(reference: readonly Float32Array[], candidate: readonly Float32Array[]): number {
  if (reference.length !== candidate.length) {
    throw new WhittleError('invalid-argument', `${candidate.length} outputs against ${reference.length} reference outputs`, { field: 'candidate' });
  }
  let worst = 0;
  reference.forEach((expected, output) => {
    const actual = candidate[output]!;
    if (actual.length !== expected.length) {
      throw new WhittleError('invalid-argument', `output ${output} has ${actual.length} values, the reference ${expected.length}`, { field: `candidate[${output}]` });
    }
    let difference = 0;
    let scale = 0;
    for (let index = 0; index < expected.length; index++) {
      difference += (actual[index]! - expected[index]!) ** 2;
      scale += expected[index]! ** 2;
    }
    // An all-zero reference output: any change is the whole of its scale.
    const error = scale === 0 ? (difference === 0 ? 0 : Infinity) : Math.sqrt(difference / scale);
    worst = Math.max(worst, error);
  });
  return worst;
}
