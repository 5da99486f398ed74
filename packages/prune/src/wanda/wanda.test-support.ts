/**
 * Seeded layers and calibration inputs for the Wanda tests, and the plain reference maths they
 * are checked against (never the implementation's own steps).
 */
import type { HostTensor } from '@whittle/core';

/** Standard normal numbers from a seeded generator (mulberry32 + Box–Muller). */
export function normalGenerator(seed: number): () => number {
  let state = seed >>> 0;
  const uniform = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** A `[rows, columns]` float32 matrix of standard normal numbers times `scale`. */
export function normalMatrix(rows: number, columns: number, seed: number, scale = 1): HostTensor<'float32'> {
  const next = normalGenerator(seed);
  const data = new Float32Array(rows * columns);
  for (let index = 0; index < data.length; index++) data[index] = next() * scale;
  return { dtype: 'float32', shape: [rows, columns], data };
}

/**
 * Calibration inputs `[samples, inputs]` whose features have very different sizes: `loud` of
 * them (chosen by the seed) are `gain` times larger than the rest, as LLM and MLP activations have.
 */
export function loudFeatureInputs(samples: number, inputs: number, seed: number, loud: number, gain: number): HostTensor<'float32'> {
  const matrix = normalMatrix(samples, inputs, seed);
  const pick = normalGenerator(seed + 1);
  const scales = new Float32Array(inputs).fill(1);
  for (let chosen = 0; chosen < loud; chosen++) scales[Math.floor(Math.abs(pick() * 7919)) % inputs] = gain;
  for (let row = 0; row < samples; row++) for (let column = 0; column < inputs; column++) matrix.data[row * inputs + column]! *= scales[column]!;
  return matrix;
}

/** ‖X_j‖₂ of every column of a `[samples, inputs]` matrix, in float64. */
export function referenceNorms(inputs: HostTensor<'float32'>): Float64Array {
  const [samples, width] = inputs.shape as [number, number];
  const norms = new Float64Array(width);
  for (let row = 0; row < samples; row++) for (let column = 0; column < width; column++) norms[column] = norms[column]! + inputs.data[row * width + column]! ** 2;
  return norms.map(Math.sqrt);
}

/**
 * The keep-mask of a Dense kernel `[in, out]` that prunes, in each output column, the `count`
 * lowest of `score(input, output)`, lower input index first on ties: a plain sort per column.
 */
export function referenceColumnMask(inputs: number, outputs: number, count: number, score: (input: number, output: number) => number): Uint8Array {
  const mask = new Uint8Array(inputs * outputs).fill(1);
  for (let output = 0; output < outputs; output++) {
    const order = Array.from({ length: inputs }, (_, input) => input).sort((a, b) => score(a, output) - score(b, output) || a - b);
    for (const input of order.slice(0, count)) mask[input * outputs + output] = 0;
  }
  return mask;
}

/** ‖X·W − X·Ŵ‖_F for a Dense kernel `[in, out]` and its pruned copy, in float64. */
export function outputError(inputs: HostTensor<'float32'>, kernel: Float32Array, pruned: Float32Array, outputs: number): number {
  const [samples, width] = inputs.shape as [number, number];
  let sum = 0;
  for (let row = 0; row < samples; row++) {
    for (let output = 0; output < outputs; output++) {
      let difference = 0;
      for (let input = 0; input < width; input++) difference += inputs.data[row * width + input]! * (kernel[input * outputs + output]! - pruned[input * outputs + output]!);
      sum += difference * difference;
    }
  }
  return Math.sqrt(sum);
}
