/**
 * Per-index maxima and scaling along one axis of a row-major tensor: the two passes
 * cross-layer equalization makes over every kernel it touches.
 */

/**
 * The largest absolute value at each index of `axis` of a row-major tensor of `shape`.
 *
 * @example
 * ```ts
 * axisAbsMax(new Float32Array([1, -4, 3, 2]), [2, 2], 1); // Float64Array [3, 4]
 * ```
 */
export function axisAbsMax(values: Float32Array, shape: readonly number[], axis: number): Float64Array {
  const { size, inner } = axisLayout(shape, axis);
  const maxima = new Float64Array(size);
  for (let start = 0; start < values.length; start += size * inner) {
    for (let index = 0; index < size; index++) {
      let largest = maxima[index]!;
      const from = start + index * inner;
      for (let offset = from; offset < from + inner; offset++) {
        const magnitude = Math.abs(values[offset]!);
        if (magnitude > largest) largest = magnitude;
      }
      maxima[index] = largest;
    }
  }
  return maxima;
}

/**
 * Multiplies, in place, every element at index `i` of `axis` by `factors[i]`.
 *
 * @example
 * ```ts
 * const values = new Float32Array([1, 1, 1, 1]);
 * scaleAlongAxis(values, [2, 2], 1, new Float64Array([2, 3])); // values: [2, 3, 2, 3]
 * ```
 */
export function scaleAlongAxis(values: Float32Array, shape: readonly number[], axis: number, factors: Float64Array): void {
  const { size, inner } = axisLayout(shape, axis);
  for (let start = 0; start < values.length; start += size * inner) {
    for (let index = 0; index < size; index++) {
      const factor = factors[index]!;
      if (factor === 1) continue;
      const from = start + index * inner;
      for (let offset = from; offset < from + inner; offset++) values[offset] = values[offset]! * factor;
    }
  }
}

function axisLayout(shape: readonly number[], axis: number): { size: number; inner: number } {
  const inner = shape.slice(axis + 1).reduce((product, side) => product * side, 1);
  return { size: shape[axis]!, inner };
}
