/**
 * How many channels a group keeps: never fewer than the sparsity asks to keep, a multiple of
 * `roundTo` where the group has room for one, and never below one.
 */

/**
 * The channels a group of `channels` keeps when `sparsity` of them are to go: removing
 * `floor(channels × sparsity)` (never more than asked), then rounding the count kept up to a
 * multiple of `roundTo`, but never past `channels` (a group too small for the next multiple keeps
 * every channel) and never below one.
 *
 * @example
 * ```ts
 * keptChannelCount(64, 0.5, 1); // 32
 * keptChannelCount(10, 0.5, 4); // 8: 5 rounded up to a multiple of 4
 * keptChannelCount(3, 0.9, 1); // 1
 * ```
 */
export function keptChannelCount(
  channels: number,
  sparsity: number,
  roundTo: number
): number {
  return roundKeptCount(channels - Math.floor(channels * sparsity), channels, roundTo);
}

/**
 * `kept` raised to at least one and rounded up to a multiple of `roundTo`, but never past `channels`.
 *
 * @example
 * ```ts
 * roundKeptCount(5, 10, 4); // 8
 * roundKeptCount(9, 10, 4); // 10: no multiple of 4 fits between 9 and 10
 * roundKeptCount(0, 10, 1); // 1
 * ```
 */
export function roundKeptCount(
  kept: number,
  channels: number,
  roundTo: number
): number {
  const atLeastOne = Math.max(1, kept);
  return Math.min(channels, Math.ceil(atLeastOne / roundTo) * roundTo);
}
