/**
 * The `quantize.gptq` recipe handler. Calibration data is not JSON, so it cannot ride in the
 * recipe: it is the `calibration` resource that `compress` is given by name (the CLI's
 * `--calibration` and `--data` flags make it). The recipe itself stays plain data that validates
 * anywhere.
 */
import {
  CALIBRATION_RESOURCE,
  WhittleError,
  affineByteLength,
  calibrationField,
  calibrationNeed,
  decode,
  estimateParams,
  isFloatDType,
  isModelInputs,
  isWhittleError,
  loadCalibrationRunner,
  mappedLayerInputs,
  replaceParams,
  requireCalibration,
  roleAxes,
  selectParams,
  type CalibrationResource,
  type CalibrationSource,
  type Encoding,
  type Granularity,
  type LayerInputsMap,
  type Model,
  type ModelSize,
  type Param,
  type RecipeHandler,
  type StepContext,
} from '@whittle/core';
import type { BatchData } from '@whittle/core/runner';
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
export type LayerCalibrationMap = LayerInputsMap<LayerCalibration>;

/**
 * GPTQ's `calibration` resource: batches of model inputs (the runner's `BatchData`: GPTQ runs
 * the model and captures each selected layer's inputs, which needs a model with a topology), or
 * each layer's inputs by param name ({@link LayerCalibrationMap}).
 */
export type GptqCalibration = CalibrationResource<LayerCalibration>;

/** The name GPTQ's calibration is passed under in `compress`'s `resources`. */
export { CALIBRATION_RESOURCE };

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
  needs: () => [calibrationNeed()],
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
  if (selected.length === 0) return model;
  const calibration = requireCalibration<LayerCalibration>(context, 'GPTQ');
  const hessianOf = isModelInputs(calibration) ? await capturedHessians(model, selected, calibration, context) : mappedHessians(calibration, context);
  const updates = new Map<string, Encoding>();
  for (const [index, param] of selected.entries()) {
    context.signal?.throwIfAborted();
    const role = param.role as GptqRole;
    const weight = decode(param.value);
    try {
      const hessian = await hessianOf(param);
      updates.set(param.name, gptqQuantizeWithHessian(weight, hessian, { ...config, role }).encoding);
    } catch (error) {
      if (!isWhittleError(error)) throw error;
      throw new WhittleError(error.code, `${param.name}: ${error.detail}`, { field: calibrationField(param), step: context.step }, { cause: error });
    }
    context.onParam?.(param.name, index + 1, selected.length);
  }
  return replaceParams(model, updates);
}

type HessianLookup = (param: Param) => Promise<Hessian>;

/** Hessians from layer inputs given by param name; a source shared by several params is read once. */
function mappedHessians(calibration: LayerCalibrationMap, context: StepContext): HessianLookup {
  return mappedLayerInputs(calibration, context, (source, param) => (isHessian(source) ? Promise.resolve(source) : accumulateHessian(source, inputWidth(param))));
}

/** Hessians of every selected param's layer inputs, captured running the model on `data`. */
async function capturedHessians(model: Model, selected: readonly Param[], data: BatchData, context: StepContext): Promise<HessianLookup> {
  const { captureCalibrationInputs } = await loadCalibrationRunner(context);
  const accumulators = new Map<string, HessianAccumulator>(
    selected.map((param) => [param.name, createHessianAccumulator(inputWidth(param))]),
  );
  await captureCalibrationInputs(
    model,
    selected.map(({ name }) => name),
    data,
    context,
    (name, inputs) => accumulators.get(name)!.add(inputs),
  );
  return async (param) => accumulators.get(param.name)!.result();
}

function isDenseFloat(param: Param): boolean {
  return param.value.kind === 'dense' && isFloatDType(param.value.tensor.dtype) && param.shape.length === 2;
}

/** The input features of a selected (rank-2 Dense or Linear) param's layer. */
function inputWidth(param: Param): number {
  return param.shape[roleAxes(param.role, 2).inputAxis!]!;
}
