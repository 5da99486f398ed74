/**
 * The `quantize.gptq` recipe handler. Calibration data is not JSON, so it cannot ride in the
 * recipe; it is bound to a handler instead (`createGptqHandler({ calibration })`), and a recipe
 * runs with a registry holding that handler (`gptqRegistry`). The recipe itself stays plain data
 * that validates anywhere, the CLI included; only running it needs the data.
 */
import {
  WhittleError,
  createRecipeRegistry,
  decode,
  defaultRegistry,
  isFloatDType,
  isWhittleError,
  replaceParams,
  roleAxes,
  selectParams,
  type Encoding,
  type Model,
  type Param,
  type RecipeHandler,
  type RecipeRegistry,
  type StepContext,
} from '@whittle/core';
import type { CalibrationSource } from './calibration.ts';
import { GPTQ_ROLES, type GptqRole } from './gptq-options.ts';
import { gptqQuantizeWithHessian } from './gptq-quantize.ts';
import { GPTQ_KIND, gptq, validateGptqStep, type GptqConfig, type GptqStep } from './gptq-step.ts';
import { accumulateHessian, isHessian, type Hessian } from './hessian.ts';

/** A layer's calibration: its inputs (see `CalibrationSource`) or a Hessian made from them. */
export type LayerCalibration = Hessian | CalibrationSource;

/**
 * Calibration for a whole model, keyed by param name (`dense_1/kernel`): a Map, a plain object,
 * or a function of the param. Params that share inputs (attention's q, k and v) may share one
 * source: its Hessian is accumulated once per step.
 */
export type GptqCalibration =
  | ReadonlyMap<string, LayerCalibration>
  | Readonly<Record<string, LayerCalibration>>
  | ((param: Param) => LayerCalibration | undefined);

/** Options of {@link createGptqHandler}. */
export interface GptqHandlerOptions {
  /** The calibration inputs of every param the recipe's GPTQ steps select. */
  readonly calibration?: GptqCalibration;
}

/**
 * A `quantize.gptq` handler bound to calibration data. Every dense float param a step selects
 * must have calibration (leave others out with `exclude`); params stored otherwise (already
 * quantized, sparse) are left alone.
 *
 * @example
 * ```ts
 * const handler = createGptqHandler({ calibration: { 'dense/kernel': denseInputs } });
 * const registry = createRecipeRegistry([handler]);
 * const { model: quantized } = await compress(model, [gptq({ bits: 4 })], { registry });
 * ```
 */
export function createGptqHandler(options: GptqHandlerOptions = {}): RecipeHandler<GptqConfig> {
  const { calibration } = options;
  return {
    kind: GPTQ_KIND,
    description: 'GPTQ: error-compensating int2–8 quantization of Dense and Linear weights from calibration inputs (from code, with gptqRegistry)',
    // The step as a user writes it; validate fills in the other settings' defaults.
    example: gptq({ bits: 4, groupSize: 128 }) as unknown as GptqConfig,
    effect: 're-encodes-params',
    defaultRoles: GPTQ_ROLES,
    validate: validateGptqStep,
    apply: (model, config, context) => applyGptq(model, config, context, calibration),
  };
}

/**
 * The handler `register.ts` adds to the default registry: it validates `quantize.gptq` steps
 * (so recipes check everywhere), and explains how to bind calibration data when run.
 */
export const gptqHandler: RecipeHandler<GptqConfig> = /* @__PURE__ */ createGptqHandler();

/**
 * A registry holding every handler of `base` (the default registry unless given) with its
 * `quantize.gptq` handler bound to `calibration`: the one-line way to run a recipe with GPTQ.
 *
 * @example
 * ```ts
 * const registry = gptqRegistry({ 'dense/kernel': denseInputs, 'output/kernel': outputInputs });
 * const { model: quantized } = await compress(model, [gptq({ bits: 4 }), cast('float16')], { registry });
 * ```
 */
export function gptqRegistry(calibration: GptqCalibration, base: RecipeRegistry = defaultRegistry): RecipeRegistry {
  const handlers = base
    .kinds()
    .filter((kind) => kind !== GPTQ_KIND)
    .map((kind) => base.get(kind)!);
  return createRecipeRegistry([...handlers, createGptqHandler({ calibration })]);
}

async function applyGptq(
  model: Model,
  config: GptqConfig,
  context: StepContext,
  calibration: GptqCalibration | undefined,
): Promise<Model> {
  // An empty weight has nothing to quantize, and its shape alone must not size a Hessian.
  const selected = selectParams(model, config, GPTQ_ROLES).filter((param) => isDenseFloat(param) && !param.shape.includes(0));
  if (selected.length > 0 && calibration === undefined) {
    throw new WhittleError(
      'invalid-argument',
      'GPTQ needs calibration inputs: run the recipe with gptqRegistry(calibration) or a createGptqHandler({ calibration }) handler',
      { field: 'calibration', step: context.step },
    );
  }
  const hessians = new Map<LayerCalibration, Promise<Hessian>>();
  const updates = new Map<string, Encoding>();
  for (const [index, param] of selected.entries()) {
    context.signal?.throwIfAborted();
    const field = `calibration[${JSON.stringify(param.name)}]`;
    const source = lookup(calibration!, param);
    if (source === undefined || source === null) {
      throw new WhittleError(
        'invalid-argument',
        `no calibration inputs for ${param.name}; give some, or leave the param out with exclude`,
        { field, step: context.step },
      );
    }
    const role = param.role as GptqRole;
    const weight = decode(param.value);
    try {
      const hessian = await hessianOf(source, weight.shape[roleAxes(role, 2).inputAxis!]!, hessians);
      updates.set(param.name, gptqQuantizeWithHessian(weight, hessian, { ...config, role }).encoding);
    } catch (error) {
      if (!isWhittleError(error)) throw error;
      throw new WhittleError(error.code, `${param.name}: ${error.message}`, { field, step: context.step }, { cause: error });
    }
    context.onParam?.(param.name, index + 1, selected.length);
  }
  return replaceParams(model, updates);
}

function isDenseFloat(param: Param): boolean {
  return param.value.kind === 'dense' && isFloatDType(param.value.tensor.dtype) && param.shape.length === 2;
}

function lookup(calibration: GptqCalibration, param: Param): LayerCalibration | undefined {
  if (typeof calibration === 'function') return calibration(param);
  if (calibration instanceof Map) return calibration.get(param.name);
  const record = calibration as Readonly<Record<string, LayerCalibration>>;
  // Own keys only: a param named `constructor` must not find Object.prototype's.
  return Object.hasOwn(record, param.name) ? record[param.name] : undefined;
}

function hessianOf(
  source: LayerCalibration,
  inputs: number,
  cache: Map<LayerCalibration, Promise<Hessian>>,
): Promise<Hessian> {
  if (isHessian(source)) return Promise.resolve(source);
  let hessian = cache.get(source);
  if (hessian === undefined) {
    hessian = accumulateHessian(source, inputs);
    cache.set(source, hessian);
  }
  return hessian;
}
