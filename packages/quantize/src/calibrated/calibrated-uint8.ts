/**
 * `quantize.uint8` with `rounding: 'calibrated'`: every kernel whose layer reads its input in a
 * way this package understands (Dense, MatMul, Conv2D, depthwise) gets its Hessians from the
 * `calibration` resource (model input batches run through the float model, or each layer's inputs
 * by param name) and calibrated codes; every other selected param rounds to nearest, as the
 * converter does.
 */
import {
  WhittleError,
  calibrationBatches,
  calibrationField,
  decode,
  denseEncoding,
  replaceParams,
  toFloat32,
  isFloatDType,
  isModelInputs,
  isWhittleError,
  loadCalibrationRunner,
  mappedLayerInputs,
  requireCalibration,
  selectParams,
  type CalibrationSource,
  type Encoding,
  type HostTensor,
  type LayerInputsMap,
  type Model,
  type Param,
  type ParamFilter,
  type ParamRole,
  type StepContext,
} from '@whittle/core';
import { producers, readModelGraph, topologicalOrder, type ModelGraph } from '@whittle/core/graph';
import type { BatchData } from '@whittle/core/runner';
import type * as tf from '@tensorflow/tfjs-core';
import { GPTQ_DEFAULTS } from '../gptq/gptq-options.ts';
import type { Hessian } from '../gptq/hessian.ts';
import type { StockRange } from '../primitives/uint8-range.ts';
import { quantizeTfjsStockCalibrated } from './calibrated-stock-rounding.ts';
import { kernelGeometries, type KernelGeometry } from './kernel-geometry.ts';
import { createKernelHessians, type KernelHessians } from './kernel-hessians.ts';
import { meanOutputShift } from './bias-correction.ts';
import { isConstant, kernelBiases } from './kernel-biases.ts';
import { createPairedMoments, leastSquaresKernel, quantizedHessians, type PairedMoments, type PairedMomentsResult } from './paired-moments.ts';
import { createLayerInputMeans, type LayerInputMeans } from './layer-input-means.ts';
import { denseMatrices, depthwiseMatrices, type KernelMatrices } from './kernel-matrices.ts';

/** What {@link calibratedUint8Encodings} is told about the step. */
export interface CalibratedUint8Settings extends ParamFilter {
  readonly range: StockRange;
  /**
   * Calibrate each kernel on the inputs its layer gets with every earlier kernel already
   * quantized (and the other selected params rounded to nearest), one model run per group of
   * kernels that do not feed each other; otherwise on the float model's inputs, in one run.
   * Absent: {@link DEFAULT_CALIBRATED_SEQUENTIAL} with model input batches, off with layer inputs by name.
   */
  readonly sequential?: boolean;
  /**
   * Fold each kernel's mean output shift on the calibration inputs into the float bias its layer
   * adds. Absent: {@link DEFAULT_CALIBRATED_BIAS_CORRECTION} with model input batches, off with
   * layer inputs by name.
   */
  readonly biasCorrection?: boolean;
}

/** Whether calibrated rounding is sequential when the step does not say and the calibration is model input batches. */
export const DEFAULT_CALIBRATED_SEQUENTIAL = true;

/** Whether calibrated rounding corrects biases when the step does not say and the calibration is model input batches. */
export const DEFAULT_CALIBRATED_BIAS_CORRECTION = true;

/** Calibrated kernels and the biases corrected for them, by param name. */
export interface CalibratedUint8Result {
  /** Stock uint8 encodings of the calibrated kernels; the caller rounds the rest to nearest. */
  readonly kernels: Map<string, Encoding>;
  /** Corrected float32 biases (with `biasCorrection`): the caller stores them, or rounds them to nearest if selected. */
  readonly biases: Map<string, Encoding>;
}

/** How the caller rounds a param that calibrated rounding does not serve; undefined leaves it as it is. */
export type NearestEncoding = (param: Param) => Encoding | undefined;

/**
 * The calibrated stock uint8 encoding of every selected kernel of `model` that calibrated
 * rounding can serve, by param name, and with `settings.biasCorrection` the corrected float
 * biases after them; the caller rounds the rest of the selection to nearest (`nearest`, which
 * sequential calibration also uses to build the partly quantized model). Reads the `calibration`
 * resource from `context` (a `missing-resource` WhittleError without it); sequential calibration
 * and bias correction need it as model input batches (`invalid-argument` otherwise).
 *
 * @example
 * ```ts
 * const { kernels, biases } = await calibratedUint8Encodings(model, { range: 'minmax', sequential: true }, roles, context, nearest);
 * ```
 */
