/**
 * Knowledge distillation's training loop: a frozen teacher, a student that learns to match it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { WhittleError, isWhittleError, optimizerByName, requireGradients, setLearningRate } from '@whittle/core';
import { pickOutput, type ModelOutputs } from '../losses/index.ts';
import { runningTeacher, trainingStudent, type DistillModel, type RunningTeacher, type TrainingStudent } from './distill-model.ts';
import { checkDistillOptions, type CheckedOptions, type DistillOptions, type DistillResult } from './distill-options.ts';
import { learningRateAt } from './learning-rate-schedule.ts';
import { isInMemory, readEpoch, type DistillData, type ReadBatch } from './training-data.ts';
import { metricSum } from './validation-metric.ts';

/**
 * Trains `student` to match `teacher` on `data`. The teacher only runs in inference mode (its
 * outputs cached when `cacheTeacher`); the student's variables, and any the loss owns (a FitNets
 * projection), train with the named optimizer under the learning-rate schedule, on seeded
 * shuffled batches, for `epochs` or until early stopping. Every bad option is an
 * `invalid-argument` WhittleError naming it; no tensor outlives the call except the trained
 * student. The student given is left as it was, except an apply model, whose own variables train
 * (and are put back as they were when training fails).
 *
 * @example
 * ```ts
 * await useBackend('wasm', { gradients: true });
 * const { student: trained, history } = await distill({
 *   teacher, student, data: { xs: images, ys: labels },
 *   loss: hintonLoss({ temperature: 4, alpha: 0.1 }),
 *   optimizer: 'adam', learningRate: 1e-3, schedule: { kind: 'cosine' },
 *   epochs: 10, batchSize: 64, seed: 1,
 *   validation: { data: { xs: testImages, ys: testLabels }, metric: 'accuracy' },
 *   earlyStopping: { patience: 3 },
 * });
 * console.log(history.validation[history.bestEpoch - 1]);
 * ```
 */
export async function distill<Student extends DistillModel>(options: DistillOptions<Student>): Promise<DistillResult<Student>> {
  const checked = checkDistillOptions(options);
  requireGradients('distill');
  let teacher: RunningTeacher | undefined;
  let student: TrainingStudent | undefined;
  let optimizer: tf.Optimizer | undefined;
  const cache = new TeacherCache();
  let best: tf.Tensor[] | undefined;
  try {
    teacher = await runningTeacher(options.teacher);
    student = await trainingStudent(options.student);
    const variables = [...student.variables, ...(checked.loss.trainableVariables ?? [])];
    if (student.variables.length === 0) throw new WhittleError('invalid-argument', 'the student has no trainable variables', { field: 'student' });
    optimizer = optimizerByName(checked.optimizer, checked.learningRate, checked.momentum);
    if (checked.cacheTeacher && isInMemory(options.data)) cache.fillFrom(teacher, options.data.xs, checked.batchSize);

    const losses: number[] = [];
    const validations: number[] = [];
    const rates: number[] = [];
    let bestEpoch = 0;
    let bestValue = Number.NaN;
    let epochsSinceBest = 0;
    let stoppedEarly = false;
    let step = 0;
    for (let epoch = 1; epoch <= checked.epochs; epoch++) {
      const started = performance.now();
      let sum = 0;
      let batches = 0;
      let epochRate = Number.NaN;
      for await (const batch of readEpoch(options.data, { batchSize: checked.batchSize, shuffle: checked.shuffle, seed: checked.seed, epoch }, 'data')) {
        const learningRate = learningRateAt(checked.schedule, { epoch, step: step + 1, epochs: checked.epochs, learningRate: checked.learningRate });
        if (batches === 0) epochRate = learningRate;
        setLearningRate(optimizer, learningRate);
        let loss: number;
        try {
          loss = await trainStep(teacher, student, optimizer, variables, checked, cache, batch);
          if (!Number.isFinite(loss)) throw nonFiniteLoss(loss, epoch, batch);
        } catch (error) {
          throw batchError(error, `data[${batch.index}]`);
        } finally {
          tf.dispose(batch.owned as tf.Tensor[]);
        }
        sum += loss;
        batches++;
        step++;
        await options.onProgress?.({ kind: 'batch', epoch, batch: batch.index + 1, step, loss, learningRate });
      }
      if (batches === 0) {
        throw new WhittleError('invalid-argument', `the data gave no batches in epoch ${epoch}; pass an array or a function returning a fresh iterable each epoch`, { field: 'data' });
      }
      const loss = sum / batches;
      losses.push(loss);
      rates.push(epochRate);
      const validation = checked.validation === undefined ? undefined : await validate(student, checked.validation);
      if (validation !== undefined) validations.push(validation);
      const monitored = validation ?? loss;
      const maximize = checked.validation?.goal === 'maximize';
      const minDelta = checked.earlyStopping?.minDelta ?? 0;
      if (bestEpoch === 0 || (maximize ? monitored > bestValue + minDelta : monitored < bestValue - minDelta)) {
        bestEpoch = epoch;
        bestValue = monitored;
        epochsSinceBest = 0;
        if (checked.earlyStopping?.restoreBest === true) {
          tf.dispose(best);
          best = student.variables.map((variable) => tf.clone(variable));
        }
      } else {
        epochsSinceBest++;
      }
      await options.onProgress?.({ kind: 'epoch', epoch, loss, validation, learningRate: epochRate, seconds: (performance.now() - started) / 1000 });
      if (checked.earlyStopping !== undefined && epochsSinceBest >= checked.earlyStopping.patience && epoch < checked.epochs) {
        stoppedEarly = true;
        break;
      }
    }
    if (best !== undefined) for (const [index, variable] of student.variables.entries()) variable.assign(best[index]!);
    const trained = (await student.finish()) as Student;
    return { student: trained, history: { loss: losses, validation: validations, learningRate: rates, bestEpoch, stoppedEarly } };
  } finally {
    tf.dispose(best);
    cache.dispose();
    optimizer?.dispose();
    student?.dispose();
    teacher?.dispose();
  }
}

