/**
 * `quantize.uint8` and `quantize.uint16`: tfjs-converter's stock weight quantization (one scale
 * and minimum per tensor), which an unmodified `tf.loadLayersModel` / `tf.loadGraphModel` reads.
 */
import {
  WEIGHT_ROLES,
  FILTER_FIELDS,
  WhittleError,
  calibrationNeed,
  copyFilter,
  estimateParams,
  mapParams,
  readBoolean,
  readFilter,
  replaceParams,
  readEnum,
  rejectUnknownFields,
  type ParamFilter,
  type Encoding,
  type Param,
  type RecipeHandler,
  type RecipeStep,
} from '@whittle/core';
import { quantizeTfjsStock, tfjsStockByteLength, type TfjsStockDType } from '../primitives/tfjs-stock.ts';
import { STOCK_RANGES, quantizeTfjsStockInRange, type StockRange } from '../primitives/uint8-range.ts';
import { STOCK_ROUNDINGS, kernelChannelLayout, quantizeTfjsStockBalanced, type StockRounding } from '../primitives/stock-rounding.ts';
import { equalizeModel } from '../equalize/equalize-model.ts';
import { calibratedUint8Encodings } from '../calibrated/calibrated-uint8.ts';
import { encodeFloatParam, floatParamByteLength } from './float-param.ts';

/** A `quantize.uint8` step. */
export interface Uint8Step extends RecipeStep, ParamFilter {
  readonly kind: 'quantize.uint8';
  /**
   * The per-tensor range the 256 codes span: `minmax` every value, as tfjs-converter does;
   * `mse` clips rare outliers where that lowers the tensor's squared error. Both load in stock
   * tfjs. Absent means {@link DEFAULT_UINT8_RANGE}.
   */
  readonly range?: StockRange;
  /**
   * Cross-layer equalization first (`equalizeModel`): channels of one kernel rescaled against
   * the next kernel's so one per-tensor range serves them all; the float model's function is
   * unchanged. Params outside the step's selection may be rescaled too (and stay float). Absent
   * means {@link DEFAULT_UINT8_EQUALIZE}.
   */
  readonly equalize?: boolean;
  /**
   * How each weight is rounded to a code: `nearest`, as tfjs-converter does, or `balanced`:
   * along each output channel of a kernel every weight is rounded with the error carried from
   * the ones before it, so the channel's summed error stays within half a step (a data-free
   * bias correction: a layer's inputs that share a mean no longer shift its output); or
   * `calibrated`: each Dense, MatMul, Conv2D and depthwise kernel's codes chosen by GPTQ's
   * error-compensating order for its layer's outputs on calibration inputs (the `calibration`
   * resource: model input batches, or each layer's inputs by param name), each output channel
   * keeping the nearest codes where those move its outputs less; other params round to nearest.
   * Codes, `min` and `scale` stay stock. Absent means {@link DEFAULT_UINT8_ROUNDING}.
   */
  readonly rounding?: StockRounding;
  /**
   * With `rounding: 'calibrated'` and model input batches: calibrate each kernel on the inputs
   * its layer gets from the partly quantized model (every earlier kernel already quantized, the
   * other selected params rounded to nearest), GPTQ's sequential mode, rather than from the float
   * model. Two model runs per level of the kernel graph. Absent means true where the calibration
   * is model input batches, false where it is each layer's inputs by param name.
   */
  readonly sequential?: boolean;
  /**
   * With `rounding: 'calibrated'` and model input batches: subtract each calibrated kernel's mean
   * output shift on the calibration inputs (E[Ŵx̂] − E[Wx], x̂ the quantized model's layer inputs,
   * x the float model's) from the float bias its layer adds (a Keras layer's bias, a fused op's,
   * or a following BiasAdd's); a selected bias is rounded to nearest after correction. Layers
   * without such a bias are left as they are. Absent means true where the calibration is model
   * input batches, false where it is each layer's inputs by param name.
   */
  readonly biasCorrection?: boolean;
}

/** How a `quantize.uint8` step rounds when it does not say. */
export const DEFAULT_UINT8_ROUNDING: StockRounding = 'nearest';

