/**
 * Products of Householder reflectors applied four at a time in the compact WY form (Schreiber &
 * Van Loan 1989): H_k·H_{k+1}·H_{k+2}·H_{k+3} = I − Y·T·Yᵀ with T upper triangular, so each
 * target column is read twice per four reflectors instead of twice per reflector, and each read
 * does four multiply-adds per element loaded.
 */

/** Reflectors combined into one Y·T·Yᵀ. */
const GROUP = 4;

/** Where the reflectors of {@link applyReflectorProduct} are stored, and which columns they touch. */
export interface ReflectorSet {
  /** Reflector k's entries: `data[k·stride + i]` is its element i, for i above its head. */
  readonly data: Float64Array;
  readonly stride: number;
  /** Reflector k's head (an implied 1) is element k + `headShift`; elements above it are 0. */
  readonly headShift: number;
  /** Reflector k is I − scales[k]·y·yᵀ (0: the identity). */
  readonly scales: Float64Array;
  /** How many reflectors: H_0 … H_{count−1}. */
  readonly count: number;
}

/**
 * Overwrites the column-major matrix `target` (columns of `length` values, `targetColumns` of
 * them) with H_0·H_1·…·H_{count−1}·target. With `fromIdentity`, target must hold the first columns
 * of the identity: columns before a group's first head are then untouched by it and skipped.
 *
 * @example
 * ```ts
 * // the thin Q of a Householder QR held in `work` (rows × columns, column-major)
 * const q = identityColumns(rows, columns);
 * applyReflectorProduct({ data: work, stride: rows, headShift: 0, scales, count: columns }, q, rows, columns, true);
 * ```
 */
export function applyReflectorProduct(
  reflectors: ReflectorSet,
  target: Float64Array,
  length: number,
  targetColumns: number,
  fromIdentity: boolean,
): void {
  const workspace = reflectorWorkspace(length);
  for (let groupEnd = reflectors.count; groupEnd > 0; groupEnd -= GROUP) {
    const groupStart = Math.max(0, groupEnd - GROUP);
    const first = fromIdentity ? Math.min(groupStart + reflectors.headShift, targetColumns) : 0;
    applyReflectorGroup(reflectors, groupStart, groupEnd, target, length, first, targetColumns, false, workspace);
  }
}

/** Scratch space for {@link applyReflectorGroup}, reused from group to group. */
export interface ReflectorWorkspace {
  readonly block: Float64Array;
  readonly triangle: Float64Array;
  readonly applied: Float64Array;
  readonly groupScales: Float64Array;
}

/**
 * Scratch space for reflectors of up to `length` elements.
 *
 * @example
 * ```ts
 * const workspace = reflectorWorkspace(rows);
 * ```
 */
export function reflectorWorkspace(length: number): ReflectorWorkspace {
  return {
    block: new Float64Array(GROUP * length),
    triangle: new Float64Array(GROUP * GROUP),
    applied: new Float64Array(GROUP * GROUP),
    groupScales: new Float64Array(GROUP),
  };
}

/** Reflectors one {@link applyReflectorGroup} call combines at most. */
export const REFLECTOR_GROUP = GROUP;

/**
 * Overwrites columns `firstColumn` … `endColumn`−1 of the column-major `target` (columns of
 * `length` values) with P·target, P = H_groupStart·…·H_{groupEnd−1} (at most four reflectors),
 * or with Pᵀ·target when `transpose` is set (a QR step: the reflectors applied first to last).
 *
 * @example
 * ```ts
 * // the trailing columns of a QR factorization after a panel of four reflectors
 * applyReflectorGroup(set, 0, 4, work, rows, 4, columns, true, reflectorWorkspace(rows));
 * ```
 */
export function applyReflectorGroup(
  reflectors: ReflectorSet,
  groupStart: number,
  groupEnd: number,
  target: Float64Array,
  length: number,
  firstColumn: number,
  endColumn: number,
  transpose: boolean,
  workspace: ReflectorWorkspace,
): void {
  const { data, stride, headShift, scales } = reflectors;
  const { block, triangle, applied, groupScales } = workspace;
  const top = groupStart + headShift;
  if (top >= length || firstColumn >= endColumn) return;
  const span = length - top;
  // Y, rows interleaved (block[i·4 + l] = element top + i of reflector groupStart + l), with the
  // zeros above each head and the unit heads written out.
  block.fill(0, 0, GROUP * span);
  let any = false;
  for (let l = 0; l < GROUP; l++) {
    const k = groupStart + l;
    const scale = k < groupEnd ? scales[k]! : 0;
    groupScales[l] = scale;
    if (scale === 0) continue;
    any = true;
    const head = k + headShift;
    const source = k * stride;
    block[(head - top) * GROUP + l] = 1;
    for (let i = head + 1; i < length; i++) block[(i - top) * GROUP + l] = data[source + i]!;
  }
  if (!any) return;
  formTriangle(block, span, groupScales, triangle);
  for (let row = 0; row < GROUP; row++) {
    for (let column = 0; column < GROUP; column++) {
      applied[row * GROUP + column] = transpose ? triangle[column * GROUP + row]! : triangle[row * GROUP + column]!;
    }
  }
  let j = firstColumn;
  for (; j + 1 < endColumn; j += 2) applyGroupToPair(block, span, applied, target, j * length + top, length);
  if (j < endColumn) applyGroup(block, span, applied, target, j * length + top);
}

