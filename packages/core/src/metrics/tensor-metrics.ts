import { WhittleError } from '../errors.ts';
import { toFloat32, type HostTensor } from '../tensor/host-tensor.ts';
import { describeValue, shapesEqual } from '../tensor/shape.ts';

/** What the metrics compare: raw float32 values, or tensors of any dtype (read as float32). */
export type MetricInput = Float32Array | HostTensor;

/** Every error metric of a candidate against its reference, from {@link compareTensors}. */
export interface TensorComparison {
  readonly meanSquaredError: number;
  /** Signal-to-quantization-noise ratio in dB. */
  readonly sqnr: number;
  readonly cosineSimilarity: number;
  readonly maxAbsError: number;
}

/**
 * Mean of the squared differences; 0 for empty inputs.
 *
 * @example
 * ```ts
 * meanSquaredError(new Float32Array([1, 2]), new Float32Array([1, 4])); // 2
 * ```
 */
export function meanSquaredError(reference: MetricInput, candidate: MetricInput): number {
  return compareTensors(reference, candidate).meanSquaredError;
}

/**
 * Signal-to-quantization-noise ratio in dB: 10 · log10(Σx² / Σ(x − y)²). `+Infinity` when the
 * candidate equals the reference (empty and all-zero inputs included); `-Infinity` when the
 * reference is all zeros and the candidate is not (no signal, some noise).
 *
 * @example
 * ```ts
 * sqnr(new Float32Array([3, 4]), new Float32Array([3, 4.5])); // 10 · log10(25 / 0.25) = 20
 * ```
 */
export function sqnr(reference: MetricInput, candidate: MetricInput): number {
  return compareTensors(reference, candidate).sqnr;
}

/**
 * Cosine of the angle between the two as vectors, in [−1, 1]. Identical inputs give exactly 1
 * (two zero vectors included); a zero vector against a non-zero one gives 0.
 *
 * @example
 * ```ts
 * cosineSimilarity(new Float32Array([1, 0]), new Float32Array([0, 2])); // 0
 * ```
 */
export function cosineSimilarity(reference: MetricInput, candidate: MetricInput): number {
  return compareTensors(reference, candidate).cosineSimilarity;
}

/**
 * Largest absolute difference; 0 for empty inputs.
 *
 * @example
 * ```ts
 * maxAbsError(new Float32Array([1, 2]), new Float32Array([1.5, 0])); // 2
 * ```
 */
export function maxAbsError(reference: MetricInput, candidate: MetricInput): number {
  return compareTensors(reference, candidate).maxAbsError;
}

/**
 * All the error metrics in one pass, accumulated in float64. Tensors must have equal shapes (a
 * Float32Array against anything: equal lengths), else an `invalid-argument` WhittleError.
 * Non-finite values make the affected metrics NaN.
 *
 * @example
 * ```ts
 * const { sqnr, cosineSimilarity } = compareTensors(original, decode(quantized));
 * ```
 */
export function compareTensors(reference: MetricInput, candidate: MetricInput): TensorComparison {
  const expected = readValues(reference, 'reference');
  const actual = readValues(candidate, 'candidate');
  if (
    expected.length !== actual.length ||
    (!(reference instanceof Float32Array) &&
      !(candidate instanceof Float32Array) &&
      !shapesEqual(reference.shape, candidate.shape))
  ) {
    throw new WhittleError(
      'invalid-argument',
      `candidate ${shapeText(candidate)} does not match reference ${shapeText(reference)}`,
      { field: 'candidate' },
    );
  }
  let signal = 0;
  let noise = 0;
  let dot = 0;
  let candidateEnergy = 0;
  let maxError = 0;
  for (let index = 0; index < expected.length; index++) {
    const x = expected[index]!;
    const y = actual[index]!;
    const difference = x - y;
    signal += x * x;
    candidateEnergy += y * y;
    dot += x * y;
    noise += difference * difference;
    const error = Math.abs(difference);
    // `!(error <= maxError)` also lets a NaN through, so NaN inputs surface in the result.
    if (!(error <= maxError)) maxError = error;
  }
  return {
    meanSquaredError: expected.length === 0 ? 0 : noise / expected.length,
    sqnr: ratioInDecibels(signal, noise),
    cosineSimilarity: cosine(dot, signal, candidateEnergy, noise),
    maxAbsError: maxError,
  };
}

function ratioInDecibels(signal: number, noise: number): number {
  if (noise === 0) return Infinity;
  if (signal === 0) return -Infinity;
  return 10 * Math.log10(signal / noise);
}

function cosine(dot: number, referenceEnergy: number, candidateEnergy: number, noise: number): number {
  // Exactly 1 for identical inputs, where rounding in the square roots could give 1 ± 1 ulp.
  if (noise === 0) return 1;
  if (referenceEnergy === 0 || candidateEnergy === 0) return 0;
  // One square root of the product rounds once less than a product of square roots (parallel
  // vectors then give exactly ±1); fall back where the product would overflow.
  const product = referenceEnergy * candidateEnergy;
  const norms = Number.isFinite(product) ? Math.sqrt(product) : Math.sqrt(referenceEnergy) * Math.sqrt(candidateEnergy);
  const value = dot / norms;
  return Number.isNaN(value) ? value : Math.min(1, Math.max(-1, value));
}

function readValues(input: MetricInput, field: string): Float32Array {
  if (input instanceof Float32Array) return input;
  if (typeof input === 'object' && input !== null && 'dtype' in input && 'data' in input && 'shape' in input) {
    return toFloat32(input).data;
  }
  throw new WhittleError('invalid-argument', `expected a Float32Array or HostTensor, got ${describeValue(input)}`, { field });
}

function shapeText(input: MetricInput): string {
  return input instanceof Float32Array ? `of length ${input.length}` : `of shape [${input.shape.join(', ')}]`;
}