/** Whether a `quantize.uint8` step equalizes when it does not say. */
export const DEFAULT_UINT8_EQUALIZE = false;

/** The range a `quantize.uint8` step spans when it names none. */
export const DEFAULT_UINT8_RANGE: StockRange = 'minmax';

/** Options of {@link uint8}: which params, and the range the codes span. */
export interface Uint8Options extends ParamFilter {
  /** `minmax` (tfjs-converter's range) or `mse`; see {@link Uint8Step.range}. */
  readonly range?: StockRange;
  /** Cross-layer equalization before quantizing; see {@link Uint8Step.equalize}. */
  readonly equalize?: boolean;
  /** `nearest` (the converter's), `balanced` or `calibrated`; see {@link Uint8Step.rounding}. */
  readonly rounding?: StockRounding;
  /** Sequential calibration; see {@link Uint8Step.sequential}. */
  readonly sequential?: boolean;
  /** Bias correction after calibrated rounding; see {@link Uint8Step.biasCorrection}. */
  readonly biasCorrection?: boolean;
}

/** A `quantize.uint16` step. */
export interface Uint16Step extends RecipeStep, ParamFilter {
  readonly kind: 'quantize.uint16';
}

/**
 * A `quantize.uint8` step: per-tensor 8-bit codes with the stock tfjs `{ dtype: 'uint8', min,
 * scale }` (a quarter of float32's bytes), by tfjs-converter's `--quantize_uint8` rule over the
 * range `options.range` picks: `minmax` is exactly the converter's output; `mse` clips rare
 * outliers per tensor to lower the weights' squared error; `options.rounding: 'balanced'` keeps
 * each output channel's summed rounding error within half a step; `options.rounding:
 * 'calibrated'` chooses kernel codes for the layer outputs on the `calibration` resource. All
 * load in stock tfjs.
 *
 * @example
 * ```ts
 * const { model: stock } = await compress(model, [uint8({ range: 'mse' })]); // loads in stock tfjs once written as tfjs artifacts
 * const { model: calibrated } = await compress(model, [uint8({ rounding: 'calibrated' })], { resources: { calibration: [{ inputs: images }] } });
 * ```
 */
export function uint8(options: Uint8Options = {}): Uint8Step {
  const { range, equalize, rounding, sequential, biasCorrection, ...filter } = options;
  return {
    kind: 'quantize.uint8',
    ...copyFilter(filter),
    ...(range === undefined ? {} : { range }),
    ...(equalize === undefined ? {} : { equalize }),
    ...(rounding === undefined ? {} : { rounding }),
    ...(sequential === undefined ? {} : { sequential }),
    ...(biasCorrection === undefined ? {} : { biasCorrection }),
  };
}

/**
 * A `quantize.uint16` step: as {@link uint8} with 16-bit codes (`--quantize_uint16`).
 *
 * @example
 * ```ts
 * const { model: stock } = await compress(model, [uint16({ include: ['encoder/**'] })]);
 * ```
 */
export function uint16(filter: ParamFilter = {}): Uint16Step {
  return { kind: 'quantize.uint16', ...copyFilter(filter) };
}

