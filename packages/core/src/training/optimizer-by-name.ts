/**
 * The tfjs optimizers the training steps (gradual pruning, centroid fine-tuning, distillation)
 * make, chosen by name, and the one way to change their learning rate between steps (a schedule).
 */
import * as tf from '@tensorflow/tfjs-core';
import { WhittleError } from '../errors.ts';
import { describeValue } from '../tensor/shape.ts';

/** Every optimizer name a training step can take: the list {@link OptimizerName} comes from. */
export const OPTIMIZER_NAMES = ['adam', 'sgd', 'rmsprop', 'adagrad'] as const;

/** Adam (default), SGD (with momentum when given), RMSprop (with momentum when given) or AdaGrad. */
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

/** Each optimizer's usual starting learning rate. */
export const DEFAULT_LEARNING_RATES: Readonly<Record<OptimizerName, number>> = { adam: 1e-3, sgd: 1e-2, rmsprop: 1e-3, adagrad: 1e-2 };

/**
 * A fresh tfjs optimizer of the named kind (the caller disposes it). `momentum` is for `sgd` and
 * `rmsprop` only; every bad value is an `invalid-argument` WhittleError naming the field.
 *
 * @example
 * ```ts
 * const optimizer = optimizerByName('sgd', 0.05, 0.9); // tf.train.momentum(0.05, 0.9)
 * ```
 */
export function optimizerByName(name: OptimizerName, learningRate: number, momentum = 0): tf.Optimizer {
  if (!(OPTIMIZER_NAMES as readonly unknown[]).includes(name)) {
    throw new WhittleError('invalid-argument', `optimizer must be one of ${OPTIMIZER_NAMES.join(', ')}, got ${describeValue(name)}`, { field: 'optimizer' });
  }
  if (typeof learningRate !== 'number' || !Number.isFinite(learningRate) || learningRate <= 0) {
    throw new WhittleError('invalid-argument', `learningRate must be a finite number > 0, got ${describeValue(learningRate)}`, { field: 'learningRate' });
  }
  if (typeof momentum !== 'number' || !Number.isFinite(momentum) || momentum < 0 || momentum >= 1) {
    throw new WhittleError('invalid-argument', `momentum must be a number in [0, 1), got ${describeValue(momentum)}`, { field: 'momentum' });
  }
  if (momentum > 0 && (name === 'adam' || name === 'adagrad')) {
    throw new WhittleError('invalid-argument', `momentum applies to sgd and rmsprop, not ${name}`, { field: 'momentum' });
  }
  switch (name) {
    case 'adam':
      return tf.train.adam(learningRate);
    case 'sgd':
      return momentum > 0 ? tf.train.momentum(learningRate, momentum) : tf.train.sgd(learningRate);
    case 'rmsprop':
      return tf.train.rmsprop(learningRate, 0.9, momentum);
    case 'adagrad':
      return tf.train.adagrad(learningRate);
  }
}

/**
 * Sets the learning rate the optimizer's next step uses. tfjs's SGD family caches it as a tensor
 * (`setLearningRate` rebuilds it); the others read their `learningRate` field each step.
 *
 * @example
 * ```ts
 * setLearningRate(optimizer, 1e-4);
 * ```
 */
export function setLearningRate(optimizer: tf.Optimizer, learningRate: number): void {
  const target = optimizer as unknown as { learningRate: number; setLearningRate?: (value: number) => void };
  if (typeof target.setLearningRate === 'function') target.setLearningRate(learningRate);
  else target.learningRate = learningRate;
}