export async function calibratedUint8Encodings(
  model: Model,
  settings: CalibratedUint8Settings,
  defaultRoles: readonly ParamRole[],
  context: StepContext,
  nearest: NearestEncoding,
): Promise<CalibratedUint8Result> {
  const geometries = geometriesOf(model);
  const inStep = selectParams(model, settings, defaultRoles);
  const selected = inStep.filter(
    (param) => geometries.has(param.name) && param.value.kind === 'dense' && isFloatDType(param.value.tensor.dtype) && !param.shape.includes(0),
  );
  const result: CalibratedUint8Result = { kernels: new Map(), biases: new Map() };
  if (selected.length === 0) return result;
  const calibration = requireCalibration<CalibrationSource>(context, 'calibrated uint8 rounding');
  const modelInputs = isModelInputs(calibration);
  // Both run the model: defaults where it can run, off where each layer's inputs are given instead.
  const sequential = settings.sequential ?? (modelInputs && DEFAULT_CALIBRATED_SEQUENTIAL);
  const biasCorrection = settings.biasCorrection ?? (modelInputs && DEFAULT_CALIBRATED_BIAS_CORRECTION);
  const runsModel = sequential || biasCorrection;
  if (!modelInputs) {
    if (runsModel) {
      const field = sequential ? 'sequential' : 'biasCorrection';
      throw new WhittleError('invalid-argument', `${field} runs the model, so the calibration resource must be batches of model inputs`, { field, step: context.step });
    }
    const hessiansOf = mappedHessians(calibration, geometries, context);
    for (const param of selected) {
      const hessians = await hessiansOf(param);
      if (hessians !== undefined) result.kernels.set(param.name, calibrateKernel(param.name, decode(param.value), geometries.get(param.name)!, settings.range, hessians, context).encoding);
    }
    return result;
  }
  const graph = readModelGraph(model);
  const biasOf =
    biasCorrection
      ? kernelBiases(graph, selected.map((param) => param.name), (name) => model.params.get(name)?.shape, (name) => outputChannels(geometries.get(name)!, model.params.get(name)!.shape))
      : new Map<string, string>();
  const { captureCalibrationInputs } = await loadCalibrationRunner(context);
  const capture = (source: Model, params: readonly Param[], hessians: boolean): Promise<Map<string, Captured>> =>
    captureLayerInputs(captureCalibrationInputs, source, params, geometries, calibration, context, { hessians, means: biasOf.size > 0 });
  // The float model's input means are what a corrected layer's mean output is measured against.
  const inSelection = new Set(inStep.map((param) => param.name));
  const correct = (param: Param, decoded: Float32Array, floatMeans: Float64Array | undefined, quantizedMeans: Float64Array | undefined): Param | undefined => {
    const biasName = biasOf.get(param.name);
    const bias = biasName === undefined ? undefined : model.params.get(biasName);
    if (bias === undefined || floatMeans === undefined || quantizedMeans === undefined || bias.value.kind !== 'dense') return undefined;
    const geometry = geometries.get(param.name)!;
    const shift = meanOutputShift({
      kernel: toFloat32(decode(param.value)).data,
      decoded,
      matrices: matricesOf(geometry, param.shape),
      depthwise: geometry.kind === 'depthwise',
      floatMeans,
      quantizedMeans,
    });
    const values = toFloat32(decode(bias.value)).data;
    const corrected = Float32Array.from(values, (value, channel) => value - shift[channel]!);
    const encoding = denseEncoding({ dtype: 'float32', shape: [...bias.shape], data: corrected });
    result.biases.set(bias.name, encoding);
    return { ...bias, value: encoding };
  };
  if (!sequential) {
    const floatPass = await capture(model, selected, true);
    for (const param of selected) {
      const captured = floatPass.get(param.name);
      if (captured?.hessians === undefined) continue;
      const encoding = calibrateKernel(param.name, decode(param.value), geometries.get(param.name)!, settings.range, captured.hessians, context).encoding;
      result.kernels.set(param.name, encoding);
      correct(param, toFloat32(decode(encoding)).data, captured.means, captured.means);
    }
    return result;
  }
  // The partly quantized model: every selected param other than the calibrated kernels rounded
  // to nearest from the start, each kernel replaced by its decoded codes once chosen.
  const calibrated = new Set(selected.map((param) => param.name));
  const updates = new Map<string, Encoding>();
  const decodedNearest = (param: Param): Encoding | undefined => {
    const encoding = nearest(param);
    return encoding === undefined ? undefined : denseEncoding(toFloat32(decode(encoding)));
  };
  for (const param of inStep) {
    if (calibrated.has(param.name) || param.value.kind !== 'dense' || !isFloatDType(param.value.tensor.dtype)) continue;
    const encoding = decodedNearest(param);
    if (encoding !== undefined) updates.set(param.name, encoding);
  }
  const floatInputs = await keptFloatInputs(captureCalibrationInputs, model, selected, geometries, calibration, context);
  for (const group of independentGroups(graph, selected)) {
    context.signal?.throwIfAborted();
    // Where every float layer input fitted in memory, one float run served them all; otherwise
    // the float model runs again for each group.
    const kept = floatInputs ?? (await keptFloatInputs(captureCalibrationInputs, model, group, geometries, calibration, context, Number.POSITIVE_INFINITY))!;
    const paired = await capturePairedInputs(captureCalibrationInputs, kept, replaceParams(model, updates), group, geometries, calibration, context);
    for (const param of group) {
      const moments = paired.get(param.name);
      if (moments === undefined) {
        const encoding = decodedNearest(param);
        if (encoding !== undefined) updates.set(param.name, encoding);
        continue;
      }
      const geometry = geometries.get(param.name)!;
      const matrices = matricesOf(geometry, param.shape);
      // Aim at the float layer's outputs on the float inputs, not at outputs earlier layers moved.
      const target = leastSquaresKernel(toFloat32(decode(param.value)), matrices, moments, GPTQ_DEFAULTS.damp);
      const encoding = calibrateKernel(param.name, target, geometry, settings.range, quantizedHessians(moments), context).encoding;
      result.kernels.set(param.name, encoding);
      const decoded = toFloat32(decode(encoding));
      updates.set(param.name, denseEncoding(decoded));
      const bias = biasOf.has(param.name) ? correct(param, decoded.data, moments.floatMeans, moments.quantizedMeans) : undefined;
      if (bias !== undefined) updates.set(bias.name, inSelection.has(bias.name) ? (decodedNearest(bias) ?? bias.value) : bias.value);
    }
  }
  return result;
}