/** The handler for `quantize.uint8` steps. */
export const uint8Handler: RecipeHandler<Uint8Step> = {
  ...stockHandler<Uint8Step>('quantize.uint8', 'uint8'),
  validate(step, context) {
    rejectUnknownFields(step, ['range', 'equalize', 'rounding', 'sequential', 'biasCorrection', ...FILTER_FIELDS], context);
    // Absent fields stay absent, so a validated step reads as it was written.
    const range = step.range === undefined ? {} : { range: readEnum<StockRange>(step, 'range', STOCK_RANGES, {}, context) };
    const equalize = step.equalize === undefined ? {} : { equalize: readBoolean(step, 'equalize', {}, context) };
    const rounding = step.rounding === undefined ? {} : { rounding: readEnum<StockRounding>(step, 'rounding', STOCK_ROUNDINGS, {}, context) };
    const sequential = step.sequential === undefined ? {} : { sequential: readBoolean(step, 'sequential', {}, context) };
    const biasCorrection = step.biasCorrection === undefined ? {} : { biasCorrection: readBoolean(step, 'biasCorrection', {}, context) };
    for (const field of ['sequential', 'biasCorrection'] as const) {
      // Both act on calibrated codes; on any other rounding they would silently do nothing.
      if (step[field] === true && step.rounding !== 'calibrated') {
        throw new WhittleError('invalid-argument', `${field} needs rounding: 'calibrated'`, { field, step: context.step });
      }
    }
    return { kind: 'quantize.uint8', ...range, ...equalize, ...rounding, ...sequential, ...biasCorrection, ...readFilter(step, context) };
  },
  needs: (config) => (config.rounding === 'calibrated' ? [calibrationNeed()] : []),
  // Equalization rescales pairs of params together, and calibration runs the whole model, so
  // such steps need the whole model.
  streamsConfig: (config) => !(config.equalize ?? DEFAULT_UINT8_EQUALIZE) && config.rounding !== 'calibrated',
  encodeParam: encodeUint8Param,
  async apply(model, config, context) {
    if (config.equalize ?? DEFAULT_UINT8_EQUALIZE) {
      const { model: equalized, pairs } = equalizeModel(model);
      context.note?.(`equalized ${pairs} layer pair${pairs === 1 ? '' : 's'} before quantizing`);
      model = equalized;
    }
    if (config.rounding !== 'calibrated') return mapParams(model, config, WEIGHT_ROLES, context, (param) => encodeUint8Param(param, config));
    const range = config.range ?? DEFAULT_UINT8_RANGE;
    const nearest: Uint8Step = { ...config, rounding: 'nearest' };
    const encodeNearest = (param: Param): Encoding | undefined => encodeUint8Param(param, nearest);
    const { kernels, biases } = await calibratedUint8Encodings(model, { ...config, range }, WEIGHT_ROLES, context, encodeNearest);
    // Corrected biases replace the float ones first, so a selected bias is rounded after correction.
    if (biases.size > 0) model = replaceParams(model, biases);
    return mapParams(model, config, WEIGHT_ROLES, context, (param) => kernels.get(param.name) ?? encodeNearest(param));
  },
};

/** The handler for `quantize.uint16` steps. */
export const uint16Handler: RecipeHandler<Uint16Step> = stockHandler('quantize.uint16', 'uint16');

function encodeUint8Param(param: Param, config: Uint8Step): Encoding | undefined {
  const range = config.range ?? DEFAULT_UINT8_RANGE;
  const rounding = config.rounding ?? DEFAULT_UINT8_ROUNDING;
  if (rounding === 'calibrated') {
    // Calibrated codes come from the layer's inputs, which one param alone does not have.
    throw new WhittleError('invalid-argument', `${param.name}: calibrated rounding runs on the whole model with calibration inputs, not one param at a time`, { field: 'rounding' });
  }
  return encodeFloatParam(param, (tensor, { role }) => {
    const layout = rounding === 'balanced' ? kernelChannelLayout(role, tensor.shape) : undefined;
    return layout === undefined ? quantizeTfjsStockInRange(tensor, 'uint8', range) : quantizeTfjsStockBalanced(tensor, range, layout);
  });
}

function stockHandler<Step extends Uint8Step | Uint16Step>(kind: Step['kind'], dtype: TfjsStockDType): RecipeHandler<Step> {
  const encodeParam = (param: Param): Encoding | undefined => encodeFloatParam(param, (tensor) => quantizeTfjsStock(tensor, dtype));
  return {
    kind,
    description: `tfjs stock ${dtype} quantization: per-tensor min and scale, readable by stock tfjs`,
    example: { kind } as Step,
    effect: 're-encodes-params',
    defaultRoles: WEIGHT_ROLES,
    perParam: true,
    validate(step, context) {
      rejectUnknownFields(step, FILTER_FIELDS, context);
      return { kind, ...readFilter(step, context) } as Step;
    },
    encodeParam,
    estimate: (model, config, context) =>
      estimateParams(model, config, WEIGHT_ROLES, context, (param) => floatParamByteLength(param, (tensor) => tfjsStockByteLength(tensor.shape, dtype))),
    apply: (model, config, context) => mapParams(model, config, WEIGHT_ROLES, context, encodeParam),
  };
}
