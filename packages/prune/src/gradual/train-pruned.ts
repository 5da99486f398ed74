/**
 * Gradual magnitude pruning during training (Zhu & Gupta 2017): a tfjs-layers model trains
 * through core's runner while keep-masks tighten on a schedule, and every pruned weight is zeroed
 * again after each optimizer step, so Adam's moments cannot regrow it.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import {
  WEIGHT_ROLES,
  WhittleError,
  decodeToFloat32,
  describeValue,
  loadGradients,
  selectParams,
  type Model,
  type Param,
  type ParamFilter,
  loadRunner,
  splitBatches,
} from '@whittle/core';
import type { BatchData } from '@whittle/core/runner';
import { PRUNING_SCOPES, magnitudeMasks, type PruningScope } from './magnitude-masks.ts';
import { polynomialSchedule, sparsityAt, type PolynomialSchedule } from './polynomial-schedule.ts';
import { compileSparsities } from '../unstructured/param-sparsities.ts';
import type { TrainingLoss } from '@whittle/core';

/** Where {@link trainPruned} is, after each optimizer step. */
export interface PruningProgress {
  /** Optimizer steps done (batches trained), from 1. */
  readonly step: number;
  /** The sparsity the masks hold now (the schedule's, at `step`; with per-param sparsities, the highest of them). */
  readonly sparsity: number;
  /** Each pruned param's scheduled sparsity now, by name. */
  readonly sparsities: ReadonlyMap<string, number>;
  /** The batch's loss. */
  readonly loss: number;
  /** The model being trained, its pruned weights zero: read it, do not dispose it. */
  readonly layersModel: tfl.LayersModel;
}

/** Options of {@link trainPruned}. The filter picks the params pruned (default: every weight role). */
export interface TrainPrunedOptions extends ParamFilter {
  /** The sparsity at each step (see `polynomialSchedule`; `constantSchedule(0)` only fine-tunes). */
  readonly schedule: PolynomialSchedule;
  /** Batches of inputs with targets, read once per epoch. */
  readonly data: BatchData;
  /** Compares the model's outputs with the targets (see `TrainingLoss`). */
  readonly loss: TrainingLoss;
  /** The optimizer; the caller owns it (and its state) and disposes it. */
  readonly optimizer: tf.Optimizer;
  /**
   * Final sparsities per param by name glob (first match in key order): each param ramps on
   * `schedule`'s steps from min(s_i, its own) to its own; a param no glob matches ramps to
   * `schedule.finalSparsity`. Scope `layer` only; each sparsity in [0, 1).
   */
  readonly sparsities?: Readonly<Record<string, number>>;
  /** Passes over the data (default 1). */
  readonly epochs?: number;
  /** Rows per optimizer step: larger given batches are cut to it (default: the batches as given). */
  readonly batchSize?: number;
  /** Rank magnitudes within each param (`layer`, default) or across all selected params (`global`). */
  readonly scope?: PruningScope;
  /** Stops training between steps (the error is the signal's reason). */
  readonly signal?: AbortSignal;
  /** Called after each step, once the masks hold again (awaited before the next step). */
  readonly onBatch?: (progress: PruningProgress) => void | Promise<void>;
  /** Called after each epoch with its number (from 1) and mean loss. */
  readonly onEpoch?: (epoch: number, loss: number) => void;
}

/** What {@link trainPruned} gives back. */
export interface PrunedTraining {
  /** The trained model, pruned params dense float32 with their pruned entries +0. */
  readonly model: Model;
  /** Each pruned param's keep-mask (1 keeps, 0 prunes), by name: for `stripPruning`. */
  readonly masks: ReadonlyMap<string, Uint8Array>;
  /** The mean loss of each epoch. */
  readonly losses: readonly number[];
  /** Optimizer steps taken. */
  readonly steps: number;
}

/**
 * Trains a Keras model (in its tfjs-layers form, on the current backend) while pruning the
 * selected weights by magnitude on `schedule`: masks are set before the first step and tightened
 * whenever the schedule's sparsity rises, ranking |w| per param or globally; what is pruned stays
 * pruned, and every pruned weight is set to +0 after each optimizer step. A param stored sparse
 * starts with its unstored entries pruned. Nothing in `model` changes.
 *
 * @example
 * ```ts
 * const optimizer = tf.train.adam(1e-3);
 * const schedule = polynomialSchedule({ finalSparsity: 0.9, endStep: 800, frequency: 50 });
 * const { model: trained, masks } = await trainPruned(model, { schedule, data, loss: 'categoricalCrossentropy', optimizer, epochs: 10 });
 * const pruned = stripPruning(trained, masks);
 * optimizer.dispose();
 * ```
 */
