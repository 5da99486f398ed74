/**
 * The `quantize.gptq` recipe handler. Calibration data is not JSON, so it cannot ride in the
 * recipe: it is the `calibration` resource that `compress` is given by name (the CLI's
 * `--calibration` and `--data` flags make it). The recipe itself stays plain data that validates
 * anywhere.
 */
import {
  WhittleError,
  affineByteLength,
  decode,
  estimateParams,
  isFloatDType,
  isWhittleError,
  replaceParams,
  roleAxes,
  selectParams,
  type Encoding,
  type Granularity,
  type Model,
  type ModelSize,
  type Param,
  type RecipeHandler,
  type ResourceNeed,
  type StepContext,
} from '@whittle/core';
import type * as Runner from '@whittle/core/runner';
import type { BatchData } from '@whittle/core/runner';
import type { CalibrationSource } from './calibration.ts';
import { GPTQ_ROLES, PER_CHANNEL, type GptqRole } from './gptq-options.ts';
import { gptqQuantizeWithHessian } from './gptq-quantize.ts';
import { GPTQ_KIND, gptq, validateGptqStep, type GptqConfig } from './gptq-step.ts';
import { accumulateHessian, createHessianAccumulator, isHessian, type Hessian, type HessianAccumulator } from './hessian.ts';

/** A layer's calibration: its inputs (see `CalibrationSource`) or a Hessian made from them. */
export type LayerCalibration = Hessian | CalibrationSource;

/**
 * Each layer's calibration inputs by param name (`dense_1/kernel`): a Map or a plain object.
 * Params that share inputs (attention's q, k and v) may share one source: its Hessian is
 * accumulated once per step. The form for a model that cannot run (a bare checkpoint).
 */
export type LayerCalibrationMap = ReadonlyMap<string, LayerCalibration> | Readonly<Record<string, LayerCalibration>>;

/**
 * GPTQ's `calibration` resource: batches of model inputs (the runner's `BatchData`: GPTQ runs
 * the model and captures each selected layer's inputs, which needs a model with a topology), or
 * each layer's inputs by param name ({@link LayerCalibrationMap}).
 */
export type GptqCalibration = BatchData | LayerCalibrationMap;

/** The name GPTQ's calibration is passed under in `compress`'s `resources`. */
export const CALIBRATION_RESOURCE = 'calibration';

const CALIBRATION_NEED: ResourceNeed = {
  name: CALIBRATION_RESOURCE,
  description: 'batches of model inputs, or each layer\'s inputs by param name',
  check: (value) => {
    if (isModelInputs(value) || value instanceof Map || (typeof value === 'object' && value !== null)) return;
    throw new WhittleError(
      'invalid-argument',
      'calibration must be batches of model inputs ({ inputs } objects in an array, or a function returning them) or layer inputs by param name (a Map or an object)',
    );
  },
};

/**
 * The `quantize.gptq` handler: quantizes each selected dense float Dense kernel and Linear
 * weight with GPTQ from its layer's inputs, taken from the `calibration` resource. With model
 * input batches, every selected layer's inputs are captured in one pass over the data through
 * the model as given (before any of its layers is quantized), batch by batch into each layer's
 * Hessian. Params stored otherwise (already quantized, sparse) are left alone.
 *
 * @example
 * ```ts
 * const { model: quantized } = await compress(model, [gptq({ bits: 4 })], {
 *   resources: { calibration: [{ inputs: images }] },
 * });
 * ```
 */
export const gptqHandler: RecipeHandler<GptqConfig> = {
  kind: GPTQ_KIND,
  description: 'GPTQ: error-compensating int2–8 quantization of Dense and Linear weights from calibration inputs (resource "calibration"; CLI: --calibration or --data)',
  // The step as a user writes it; validate fills in the other settings' defaults.
  example: gptq({ bits: 4, groupSize: 128 }) as unknown as GptqConfig,
  effect: 're-encodes-params',
  defaultRoles: GPTQ_ROLES,
  needs: () => [CALIBRATION_NEED],
  validate: validateGptqStep,
  estimate: (model, config, context) => estimateGptq(model, config, context),
  apply: (model, config, context) => applyGptq(model, config, context),
};