/** One optimizer step on one batch; the batch's loss. */
async function trainStep(teacher: RunningTeacher, student: TrainingStudent, optimizer: tf.Optimizer, variables: tf.Variable[], checked: CheckedOptions, cache: TeacherCache, batch: ReadBatch): Promise<number> {
  let teacherOutputs: tf.Tensor[] | undefined;
  try {
    teacherOutputs = checked.cacheTeacher ? cache.outputs(teacher, batch) : asList(tf.tidy(() => teacher.predict(batch.xs) as tf.Tensor | tf.Tensor[]));
    const given: ModelOutputs = teacherOutputs.length === 1 ? teacherOutputs[0]! : teacherOutputs;
    const cost = optimizer.minimize(() => checkedScalar(checked.loss(given, student.apply(batch.xs, true), batch.ys)), true, variables);
    const value = (await cost!.data())[0]!;
    cost!.dispose();
    return value;
  } finally {
    // Cached outputs live until training ends; gathered or fresh ones die with the batch.
    if (teacherOutputs !== undefined && !cache.owns(teacherOutputs)) tf.dispose(teacherOutputs);
  }
}

/** A loss that is NaN or infinite: from non-finite inputs (named), or else from a diverging step. */
function nonFiniteLoss(loss: number, epoch: number, batch: ReadBatch): WhittleError {
  const finite = (tensor: tf.Tensor | undefined): boolean => tensor === undefined || tf.tidy(() => tf.all(tf.isFinite(tensor)).dataSync()[0] === 1);
  const where = `at epoch ${epoch}, batch ${batch.index + 1}`;
  if (!finite(batch.xs)) return new WhittleError('invalid-argument', `the inputs hold NaN or infinite values (the loss became ${loss} ${where})`, { field: `data[${batch.index}].xs` });
  if (batch.ys !== undefined && !finite(batch.ys)) return new WhittleError('invalid-argument', `the labels hold NaN or infinite values (the loss became ${loss} ${where})`, { field: `data[${batch.index}].ys` });
  return new WhittleError('invalid-argument', `the loss became ${loss} ${where}; try a lower learning rate`, { field: 'learningRate' });
}

