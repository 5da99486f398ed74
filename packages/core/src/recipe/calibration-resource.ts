/**
 * The `calibration` resource that steps reading activations take (GPTQ, Wanda): calibration data
 * is not JSON, so it cannot ride in the recipe; `compress` is given it by name in `resources`
 * (the CLI's `--calibration` and `--data` flags make it), and the recipe stays plain data.
 */
import { loadRunner } from './load-runner.ts';
import { WhittleError } from '../errors.ts';
import type { Param } from '../model/types.ts';
import type { captureCalibrationInputs } from '../runner/capture-calibration-inputs.ts';
import { isBatchData, type BatchData } from '../runner/batch-data.ts';
import type { CalibrationSource } from './calibration-source.ts';
import type { ResourceNeed, StepContext, StepLocation } from './types.ts';

/** The name calibration data is passed under in `compress`'s `resources`. */
export const CALIBRATION_RESOURCE = 'calibration';

/**
 * Each layer's calibration inputs by param name (`dense_1/kernel`): a Map or a plain object. The
 * form for a model that cannot run (a bare checkpoint). `Layer` is what a step takes for one
 * layer: its inputs (a {@link CalibrationSource}) or, for some steps, a statistic of them.
 */
export type LayerInputsMap<Layer = CalibrationSource> = ReadonlyMap<string, Layer> | Readonly<Record<string, Layer>>;

/**
 * The `calibration` resource: batches of model inputs (the runner's `BatchData`: the step runs the
 * model and captures each selected layer's inputs, which needs a model with a topology), or each
 * layer's inputs by param name ({@link LayerInputsMap}).
 */
export type CalibrationResource<Layer = CalibrationSource> = BatchData | LayerInputsMap<Layer>;

/**
 * The {@link ResourceNeed} of a step that takes the `calibration` resource: `compress` checks its
 * form before step 1.
 *
 * @example
 * ```ts
 * const handler = { ...rest, needs: () => [calibrationNeed()] };
 * ```
 */
export function calibrationNeed(): ResourceNeed {
  return CALIBRATION_NEED;
}

const CALIBRATION_NEED: ResourceNeed = {
  name: CALIBRATION_RESOURCE,
  description: "batches of model inputs, or each layer's inputs by param name",
  check: (value) => {
    if (isModelInputs(value) || value instanceof Map || (typeof value === 'object' && value !== null)) return;
    throw new WhittleError(
      'invalid-argument',
      'calibration must be batches of model inputs ({ inputs } objects in an array, or a function returning them) or layer inputs by param name (a Map or an object)'
    );
  },
};

/**
 * True when the calibration resource is batches of model inputs (an array of batches, or a
 * function returning them), false for layer inputs by param name (a Map or a plain object).
 *
 * @example
 * ```ts
 * isModelInputs([{ inputs: images }]); // true
 * isModelInputs({ 'dense/kernel': activations }); // false
 * ```
 */
export function isModelInputs(value: unknown): value is BatchData {
  return isBatchData(value);
}

/**
 * The step's `calibration` resource, or a `missing-resource` WhittleError naming the step and
 * the resource (`compress` checks needs before step 1; this covers a handler called directly).
 * `technique` names the step in the message (`GPTQ`, `Wanda`).
 *
 * @example
 * ```ts
 * const calibration = requireCalibration<Hessian | CalibrationSource>(context, 'GPTQ');
 * ```
 */
export function requireCalibration<Layer = CalibrationSource>(context: StepContext, technique: string): CalibrationResource<Layer> {
  const calibration = context.resources[CALIBRATION_RESOURCE];
  if (calibration === undefined) {
    throw new WhittleError(
      'missing-resource',
      `${technique} needs the "${CALIBRATION_RESOURCE}" resource: batches of model inputs, or each layer's inputs by param name`,
      {
        field: `resources.${CALIBRATION_RESOURCE}`,
        step: context.step,
      }
    );
  }
  return calibration as CalibrationResource<Layer>;
}

/**
 * Where a param's layer inputs sit in the resource, as an error field:
 * `resources.calibration["dense/kernel"]`.
 *
 * @example
 * ```ts
 * calibrationField(param); // 'resources.calibration["dense/kernel"]'
 * ```
 */
export function calibrationField(param: Pick<Param, 'name'>): string {
  return `resources.${CALIBRATION_RESOURCE}[${JSON.stringify(param.name)}]`;
}

/**
 * A reader of layer inputs given by param name: for each param, `summarise` of its entry (a
 * Hessian, input norms), computed once per entry, so params that share inputs (attention's q, k
 * and v under one source) read them once. A param with no entry is an `invalid-argument`
 * WhittleError naming the param's field and the step.
 *
 * @example
 * ```ts
 * const hessianOf = mappedLayerInputs(calibration, context, (source, param) => accumulateHessian(source));
 * const hessian = await hessianOf(param);
 * ```
 */
export function mappedLayerInputs<Layer, Summary>(
  calibration: LayerInputsMap<Layer>,
  context: StepLocation,
  summarise: (layer: Layer, param: Param) => Promise<Summary>
): (param: Param) => Promise<Summary> {
  const cache = new Map<Layer, Promise<Summary>>();
  return (param) => {
    const layer = lookup(calibration, param);
    if (layer === undefined || layer === null) {
      throw new WhittleError(
        'invalid-argument',
        `no calibration inputs for ${param.name}; give some, or leave the param out with exclude`,
        {
          field: calibrationField(param),
          step: context.step,
        }
      );
    }
    let summary = cache.get(layer);
    if (summary === undefined) {
      summary = summarise(layer, param);
      cache.set(layer, summary);
    }
    return summary;
  };
}

/** What a step needs of the runner's entry to read calibration batches. */
export interface CalibrationRunner {
  readonly captureCalibrationInputs: typeof captureCalibrationInputs;
}

/**
 * The runner's entry (see `loadRunner`), loaded when a step runs a model on calibration batches;
 * missing peers are an `invalid-argument` WhittleError naming the resource and the step.
 *
 * @example
 * ```ts
 * const { captureCalibrationInputs } = await loadCalibrationRunner(context);
 * ```
 */
export async function loadCalibrationRunner(context: StepLocation): Promise<CalibrationRunner> {
  return loadRunner('batches of model inputs', { field: `resources.${CALIBRATION_RESOURCE}`, step: context.step });
}

function lookup<Layer>(calibration: LayerInputsMap<Layer>, param: Param): Layer | undefined {
  if (calibration instanceof Map) return calibration.get(param.name);
  const record = calibration as Readonly<Record<string, Layer>>;
  // Own keys only: a param named `constructor` must not find Object.prototype's.
  return Object.hasOwn(record, param.name) ? record[param.name] : undefined;
}
