import * as tf from '@tensorflow/tfjs-core';

/** What {@link tfjsInt8RoundTrip} reads back from the backend. */
export interface TfjsInt8RoundTrip {
  /** int8 codes, one per weight (int32 on the backend: tfjs has no int8 dtype). */
  readonly codes: Int32Array;
  /** One scale per output channel (column). */
  readonly scales: Float32Array;
  /** The weights the codes decode to: code · scale. */
  readonly values: Float32Array;
}

/**
 * int8 symmetric per-output-channel quantization and dequantization of a dense kernel
 * `[inputs, outputs]` written with tfjs ops only, the way one would without whittle: abs-max per
 * column (`tf.max(tf.abs(x), 0)`), scale = abs-max / 127.5 (as `quantizeAffine` picks it, all 256
 * codes in use), codes = clip(round(x / scale), −128, 127) cast to int32, then codes · scale.
 * Codes, scales and values are read back, as a caller that stores or serves them must.
 *
 * The peer the kernels suite times on each tfjs backend against whittle's typed-array
 * quantizers. Its codes match `quantizeAffine`'s except where x / scale lands within float32
 * rounding of a half step (whittle rounds its scale up to a float32 first and divides in float64).
 *
 * @example
 * ```ts
 * const kernel = tf.randomNormal([1024, 1024]) as tf.Tensor2D;
 * const { codes, scales, values } = await tfjsInt8RoundTrip(kernel);
 * ```
 */
export async function tfjsInt8RoundTrip(kernel: tf.Tensor2D): Promise<TfjsInt8RoundTrip> {
  const [codes, scales] = tf.tidy(() => {
    const absMax = tf.max(tf.abs(kernel), 0);
    // An all-zero column would divide by 0; any positive scale codes it as 0.
    const scale = tf.where(tf.greater(absMax, 0), tf.div(absMax, 127.5), tf.onesLike(absMax));
    const rounded = tf.round(tf.div(kernel, scale));
    return [tf.cast(tf.clipByValue(rounded, -128, 127), 'int32'), scale];
  });
  try {
    const values = tf.tidy(() => tf.mul(tf.cast(codes, 'float32'), scales));
    try {
      return {
        codes: (await codes.data()) as Int32Array,
        scales: (await scales.data()) as Float32Array,
        values: (await values.data()) as Float32Array,
      };
    } finally {
      values.dispose();
    }
  } finally {
    codes.dispose();
    scales.dispose();
  }
}