function calibrateKernel(name: string, tensor: HostTensor, geometry: KernelGeometry, range: StockRange, hessians: Hessian[], context: StepContext) {
  context.signal?.throwIfAborted();
  try {
    return quantizeTfjsStockCalibrated(tensor, range, matricesOf(geometry, tensor.shape), hessians);
  } catch (error) {
    if (!isWhittleError(error) || error.step !== undefined) throw error;
    throw new WhittleError(error.code, `${name}: ${error.detail}`, { field: calibrationField({ name }), step: context.step }, { cause: error });
  }
}

/** A kernel's output channels: the last axis, or the first of an `[out, in]` weight. */
function outputChannels(geometry: KernelGeometry, shape: readonly number[]): number {
  if (geometry.kind === 'dense') return geometry.outputsFirst ? shape[0]! : shape[1]!;
  return geometry.kind === 'depthwise' ? shape[2]! * shape[3]! : shape[3]!;
}

/** The kernels' geometries from the model's graph; for a model without one, rank-2 Dense and Linear weights by role. */
function geometriesOf(model: Model): Map<string, KernelGeometry> {
  let graph;
  try {
    graph = readModelGraph(model);
  } catch {
    const geometries = new Map<string, KernelGeometry>();
    for (const param of model.params.values()) {
      if (param.shape.length !== 2) continue;
      if (param.role === 'dense-kernel') geometries.set(param.name, { kind: 'dense', outputsFirst: false });
      if (param.role === 'linear-weight') geometries.set(param.name, { kind: 'dense', outputsFirst: true });
    }
    return geometries;
  }
  return kernelGeometries(graph, (name) => model.params.get(name)?.shape);
}