export async function trainPruned(model: Model, options: TrainPrunedOptions): Promise<PrunedTraining> {
  const { scope = 'layer', signal } = options;
  // Checked again: a schedule may come from anywhere, not only from `polynomialSchedule`.
  const schedule = polynomialSchedule(options.schedule);
  if (!(PRUNING_SCOPES as readonly unknown[]).includes(scope)) {
    throw new WhittleError('invalid-argument', `scope must be one of ${PRUNING_SCOPES.join(', ')}, got ${describeValue(scope)}`, {
      field: 'scope',
    });
  }
  const selected = selectParams(model, options, WEIGHT_ROLES);
  const schedules = paramSchedules(selected, schedule, options.sparsities, scope);
  const runner = await loadRunner('training', { field: 'model' });
  // tfjs-layers registers the gradients as it loads; a bundled app may have dropped them.
  await loadGradients();
  const data = options.batchSize === undefined ? options.data : splitBatches(options.data, options.batchSize);
  const trainable = await runner.loadTrainable(model);
  let maskTensors: tf.Tensor[] = [];
  try {
    const variables = selected.map((param) => layerVariable(trainable.layersModel, param));
    let masks = selected.map(initialMask);
    let targets: number[] = [];
    const hold = async (step: number): Promise<void> => {
      const next = schedules.map((paramSchedule) => sparsityAt(paramSchedule, step));
      if (next.some((target, index) => target !== targets[index])) {
        const weights = await Promise.all(variables.map(async (variable) => (await variable.read().data()) as Float32Array));
        checkNoNaN(selected, weights);
        masks =
          scope === 'global'
            ? magnitudeMasks(weights, masks, next[0] ?? 0, scope)
            : masks.map((mask, index) => magnitudeMasks([weights[index]!], [mask], next[index]!, scope)[0]!);
        tf.dispose(maskTensors);
        maskTensors = masks.map((mask, index) => tf.tensor(mask, selected[index]!.shape as number[], 'bool'));
        targets = next;
      }
      variables.forEach((variable, index) => {
        tf.tidy(() => {
          const weight = variable.read();
          // `where`, not a product: a negative weight times 0 is -0, which sparse storage keeps.
          variable.write(tf.where(maskTensors[index]!, weight, tf.zerosLike(weight)));
        });
      });
    };
    signal?.throwIfAborted();
    await hold(0);
    let steps = 0;
    const losses = await trainable.fit(data, {
      epochs: options.epochs ?? 1,
      optimizer: options.optimizer,
      loss: options.loss,
      ...(options.onEpoch === undefined ? {} : { onEpoch: options.onEpoch }),
      onBatch: async (step, loss) => {
        signal?.throwIfAborted();
        await hold(step);
        steps = step;
        const sparsities = new Map(selected.map((param, index) => [param.name, targets[index]!]));
        await options.onBatch?.({ step, sparsity: targets.reduce((highest, target) => Math.max(highest, target), 0), sparsities, loss, layersModel: trainable.layersModel });
      },
    });
    const trained = await trainable.toModel();
    return { model: trained, masks: new Map(selected.map((param, index) => [param.name, masks[index]!])), losses, steps };
  } finally {
    tf.dispose(maskTensors);
    trainable.dispose();
  }
}

/**
 * Each selected param's own schedule: `schedule` ramping to the param's sparsity from
 * `sparsities` (its start capped at that), or `schedule` itself.
 */
function paramSchedules(
  selected: readonly Param[],
  schedule: PolynomialSchedule,
  sparsities: Readonly<Record<string, number>> | undefined,
  scope: PruningScope,
): PolynomialSchedule[] {
  if (sparsities === undefined) return selected.map(() => schedule);
  if (scope === 'global') {
    throw new WhittleError('invalid-argument', "sparsities applies to scope 'layer' only: a global ranking has one target", { field: 'sparsities' });
  }
  const sparsityOf = compileSparsities(checkedSparsities(sparsities), schedule.finalSparsity);
  return selected.map((param) => {
    const finalSparsity = sparsityOf(param.name)!;
    return polynomialSchedule({ ...schedule, initialSparsity: Math.min(schedule.initialSparsity, finalSparsity), finalSparsity });
  });
}

/** `sparsities` from a caller who may not have read them from a recipe: plain numbers in [0, 1). */
function checkedSparsities(sparsities: Readonly<Record<string, number>>): Readonly<Record<string, number>> {
  if (typeof sparsities !== 'object' || sparsities === null || Array.isArray(sparsities)) {
    throw new WhittleError('invalid-argument', `sparsities must be an object of name globs to sparsities, got ${describeValue(sparsities)}`, { field: 'sparsities' });
  }
  for (const [glob, sparsity] of Object.entries(sparsities)) {
    if (typeof sparsity !== 'number' || !(sparsity >= 0 && sparsity < 1)) {
      throw new WhittleError('invalid-argument', `a sparsity is a number in [0, 1), got ${describeValue(sparsity)}`, { field: `sparsities[${JSON.stringify(glob.slice(0, 80))}]` });
    }
  }
  return sparsities;
}

/** The tfjs-layers variable that holds `param` (tfjs names it as the param: `dense_1/kernel`). */
function layerVariable(layersModel: tfl.LayersModel, param: Param): tfl.LayerVariable {
  const variable = layersModel.weights.find((weight) => weight.originalName === param.name);
  if (variable === undefined || variable.dtype !== 'float32') {
    throw new WhittleError('invalid-argument', `${param.name} is not a float32 weight of the model's layers, so it cannot be trained`, {
      field: param.name,
    });
  }
  return variable;
}

/** All kept, but for a param stored sparse: its unstored (zero) entries start pruned. */
function initialMask(param: Param): Uint8Array {
  const mask = new Uint8Array(param.shape.reduce((product, size) => product * size, 1)).fill(1);
  if (param.value.kind !== 'sparse') return mask;
  const values = decodeToFloat32(param.value).data;
  for (let element = 0; element < values.length; element++) if (values[element] === 0) mask[element] = 0;
  return mask;
}

/** Throws, naming the param and element, when training has driven a weight to NaN (no magnitude to rank). */
function checkNoNaN(params: readonly Param[], weights: readonly Float32Array[]): void {
  weights.forEach((values, index) => {
    const element = values.findIndex(Number.isNaN);
    if (element >= 0) {
      throw new WhittleError(
        'invalid-argument',
        `training diverged: ${params[index]!.name} is NaN at element ${element}; lower the learning rate`,
        {
          field: params[index]!.name,
        }
      );
    }
  });
}
