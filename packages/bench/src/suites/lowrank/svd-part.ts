/**
 * The `lowrank` suite's SVD part: seconds and accuracy of whittle's exact `svd` and its
 * randomized rank-64 `randomizedSvd` against ml-matrix's `SingularValueDecomposition` (the SVD
 * JavaScript users reach for), timed in turn in the same process on the same matrices. The
 * accuracy figures come from plain float64 reference maths on each method's factors.
 */
import { orthonormalBasis, randomizedSvd, svd } from '@whittle/lowrank';
import { garbageCollector } from '../../collect-garbage.ts';
import type { MeasureOptions } from '../../measure.ts';
import { measureInterleaved } from '../../measure-interleaved.ts';
import type { PeerFigure, ResultRow } from '../../result-row.ts';
import { seededRandom } from '../../seeded-random.ts';
import type { LowrankPart } from './lowrank-part.ts';

const SUITE = 'lowrank';
const PEER = 'ml-matrix SingularValueDecomposition';
const EXACT = 'svd exact';
const RANDOMIZED = 'svd randomized rank 64';
const RANK = 64;
const POWER_ITERATIONS = 2;

/** One matrix size timed, and how often. */
export interface SvdTiming {
  readonly rows: number;
  readonly columns: number;
  readonly timed: MeasureOptions;
}

/** What the part measures. */
export interface SvdPlan {
  /** Seeded Gaussian matrices, each decomposed by all three methods in turn. */
  readonly timings: readonly SvdTiming[];
  /** The side of the square matrix with a known, decaying spectrum for the σ-error rows. */
  readonly decayingSize: number;
}

/** 512², 1024² and 4096×1024; the two large sizes take over ten seconds a run and run once. */
export const FULL_SVD_PLAN: SvdPlan = {
  timings: [
    { rows: 512, columns: 512, timed: { warmup: 1, runs: 3 } },
    { rows: 1024, columns: 1024, timed: { warmup: 0, runs: 1 } },
    { rows: 4096, columns: 1024, timed: { warmup: 0, runs: 1 } },
  ],
  decayingSize: 1024,
};

/** 128² and 256×128: a smoke run in seconds. */
export const QUICK_SVD_PLAN: SvdPlan = {
  timings: [
    { rows: 128, columns: 128, timed: { warmup: 1, runs: 3 } },
    { rows: 256, columns: 128, timed: { warmup: 1, runs: 3 } },
  ],
  decayingSize: 128,
};

/** A decomposition as plain row-major factors: U rows × count, V columns × count. */
interface Factors {
  readonly count: number;
  readonly u: ArrayLike<number>;
  readonly singularValues: ArrayLike<number>;
  readonly v: ArrayLike<number>;
}

/** How far a decomposition is from exact, each figure relative where it says so. */
export interface SvdAccuracy {
  /** max over U and V of max |(XᵀX)ᵢⱼ − δᵢⱼ|. */
  readonly orthonormality: number;
  /** ‖A − U·diag(σ)·Vᵀ‖_F / ‖A‖_F. */
  readonly reconstruction: number;
  /** maxᵢ ‖A·vᵢ − σᵢ·uᵢ‖₂ / σ_max: how far the worst triplet is from A·v = σ·u. */
  readonly residual: number;
}

/**
 * The accuracy of `factors` as a decomposition of the row-major `rows × columns` matrix `a`, by
 * textbook loops in float64 that share nothing with either SVD.
 *
 * @example
 * ```ts
 * const { orthonormality, reconstruction } = svdAccuracy(a, 512, 512, svd(a, { rows: 512, columns: 512 }));
 * ```
 */
export function svdAccuracy(a: ArrayLike<number>, rows: number, columns: number, factors: Factors): SvdAccuracy {
  const { count, u, singularValues, v } = factors;
  let normSquared = 0;
  let errorSquared = 0;
  let worstResidual = 0;
  const product = new Float64Array(count);
  const scaled = new Float64Array(count);
  const residualSquares = new Float64Array(count);
  for (let i = 0; i < rows; i++) {
    product.fill(0);
    for (let j = 0; j < columns; j++) {
      const value = a[i * columns + j]!;
      normSquared += value * value;
      for (let l = 0; l < count; l++) product[l]! += value * v[j * count + l]!;
    }
    for (let l = 0; l < count; l++) scaled[l] = u[i * count + l]! * singularValues[l]!;
    for (let j = 0; j < columns; j++) {
      let value = 0;
      for (let l = 0; l < count; l++) value += scaled[l]! * v[j * count + l]!;
      errorSquared += (a[i * columns + j]! - value) ** 2;
    }
    // Row i of A·V − U·Σ: its squares summed per column give ‖A·vₗ − σₗ·uₗ‖².
    for (let l = 0; l < count; l++) product[l]! -= scaled[l]!;
    for (let l = 0; l < count; l++) residualSquares[l]! += product[l]! * product[l]!;
  }
  for (let l = 0; l < count; l++) worstResidual = Math.max(worstResidual, Math.sqrt(residualSquares[l]!));
  const largest = Math.max(singularValues[0] ?? 0, Number.MIN_VALUE);
  return {
    orthonormality: Math.max(orthonormality(u, rows, count), orthonormality(v, columns, count)),
    reconstruction: Math.sqrt(errorSquared / Math.max(normSquared, Number.MIN_VALUE)),
    residual: worstResidual / largest,
  };
}

