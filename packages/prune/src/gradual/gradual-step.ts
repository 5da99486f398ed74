/**
 * The `prune.gradual` recipe step: plain JSON data (the schedule, the training settings, the
 * storage of the result, a param filter), and its validation.
 */
import {
  FILTER_FIELDS,
  copyFilter,
  isValidBits,
  readEnum,
  readFilter,
  readInteger,
  readNumber,
  rejectUnknownFields,
  WhittleError,
  type ParamFilter,
  type RecipeStep,
  type StepLocation,
} from '@whittle/core';
import { STORAGE_LAYOUTS, type StorageLayout, type StorageOptions } from '../storage/index.ts';
import { readSparsities } from '../unstructured/param-sparsities.ts';
import { PRUNING_SCOPES, type PruningScope } from './magnitude-masks.ts';
import { SCHEDULE_FIELDS, readSchedule, type PolynomialSchedule, type PolynomialScheduleOptions } from './polynomial-schedule.ts';

/** The recipe kind of gradual pruning steps. */
export const GRADUAL_KIND = 'prune.gradual';

/** The optimizers a step can name (tfjs's `tf.train.adam`, `sgd`, `rmsprop`). */
export const TRAINING_OPTIMIZERS = ['adam', 'sgd', 'rmsprop'] as const;

/** One of {@link TRAINING_OPTIMIZERS}. */
export type TrainingOptimizer = (typeof TRAINING_OPTIMIZERS)[number];

/** Defaults of a step's training settings. */
export const GRADUAL_DEFAULTS = { epochs: 1, learningRate: 1e-3, optimizer: 'adam', scope: 'layer' } as const;

/** The most epochs a step may ask for: a typo of 1e9 should not train for ever. */
const MAX_EPOCHS = 10_000;

/** The schedule fields of a step: `finalSparsity` may be left out when `sparsities` covers every param. */
export type GradualScheduleOptions = Omit<PolynomialScheduleOptions, 'finalSparsity'> & { readonly finalSparsity?: number };

/** The settings of a `prune.gradual` step besides its filter. */
export interface GradualSettings extends GradualScheduleOptions {
  /**
   * Final sparsities per param by name glob, `{ "dense_1/kernel": 0.92, "dense_3/*": 0.74 }`:
   * each param's schedule ramps to its own, taken from the first glob it matches in key order,
   * else `finalSparsity` (then required unless every selected param matches a glob). Each glob
   * must match a param the step selects; each sparsity is in [0, 1). Scope `layer` only.
   */
  readonly sparsities?: Readonly<Record<string, number>>;
  /** Passes over the training data (default 1). */
  readonly epochs?: number;
  /** Rows per optimizer step: larger training batches are cut to it (default: the batches as given). */
  readonly batchSize?: number;
  /** The optimizer's learning rate (default 0.001). */
  readonly learningRate?: number;
  /** Default `adam`. */
  readonly optimizer?: TrainingOptimizer;
  /** Rank magnitudes within each param (`layer`, default) or across all selected params (`global`). */
  readonly scope?: PruningScope;
  /** How the pruned params are stored (`storeSparse`'s options; default the smallest form). */
  readonly storage?: StorageOptions;
}

/** A `prune.gradual` step. Needs the `training` resource (see `gradualHandler`). */
export interface GradualStep extends RecipeStep, ParamFilter, GradualSettings {
  /** Always `prune.gradual`. */
  readonly kind: typeof GRADUAL_KIND;
}

/** A validated {@link GradualStep}: defaults filled in, the schedule as one piece of data. */
export interface GradualConfig extends RecipeStep, ParamFilter {
  readonly kind: typeof GRADUAL_KIND;
  /**
   * The step's schedule fields, checked. Its `finalSparsity` is the step's, or, when the step
   * gives none, the highest of `sparsities` (and every param must then match a glob).
   */
  readonly schedule: PolynomialSchedule;
  /** Final sparsities per param by glob, checked (see {@link GradualSettings.sparsities}). */
  readonly sparsities?: Readonly<Record<string, number>>;
  /** True when the step gave `finalSparsity`, so params no glob of `sparsities` matches take it. */
  readonly hasFinalSparsity: boolean;
  /** Passes over the training data. */
  readonly epochs: number;
  /** Rows per optimizer step; absent: the training batches as given. */
  readonly batchSize?: number;
  /** The optimizer's learning rate. */
  readonly learningRate: number;
  /** The tfjs optimizer the step makes (and disposes). */
  readonly optimizer: TrainingOptimizer;
  /** Where magnitudes are ranked. */
  readonly scope: PruningScope;
  /** How the pruned params are stored. */
  readonly storage: StorageOptions;
}

const SETTING_FIELDS = [...SCHEDULE_FIELDS, 'sparsities', 'epochs', 'batchSize', 'learningRate', 'optimizer', 'scope', 'storage'] as const;