/**
 * The params and bytes of the model {@link gptqHandler} makes, from shapes and the config alone:
 * each param it quantizes becomes an affine encoding whose size the data cannot change; every
 * other param keeps its bytes. Calibration is not looked at, so a step that `compress` refuses
 * for want of it (or for a non-finite weight) is still sized as if it had succeeded.
 */
function estimateGptq(model: Model, config: GptqConfig, context: Pick<StepContext, 'step'>): ModelSize {
  return estimateParams(model, config, GPTQ_ROLES, context, (param) =>
    isDenseFloat(param) && !param.shape.includes(0) ? gptqByteLength(param.shape, param.role as GptqRole, config) : undefined,
  );
}

/** The bytes of GPTQ's encoding of a `shape` weight of `role`: see `gridEncoding`. */
function gptqByteLength(shape: readonly number[], role: GptqRole, config: GptqConfig): number {
  const { outputAxis, inputAxis } = roleAxes(role, 2);
  const granularity: Granularity =
    config.groupSize === PER_CHANNEL
      ? { kind: 'axis', axis: outputAxis! }
      : { kind: 'group', axis: inputAxis!, size: config.groupSize };
  return affineByteLength({
    shape,
    bits: config.bits,
    granularity,
    scaleDType: config.scaleDType,
    ...(config.symmetric ? {} : { zeroPointDType: 'uint8' as const }),
  });
}

async function applyGptq(model: Model, config: GptqConfig, context: StepContext): Promise<Model> {
  // An empty weight has nothing to quantize, and its shape alone must not size a Hessian.
  const selected = selectParams(model, config, GPTQ_ROLES).filter((param) => isDenseFloat(param) && !param.shape.includes(0));
  const calibration = context.resources[CALIBRATION_RESOURCE] as GptqCalibration | undefined;
  if (selected.length === 0) return model;
  if (calibration === undefined) {
    throw new WhittleError('missing-resource', 'GPTQ needs the "calibration" resource: batches of model inputs, or each layer\'s inputs by param name', {
      field: `resources.${CALIBRATION_RESOURCE}`,
      step: context.step,
    });
  }
  const hessianOf = isModelInputs(calibration) ? await capturedHessians(model, selected, calibration, context) : mappedHessians(calibration, context);
  const updates = new Map<string, Encoding>();
  for (const [index, param] of selected.entries()) {
    context.signal?.throwIfAborted();
    const role = param.role as GptqRole;
    const weight = decode(param.value);
    try {
      const hessian = await hessianOf(param, weight.shape[roleAxes(role, 2).inputAxis!]!);
      updates.set(param.name, gptqQuantizeWithHessian(weight, hessian, { ...config, role }).encoding);
    } catch (error) {
      if (!isWhittleError(error)) throw error;
      throw new WhittleError(error.code, `${param.name}: ${error.detail}`, { field: calibrationField(param), step: context.step }, { cause: error });
    }
    context.onParam?.(param.name, index + 1, selected.length);
  }
  return replaceParams(model, updates);
}

type HessianLookup = (param: Param, inputs: number) => Promise<Hessian>;

/** Hessians from layer inputs given by param name; a source shared by several params is read once. */
function mappedHessians(calibration: LayerCalibrationMap, context: StepContext): HessianLookup {
  const cache = new Map<LayerCalibration, Promise<Hessian>>();
  return (param, inputs) => {
    const source = lookup(calibration, param);
    if (source === undefined || source === null) {
      throw new WhittleError('invalid-argument', `no calibration inputs for ${param.name}; give some, or leave the param out with exclude`, {
        field: calibrationField(param),
        step: context.step,
      });
    }
    if (isHessian(source)) return Promise.resolve(source);
    let hessian = cache.get(source);
    if (hessian === undefined) {
      hessian = accumulateHessian(source, inputs);
      cache.set(source, hessian);
    }
    return hessian;
  };
}

