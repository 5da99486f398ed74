/**
 * FitNets (Romero et al. 2015) hints: a student layer, mapped by a learned linear projection to
 * the width of a teacher layer, regresses that layer's activations.
 */
import * as tf from '@tensorflow/tfjs-core';
import { WhittleError, describeValue } from '@whittle/core';
import { checkOutputChoice, checkSameShape, pickOutput, type DistillationLoss, type OutputChoice } from './distillation-loss.ts';
import { seededNormal } from './seeded-normal.ts';

/** Options of {@link hintLoss}. */
export interface HintLossOptions {
  /** Channels (last axis) of the student's hinted output. */
  readonly studentChannels: number;
  /** Channels (last axis) of the teacher's hint output. */
  readonly teacherChannels: number;
  /** Seed of the projection's initialisation. Default 0. */
  readonly seed?: number;
  /** Which outputs are the hint and the hinted layer, for models with several. Default the first of each. */
  readonly outputs?: OutputChoice;
}

/** The most channels a projection may have on either side, so a typo cannot allocate gigabytes. */
const MAX_CHANNELS = 1 << 16;

/**
 * The FitNets hint loss: mean squared error between the teacher's activations and the student's
 * projected by `W·s + b`, a `[studentChannels, teacherChannels]` projection applied along the last
 * axis (a Dense layer for `[batch, width]`, a 1×1 convolution for `[batch, height, width,
 * channels]` maps, whose spatial sizes must then agree). `W` and `b` are the loss's
 * `trainableVariables`: `distill` trains them with the student; call `dispose` when done.
 *
 * @example
 * ```ts
 * const hint = hintLoss({ studentChannels: 64, teacherChannels: 1200, seed: 1 });
 * optimizer.minimize(() => hint(teacherFeatures, studentModel.apply(images) as tf.Tensor), false, [...studentVariables, ...hint.trainableVariables!]);
 * hint.dispose!();
 * ```
 */
export function hintLoss(options: HintLossOptions): DistillationLoss {
  if (typeof options !== 'object' || options === null) throw new WhittleError('invalid-argument', `hintLoss options must be an object, got ${describeValue(options)}`, { field: 'options' });
  const studentChannels = checkChannels(options.studentChannels, 'studentChannels');
  const teacherChannels = checkChannels(options.teacherChannels, 'teacherChannels');
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(seed)) throw new WhittleError('invalid-argument', `seed must be an integer, got ${describeValue(seed)}`, { field: 'seed' });
  const outputs = checkOutputChoice(options.outputs, 'outputs', 0);
  // Glorot-style scale, so the projected hint starts at about the size of its input.
  const weights = ownedVariable(tf.tensor2d(seededNormal(studentChannels * teacherChannels, Math.sqrt(1 / studentChannels), seed), [studentChannels, teacherChannels]));
  const bias = ownedVariable(tf.zeros([teacherChannels]));
  const loss = ((teacherOutputs, studentOutputs) => {
    if (weights.isDisposed) throw new WhittleError('invalid-argument', 'the hint loss was disposed', { field: 'hintLoss' });
    const teacher = pickOutput(teacherOutputs, outputs.teacher, 'teacherOutputs');
    const student = pickOutput(studentOutputs, outputs.student, 'studentOutputs');
    if (student.rank < 2 || student.shape[student.rank - 1] !== studentChannels) {
      throw new WhittleError('invalid-argument', `expected ${studentChannels} channels on the last axis, got shape [${student.shape.join(', ')}]`, { field: 'studentOutputs' });
    }
    if (teacher.rank < 2 || teacher.shape[teacher.rank - 1] !== teacherChannels) {
      throw new WhittleError('invalid-argument', `expected ${teacherChannels} channels on the last axis, got shape [${teacher.shape.join(', ')}]`, { field: 'teacherOutputs' });
    }
    checkSameShape(teacher.shape.slice(0, -1), student.shape.slice(0, -1), 'studentOutputs');
    return tf.tidy(() => {
      const projected = tf.add(tf.matMul(tf.reshape(tf.cast(student, 'float32'), [-1, studentChannels]), weights), bias);
      return tf.mean(tf.squaredDifference(projected, tf.reshape(tf.cast(teacher, 'float32'), [-1, teacherChannels]))) as tf.Scalar;
    });
  }) as DistillationLoss;
  return Object.assign(loss, {
    trainableVariables: [weights, bias] as const,
    dispose: () => {
      weights.dispose();
      bias.dispose();
    },
  });
}

function checkChannels(value: unknown, field: string): number {
  if (!Number.isSafeInteger(value) || (value as number) < 1 || (value as number) > MAX_CHANNELS) {
    throw new WhittleError('invalid-argument', `must be an integer from 1 to ${MAX_CHANNELS}, got ${describeValue(value)}`, { field });
  }
  return value as number;
}

/** A trainable variable holding `initial`, which is freed (the variable keeps its own reference). */
function ownedVariable(initial: tf.Tensor): tf.Variable {
  try {
    return tf.variable(initial, true);
  } finally {
    initial.dispose();
  }
}