/** A model or loss that fails on a batch (wrong input width, say) as a WhittleError naming the batch. */
function batchError(error: unknown, field: string): unknown {
  if (isWhittleError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new WhittleError('invalid-argument', `the teacher, student or loss cannot run on this batch: ${message}`, { field }, { cause: error });
}

function checkedScalar(value: unknown): tf.Scalar {
  if (!(value instanceof tf.Tensor) || value.rank !== 0) throw new WhittleError('invalid-argument', 'the loss must return a scalar tensor', { field: 'loss' });
  return value as tf.Scalar;
}

/** The validation metric of the student on `validation.data`, averaged over samples. */
async function validate(student: TrainingStudent, validation: NonNullable<CheckedOptions['validation']>): Promise<number> {
  let sum = 0;
  let samples = 0;
  for await (const batch of readEpoch(validation.data, { batchSize: 256, shuffle: false, seed: 0, epoch: 0 }, 'validation.data')) {
    try {
      if (batch.ys === undefined) throw new WhittleError('invalid-argument', 'validation needs labels (ys) in every batch', { field: 'validation.data.ys' });
      let outputs: tf.Tensor[];
      try {
        outputs = tf.tidy(() => asList(student.apply(batch.xs, false)));
      } catch (error) {
        throw batchError(error, `validation.data[${batch.index}]`);
      }
      try {
        sum += metricSum(validation.metric, pickOutput(outputs, -1, 'student'), batch.ys, 'validation');
      } finally {
        tf.dispose(outputs);
      }
      samples += batch.xs.shape[0]!;
    } finally {
      tf.dispose(batch.owned as tf.Tensor[]);
    }
  }
  if (samples === 0) throw new WhittleError('invalid-argument', 'the validation data gave no batches', { field: 'validation.data' });
  return sum / samples;
}

function asList(outputs: ModelOutputs): tf.Tensor[] {
  return outputs instanceof tf.Tensor ? [outputs] : [...outputs];
}

/**
 * The teacher's outputs kept across epochs: for in-memory data, every sample's, gathered for each
 * batch; for a stream, each batch's by its index.
 */
class TeacherCache {
  private all: tf.Tensor[] | undefined;
  private readonly byBatch = new Map<number, tf.Tensor[]>();
  private readonly kept = new Set<tf.Tensor>();

  fillFrom(teacher: RunningTeacher, xs: tf.Tensor, batchSize: number): void {
    const count = xs.shape[0]!;
    const parts: tf.Tensor[][] = [];
    try {
      for (let start = 0; start < count; start += batchSize) {
        const size = Math.min(batchSize, count - start);
        parts.push(tf.tidy(() => asList(teacher.predict(tf.slice(xs, start, size)))));
      }
      this.all = parts[0]!.map((_, output) => tf.concat(parts.map((part) => part[output]!)));
    } finally {
      tf.dispose(parts.flat());
    }
  }

  outputs(teacher: RunningTeacher, batch: ReadBatch): tf.Tensor[] {
    if (this.all !== undefined && batch.samples !== undefined) return this.all.map((output) => tf.gather(output, batch.samples!));
    const cached = this.byBatch.get(batch.index);
    if (cached !== undefined) {
      if (cached[0]!.shape[0] !== batch.xs.shape[0]) {
        throw new WhittleError('invalid-argument', `batch ${batch.index + 1} has ${batch.xs.shape[0]} samples but had ${cached[0]!.shape[0]} when its teacher outputs were cached; a cached stream must give the same batches each epoch`, { field: 'cacheTeacher' });
      }
      return cached;
    }
    const fresh = tf.tidy(() => asList(teacher.predict(batch.xs)));
    this.byBatch.set(batch.index, fresh);
    for (const tensor of fresh) this.kept.add(tensor);
    return fresh;
  }

  owns(outputs: readonly tf.Tensor[]): boolean {
    return outputs.every((tensor) => this.kept.has(tensor));
  }

  dispose(): void {
    tf.dispose(this.all);
    for (const outputs of this.byBatch.values()) tf.dispose(outputs);
    this.byBatch.clear();
    this.kept.clear();
  }
}
