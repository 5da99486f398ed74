import { WhittleError, isWhittleError } from '../errors.ts';
import { countParams, modelByteLength } from '../model/model-queries.ts';
import type { Model } from '../model/types.ts';
import { defaultRegistry } from './default-registry.ts';
import type { RecipeRegistry } from './registry.ts';
import { checkStepSelection, stepFilter } from './step-selection.ts';
import type { CompressProgress, CompressResult, Recipe, RecipeStep, StepContext, StepReport } from './types.ts';
import { validateRecipe } from './validate-recipe.ts';

/** Options of {@link compress}. */
export interface CompressOptions {
  /** Where step kinds are looked up; `defaultRegistry` by default. */
  readonly registry?: RecipeRegistry;
  /** Aborts between steps (and inside steps whose handlers watch it). */
  readonly signal?: AbortSignal;
  /** Called after each step with its figures, for progress output. */
  readonly onStep?: (report: StepReport) => void;
  /** Called after each param a step finishes (from handlers that report it), for progress bars. */
  readonly onProgress?: (progress: CompressProgress) => void;
  /**
   * Whether a step whose filter selects no param of the model it is given is an error (see
   * `checkStepSelection`); default true. Pass false only when `model` is a part of a larger
   * model (one param of a checkpoint streamed param by param) that was checked as a whole with
   * `checkRecipeSelection`.
   */
  readonly requireSelection?: boolean;
  /**
   * What steps need besides JSON, by name: calibration data, training data, a teacher model, an
   * evaluation function (see each handler's `needs`). Checked before step 1.
   */
  readonly resources?: Readonly<Record<string, unknown>>;
}

/**
 * Runs a recipe on a model: validates every step first (so a typo in step 5 fails before step 1
 * spends minutes), then applies the steps in order, each to the previous step's result. Before a
 * step runs, its filter must select some param (a glob that matches nothing is a typo, not a
 * no-op). The input model is never mutated. Reports per step the params and exact bytes before
 * and after, the seconds it took and what the step noted about its result (groups it left alone,
 * say); with `onProgress`, each param as a step finishes it.
 *
 * @example
 * ```ts
 * const { model: smaller, steps } = await compress(model, [cast('float16')], {
 *   onProgress: ({ step, param, done, total }) => console.error(`step ${step}: ${done}/${total} ${param}`),
 * });
 * console.log(steps[0]?.bytesBefore, '→', steps[0]?.bytesAfter);
 * ```
 */
export async function compress(model: Model, recipe: Recipe, options: CompressOptions = {}): Promise<CompressResult> {
  const { registry = defaultRegistry, signal, onStep, onProgress, requireSelection = true, resources = {} } = options;
  const configs = validateRecipe(recipe, registry);
  checkResources(configs, registry, resources);
  const steps: StepReport[] = [];
  let current = model;
  let paramsBefore = countParams(current);
  let bytesBefore = modelByteLength(current);
  for (const [index, config] of configs.entries()) {
    signal?.throwIfAborted();
    const step = index + 1;
    // validateRecipe found a handler for every kind, from this same registry.
    const handler = registry.get(config.kind)!;
    if (requireSelection && handler.defaultRoles !== undefined) {
      checkStepSelection(current.params.values(), stepFilter(config), handler.defaultRoles, step);
    }
    const notes: string[] = [];
    const context: StepContext = {
      step,
      resources,
      note: (message: string) => {
        notes.push(String(message));
      },
      ...(signal === undefined ? {} : { signal }),
      ...(onProgress === undefined
        ? {}
        : {
            onParam: (param: string, done: number, total: number) =>
              onProgress({ step, steps: configs.length, kind: config.kind, param, done, total }),
          }),
    };
    const started = performance.now();
    const next = await handler.apply(current, config, context);
    const seconds = (performance.now() - started) / 1000;
    if (typeof next !== 'object' || next === null || !(next.params instanceof Map)) {
      throw new WhittleError('invalid-model', `the ${config.kind} handler returned no model`, { step });
    }
    const paramsAfter = countParams(next);
    const bytesAfter = modelByteLength(next);
    const report: StepReport = { kind: config.kind, paramsBefore, paramsAfter, bytesBefore, bytesAfter, seconds, notes };
    steps.push(report);
    onStep?.(report);
    current = next;
    paramsBefore = paramsAfter;
    bytesBefore = bytesAfter;
  }
  return { model: current, steps };
}

/**
 * Throws, before any step runs, when a step needs a resource that `resources` lacks or holds
 * in the wrong form: a `missing-resource` (or the need's own) WhittleError naming the step, the
 * resource and what it is.
 *
 * @example
 * ```ts
 * checkResources(validateRecipe(recipe), defaultRegistry, { calibration });
 * ```
 */
export function checkResources(
  configs: readonly RecipeStep[],
  registry: RecipeRegistry,
  resources: Readonly<Record<string, unknown>>,
): void {
  for (const [index, config] of configs.entries()) {
    const handler = registry.get(config.kind);
    for (const need of handler?.needs?.(config) ?? []) {
      const value = Object.hasOwn(resources, need.name) ? resources[need.name] : undefined;
      if (value === undefined) {
        throw new WhittleError(
          'missing-resource',
          `${config.kind} needs the ${JSON.stringify(need.name)} resource (${need.description}); pass it in compress's resources`,
          { step: index + 1, field: `resources.${need.name}` },
        );
      }
      try {
        need.check?.(value);
      } catch (error) {
        if (!isWhittleError(error)) throw error;
        throw new WhittleError(error.code, error.detail, { step: index + 1, field: `resources.${need.name}` }, { cause: error });
      }
    }
  }
}
