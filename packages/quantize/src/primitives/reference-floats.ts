/**
 * Test helpers: the float16 and float32 grids written from the formats' definitions, so tests
 * check scale rounding without the package's own rounding code.
 */

/** Every positive finite float16, ascending, decoded from its bit pattern by the format's definition. */
const POSITIVE_FLOAT16 = Array.from({ length: 0x7c00 - 1 }, (_, index) => {
  const bits = index + 1;
  const exponent = bits >> 10;
  const mantissa = bits & 0x3ff;
  return exponent === 0 ? mantissa * 2 ** -24 : (1024 + mantissa) * 2 ** (exponent - 25);
});

/**
 * The smallest float16 ≥ `value` (binary search over all of them).
 *
 * @example
 * ```ts
 * float16AtOrAbove(0.1); // 0.10003662109375
 * ```
 */
export function float16AtOrAbove(value: number): number {
  let low = 0;
  let high = POSITIVE_FLOAT16.length - 1;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (POSITIVE_FLOAT16[middle]! >= value) high = middle;
    else low = middle + 1;
  }
  return POSITIVE_FLOAT16[low]!;
}

/**
 * The smallest float32 ≥ `value` (positive): the nearest one, or the next bit pattern up.
 *
 * @example
 * ```ts
 * float32AtOrAbove(0.1); // 0.10000000149011612
 * ```
 */
export function float32AtOrAbove(value: number): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, value);
  if (view.getFloat32(0) >= value) return view.getFloat32(0);
  view.setUint32(0, view.getUint32(0) + 1);
  return view.getFloat32(0);
}

/**
 * The float16 nearest to a positive `value`, ties to the even bit pattern; the smallest positive
 * float16 for values below it (binary search over all of them, then the closer neighbour).
 *
 * @example
 * ```ts
 * float16Nearest(0.1); // 0.0999755859375
 * ```
 */
export function float16Nearest(value: number): number {
  let low = 0;
  let high = POSITIVE_FLOAT16.length - 1;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (POSITIVE_FLOAT16[middle]! >= value) high = middle;
    else low = middle + 1;
  }
  if (low === 0) return POSITIVE_FLOAT16[0]!;
  const above = POSITIVE_FLOAT16[low]!;
  const below = POSITIVE_FLOAT16[low - 1]!;
  if (above - value !== value - below) return above - value < value - below ? above : below;
  // Pattern index + 1 is the bit pattern: the even pattern is at an odd index.
  return low % 2 === 1 ? above : below;
}

/**
 * The float32 nearest to a positive `value` (ties to even, as the engine rounds), the smallest
 * positive float32 for values below it.
 *
 * @example
 * ```ts
 * float32Nearest(0.1); // 0.10000000149011612
 * ```
 */
export function float32Nearest(value: number): number {
  return Math.max(Math.fround(value), 2 ** -149);
}
