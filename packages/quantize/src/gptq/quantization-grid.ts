/**
 * The scales and zero points of one weight matrix — one pair per (output channel, group of
 * inputs) — and the encoding they make with the codes. GPTQ and round-to-nearest share it, so
 * both choose and apply scales exactly as `quantize.affine` does (the package's primitives).
 */
import { affineFromCodes, float32ArrayToFloat16, type AffineEncoding, type Granularity } from '@whittle/core';
import { chooseQParams, quantizationRange, quantizeValue } from '../primitives/index.ts';
import type { WeightMatrix } from './weight-matrix.ts';
import { storedIndex } from './weight-matrix.ts';

/** Per-(output, group) quantization parameters of a `[outputs, inputs]` matrix. */
export interface QuantizationGrid {
  readonly outputs: number;
  readonly inputs: number;
  /** Inputs per group; `inputs` when there is one scale per output channel. */
  readonly groupSize: number;
  readonly groups: number;
  /** Whether scales are per output channel (an `axis` granularity) rather than per group. */
  readonly perChannel: boolean;
  readonly bits: number;
  readonly symmetric: boolean;
  readonly scaleDType: 'float32' | 'float16';
  /**
   * Scales, `[outputs, groups]`, each exactly representable in `scaleDType`, so quantizing with
   * them here agrees with decoding the stored ones.
   */
  readonly scales: Float64Array;
  readonly zeroPoints: Int32Array;
}

/**
 * An empty grid (every scale still to be chosen with {@link chooseGroup}).
 *
 * @example
 * ```ts
 * const grid = createGrid(8, 256, { groupSize: 128, bits: 4, symmetric: true, scaleDType: 'float16' });
 * ```
 */
export function createGrid(
  outputs: number,
  inputs: number,
  options: {
    readonly groupSize: number | undefined;
    readonly bits: number;
    readonly symmetric: boolean;
    readonly scaleDType: 'float32' | 'float16';
  },
): QuantizationGrid {
  const { groupSize, bits, symmetric, scaleDType } = options;
  const size = groupSize === undefined ? Math.max(inputs, 1) : groupSize;
  const groups = Math.ceil(inputs / size);
  return {
    outputs,
    inputs,
    groupSize: size,
    groups,
    perChannel: groupSize === undefined,
    bits,
    symmetric,
    scaleDType,
    scales: new Float64Array(outputs * groups),
    zeroPoints: new Int32Array(outputs * groups),
  };
}

/**
 * Chooses the scale and zero point of one (output, group) cell from the values `row[start, end)`
 * (a slice of that output's row of a `[outputs, inputs]` matrix).
 *
 * @example
 * ```ts
 * chooseGroup(grid, 0, 1, values, 128, 256);
 * ```
 */
export function chooseGroup(
  grid: QuantizationGrid,
  output: number,
  group: number,
  values: Float64Array,
  start: number,
  end: number,
): void {
  let minimum = Infinity;
  let maximum = -Infinity;
  for (let index = start; index < end; index++) {
    const value = values[index]!;
    if (value < minimum) minimum = value;
    if (value > maximum) maximum = value;
  }
  if (start >= end) minimum = maximum = 0;
  // Scales are rounded up to their stored dtype before the zero point is chosen: codes are then
  // computed with exactly the scale the encoding stores.
  const parameters = chooseQParams(minimum, maximum, {
    bits: grid.bits,
    symmetric: grid.symmetric,
    scaleDType: grid.scaleDType,
  });
  const cell = output * grid.groups + group;
  grid.scales[cell] = parameters.scale;
  grid.zeroPoints[cell] = parameters.zeroPoint;
}

/**
 * The code range of the grid's codes: signed when symmetric, as `chooseQParams` picks them.
 *
 * @example
 * ```ts
 * gridRange(grid); // 4-bit symmetric: { qmin: -8, qmax: 7, signed: true }
 * ```
 */
export function gridRange(grid: QuantizationGrid): { readonly qmin: number; readonly qmax: number; readonly signed: boolean } {
  return { ...quantizationRange(grid.bits, grid.symmetric), signed: grid.symmetric };
}

/**
 * Quantizes one value with the parameters of its cell: returns the code and the value it
 * decodes to, computed as the affine decoder does (float64 product, rounded once to float32).
 *
 * @example
 * ```ts
 * const { code, value } = quantizeCell(grid, range, 0, 1, 0.37);
 * ```
 */
export function quantizeCell(
  grid: QuantizationGrid,
  range: { readonly qmin: number; readonly qmax: number },
  output: number,
  group: number,
  value: number,
): { code: number; value: number } {
  const cell = output * grid.groups + group;
  const scale = grid.scales[cell]!;
  const zeroPoint = grid.zeroPoints[cell]!;
  const code = quantizeValue(value, scale, zeroPoint, range.qmin, range.qmax);
  return { code, value: Math.fround((code - zeroPoint) * scale) };
}

/**
 * The affine encoding of `codes` (`[outputs, inputs]`, row-major) in the weight's own layout:
 * per output channel along its output axis, or groups of `groupSize` along its input axis.
 *
 * @example
 * ```ts
 * const encoding = gridEncoding(grid, matrix, codes);
 * ```
 */
export function gridEncoding(grid: QuantizationGrid, matrix: WeightMatrix, codes: Int32Array): AffineEncoding {
  const { outputs, inputs, groups } = grid;
  const { outputAxis, inputAxis } = matrix;
  const storedCodes = new Int32Array(outputs * inputs);
  for (let output = 0; output < outputs; output++) {
    for (let input = 0; input < inputs; input++) {
      storedCodes[storedIndex(outputAxis, outputs, inputs, output, input)] = codes[output * inputs + input]!;
    }
  }
  // Scales are [outputs, groups] here; the encoding wants them shaped like the weight with the
  // input axis replaced by the group count (or [outputs] per channel).
  const granularity: Granularity = grid.perChannel
    ? { kind: 'axis', axis: outputAxis }
    : { kind: 'group', axis: inputAxis, size: grid.groupSize };
  const scalesShape = grid.perChannel ? [outputs] : outputAxis === 0 ? [outputs, groups] : [groups, outputs];
  const scales = new Float32Array(outputs * groups);
  // Exact: every scale is representable in scaleDType (and float16 ones in float32).
  const zeroPoints = new Int32Array(outputs * groups);
  for (let output = 0; output < outputs; output++) {
    for (let group = 0; group < groups; group++) {
      const target = storedIndex(outputAxis, outputs, groups, output, group);
      scales[target] = grid.scales[output * groups + group]!;
      zeroPoints[target] = grid.zeroPoints[output * groups + group]!;
    }
  }
  const { signed } = gridRange(grid);
  return affineFromCodes({
    shape: [...matrix.shape],
    bits: grid.bits,
    signed,
    granularity,
    codes: storedCodes,
    scales:
      grid.scaleDType === 'float16'
        ? { dtype: 'float16', shape: scalesShape, data: float32ArrayToFloat16(scales) }
        : { dtype: 'float32', shape: scalesShape, data: scales },
    // Asymmetric zero points are stored even when every one is 0, and always as uint8 (unsigned
    // codes of at most 8 bits put them in [0, 255]): the size then follows from the step and the
    // shape alone, as `quantize.affine`'s does, so it can be estimated without the data.
    ...(grid.symmetric ? {} : { zeroPoints: { dtype: 'uint8', shape: scalesShape, data: Uint8Array.from(zeroPoints) } }),
  });
}
