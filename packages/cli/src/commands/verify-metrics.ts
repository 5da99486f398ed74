/** How close one output of a compressed model is to the reference model's. */
export interface OutputAgreement {
  readonly name: string;
  /** Cosine similarity of the two outputs as flat vectors (1 when both are all zeros). */
  readonly cosine: number;
  /** Largest |reference − candidate| over all elements. */
  readonly maxAbsError: number;
  /**
   * Fraction of rows (the last axis) whose largest element sits at the same index in both: the
   * top-1 agreement of classifier logits. Null for an output whose last axis has one element.
   */
  readonly top1Agreement: number | null;
}

/**
 * Compares a candidate output with the reference: cosine similarity, max abs error and top-1
 * agreement along `lastAxis`. Lengths must match (checked by the caller, which names the output).
 *
 * @example
 * ```ts
 * outputAgreement('logits', new Float32Array([1, 2]), new Float32Array([1, 2.1]), 2).top1Agreement; // 1
 * ```
 */
export function outputAgreement(name: string, reference: ArrayLike<number>, candidate: ArrayLike<number>, lastAxis: number): OutputAgreement {
  let dot = 0;
  let referenceSquares = 0;
  let candidateSquares = 0;
  let maxAbsError = 0;
  for (let index = 0; index < reference.length; index++) {
    const a = reference[index]!;
    const b = candidate[index]!;
    dot += a * b;
    referenceSquares += a * a;
    candidateSquares += b * b;
    const error = Math.abs(a - b);
    // NaN in the candidate is the worst error there is, not one Math.max would drop.
    if (!(error <= maxAbsError)) maxAbsError = Number.isNaN(error) ? Number.POSITIVE_INFINITY : error;
  }
  const norms = Math.sqrt(referenceSquares * candidateSquares);
  const cosine = referenceSquares === 0 && candidateSquares === 0 ? 1 : norms === 0 || !Number.isFinite(dot / norms) ? 0 : dot / norms;
  let top1Agreement: number | null = null;
  if (lastAxis > 1 && reference.length > 0) {
    const rows = Math.floor(reference.length / lastAxis);
    let agree = 0;
    for (let row = 0; row < rows; row++) if (argmax(reference, row * lastAxis, lastAxis) === argmax(candidate, row * lastAxis, lastAxis)) agree++;
    top1Agreement = rows === 0 ? null : agree / rows;
  }
  return { name, cosine, maxAbsError, top1Agreement };
}

function argmax(values: ArrayLike<number>, start: number, length: number): number {
  let best = 0;
  for (let index = 1; index < length; index++) if (values[start + index]! > values[start + best]!) best = index;
  return best;
}
