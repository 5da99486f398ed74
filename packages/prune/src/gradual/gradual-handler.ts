/**
 * The `prune.gradual` recipe handler: trains the model while its weights are pruned on the
 * step's schedule, then stores them sparse. Training data is not JSON, so it is the `training`
 * resource `compress` is given by name (the CLI's `--data mnist` makes it).
 */
import {
  TRAINING_NEED,
  WEIGHT_ROLES,
  WhittleError,
  inTrainingResource,
  optimizerByName,
  requireTraining,
  selectParams,
  type Model,
  type RecipeHandler,
  type StepContext,
} from '@whittle/core';
import { GRADUAL_KIND, gradual, validateGradualStep, type GradualConfig } from './gradual-step.ts';
import { checkSparsityGlobs, compileSparsities } from '../unstructured/param-sparsities.ts';
import { stripPruning } from './strip-pruning.ts';
import { trainPruned } from './train-pruned.ts';

/**
 * The `prune.gradual` handler: `trainPruned` on the `training` resource with the step's
 * schedule, optimizer and scope, then `stripPruning` with its storage. Notes when training ends
 * before `endStep`, so the masks stop short of `finalSparsity`.
 *
 * @example
 * ```ts
 * const { model: pruned } = await compress(model, [gradual({ finalSparsity: 0.9, endStep: 640, epochs: 10, batchSize: 100 })], {
 *   resources: { training: { batches, loss: 'categoricalCrossentropy' } },
 * });
 * ```
 */
export const gradualHandler: RecipeHandler<GradualConfig> = {
  kind: GRADUAL_KIND,
  description: 'gradual magnitude pruning while training, on the cubic schedule of Zhu & Gupta; stores the result sparse (resource "training"; CLI: --data mnist)',
  example: gradual({ finalSparsity: 0.9, endStep: 640, frequency: 40, epochs: 10, batchSize: 100 }) as unknown as GradualConfig,
  effect: 're-encodes-params',
  defaultRoles: WEIGHT_ROLES,
  needs: () => [TRAINING_NEED],
  validate: validateGradualStep,
  apply: (model, config, context) => applyGradual(model, config, context),
};

async function applyGradual(model: Model, config: GradualConfig, context: StepContext): Promise<Model> {
  const training = requireTraining(context, 'prune.gradual');
  checkParamTargets(model, config, context);
  const optimizer = optimizerByName(config.optimizer, config.learningRate);
  try {
    const { schedule } = config;
    const result = await trainPruned(model, {
      ...config,
      data: training.batches,
      loss: training.loss,
      optimizer,
      ...(context.signal === undefined ? {} : { signal: context.signal }),
      onEpoch: (epoch) => context.onParam?.(`epoch ${epoch}`, epoch, config.epochs),
    }).catch((error: unknown) => {
      throw inTrainingResource(error, context);
    });
    if (result.steps < schedule.endStep) {
      context.note?.(
        `training took ${result.steps} optimizer steps, fewer than endStep ${schedule.endStep}: the weights are ${formatPercent(sparsityReached(result.masks))} sparse, not ${config.sparsities === undefined ? formatPercent(schedule.finalSparsity) : 'at their targets'}; add epochs or lower endStep`,
      );
    }
    return stripPruning(result.model, result.masks, config.storage);
  } finally {
    optimizer.dispose();
  }
}

/** Every glob of `sparsities` matches a selected param, and without `finalSparsity` every selected param matches one. */
function checkParamTargets(model: Model, config: GradualConfig, context: StepContext): void {
  if (config.sparsities === undefined) return;
  const selected = selectParams(model, config, WEIGHT_ROLES);
  checkSparsityGlobs(config.sparsities, selected, context);
  if (config.hasFinalSparsity) return;
  const sparsityOf = compileSparsities(config.sparsities, undefined);
  const unmatched = selected.find((param) => sparsityOf(param.name) === undefined);
  if (unmatched !== undefined) {
    throw new WhittleError('invalid-recipe', `${JSON.stringify(unmatched.name.slice(0, 80))} matches no glob of sparsities, and the step gives no finalSparsity`, {
      field: 'finalSparsity',
      step: context.step,
    });
  }
}

/** The share of masked elements across all masks. */
function sparsityReached(masks: ReadonlyMap<string, Uint8Array>): number {
  let pruned = 0;
  let total = 0;
  for (const mask of masks.values()) {
    total += mask.length;
    for (let element = 0; element < mask.length; element++) if (mask[element] === 0) pruned++;
  }
  return total === 0 ? 0 : pruned / total;
}

function formatPercent(fraction: number): string {
  return `${(100 * fraction).toFixed(1)}%`;
}
