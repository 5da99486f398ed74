/**
 * The GPTQ algorithm (Frantar et al. 2022, "GPTQ: Accurate Post-Training Quantization for
 * Generative Pre-trained Transformers") on a `[outputs, inputs]` matrix: inputs are quantized
 * one column at a time across every output row, and each column's rounding error is spread over
 * the columns not yet quantized, weighted by the inverse Hessian, so the layer's outputs on the
 * calibration inputs move as little as possible.
 *
 * Float64 typed-array code, not tfjs ops: the updates read rows of the Cholesky factor of H⁻¹,
 * whose float32 rounding on a tfjs backend would undo the error compensation on ill-conditioned
 * layers, and the column-by-column recurrence gives a GPU nothing large to do. The lazy block
 * update keeps the O(outputs · inputs²) work in contiguous row sweeps.
 */
import { inverseUpperCholesky } from './cholesky.ts';
import type { ResolvedGptqOptions } from './gptq-options.ts';
import { chooseGroup, createGrid, gridRange, quantizeCell, type QuantizationGrid } from './quantization-grid.ts';

/** What {@link gptqMatrix} and {@link roundToNearestMatrix} produce. */
export interface MatrixQuantization {
  readonly grid: QuantizationGrid;
  /** Codes, `[outputs, inputs]` in the original input order. */
  readonly codes: Int32Array;
  /** The values the codes decode to, `[outputs, inputs]`. */
  readonly quantized: Float64Array;
}

/**
 * GPTQ on `weights` (`[outputs, inputs]`, row-major) with `hessian` H = 2/n·XᵀX
 * (`[inputs, inputs]`); neither input is modified.
 *
 * Inputs that never fire (H_ii = 0) carry no information: their weights are set to zero, as in the
 * reference implementation, and H_ii to 1 so H stays invertible. Then `damp` × mean(diag H) is
 * added to the diagonal, and with `actOrder` the inputs are visited by decreasing H_ii.
 *
 * @example
 * ```ts
 * const { codes, quantized } = gptqMatrix(weights, 64, 256, hessian, resolveGptqOptions({ bits: 4 }));
 * ```
 */
export function gptqMatrix(
  weights: Float64Array,
  outputs: number,
  inputs: number,
  hessian: Float64Array,
  options: ResolvedGptqOptions,
): MatrixQuantization {
  const work = weights.slice();
  const { damped: h, dead } = dampedHessian(hessian, inputs, options.damp);
  for (let input = 0; input < inputs; input++) {
    if (dead[input] === 0) continue;
    for (let output = 0; output < outputs; output++) work[output * inputs + input] = 0;
  }
  const { groupSize, actOrder } = options;
  const grid = createGrid(outputs, inputs, options);
  // Per channel, and with act-order ("static groups"), scales come from the whole weights before
  // any update; otherwise each group's scales are chosen when GPTQ reaches it, from the values the
  // earlier groups' errors have already been folded into.
  const dynamicGroups = groupSize !== undefined && !actOrder;
  if (!dynamicGroups) chooseAllGroups(grid, work);

  const order = actOrder ? decreasingDiagonal(h, inputs) : identity(inputs);
  const permuted = actOrder ? permuteColumns(work, outputs, inputs, order) : work;
  const permutedHessian = actOrder ? permuteSymmetric(h, inputs, order) : h;
  const upper = inverseUpperCholesky(permutedHessian, inputs);

  const range = gridRange(grid);
  const codes = new Int32Array(outputs * inputs);
  const quantized = new Float64Array(outputs * inputs);
  const groupWidth = grid.groupSize;
  compensatedSweep(permuted, outputs, inputs, upper, {
    blockSize: options.blockSize,
    // A block never ends inside a dynamic group, so a group's scales see all its updates.
    alignment: dynamicGroups ? groupWidth : 1,
    beforeColumn(column) {
      if (!dynamicGroups || column % groupWidth !== 0) return;
      const end = Math.min(inputs, column + groupWidth);
      const group = Math.floor(order[column]! / groupWidth);
      for (let output = 0; output < outputs; output++) {
        chooseGroup(grid, output, group, permuted, output * inputs + column, output * inputs + end);
      }
    },
    quantize(output, column, value) {
      const input = order[column]!;
      const group = grid.perChannel ? 0 : Math.floor(input / groupWidth);
      const result = quantizeCell(grid, range, output, group, value);
      codes[output * inputs + input] = result.code;
      quantized[output * inputs + input] = result.value;
      return result.value;
    },
  });
  return { grid, codes, quantized };
}

