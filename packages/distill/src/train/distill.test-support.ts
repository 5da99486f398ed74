/**
 * Small teachers, students and data for the training loop's tests.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { ApplyModel } from './distill-model.ts';

export const FEATURES = 6;
export const CLASSES = 3;

/** A deterministic linear teacher `x·W` as an apply model, with a fixed W made from `seed`. */
export function linearTeacher(seed = 1): ApplyModel & { weights: tf.Variable; calls: { training: boolean | undefined; rows: number }[] } {
  const values = Array.from({ length: FEATURES * CLASSES }, (_, index) => Math.sin(index * 1.7 + seed) * 2);
  const weights = tf.variable(tf.tensor2d(values, [FEATURES, CLASSES]), true);
  const calls: { training: boolean | undefined; rows: number }[] = [];
  return {
    weights,
    calls,
    trainableVariables: [weights],
    apply: (inputs, options) => {
      calls.push({ training: options?.training, rows: inputs.shape[0]! });
      return tf.matMul(inputs as tf.Tensor2D, weights);
    },
  };
}

/** A linear student `x·W` starting from zeros. */
export function linearStudent(): ApplyModel & { weights: tf.Variable } {
  const weights = tf.variable(tf.zeros([FEATURES, CLASSES]), true);
  return { weights, trainableVariables: [weights], apply: (inputs) => tf.matMul(inputs as tf.Tensor2D, weights) };
}

/** `count` inputs from a fixed formula, and the class the teacher of `seed` gives each. */
export function linearData(count: number, seed = 1): { xs: tf.Tensor2D; ys: tf.Tensor1D } {
  // sin of a quadratic phase: no low-rank pattern, so the rows span every feature direction.
  const xs = tf.tensor2d(Array.from({ length: count * FEATURES }, (_, index) => Math.sin(index * index * 0.61 + index * 0.3)), [count, FEATURES]);
  const teacher = linearTeacher(seed);
  const ys = tf.tidy(() => tf.argMax(teacher.apply(xs) as tf.Tensor, 1) as tf.Tensor1D);
  teacher.weights.dispose();
  return { xs, ys };
}

/** A stock tfjs-layers MLP FEATURES-hidden-CLASSES with seeded initialisers. */
export function layersMlp(hidden: number, seed: number, name: string): tfl.LayersModel {
  return tfl.sequential({
    name,
    layers: [
      tfl.layers.dense({ units: hidden, activation: 'relu', inputShape: [FEATURES], kernelInitializer: tfl.initializers.glorotUniform({ seed }) }),
      tfl.layers.dense({ units: CLASSES, kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 1 }) }),
    ],
  });
}

/** Runs `action` and returns what it threw. */
export async function rejection(action: () => Promise<unknown>): Promise<unknown> {
  try {
    await action();
  } catch (error) {
    return error;
  }
  return undefined;
}
