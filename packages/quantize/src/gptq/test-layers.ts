/**
 * Seeded synthetic layers and calibration inputs for the GPTQ tests (not exported).
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
 * Correlated calibration inputs X = Z·A, `[samples, inputs]`: Z standard normal, A a random
 * mixing matrix, and input columns scaled unevenly (a few loud features, as real activations
 * have), so H = 2/n·XᵀX is far from diagonal and its diagonal varies.
 */
export function correlatedInputs(samples: number, inputs: number, seed: number): HostTensor<'float32'> {
  const latent = normalMatrix(samples, inputs, seed).data;
  const mixing = normalMatrix(inputs, inputs, seed + 1, 1 / Math.sqrt(inputs)).data;
  const next = normalGenerator(seed + 2);
  const loudness = Float64Array.from({ length: inputs }, () => Math.exp(next()));
  const data = new Float32Array(samples * inputs);
  for (let sample = 0; sample < samples; sample++) {
    for (let k = 0; k < inputs; k++) {
      const z = latent[sample * inputs + k]!;
      const row = k * inputs;
      for (let input = 0; input < inputs; input++) data[sample * inputs + input]! += z * mixing[row + input]!;
    }
    for (let input = 0; input < inputs; input++) data[sample * inputs + input]! *= loudness[input]!;
  }
  return { dtype: 'float32', shape: [samples, inputs], data };
}

/** The same `[rows, columns]` matrix transposed. */
export function transpose(matrix: HostTensor<'float32'>): HostTensor<'float32'> {
  const [rows, columns] = matrix.shape as [number, number];
  const data = new Float32Array(rows * columns);
  for (let row = 0; row < rows; row++) {
    for (let column = 0; column < columns; column++) data[column * rows + row] = matrix.data[row * columns + column]!;
  }
  return { dtype: 'float32', shape: [columns, rows], data };
}

/**
 * ‖X·K − X·K̂‖²_F / (samples · outputs) for a Dense kernel K `[in, out]`, computed directly in
 * float64 (independent of the Hessian the code under test uses).
 */
export function denseOutputError(inputs: HostTensor, kernel: HostTensor, quantized: HostTensor): number {
  const [samples, width] = inputs.shape as [number, number];
  const outputs = kernel.shape[1]!;
  const x = inputs.data as Float32Array;
  const delta = Float64Array.from(kernel.data as Float32Array, (value, index) => value - quantized.data[index]!);
  let total = 0;
  const row = new Float64Array(outputs);
  for (let sample = 0; sample < samples; sample++) {
    row.fill(0);
    for (let input = 0; input < width; input++) {
      const value = x[sample * width + input]!;
      if (value === 0) continue;
      for (let output = 0; output < outputs; output++) row[output]! += value * delta[input * outputs + output]!;
    }
    for (const value of row) total += value * value;
  }
  return total / (samples * outputs);
}
