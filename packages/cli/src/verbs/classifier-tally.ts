/**
 * Accuracy and cross-entropy of a classifier, tallied batch by batch over its outputs, in plain
 * float64 arithmetic.
 */

/** A running tally of a classifier's outputs against the true classes. */
export interface ClassifierTally {
  readonly examples: number;
  /** Examples whose highest output (the first, on a tie) is the true class. */
  readonly correct: number;
  /** Σ −log softmax(outputs)[label]: the loss when the outputs are logits. */
  readonly logitLoss: number;
  /** Σ −log max(outputs[label], ε): the loss when the outputs are probabilities. */
  readonly probabilityLoss: number;
  /** Whether every row so far lies in [0, 1] and sums to 1: a softmax output. */
  readonly probabilities: boolean;
}

/** What `whittle eval` reports of a tally. */
export interface ClassifierMetrics {
  readonly examples: number;
  readonly correct: number;
  /** Top-1 accuracy in percent. */
  readonly accuracy: number;
  /** Mean cross-entropy, in nats. */
  readonly loss: number;
  /** How the outputs were read: logits (softmax taken here) or probabilities (the model ends in a softmax). */
  readonly outputs: 'logits' | 'probabilities';
}

/** Keras's epsilon: a probability is clipped to it before its log, so a confident miss costs about 16, not Infinity. */
export const PROBABILITY_EPSILON = 1e-7;

/** How far a softmax row's sum may be from 1 in float32. */
const SUM_TOLERANCE = 1e-3;

/** The tally before any example. */
export const EMPTY_TALLY: ClassifierTally = { examples: 0, correct: 0, logitLoss: 0, probabilityLoss: 0, probabilities: true };

/**
 * `tally` with a batch added: `outputs` holds `labels.length` rows of `classes` values, row-major;
 * each label is a class index in `[0, classes)` (the caller checks that).
 *
 * @example
 * ```ts
 * let tally = EMPTY_TALLY;
 * tally = tallyBatch(tally, Float32Array.of(2, 0, 0, 1), 2, [0, 0]); // correct: 1
 * ```
 */
export function tallyBatch(tally: ClassifierTally, outputs: ArrayLike<number>, classes: number, labels: ArrayLike<number>): ClassifierTally {
  let { correct, logitLoss, probabilityLoss, probabilities } = tally;
  for (let row = 0; row < labels.length; row++) {
    const start = row * classes;
    let best = 0;
    let sum = 0;
    for (let column = 0; column < classes; column++) {
      const value = outputs[start + column]!;
      if (value > outputs[start + best]!) best = column;
      sum += value;
      if (!(value >= 0 && value <= 1)) probabilities = false;
    }
    if (Math.abs(sum - 1) > SUM_TOLERANCE) probabilities = false;
    const label = labels[row]!;
    if (best === label) correct++;
    const highest = outputs[start + best]!;
    let exponentials = 0;
    for (let column = 0; column < classes; column++) exponentials += Math.exp(outputs[start + column]! - highest);
    logitLoss += highest + Math.log(exponentials) - outputs[start + label]!;
    probabilityLoss -= Math.log(Math.max(outputs[start + label]!, PROBABILITY_EPSILON));
  }
  return { examples: tally.examples + labels.length, correct, logitLoss, probabilityLoss, probabilities };
}

/**
 * The accuracy and mean loss of a tally; the loss of probabilities when every row was a
 * probability distribution, else of logits.
 *
 * @example
 * ```ts
 * classifierMetrics(tally); // { examples: 2000, correct: 1894, accuracy: 94.7, loss: 0.18, outputs: 'logits' }
 * ```
 */
export function classifierMetrics(tally: ClassifierTally): ClassifierMetrics {
  const examples = Math.max(1, tally.examples);
  return {
    examples: tally.examples,
    correct: tally.correct,
    accuracy: (100 * tally.correct) / examples,
    loss: (tally.probabilities ? tally.probabilityLoss : tally.logitLoss) / examples,
    outputs: tally.probabilities ? 'probabilities' : 'logits',
  };
}