/** max |(XᵀX)ᵢⱼ − δᵢⱼ| for row-major X (rows × count), summed row by row. */
function orthonormality(factor: ArrayLike<number>, rows: number, count: number): number {
  const gram = new Float64Array(count * count);
  for (let i = 0; i < rows; i++) {
    const row = i * count;
    for (let left = 0; left < count; left++) {
      const weight = factor[row + left]!;
      if (weight === 0) continue;
      const target = left * count;
      for (let right = left; right < count; right++) gram[target + right]! += weight * factor[row + right]!;
    }
  }
  let worst = 0;
  for (let left = 0; left < count; left++) {
    for (let right = left; right < count; right++) {
      worst = Math.max(worst, Math.abs(gram[left * count + right]! - (left === right ? 1 : 0)));
    }
  }
  return worst;
}

/** max over the first `count` values of |σᵢ − σ_refᵢ| / σ_ref,max. */
function singularValueError(values: ArrayLike<number>, reference: readonly number[], count: number): number {
  let worst = 0;
  for (let index = 0; index < count; index++) worst = Math.max(worst, Math.abs(values[index]! - reference[index]!));
  return worst / reference[0]!;
}

/**
 * A seeded `size × size` matrix Q₁·diag(σ)·Q₂ᵀ with σᵢ = 0.95ⁱ, and σ itself: Q₁ and Q₂ are
 * orthonormal bases of Gaussian matrices. Their orthonormality is measured by the same plain
 * loops as the factors' and returned, so the reference σ is known to that accuracy.
 */
function decayingMatrix(size: number): { values: Float64Array; sigma: number[]; basisError: number } {
  const sigma = Array.from({ length: size }, (_, index) => 0.95 ** index);
  const left = orthonormalBasis(seededRandom(11).normalArray(size * size), size, size);
  const right = orthonormalBasis(seededRandom(12).normalArray(size * size), size, size);
  const basisError = Math.max(orthonormality(left, size, size), orthonormality(right, size, size));
  const values = new Float64Array(size * size);
  const scaledRow = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    for (let l = 0; l < size; l++) scaledRow[l] = left[i * size + l]! * sigma[l]!;
    for (let j = 0; j < size; j++) {
      let value = 0;
      for (let l = 0; l < size; l++) value += scaledRow[l]! * right[j * size + l]!;
      values[i * size + j] = value;
    }
  }
  return { values, sigma, basisError };
}

/** ml-matrix's thin SVD as plain row-major factors. */
async function peerDecomposition(): Promise<(values: ArrayLike<number>, rows: number, columns: number) => Factors> {
  const { Matrix, SingularValueDecomposition } = await import('ml-matrix');
  return (values, rows, columns) => {
    const matrix = peerMatrix(Matrix, values, rows, columns);
    const result = new SingularValueDecomposition(matrix);
    // Typed copies, so the reference maths reads every method's factors through the same array type.
    return {
      count: Math.min(rows, columns),
      u: Float64Array.from(result.leftSingularVectors.to1DArray()),
      singularValues: Float64Array.from(result.diagonal),
      v: Float64Array.from(result.rightSingularVectors.to1DArray()),
    };
  };
}

function peerMatrix<M>(Matrix: new (data: number[][]) => M, values: ArrayLike<number>, rows: number, columns: number): M {
  return new Matrix(Array.from({ length: rows }, (_, i) => Array.from({ length: columns }, (_, j) => values[i * columns + j]!)));
}

/**
 * Rows of the part under `plan` on `backend` (where `randomizedSvd` multiplies): per Gaussian
 * size the seconds of each method (median of the plan's runs, ml-matrix as `peer`), the exact
 * methods' orthonormality, reconstruction and residual; on the decaying matrix the σ error of
 * all three and the randomized one's orthonormality and reconstruction (`bound`: the optimal
 * rank-64 error).
 *
 * @example
 * ```ts
 * const rows = await svdRows(QUICK_SVD_PLAN, 'wasm', console.error);
 * ```
 */