/** Hessians of every selected param's layer inputs, captured running the model on `data`. */
async function capturedHessians(model: Model, selected: readonly Param[], data: BatchData, context: StepContext): Promise<HessianLookup> {
  const { loadRunnable, runnableKind } = await loadRunner(context);
  try {
    runnableKind(model);
  } catch (error) {
    throw new WhittleError(
      'invalid-argument',
      'batches of model inputs need a model that runs, and this one has no topology: give each layer\'s inputs by param name instead',
      { field: `resources.${CALIBRATION_RESOURCE}`, step: context.step },
      { cause: error },
    );
  }
  const accumulators = new Map<string, HessianAccumulator>(
    selected.map((param) => [param.name, createHessianAccumulator(param.shape[roleAxes(param.role, 2).inputAxis!]!)]),
  );
  const runnable = await loadRunnable(model);
  try {
    await runnable.captureInputs(
      selected.map(({ name }) => name),
      data,
      async ({ inputs }) => {
        context.signal?.throwIfAborted();
        for (const [name, tensor] of inputs) {
          try {
            await accumulators.get(name)!.add(tensor);
          } catch (error) {
            if (!isWhittleError(error)) throw error;
            throw new WhittleError(error.code, `${name}: ${error.detail}`, { field: `resources.${CALIBRATION_RESOURCE}`, step: context.step }, { cause: error });
          }
        }
      },
    );
  } catch (error) {
    if (!isWhittleError(error) || error.step !== undefined) throw error;
    // The runner names the batch (`data[2].inputs`); the user passed the batches as the resource.
    const field = error.field?.startsWith('data') === true ? error.field.slice('data'.length) : error.field === undefined ? '' : `.${error.field}`;
    throw new WhittleError(error.code, error.detail, { field: `resources.${CALIBRATION_RESOURCE}${field}`, step: context.step }, { cause: error });
  } finally {
    runnable.dispose();
  }
  if ([...accumulators.values()].some((accumulator) => accumulator.samples === 0)) {
    throw new WhittleError('invalid-argument', 'the calibration batches hold no samples', { field: `resources.${CALIBRATION_RESOURCE}`, step: context.step });
  }
  return async (param) => accumulators.get(param.name)!.result();
}

/**
 * The runner's entry, loaded only when GPTQ runs a model: it brings tfjs-layers and
 * tfjs-converter (optional peers), which nothing else in GPTQ needs. The specifier is a variable,
 * not a literal, so a bundle of GPTQ builds without them (as the CLI's does).
 */
async function loadRunner(context: StepContext): Promise<typeof Runner> {
  const specifier = '@whittle/core/runner';
  try {
    return (await import(/* @vite-ignore */ specifier)) as typeof Runner;
  } catch (error) {
    throw new WhittleError(
      'invalid-argument',
      'batches of model inputs are run through @whittle/core/runner, which needs @tensorflow/tfjs-layers and @tensorflow/tfjs-converter installed',
      { field: `resources.${CALIBRATION_RESOURCE}`, step: context.step },
      { cause: error },
    );
  }
}

/** Batches of model inputs: an array of batches or a function returning them (a map is neither). */
function isModelInputs(value: unknown): value is BatchData {
  return Array.isArray(value) || typeof value === 'function';
}

function calibrationField(param: Param): string {
  return `resources.${CALIBRATION_RESOURCE}[${JSON.stringify(param.name)}]`;
}

function isDenseFloat(param: Param): boolean {
  return param.value.kind === 'dense' && isFloatDType(param.value.tensor.dtype) && param.shape.length === 2;
}

function lookup(calibration: LayerCalibrationMap, param: Param): LayerCalibration | undefined {
  if (calibration instanceof Map) return calibration.get(param.name);
  const record = calibration as Readonly<Record<string, LayerCalibration>>;
  // Own keys only: a param named `constructor` must not find Object.prototype's.
  return Object.hasOwn(record, param.name) ? record[param.name] : undefined;
}
