/**
 * The `prune.wanda` recipe handler: Wanda pruning from the `calibration` resource, which core
 * defines and checks (the CLI's `--calibration` and `--data` flags make it).
 */
import {
  WEIGHT_ROLES,
  WhittleError,
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
import { createInputNormAccumulator, inputNorms, type InputNormAccumulator } from './input-norms.ts';
import { perOutputMask, perOutputNmMask } from './per-output-mask.ts';
import { WANDA_KIND, validateWandaStep, type WandaConfig } from './wanda-step.ts';
import { wandaScores } from './wanda-scores.ts';

/**
 * The `prune.wanda` handler: prunes each selected float32 Dense kernel and Linear weight by
 * |W_ij|·‖X_j‖₂, ranked within each output unit, from its layer's inputs in the `calibration`
 * resource (batches of model inputs, run through the model as given, or each layer's inputs by
 * param name). Other params the filter selects (convolution kernels, embeddings, params already
 * sparse or quantized) are left alone, and the step notes each.
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
  description: 'Wanda: prunes Dense and Linear weights by |weight| × input norm within each output unit, unstructured or N:M (resource "calibration"; CLI: --calibration or --data)',
  example: { kind: WANDA_KIND, sparsity: 0.5 } as WandaConfig,
  effect: 're-encodes-params',
  defaultRoles: WEIGHT_ROLES,
  needs: () => [calibrationNeed()],
  validate: validateWandaStep,
  apply: (model, config, context) => applyWanda(model, config, context),
};

/** What a Wanda step can prune: a float32 dense rank-2 weight whose input axis its role names. */
const WANDA_ROLES = new Set(['dense-kernel', 'linear-weight']);

async function applyWanda(model: Model, config: WandaConfig, context: StepContext): Promise<Model> {
  const selected: Param[] = [];
  for (const param of selectParams(model, config, WEIGHT_ROLES)) {
    const reason = unprunable(param);
    if (reason === undefined) selected.push(param);
    else context.note?.(`${param.name} left alone: ${reason}`);
  }
  if (selected.length === 0) return model;
  const calibration = requireCalibration(context, 'Wanda');
  const normsOf = isModelInputs(calibration) ? await capturedNorms(model, selected, calibration, context) : mappedNorms(calibration, context);
  const updates = new Map<string, Encoding>();
  for (const [index, param] of selected.entries()) {
    context.signal?.throwIfAborted();
    const inputAxis = inputAxisOf(param);
    const weights = decode(param.value) as Parameters<typeof wandaScores>[0];
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
    const pruned = { dtype: 'float32' as const, shape: [...weights.shape], data: applyMask(weights.data, mask) };
    updates.set(param.name, storeSparse(pruned, config.storage));
    context.onParam?.(param.name, index + 1, selected.length);
  }
  return replaceParams(model, updates);
}

type NormLookup = (param: Param) => Promise<Float64Array>;

/** Input norms from layer inputs given by param name; a source shared by several params is read once. */
function mappedNorms(calibration: LayerInputsMap, context: StepContext): NormLookup {
  return mappedLayerInputs(calibration, context, (source, param) => inputNorms(source, inputWidth(param)));
}

/** Input norms of every selected param's layer, captured running the model on `data`. */
async function capturedNorms(model: Model, selected: readonly Param[], data: BatchData, context: StepContext): Promise<NormLookup> {
  const { captureCalibrationInputs } = await loadCalibrationRunner(context);
  const accumulators = new Map<string, InputNormAccumulator>(selected.map((param) => [param.name, createInputNormAccumulator(inputWidth(param))]));
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
function unprunable(param: Param): string | undefined {
  if (!WANDA_ROLES.has(param.role) || param.shape.length !== 2) return `Wanda prunes 2-D Dense kernels and Linear weights, not a ${param.role} of shape [${param.shape.join(', ')}]`;
  if (param.value.kind !== 'dense') return `it is stored ${param.value.kind}, not as dense float32 weights`;
  if (param.value.tensor.dtype !== 'float32') return `its weights are ${param.value.tensor.dtype}, not float32`;
  if (param.shape.includes(0)) return 'it is empty';
  return undefined;
}

function inputAxisOf(param: Param): 0 | 1 {
  return roleAxes(param.role, 2).inputAxis as 0 | 1;
}

function inputWidth(param: Param): number {
  return param.shape[inputAxisOf(param)]!;
}