function matricesOf(geometry: KernelGeometry, shape: readonly number[]): KernelMatrices {
  if (geometry.kind === 'depthwise') return depthwiseMatrices(shape);
  return denseMatrices(shape, geometry.kind === 'dense' && geometry.outputsFirst);
}

type HessiansLookup = (param: Param) => Promise<Hessian[] | undefined>;

/** What one run captured of a kernel's layer inputs; nothing for a layer calibrated rounding does not understand. */
interface Captured {
  readonly hessians?: Hessian[];
  readonly means?: Float64Array;
}

type CaptureInputs = Awaited<ReturnType<typeof loadCalibrationRunner>>['captureCalibrationInputs'];

/** The Hessians and input means of `params`' layers, running `model` on the calibration batches once. */
async function captureLayerInputs(
  captureCalibrationInputs: CaptureInputs,
  model: Model,
  params: readonly Param[],
  geometries: ReadonlyMap<string, KernelGeometry>,
  data: BatchData,
  context: StepContext,
  wants: { readonly hessians: boolean; readonly means: boolean },
): Promise<Map<string, Captured>> {
  const hessians = new Map<string, KernelHessians>();
  const means = new Map<string, LayerInputMeans>();
  for (const param of params) {
    const geometry = geometries.get(param.name)!;
    if (wants.hessians) hessians.set(param.name, createKernelHessians(geometry, param.shape));
    if (wants.means) means.set(param.name, createLayerInputMeans(geometry, param.shape));
  }
  // A layer whose activations do not have the shape its kernel implies (a grouped convolution)
  // is not one calibrated rounding understands: it rounds to nearest.
  const skipped = new Set<string>();
  await captureCalibrationInputs(model, params.map((param) => param.name), data, context, async (name, inputs) => {
    if (skipped.has(name)) return;
    const geometry = geometries.get(name)!;
    const shape = model.params.get(name)!.shape;
    if (geometry.kind !== 'dense' && (inputs.rank !== 4 || inputs.shape[3] !== shape[2])) {
      skipped.add(name);
      context.note?.(`${name}: its layer's inputs are [${inputs.shape.join(', ')}], not what its kernel reads; rounded to nearest`);
      return;
    }
    await hessians.get(name)?.add(inputs);
    await means.get(name)?.add(inputs);
  });
  const captured = new Map<string, Captured>();
  for (const param of params) {
    if (skipped.has(param.name)) continue;
    captured.set(param.name, {
      ...(wants.hessians ? { hessians: hessians.get(param.name)!.result() } : {}),
      ...(wants.means ? { means: means.get(param.name)!.result() } : {}),
    });
  }
  return captured;
}

/** Float layer inputs kept on the host beyond this many bytes are captured again per group instead. */
const KEPT_INPUT_BYTES = 512 * 1024 * 1024;

/** Each param's float layer inputs, batch by batch, on the host; an entry is undefined once used, or for a layer not understood. */
type KeptInputs = Map<string, (HostTensor<'float32'> | undefined)[] | undefined>;

/**
 * The float model's inputs to `params`' layers on every calibration batch, from one run of
 * `float`, kept on the host; undefined where they would take more than `budget` bytes. A layer
 * whose activations do not have the shape its kernel implies (a grouped convolution) is not one
 * calibrated rounding understands: it is noted, kept as undefined, and rounds to nearest.
 */
async function keptFloatInputs(
  captureCalibrationInputs: CaptureInputs,
  float: Model,
  params: readonly Param[],
  geometries: ReadonlyMap<string, KernelGeometry>,
  data: BatchData,
  context: StepContext,
  budget = KEPT_INPUT_BYTES,
): Promise<KeptInputs | undefined> {
  const kept: KeptInputs = new Map(params.map((param) => [param.name, []]));
  let bytes = 0;
  const overBudget = new WhittleError('invalid-argument', 'over budget');
  try {
    await captureCalibrationInputs(float, params.map((param) => param.name), data, context, async (name, inputs) => {
      const batches = kept.get(name);
      if (batches === undefined) return;
      const geometry = geometries.get(name)!;
      if (geometry.kind !== 'dense' && (inputs.rank !== 4 || inputs.shape[3] !== float.params.get(name)!.shape[2])) {
        kept.set(name, undefined);
        context.note?.(`${name}: its layer's inputs are [${inputs.shape.join(', ')}], not what its kernel reads; rounded to nearest`);
        return;
      }
      bytes += 4 * inputs.size;
      if (bytes > budget) throw overBudget;
      batches.push({ dtype: 'float32', shape: [...inputs.shape], data: Float32Array.from(await inputs.data()) });
    });
  } catch (error) {
    if (error === overBudget || (error as { cause?: unknown }).cause === overBudget) return undefined;
    throw error;
  }
  return kept;
}

