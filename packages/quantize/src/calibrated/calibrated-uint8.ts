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
  isFloatDType,
  isModelInputs,
  isWhittleError,
  loadCalibrationRunner,
  mappedLayerInputs,
  requireCalibration,
  selectParams,
  type CalibrationSource,
  type Encoding,
  type LayerInputsMap,
  type Model,
  type Param,
  type ParamFilter,
  type ParamRole,
  type StepContext,
} from '@whittle/core';
import { readModelGraph } from '@whittle/core/graph';
import type { BatchData } from '@whittle/core/runner';
import type { Hessian } from '../gptq/hessian.ts';
import type { StockRange } from '../primitives/uint8-range.ts';
import { quantizeTfjsStockCalibrated } from './calibrated-stock-rounding.ts';
import { kernelGeometries, type KernelGeometry } from './kernel-geometry.ts';
import { createKernelHessians, type KernelHessians } from './kernel-hessians.ts';
import { denseMatrices, depthwiseMatrices, type KernelMatrices } from './kernel-matrices.ts';

/** What {@link calibratedUint8Encodings} is told about the step. */
export interface CalibratedUint8Settings extends ParamFilter {
  readonly range: StockRange;
}

/**
 * The calibrated stock uint8 encoding of every selected kernel of `model` that calibrated
 * rounding can serve, by param name; the caller rounds the rest of the selection to nearest.
 * Reads the `calibration` resource from `context` (a `missing-resource` WhittleError without it).
 *
 * @example
 * ```ts
 * const encodings = await calibratedUint8Encodings(model, { range: 'minmax' }, roles, context);
 * ```
 */
export async function calibratedUint8Encodings(
  model: Model,
  settings: CalibratedUint8Settings,
  defaultRoles: readonly ParamRole[],
  context: StepContext,
): Promise<Map<string, Encoding>> {
  const geometries = geometriesOf(model);
  const selected = selectParams(model, settings, defaultRoles).filter(
    (param) => geometries.has(param.name) && param.value.kind === 'dense' && isFloatDType(param.value.tensor.dtype) && !param.shape.includes(0),
  );
  const encodings = new Map<string, Encoding>();
  if (selected.length === 0) return encodings;
  const calibration = requireCalibration<CalibrationSource>(context, 'calibrated uint8 rounding');
  const hessiansOf = isModelInputs(calibration)
    ? await capturedHessians(model, selected, geometries, calibration, context)
    : mappedHessians(calibration, geometries, context);
  for (const param of selected) {
    context.signal?.throwIfAborted();
    try {
      const hessians = await hessiansOf(param);
      if (hessians === undefined) continue;
      const matrices = matricesOf(geometries.get(param.name)!, param.shape);
      encodings.set(param.name, quantizeTfjsStockCalibrated(decode(param.value), settings.range, matrices, hessians).encoding);
    } catch (error) {
      if (!isWhittleError(error) || error.step !== undefined) throw error;
      throw new WhittleError(error.code, `${param.name}: ${error.detail}`, { field: calibrationField(param), step: context.step }, { cause: error });
    }
  }
  return encodings;
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

/** Hessians captured running the float model on the calibration batches, every kernel in one pass. */
async function capturedHessians(
  model: Model,
  selected: readonly Param[],
  geometries: ReadonlyMap<string, KernelGeometry>,
  data: BatchData,
  context: StepContext,
): Promise<HessiansLookup> {
  const { captureCalibrationInputs } = await loadCalibrationRunner(context);
  const accumulators = new Map<string, KernelHessians>(selected.map((param) => [param.name, createKernelHessians(geometries.get(param.name)!, param.shape)]));
  // A layer whose activations do not have the shape its kernel implies (a grouped convolution)
  // is not one calibrated rounding understands: it rounds to nearest.
  const skipped = new Set<string>();
  await captureCalibrationInputs(model, [...accumulators.keys()], data, context, async (name, inputs) => {
    if (skipped.has(name)) return;
    const geometry = geometries.get(name)!;
    const shape = model.params.get(name)!.shape;
    if (geometry.kind !== 'dense' && (inputs.rank !== 4 || inputs.shape[3] !== shape[2])) {
      skipped.add(name);
      context.note?.(`${name}: its layer's inputs are [${inputs.shape.join(', ')}], not what its kernel reads; rounded to nearest`);
      return;
    }
    await accumulators.get(name)!.add(inputs);
  });
  return async (param) => (skipped.has(param.name) ? undefined : accumulators.get(param.name)!.result());
}

/** Hessians from each layer's inputs given by param name; a source shared by several params is read once per geometry. */
function mappedHessians(calibration: LayerInputsMap<CalibrationSource>, geometries: ReadonlyMap<string, KernelGeometry>, context: StepContext): HessiansLookup {
  return mappedLayerInputs<CalibrationSource, Hessian[]>(calibration, context, async (source, param) => {
    const hessians = createKernelHessians(geometries.get(param.name)!, param.shape);
    for await (const batch of calibrationBatches(source)) await hessians.add(batch);
    return hessians.result();
  });
}
