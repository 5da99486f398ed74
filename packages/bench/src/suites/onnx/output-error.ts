/** How far a compressed model's outputs are from the float32 model's on the same inputs. */
export interface OutputError {
  /** ‖candidate − reference‖ / ‖reference‖ over every output element. */
  readonly relativeRmsError: number;
  /** Cosine similarity of the outputs as flat vectors. */
  readonly cosine: number;
}

/**
 * Relative RMS error and cosine similarity of `candidate` against `reference`, over every
 * sample's output taken together.
 *
 * @example
 * ```ts
 * outputAgreement([new Float32Array([1, 0])], [new Float32Array([1, 0.1])]).relativeRmsError; // 0.1
 * ```
 */
export function outputAgreement(reference: readonly Float32Array[], candidate: readonly Float32Array[]): OutputError {
  let dot = 0;
  let referenceSquares = 0;
  let candidateSquares = 0;
  let errorSquares = 0;
  reference.forEach((values, sample) => {
    const other = candidate[sample]!;
    for (let index = 0; index < values.length; index++) {
      const a = values[index]!;
      const b = other[index]!;
      dot += a * b;
      referenceSquares += a * a;
      candidateSquares += b * b;
      errorSquares += (a - b) * (a - b);
    }
  });
  return {
    relativeRmsError: referenceSquares === 0 ? (errorSquares === 0 ? 0 : Number.POSITIVE_INFINITY) : Math.sqrt(errorSquares / referenceSquares),
    cosine: referenceSquares === 0 || candidateSquares === 0 ? (referenceSquares === candidateSquares ? 1 : 0) : dot / Math.sqrt(referenceSquares * candidateSquares),
  };
}