/** What {@link compensatedSweep} asks of the grid it rounds to. */
export interface SweepGrid {
  /** Columns per lazy batch update; changes speed, never the result. */
  readonly blockSize: number;
  /** Blocks end on multiples of this (a dynamic group's width), so a group sees all its updates. */
  readonly alignment: number;
  /** Called before column `column` is rounded, with every earlier column's error folded in. */
  beforeColumn?(column: number): void;
  /** Rounds `value` (row `output`, column `column`) to the grid; returns the value it decodes to. */
  quantize(output: number, column: number, value: number): number;
}

/**
 * GPTQ's error-compensating sweep over the columns of `work` (`[outputs, inputs]`, updated in
 * place): each column is rounded by `grid.quantize` across every row, and its error, divided by
 * the pivot of `upper` (the upper Cholesky factor of the damped H⁻¹, see `inverseUpperCholesky`),
 * is spread over the columns not yet rounded. The grid is the caller's: GPTQ's per-group affine
 * cells, or stock uint8's single per-tensor `min` and `scale`.
 *
 * @example
 * ```ts
 * compensatedSweep(work, outputs, inputs, inverseUpperCholesky(damped, inputs), { blockSize: 128, alignment: 1, quantize: (output, column, value) => roundToGrid(value) });
 * ```
 */
export function compensatedSweep(work: Float64Array, outputs: number, inputs: number, upper: Float64Array, grid: SweepGrid): void {
  for (let blockStart = 0; blockStart < inputs; ) {
    let blockEnd = Math.min(inputs, blockStart + grid.blockSize);
    if (grid.alignment > 1) blockEnd = Math.min(inputs, Math.ceil(blockEnd / grid.alignment) * grid.alignment);
    const width = blockEnd - blockStart;
    const errors = new Float64Array(outputs * width);
    for (let column = blockStart; column < blockEnd; column++) {
      grid.beforeColumn?.(column);
      const pivot = upper[column * inputs + column]!;
      const pivotRow = column * inputs;
      for (let output = 0; output < outputs; output++) {
        const row = output * inputs;
        const value = work[row + column]!;
        const error = (value - grid.quantize(output, column, value)) / pivot;
        errors[output * width + (column - blockStart)] = error;
        for (let next = column + 1; next < blockEnd; next++) {
          work[row + next]! -= error * upper[pivotRow + next]!;
        }
      }
    }
    // The lazy batch update: fold the whole block's errors into the remaining columns at once.
    for (let output = 0; output < outputs; output++) {
      const row = output * inputs;
      for (let offset = 0; offset < width; offset++) {
        const error = errors[output * width + offset]!;
        if (error === 0) continue;
        const factorRow = (blockStart + offset) * inputs;
        for (let next = blockEnd; next < inputs; next++) work[row + next]! -= error * upper[factorRow + next]!;
      }
    }
    blockStart = blockEnd;
  }
}

/**
 * H with GPTQ's dampening: `damp` × mean(diag H) added to a copy's diagonal, and inputs that
 * never fire (H_ii = 0) given H_ii = 1 so the matrix stays invertible (such inputs then spread no
 * error to the others). Returns the damped copy and which inputs were dead.
 *
 * @example
 * ```ts
 * const { damped } = dampedHessian(hessian, 64, 0.01);
 * ```
 */
export function dampedHessian(hessian: Float64Array, inputs: number, damp: number): { damped: Float64Array; dead: Uint8Array } {
  const damped = hessian.slice();
  const dead = new Uint8Array(inputs);
  for (let input = 0; input < inputs; input++) {
    if (damped[input * inputs + input] !== 0) continue;
    damped[input * inputs + input] = 1;
    dead[input] = 1;
  }
  let diagonalMean = 0;
  for (let input = 0; input < inputs; input++) diagonalMean += damped[input * inputs + input]!;
  const damping = (damp * diagonalMean) / Math.max(inputs, 1);
  for (let input = 0; input < inputs; input++) damped[input * inputs + input]! += damping;
  return { damped, dead };
}