export async function svdRows(plan: SvdPlan, backend: string, progress: (message: string) => void): Promise<ResultRow[]> {
  const peer = await peerDecomposition();
  const rows: ResultRow[] = [];
  const row = (name: string, onBackend: string, size: string, metric: string, value: number, unit: string, extra?: { peer?: number; bound?: number }): ResultRow => ({
    suite: SUITE,
    case: name,
    backend: onBackend,
    size,
    metric,
    value,
    unit,
    ...(extra?.peer === undefined ? {} : { peer: { name: PEER, value: extra.peer } satisfies PeerFigure }),
    ...(extra?.bound === undefined ? {} : { bound: extra.bound }),
  });

  for (const { rows: height, columns: width, timed } of plan.timings) {
    const shape = { rows: height, columns: width };
    const size = `${height}x${width}`;
    const metric = timed.runs === 1 ? 'time (1 run)' : `time (median of ${timed.runs})`;
    progress(`svd: ${size}, whittle exact and randomized rank ${RANK} (${backend}) against ${PEER}, ${timed.runs} run(s) each`);
    const values = seededRandom(height * 31 + width).normalArray(height * width);
    let exact: Factors | undefined;
    let reference: Factors | undefined;
    const measured = await measureInterleaved(
      {
        exact: () => {
          exact = svd(values, shape);
        },
        randomized: () => randomizedSvd(values, shape, { rank: RANK, powerIterations: POWER_ITERATIONS, seed: 1 }),
        peer: () => {
          reference = peer(values, height, width);
        },
      },
      { ...timed, beforeEach: garbageCollector() },
    );
    const peerSeconds = measured.peer.median;
    rows.push(
      row(EXACT, 'js', size, metric, measured.exact.median, 's', { peer: peerSeconds }),
      row(RANDOMIZED, backend, size, metric, measured.randomized.median, 's', { peer: peerSeconds }),
    );
    progress(`svd: ${size}, accuracy of the exact factors by reference maths`);
    const ours = svdAccuracy(values, height, width, exact!);
    const theirs = svdAccuracy(values, height, width, reference!);
    rows.push(
      row(EXACT, 'js', size, 'orthonormality ‖XᵀX − I‖max', ours.orthonormality, '', { peer: theirs.orthonormality }),
      row(EXACT, 'js', size, 'reconstruction ‖A − UΣVᵀ‖F/‖A‖F', ours.reconstruction, '', { peer: theirs.reconstruction }),
      row(EXACT, 'js', size, 'residual max‖Avᵢ − σᵢuᵢ‖/σmax', ours.residual, '', { peer: theirs.residual }),
    );
  }

  const side = plan.decayingSize;
  const size = `${side}x${side} decaying σᵢ = 0.95^i`;
  progress(`svd: ${size}, σ error of each method against the known spectrum`);
  const { values, sigma, basisError } = decayingMatrix(side);
  const shape = { rows: side, columns: side };
  const exact = svd(values, shape);
  const randomized = await randomizedSvd(values, shape, { rank: RANK, powerIterations: POWER_ITERATIONS, seed: 1 });
  const reference = peer(values, side, side);
  let discarded = 0;
  for (let index = RANK; index < side; index++) discarded += sigma[index]! ** 2;
  const optimal = Math.sqrt(discarded / sigma.reduce((sum, value) => sum + value * value, 0));
  const randomizedAccuracy = svdAccuracy(values, side, side, randomized);
  const exactAccuracy = svdAccuracy(values, side, side, exact);
  const peerAccuracy = svdAccuracy(values, side, side, reference);
  rows.push(
    row(EXACT, 'js', size, 'max |σ − σref| / σmax', singularValueError(exact.singularValues, sigma, side), '', {
      peer: singularValueError(reference.singularValues, sigma, side),
    }),
    row(EXACT, 'js', size, 'orthonormality ‖XᵀX − I‖max', exactAccuracy.orthonormality, '', { peer: peerAccuracy.orthonormality }),
    row(EXACT, 'js', size, 'reconstruction ‖A − UΣVᵀ‖F/‖A‖F', exactAccuracy.reconstruction, '', { peer: peerAccuracy.reconstruction }),
    row(RANDOMIZED, backend, size, `max |σ − σref| / σmax (first ${RANK})`, singularValueError(randomized.singularValues, sigma, RANK), '', {
      peer: singularValueError(reference.singularValues, sigma, RANK),
    }),
    row(RANDOMIZED, backend, size, 'orthonormality ‖XᵀX − I‖max', randomizedAccuracy.orthonormality, ''),
    row(RANDOMIZED, backend, size, `reconstruction ‖A − U₆₄Σ₆₄V₆₄ᵀ‖F/‖A‖F`, randomizedAccuracy.reconstruction, '', { bound: optimal }),
    row('svd reference spectrum', 'js', size, 'orthonormality of Q₁, Q₂', basisError, ''),
  );
  return rows;
}

/**
 * The part: {@link svdRows} at 512², 1024² and 4096×1024 (`quick`: 128² and 256×128).
 *
 * @example
 * ```ts
 * const rows = await svdPart({ quick: true, backend: 'wasm', progress: () => {} });
 * ```
 */
export const svdPart: LowrankPart = (context) =>
  svdRows(context.quick ? QUICK_SVD_PLAN : FULL_SVD_PLAN, context.backend, context.progress);