/**
 * Paired moments of `params`' layer inputs: `quantized` run on the calibration batches, each of
 * its layer inputs paired with the float one `kept` holds for the same batch (which it then
 * drops). One run, whatever the number of params.
 */
async function capturePairedInputs(
  captureCalibrationInputs: CaptureInputs,
  kept: KeptInputs,
  quantized: Model,
  params: readonly Param[],
  geometries: ReadonlyMap<string, KernelGeometry>,
  data: BatchData,
  context: StepContext,
): Promise<Map<string, PairedMomentsResult>> {
  const understood = params.filter((param) => kept.get(param.name) !== undefined);
  const moments = new Map<string, PairedMoments>();
  const seen = new Map<string, number>();
  for (const param of understood) {
    const geometry = geometries.get(param.name)!;
    moments.set(param.name, createPairedMoments(geometry, param.shape, matricesOf(geometry, param.shape)));
  }
  const results = new Map<string, PairedMomentsResult>();
  if (understood.length === 0) return results;
  await captureCalibrationInputs(quantized, understood.map((param) => param.name), data, context, async (name, inputs) => {
    const batch = seen.get(name) ?? 0;
    seen.set(name, batch + 1);
    const batches = kept.get(name)!;
    const floatInputs = batches[batch];
    if (floatInputs === undefined) throw new WhittleError('invalid-argument', 'the quantized model read more calibration batches than the float one', { field: 'calibration' });
    batches[batch] = undefined;
    await moments.get(name)!.add(floatInputs, inputs);
  });
  for (const param of understood) results.set(param.name, moments.get(param.name)!.result());
  return results;
}

/**
 * `kernels` in the graph's order, cut into runs of kernels none of which feeds another: each run
 * is captured in one pass of the partly quantized model, so the number of passes is the depth
 * of the kernel graph, not the number of kernels.
 */
function independentGroups(graph: ModelGraph, kernels: readonly Param[]): Param[][] {
  const nodeOf = new Map<string, string>();
  for (const node of graph.nodes) {
    if (isConstant(node)) continue;
    for (const binding of node.params) if (!nodeOf.has(binding.param)) nodeOf.set(binding.param, node.name);
  }
  const kernelsAt = new Map<string, Param[]>();
  for (const param of kernels) {
    const node = nodeOf.get(param.name)!;
    kernelsAt.set(node, [...(kernelsAt.get(node) ?? []), param]);
  }
  // Upstream kernels of every node, in topological order.
  const upstream = new Map<string, Set<string>>();
  const ordered: Param[] = [];
  for (const name of topologicalOrder(graph)) {
    const above = new Set<string>();
    for (const edge of producers(graph, name)) {
      for (const kernel of upstream.get(edge.from) ?? []) above.add(kernel);
      for (const param of kernelsAt.get(edge.from) ?? []) above.add(param.name);
    }
    upstream.set(name, above);
    ordered.push(...(kernelsAt.get(name) ?? []));
  }
  const groups: Param[][] = [];
  let group: Param[] = [];
  for (const param of ordered) {
    const above = upstream.get(nodeOf.get(param.name)!)!;
    if (group.some((member) => above.has(member.name))) {
      groups.push(group);
      group = [];
    }
    group.push(param);
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

/** Hessians from each layer's inputs given by param name; a source shared by several params is read once per geometry. */
function mappedHessians(calibration: LayerInputsMap<CalibrationSource>, geometries: ReadonlyMap<string, KernelGeometry>, context: StepContext): HessiansLookup {
  return mappedLayerInputs<CalibrationSource, Hessian[]>(calibration, context, async (source, param) => {
    const hessians = createKernelHessians(geometries.get(param.name)!, param.shape);
    for await (const batch of calibrationBatches(source)) await hessians.add(batch);
    return hessians.result();
  });
}
