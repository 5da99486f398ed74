/**
 * The `prune.wanda` recipe handler: Wanda pruning from the `calibration` resource, which core
 * defines and checks (the CLI's `--calibration` and `--data` flags make it).
 */
import {
  WEIGHT_ROLES,
  WhittleError,
  calibrationBatches,
  calibrationField,
  calibrationNeed,
  decode,
  isModelInputs,
  isWhittleError,
  loadCalibrationRunner,
  mappedLayerInputs,
  replaceParams,
  requireCalibration,
  roleAxes,
  selectParams,
  type Encoding,
  type LayerInputsMap,
  type Model,
  type Param,
  type RecipeHandler,
  type StepContext,
} from '@whittle/core';
import type { BatchData } from '@whittle/core/runner';
import { applyMask } from '../masks/index.ts';
import { storeSparse } from '../storage/index.ts';
import { convGeometries } from './conv-geometry.ts';
import { createConvInputNormAccumulator, type ConvGeometry } from './conv-input-norms.ts';
import { createInputNormAccumulator, type InputNormAccumulator } from './input-norms.ts';
import { perOutputMask, perOutputNmMask } from './per-output-mask.ts';
import { WANDA_KIND, validateWandaStep, type WandaConfig } from './wanda-step.ts';
import { wandaScores } from './wanda-scores.ts';

/**
 * The `prune.wanda` handler: prunes each selected float32 Dense kernel and Linear weight by
 * |W_ij|·‖X_j‖₂, ranked within each output unit, from its layer's inputs in the `calibration`
 * resource (batches of model inputs, run through the model as given, or each layer's inputs by
 * param name). A Conv2D kernel of a Keras topology is pruned as the Dense kernel
 * `[kh · kw · in, out]` it is over its input patches, ‖X_j‖₂ taken over every patch with the
 * layer's strides, padding and dilation. Other params the filter selects (depthwise, separable
 * and transposed convolutions, embeddings, params already sparse or quantized) are left alone,
 * and the step notes each.
 *
 * @example
 * ```ts
 * const { model: pruned } = await compress(model, [wanda({ sparsity: 0.5 })], {
 *   resources: { calibration: [{ inputs: images }] },
 * });
 * ```
 */
export const wandaHandler: RecipeHandler<WandaConfig> = {
  kind: WANDA_KIND,
  description: 'Wanda: prunes Dense, Linear and Conv2D weights by |weight| × input norm within each output unit, unstructured or N:M (resource "calibration"; CLI: --calibration or --data)',
  example: { kind: WANDA_KIND, sparsity: 0.5 } as WandaConfig,
  effect: 're-encodes-params',
  defaultRoles: WEIGHT_ROLES,
  needs: () => [calibrationNeed()],
  validate: validateWandaStep,
  apply: (model, config, context) => applyWanda(model, config, context),
};

/** The rank-2 roles Wanda prunes, their input axis as `roleAxes` names it (Conv2D kernels are flattened). */
const WANDA_ROLES = new Set(['dense-kernel', 'linear-weight']);

async function applyWanda(model: Model, config: WandaConfig, context: StepContext): Promise<Model> {
  const candidates = selectParams(model, config, WEIGHT_ROLES);
  const geometries = candidates.some(({ role }) => role === 'conv2d-kernel') ? convGeometries(model) : new Map<string, ConvGeometry | string>();
  const selected: Param[] = [];
  for (const param of candidates) {
    const reason = unprunable(param, geometries);
    if (reason === undefined) selected.push(param);
    else context.note?.(`${param.name} left alone: ${reason}`);
  }
  if (selected.length === 0) return model;
  const calibration = requireCalibration(context, 'Wanda');
  const accumulatorOf = (param: Param): InputNormAccumulator => {
    const geometry = geometries.get(param.name);
    return typeof geometry === 'object' ? createConvInputNormAccumulator(param.shape, geometry) : createInputNormAccumulator(inputWidth(param));
  };
  const normsOf = isModelInputs(calibration) ? await capturedNorms(model, selected, calibration, context, accumulatorOf) : mappedNorms(calibration, context, accumulatorOf);
  const updates = new Map<string, Encoding>();
  for (const [index, param] of selected.entries()) {
    context.signal?.throwIfAborted();
    const inputAxis = inputAxisOf(param);
    // A Conv2D kernel [kh, kw, in, out] is, row-major, the Dense kernel [kh · kw · in, out] of its patches.
    const decoded = decode(param.value) as Parameters<typeof wandaScores>[0];
    const weights = { ...decoded, shape: param.role === 'conv2d-kernel' ? [inputWidth(param), param.shape[3]!] : decoded.shape };
    let norms: Float64Array;
    try {
      norms = await normsOf(param);
      // A source shared with a layer of another width gives that layer's norms.
      if (norms.length !== inputWidth(param)) {
        throw new WhittleError('invalid-argument', `a calibration batch has ${norms.length} inputs, the layer ${inputWidth(param)}`, { field: 'calibration' });
      }
    } catch (error) {
      if (!isWhittleError(error)) throw error;
      throw new WhittleError(error.code, `${param.name}: ${error.detail}`, { field: calibrationField(param), step: context.step }, { cause: error });
    }
    checkFinite(param, weights.data, context);
    const scores = wandaScores(weights, norms, inputAxis);
    const mask =
      config.n !== undefined && config.m !== undefined
        ? perOutputNmMask(scores, weights.shape, { n: config.n, m: config.m, inputAxis })
        : perOutputMask(scores, weights.shape, { sparsity: config.sparsity, inputAxis });
    const pruned = { dtype: 'float32' as const, shape: [...decoded.shape], data: applyMask(weights.data, mask) };
    updates.set(param.name, storeSparse(pruned, config.storage));
    context.onParam?.(param.name, index + 1, selected.length);
  }
  return replaceParams(model, updates);
}

