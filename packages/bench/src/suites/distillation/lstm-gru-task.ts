/**
 * A seeded sequence classification task that needs memory over time: Hochreiter and
 * Schmidhuber's temporal-order problem (LSTM, 1997, experiment 6a) at a size that trains here.
 * Each sequence is a run of one-hot distractor tokens holding two marker tokens, each X or Y,
 * one in the first half and one in the second; the class is the markers in order (XX, XY, YX,
 * YY). Lengths vary; shorter sequences are left-padded with all-zero steps, so the last step is
 * always the sequence's own.
 */
import { WhittleError } from '@whittle/core';
import { seededRandom } from '../../seeded-random.ts';

/** The classes, in label order: the two markers as they come. */
export const TEMPORAL_ORDER_CLASSES = ['XX', 'XY', 'YX', 'YY'] as const;

/** Token indices of the two markers; every higher index is a distractor. */
export const MARKER_X = 0;
export const MARKER_Y = 1;

/** Sizes of {@link temporalOrderSequences}. */
export interface TemporalOrderOptions {
  readonly count: number;
  /** Shortest and longest sequence (inclusive); every sequence is padded to `maxLength` steps. */
  readonly minLength: number;
  readonly maxLength: number;
  /** Tokens of the one-hot alphabet: the two markers and `tokens - 2` distractors. */
  readonly tokens: number;
  readonly seed: number;
}

/** Sequences and their classes. */
export interface TemporalOrderSequences {
  readonly count: number;
  /** Steps per sequence, padding included (`maxLength`). */
  readonly steps: number;
  readonly tokens: number;
  /** `[count, steps, tokens]` one-hot rows, row-major; all-zero rows are padding. */
  readonly inputs: Float32Array;
  /** The class of each sequence, an index into {@link TEMPORAL_ORDER_CLASSES}. */
  readonly labels: Uint8Array;
}

/** The most elements of `inputs`, so a typo cannot allocate without bound. */
const MAX_ELEMENTS = 1 << 28;

/**
 * `count` seeded temporal-order sequences: equal options give equal sequences. Throws an
 * `invalid-argument` WhittleError naming the field for a size that is not a positive integer, a
 * length range that cannot hold two markers apart, fewer than three tokens, or more than 2^28
 * input elements.
 *
 * @example
 * ```ts
 * const train = temporalOrderSequences({ count: 2000, minLength: 20, maxLength: 30, tokens: 8, seed: 1 });
 * train.labels[0]; // 0 (XX) … 3 (YY)
 * ```
 */
export function temporalOrderSequences(options: TemporalOrderOptions): TemporalOrderSequences {
  const { count, minLength, maxLength, tokens, seed } = options;
  for (const [field, value, least] of [['count', count, 1], ['minLength', minLength, 4], ['maxLength', maxLength, 4], ['tokens', tokens, 3]] as const) {
    if (!Number.isSafeInteger(value) || value < least) throw new WhittleError('invalid-argument', `${field} must be an integer of at least ${least}`, { field: `options.${field}` });
  }
  if (!Number.isSafeInteger(seed)) throw new WhittleError('invalid-argument', 'seed must be an integer', { field: 'options.seed' });
  if (maxLength < minLength) throw new WhittleError('invalid-argument', 'maxLength must be at least minLength', { field: 'options.maxLength' });
  if (count * maxLength * tokens > MAX_ELEMENTS) throw new WhittleError('invalid-argument', `count × maxLength × tokens must be at most ${MAX_ELEMENTS}`, { field: 'options.count' });
  const random = seededRandom(seed);
  const below = (limit: number): number => Math.min(limit - 1, Math.floor(random.uniform() * limit));
  const inputs = new Float32Array(count * maxLength * tokens);
  const labels = new Uint8Array(count);
  for (let sample = 0; sample < count; sample++) {
    const length = minLength + below(maxLength - minLength + 1);
    const padding = maxLength - length;
    const half = Math.floor(length / 2);
    // One marker in each half, never on the first step, so a sequence always opens with a distractor.
    const first = 1 + below(half - 1);
    const second = half + below(length - half);
    const firstIsY = below(2);
    const secondIsY = below(2);
    labels[sample] = 2 * firstIsY + secondIsY;
    for (let step = 0; step < length; step++) {
      const token = step === first ? MARKER_X + firstIsY : step === second ? MARKER_X + secondIsY : 2 + below(tokens - 2);
      inputs[(sample * maxLength + padding + step) * tokens + token] = 1;
    }
  }
  return { count, steps: maxLength, tokens, inputs, labels };
}