/** T of the compact WY form: T_jj = τ_j, T(0:j, j) = −τ_j·T(0:j, 0:j)·Y(:, 0:j)ᵀ·y_j. */
function formTriangle(block: Float64Array, span: number, groupScales: Float64Array, triangle: Float64Array): void {
  triangle.fill(0);
  const products = new Float64Array(GROUP);
  for (let j = 0; j < GROUP; j++) {
    const scale = groupScales[j]!;
    triangle[j * GROUP + j] = scale;
    if (scale === 0 || j === 0) continue;
    products.fill(0);
    for (let i = 0; i < span; i++) {
      const yj = block[i * GROUP + j]!;
      if (yj === 0) continue;
      for (let l = 0; l < j; l++) products[l]! += block[i * GROUP + l]! * yj;
    }
    for (let row = 0; row < j; row++) {
      let sum = 0;
      for (let l = row; l < j; l++) sum += triangle[row * GROUP + l]! * products[l]!;
      triangle[row * GROUP + j] = -scale * sum;
    }
  }
}

/** x ← (I − Y·M·Yᵀ)·x (M = T or Tᵀ, 4 × 4 row-major) for the `span` values of x starting at `start` in `target`. */
function applyGroup(block: Float64Array, span: number, triangle: Float64Array, target: Float64Array, start: number): void {
  let p0 = 0;
  let p1 = 0;
  let p2 = 0;
  let p3 = 0;
  for (let i = 0; i < span; i++) {
    const x = target[start + i]!;
    const row = i * GROUP;
    p0 += block[row]! * x;
    p1 += block[row + 1]! * x;
    p2 += block[row + 2]! * x;
    p3 += block[row + 3]! * x;
  }
  const q0 = triangle[0]! * p0 + triangle[1]! * p1 + triangle[2]! * p2 + triangle[3]! * p3;
  const q1 = triangle[4]! * p0 + triangle[5]! * p1 + triangle[6]! * p2 + triangle[7]! * p3;
  const q2 = triangle[8]! * p0 + triangle[9]! * p1 + triangle[10]! * p2 + triangle[11]! * p3;
  const q3 = triangle[12]! * p0 + triangle[13]! * p1 + triangle[14]! * p2 + triangle[15]! * p3;
  if (q0 === 0 && q1 === 0 && q2 === 0 && q3 === 0) return;
  for (let i = 0; i < span; i++) {
    const row = i * GROUP;
    target[start + i]! -= block[row]! * q0 + block[row + 1]! * q1 + block[row + 2]! * q2 + block[row + 3]! * q3;
  }
}

/**
 * {@link applyGroup} on the columns at `start` and `start + stride` together: each element of Y
 * loaded serves both.
 */
function applyGroupToPair(
  block: Float64Array,
  span: number,
  triangle: Float64Array,
  target: Float64Array,
  start: number,
  stride: number,
): void {
  let p0 = 0;
  let p1 = 0;
  let p2 = 0;
  let p3 = 0;
  let r0 = 0;
  let r1 = 0;
  let r2 = 0;
  let r3 = 0;
  const second = start + stride;
  for (let i = 0; i < span; i++) {
    const x = target[start + i]!;
    const y = target[second + i]!;
    const row = i * GROUP;
    const y0 = block[row]!;
    const y1 = block[row + 1]!;
    const y2 = block[row + 2]!;
    const y3 = block[row + 3]!;
    p0 += y0 * x;
    p1 += y1 * x;
    p2 += y2 * x;
    p3 += y3 * x;
    r0 += y0 * y;
    r1 += y1 * y;
    r2 += y2 * y;
    r3 += y3 * y;
  }
  const q0 = triangle[0]! * p0 + triangle[1]! * p1 + triangle[2]! * p2 + triangle[3]! * p3;
  const q1 = triangle[4]! * p0 + triangle[5]! * p1 + triangle[6]! * p2 + triangle[7]! * p3;
  const q2 = triangle[8]! * p0 + triangle[9]! * p1 + triangle[10]! * p2 + triangle[11]! * p3;
  const q3 = triangle[12]! * p0 + triangle[13]! * p1 + triangle[14]! * p2 + triangle[15]! * p3;
  const s0 = triangle[0]! * r0 + triangle[1]! * r1 + triangle[2]! * r2 + triangle[3]! * r3;
  const s1 = triangle[4]! * r0 + triangle[5]! * r1 + triangle[6]! * r2 + triangle[7]! * r3;
  const s2 = triangle[8]! * r0 + triangle[9]! * r1 + triangle[10]! * r2 + triangle[11]! * r3;
  const s3 = triangle[12]! * r0 + triangle[13]! * r1 + triangle[14]! * r2 + triangle[15]! * r3;
  for (let i = 0; i < span; i++) {
    const row = i * GROUP;
    const y0 = block[row]!;
    const y1 = block[row + 1]!;
    const y2 = block[row + 2]!;
    const y3 = block[row + 3]!;
    target[start + i]! -= y0 * q0 + y1 * q1 + y2 * q2 + y3 * q3;
    target[second + i]! -= y0 * s0 + y1 * s1 + y2 * s2 + y3 * s3;
  }
}