/**
 * Round-to-nearest with the same scales GPTQ would start from (per channel, or per group from
 * the original weights): the baseline GPTQ is measured against.
 *
 * @example
 * ```ts
 * const { quantized } = roundToNearestMatrix(weights, 64, 256, resolveGptqOptions({ bits: 4 }));
 * ```
 */
export function roundToNearestMatrix(
  weights: Float64Array,
  outputs: number,
  inputs: number,
  options: Pick<ResolvedGptqOptions, 'bits' | 'groupSize' | 'symmetric' | 'scaleDType'>,
): MatrixQuantization {
  const grid = createGrid(outputs, inputs, options);
  chooseAllGroups(grid, weights);
  const range = gridRange(grid);
  const codes = new Int32Array(outputs * inputs);
  const quantized = new Float64Array(outputs * inputs);
  for (let output = 0; output < outputs; output++) {
    for (let input = 0; input < inputs; input++) {
      const index = output * inputs + input;
      const result = quantizeCell(grid, range, output, Math.floor(input / grid.groupSize), weights[index]!);
      codes[index] = result.code;
      quantized[index] = result.value;
    }
  }
  return { grid, codes, quantized };
}

/**
 * The mean squared error of the layer's outputs over the calibration inputs,
 * ‖X(W − Ŵ)‖²_F / (samples · outputs), read off H = 2/n·XᵀX as Σ_rows δ H δᵀ / (2 · outputs).
 *
 * @example
 * ```ts
 * const error = outputError(weights, quantized, 64, 256, hessian);
 * ```
 */
export function outputError(
  weights: ArrayLike<number>,
  quantized: ArrayLike<number>,
  outputs: number,
  inputs: number,
  hessian: Float64Array,
): number {
  const delta = new Float64Array(inputs);
  let total = 0;
  for (let output = 0; output < outputs; output++) {
    const row = output * inputs;
    for (let input = 0; input < inputs; input++) delta[input] = weights[row + input]! - quantized[row + input]!;
    for (let i = 0; i < inputs; i++) {
      const di = delta[i]!;
      if (di === 0) continue;
      let sum = 0;
      const hessianRow = i * inputs;
      for (let j = 0; j < inputs; j++) sum += hessian[hessianRow + j]! * delta[j]!;
      total += di * sum;
    }
  }
  return outputs === 0 ? 0 : total / (2 * outputs);
}

function chooseAllGroups(grid: QuantizationGrid, values: Float64Array): void {
  const { outputs, inputs, groups, groupSize } = grid;
  for (let output = 0; output < outputs; output++) {
    for (let group = 0; group < groups; group++) {
      const start = output * inputs + group * groupSize;
      chooseGroup(grid, output, group, values, start, output * inputs + Math.min(inputs, (group + 1) * groupSize));
    }
  }
}

function identity(size: number): Int32Array {
  return Int32Array.from({ length: size }, (_, index) => index);
}

/** Inputs by decreasing H_ii; ties keep their order, so the result is deterministic. */
function decreasingDiagonal(hessian: Float64Array, size: number): Int32Array {
  const order = Array.from({ length: size }, (_, index) => index);
  order.sort((a, b) => hessian[b * size + b]! - hessian[a * size + a]! || a - b);
  return Int32Array.from(order);
}

function permuteColumns(values: Float64Array, rows: number, columns: number, order: Int32Array): Float64Array {
  const permuted = new Float64Array(values.length);
  for (let row = 0; row < rows; row++) {
    for (let column = 0; column < columns; column++) {
      permuted[row * columns + column] = values[row * columns + order[column]!]!;
    }
  }
  return permuted;
}

function permuteSymmetric(matrix: Float64Array, size: number, order: Int32Array): Float64Array {
  const permuted = new Float64Array(matrix.length);
  for (let row = 0; row < size; row++) {
    const source = order[row]! * size;
    for (let column = 0; column < size; column++) permuted[row * size + column] = matrix[source + order[column]!]!;
  }
  return permuted;
}
