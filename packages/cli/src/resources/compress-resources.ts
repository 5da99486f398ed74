/**
 * The resources `whittle compress` passes to recipe steps, made from its flags, and the flag to
 * pass when a step needs one that is missing.
 */
import { WhittleError, checkResources, defaultRegistry, isWhittleError, useBackend, validateRecipe, type RecipeStep } from '@whittle/core';
import { readCalibrationFile } from './calibration-file.ts';
import { loadBench } from '../load-bench.ts';
import { mnistCalibration, type DataName } from './mnist-calibration.ts';
import { mnistTraining } from './mnist-training.ts';

/** The flags of `compress` that make resources. */
export interface ResourceFlags {
  /** A safetensors file of calibration inputs (see `readCalibrationFile`). */
  readonly calibration?: string;
  /** A dataset calibration and training data are taken from. */
  readonly data?: DataName;
}

/** For each resource a step may need, the flags that give it. */
export const RESOURCE_FLAGS: Readonly<Record<string, string>> = {
  calibration: '--calibration <inputs.safetensors> or --data mnist',
  training: '--data mnist',
};

/**
 * The resources the flags make, read and checked before any model is (a calibration file's
 * header, the MNIST digits: `--data mnist` gives both `calibration` and `training`). Steps that
 * take calibration or training run the model and their maths on tfjs: with any resource, tfjs's
 * wasm backend is set up too.
 *
 * @example
 * ```ts
 * const resources = await resourcesFromFlags({ calibration: 'inputs.safetensors' });
 * ```
 */
export async function resourcesFromFlags(flags: ResourceFlags): Promise<Record<string, unknown>> {
  if (flags.calibration !== undefined && flags.data !== undefined) {
    throw new WhittleError('invalid-argument', 'pass either --calibration or --data, not both', { field: '--data' });
  }
  let resources: Record<string, unknown>;
  if (flags.calibration !== undefined) resources = { calibration: await readCalibrationFile(flags.calibration) };
  else if (flags.data === 'mnist') {
    const digits = await (await loadBench('compress --data mnist')).loadMnistDigits();
    resources = { calibration: await mnistCalibration(digits), training: await mnistTraining(digits) };
  } else return {};
  await useBackend();
  return resources;
}

/**
 * A step's missing resource restated as the flag that gives it; any other error unchanged.
 *
 * @example
 * ```ts
 * throw withResourceFlag(error, steps); // step 1: --calibration: quantize.gptq needs calibration data: pass --calibration …
 * ```
 */
export function withResourceFlag(error: unknown, steps: readonly RecipeStep[]): unknown {
  if (!isWhittleError(error, 'missing-resource') || error.field === undefined || !error.field.startsWith('resources.')) return error;
  const name = error.field.slice('resources.'.length);
  const flags = RESOURCE_FLAGS[name];
  if (flags === undefined) return error;
  const kind = (error.step === undefined ? undefined : steps[error.step - 1]?.kind) ?? 'the step';
  return new WhittleError('missing-resource', `${kind} needs ${name} data: pass ${flags}`, {
    ...(error.step === undefined ? {} : { step: error.step }),
    field: flags.split(' ')[0]!,
  }, { cause: error });
}

/**
 * Checks, before any model is read, that every step has the resources it needs from the flags
 * given; a missing one is named as the flag to pass.
 *
 * @example
 * ```ts
 * checkFlagResources(recipe.steps, await resourcesFromFlags(options));
 * ```
 */
export function checkFlagResources(steps: readonly RecipeStep[], resources: Readonly<Record<string, unknown>>): void {
  try {
    checkResources(validateRecipe(steps), defaultRegistry, resources);
  } catch (error) {
    throw withResourceFlag(error, steps);
  }
}

/**
 * Starts tfjs's wasm backend when a step computes on tfjs (a randomized SVD, say) and no
 * resource started it already; a recipe of host-only steps never loads the backend.
 *
 * @example
 * ```ts
 * await startBackendForSteps(recipe.steps); // after checkFlagResources
 * ```
 */
export async function startBackendForSteps(steps: readonly RecipeStep[]): Promise<void> {
  // validateRecipe returns each step's validated config, which is what a handler is asked about.
  const onTfjs = validateRecipe(steps).some((config) => defaultRegistry.get(config.kind)?.runsOnTfjs?.(config) === true);
  if (onTfjs) await useBackend();
}