type NormLookup = (param: Param) => Promise<Float64Array>;

/** Input norms from layer inputs given by param name; a source shared by several params is read once. */
function mappedNorms(calibration: LayerInputsMap, context: StepContext, accumulatorOf: (param: Param) => InputNormAccumulator): NormLookup {
  return mappedLayerInputs(calibration, context, async (source, param) => {
    const accumulator = accumulatorOf(param);
    for await (const batch of calibrationBatches(source)) await accumulator.add(batch);
    return accumulator.result();
  });
}

/** Input norms of every selected param's layer, captured running the model on `data`. */
async function capturedNorms(
  model: Model,
  selected: readonly Param[],
  data: BatchData,
  context: StepContext,
  accumulatorOf: (param: Param) => InputNormAccumulator,
): Promise<NormLookup> {
  const { captureCalibrationInputs } = await loadCalibrationRunner(context);
  const accumulators = new Map<string, InputNormAccumulator>(selected.map((param) => [param.name, accumulatorOf(param)]));
  await captureCalibrationInputs(
    model,
    selected.map(({ name }) => name),
    data,
    context,
    (name, inputs) => accumulators.get(name)!.add(inputs),
  );
  return async (param) => accumulators.get(param.name)!.result();
}

/** A NaN or infinite weight has no rank: the step refuses it, naming the param and the element. */
function checkFinite(param: Param, data: Float32Array, context: StepContext): void {
  for (let index = 0; index < data.length; index++) {
    if (!Number.isFinite(data[index]!)) {
      throw new WhittleError('invalid-argument', `param ${JSON.stringify(param.name)}: weight ${index} is ${String(data[index])}`, {
        field: `params[${JSON.stringify(param.name)}]`,
        step: context.step,
      });
    }
  }
}

/** Why Wanda leaves `param` alone, or `undefined` when it prunes it. */
function unprunable(param: Param, geometries: ReadonlyMap<string, ConvGeometry | string>): string | undefined {
  if (param.role === 'conv2d-kernel' && param.shape.length === 4) {
    const geometry = geometries.get(param.name);
    if (geometry === undefined) return "Wanda prunes Conv2D kernels of a Keras topology's Conv2D layers, and this one's layer is not one";
    if (typeof geometry === 'string') return geometry;
  } else if (!WANDA_ROLES.has(param.role) || param.shape.length !== 2) {
    return `Wanda prunes 2-D Dense kernels, Linear weights and Conv2D kernels, not a ${param.role} of shape [${param.shape.join(', ')}]`;
  }
  if (param.value.kind !== 'dense') return `it is stored ${param.value.kind}, not as dense float32 weights`;
  if (param.value.tensor.dtype !== 'float32') return `its weights are ${param.value.tensor.dtype}, not float32`;
  if (param.shape.includes(0)) return 'it is empty';
  return undefined;
}

/** The input axis of the 2-D weight Wanda scores: a Conv2D kernel's flattened patch axis is 0. */
function inputAxisOf(param: Param): 0 | 1 {
  return param.role === 'conv2d-kernel' ? 0 : (roleAxes(param.role, 2).inputAxis as 0 | 1);
}

/** Input features of the 2-D weight Wanda scores: `kh · kw · in` for a Conv2D kernel. */
function inputWidth(param: Param): number {
  if (param.role === 'conv2d-kernel') return param.shape[0]! * param.shape[1]! * param.shape[2]!;
  return param.shape[inputAxisOf(param)]!;
}
