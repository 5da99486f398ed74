/**
 * The output extent of a convolution or pooling window along one spatial axis, as TensorFlow
 * computes it, and the reading of Keras convolution configs.
 */

/** How a Keras convolution pads its input: `valid` (no padding), `same`, or `causal` (Conv1D). */
export type ConvolutionPadding = 'valid' | 'same' | 'causal';

/**
 * The output length of a window of `kernel` taps, `dilation` apart, sliding by `stride` over
 * `length` inputs: `ceil(length / stride)` for `same` and `causal` padding, else the count of
 * whole windows that fit. 0 when none fits.
 *
 * @example
 * ```ts
 * convolutionOutputLength(28, 3, 1, 1, 'valid'); // 26
 * convolutionOutputLength(28, 3, 2, 1, 'same'); // 14
 * ```
 */
export function convolutionOutputLength(length: number, kernel: number, stride: number, dilation: number, padding: ConvolutionPadding): number {
  if (padding === 'same' || padding === 'causal') return Math.ceil(length / stride);
  const span = dilation * (kernel - 1) + 1;
  return length < span ? 0 : Math.floor((length - span) / stride) + 1;
}

/** The spatial geometry of a Keras convolution layer's config, normalised to one number per axis. */
export interface ConvolutionConfig {
  readonly kernel: readonly number[];
  readonly strides: readonly number[];
  readonly dilations: readonly number[];
  readonly padding: ConvolutionPadding;
  readonly channelsFirst: boolean;
}

/**
 * The kernel size, strides, dilation rate, padding and data format of a Keras convolution
 * layer's `config` over `rank` spatial axes, or undefined where a field is missing or not a
 * positive integer (a config this code does not understand is not counted).
 *
 * @example
 * ```ts
 * readConvolutionConfig({ kernel_size: [3, 3], strides: 2, padding: 'same' }, 2);
 * // { kernel: [3, 3], strides: [2, 2], dilations: [1, 1], padding: 'same', channelsFirst: false }
 * ```
 */
export function readConvolutionConfig(config: Readonly<Record<string, unknown>>, rank: number): ConvolutionConfig | undefined {
  const kernel = perAxis(config.kernel_size, rank, undefined);
  const strides = perAxis(config.strides, rank, 1);
  // tfjs-layers writes a null dilation rate for the default.
  const dilations = perAxis(config.dilation_rate, rank, 1);
  const padding = config.padding ?? 'valid';
  if (kernel === undefined || strides === undefined || dilations === undefined) return undefined;
  if (padding !== 'valid' && padding !== 'same' && padding !== 'causal') return undefined;
  const format = config.data_format ?? 'channelsLast';
  if (format !== 'channelsLast' && format !== 'channelsFirst' && format !== 'channels_last' && format !== 'channels_first') return undefined;
  return { kernel, strides, dilations, padding, channelsFirst: format === 'channelsFirst' || format === 'channels_first' };
}

function perAxis(value: unknown, rank: number, fallback: number | undefined): number[] | undefined {
  if (value === undefined || value === null) return fallback === undefined ? undefined : new Array<number>(rank).fill(fallback);
  const list = Array.isArray(value) ? value : new Array<unknown>(rank).fill(value);
  if (list.length !== rank || !list.every(isPositiveInteger)) return undefined;
  return list as number[];
}

/** Whether `value` is a whole number of at least 1 (and small enough to count exactly). */
export function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1;
}