/**
 * A `prune.gradual` step: plain, JSON-serialisable data (absent settings keep their defaults).
 * `endStep` counts optimizer steps: epochs × batches per epoch reaches it when training is long
 * enough. A `finalSparsity` of 0 fine-tunes (after structured removal, say) through the same loop.
 *
 * @example
 * ```ts
 * // 8,000 digits in batches of 100: 80 steps an epoch; 90% sparse after 8 of 10 epochs.
 * const step = gradual({ finalSparsity: 0.9, endStep: 640, frequency: 40, epochs: 10, batchSize: 100 });
 * // Per layer, as Deep Compression keeps 8 % / 9 % / 26 % of LeNet-300-100's layers.
 * const perLayer = gradual({ sparsities: { 'dense_1/kernel': 0.92, 'dense_2/kernel': 0.91, 'dense_3/kernel': 0.74 }, endStep: 640, epochs: 10 });
 * ```
 */
export function gradual(settings: GradualSettings & ParamFilter): GradualStep {
  const step: Record<string, unknown> = { kind: GRADUAL_KIND };
  // Absent fields stay absent (not `undefined`), so the step survives a JSON round trip unchanged.
  for (const field of SETTING_FIELDS) {
    if (settings[field] === undefined) continue;
    step[field] = field === 'storage' || field === 'sparsities' ? { ...(settings[field] as object) } : settings[field];
  }
  return { ...step, ...copyFilter(settings) } as GradualStep;
}

/**
 * Checks an untrusted `prune.gradual` step and fills in defaults; throws an `invalid-recipe`
 * WhittleError naming the step and field.
 *
 * @example
 * ```ts
 * validateGradualStep({ kind: 'prune.gradual', finalSparsity: 0.8, endStep: 100 }, { step: 1 }).schedule.frequency; // 100
 * ```
 */
export function validateGradualStep(step: RecipeStep, context: StepLocation): GradualConfig {
  rejectUnknownFields(step, [...SETTING_FIELDS, ...FILTER_FIELDS], context);
  rejectUnknownFields(step, ['layout', 'indexBits', 'valueBits'], context, 'storage');
  const batchSize = step.batchSize === undefined ? undefined : readInteger(step, 'batchSize', { min: 1, max: 2 ** 31 - 1 }, context);
  const storage: { layout?: StorageOptions['layout']; indexBits?: number; valueBits?: number } = {
    layout: readEnum<StorageLayout>(step, 'storage.layout', STORAGE_LAYOUTS, { default: 'auto' }, context),
  };
  if ((step.storage as Record<string, unknown> | undefined)?.indexBits !== undefined) {
    storage.indexBits = readInteger(step, 'storage.indexBits', { min: 1, max: 16 }, context);
    if (!isValidBits(storage.indexBits)) {
      throw new WhittleError('invalid-recipe', `storage.indexBits must be 1–8 or 16, got ${storage.indexBits}`, { field: 'storage.indexBits', step: context.step });
    }
  }
  if ((step.storage as Record<string, unknown> | undefined)?.valueBits !== undefined) {
    storage.valueBits = readInteger(step, 'storage.valueBits', { min: 1, max: 32 }, context);
  }
  const sparsities = step.sparsities === undefined ? undefined : readSparsities(step, context);
  const scope = readEnum(step, 'scope', PRUNING_SCOPES, { default: GRADUAL_DEFAULTS.scope }, context);
  if (sparsities !== undefined) checkPerParamSparsities(sparsities, scope, context);
  const hasFinalSparsity = step.finalSparsity !== undefined || sparsities === undefined;
  // Without a step-wide target, the schedule's own ramps to the highest per-param one; each param then ramps to its own.
  const scheduleFields = hasFinalSparsity ? step : { ...step, finalSparsity: Math.max(...Object.values(sparsities!)) };
  return {
    kind: GRADUAL_KIND,
    schedule: readSchedule(scheduleFields, context),
    ...(sparsities === undefined ? {} : { sparsities }),
    hasFinalSparsity,
    epochs: readInteger(step, 'epochs', { min: 1, max: MAX_EPOCHS, default: GRADUAL_DEFAULTS.epochs }, context),
    ...(batchSize === undefined ? {} : { batchSize }),
    learningRate: readNumber(step, 'learningRate', { min: 0, minExclusive: true, max: 100, default: GRADUAL_DEFAULTS.learningRate }, context),
    optimizer: readEnum(step, 'optimizer', TRAINING_OPTIMIZERS, { default: GRADUAL_DEFAULTS.optimizer }, context),
    scope,
    storage,
    ...readFilter(step, context),
  };
}

/** A schedule cannot reach sparsity 1, and a global ranking has one target, not one per param. */
function checkPerParamSparsities(sparsities: Readonly<Record<string, number>>, scope: PruningScope, context: StepLocation): void {
  if (scope === 'global') {
    throw new WhittleError('invalid-recipe', "sparsities applies to scope 'layer' only: a global ranking has one target", { field: 'sparsities', step: context.step });
  }
  for (const [glob, sparsity] of Object.entries(sparsities)) {
    if (sparsity < 1) continue;
    const field = `sparsities[${JSON.stringify(glob.slice(0, 80))}]`;
    throw new WhittleError('invalid-recipe', `${field} must be below 1: a schedule never prunes every weight, got ${sparsity}`, { field, step: context.step });
  }
}
