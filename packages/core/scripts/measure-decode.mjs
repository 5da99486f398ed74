// Dev-time measurement of decoding into a reused Float32Array, against a memory copy of the same
// output bytes and against tfjs's own `io.decodeWeights`, in one process with the cases
// interleaved (the order rotates every round, so JIT state and cache warmth are shared fairly).
//   npx turbo run build --filter=@whittle/core && node packages/core/scripts/measure-decode.mjs [weights] [rounds] [dist]
// `weights` defaults to 4194304 (4M); `dist` is the built @whittle/core to measure (default: this
// package's dist), so the same script times another build for a before/after comparison.
// What the bound is: `Float32Array#set` from one reused array into another, the output's bytes
// read and written once. It is not a floor: a decoder reads fewer bytes than it writes.
import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';

const weights = Number(process.argv[2] ?? 4194304);
const rounds = Number(process.argv[3] ?? 15);
const dist = process.argv[4] ?? new URL('../dist/index.js', import.meta.url).pathname;
const core = await import(pathToFileURL(dist).href);
const { affineEncoding, castDense, codebookFromIndices, decode, float32ArrayToFloat16 } = core;

const columns = 1024;
const rows = weights / columns;
let seed = 12345;
const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
const bytes = (length) => Uint8Array.from({ length }, () => Math.floor(random() * 256));

const int8 = affineEncoding({
  shape: [rows, columns], bits: 8, signed: true, granularity: { kind: 'axis', axis: 1 },
  codes: bytes(weights),
  scales: { dtype: 'float32', shape: [columns], data: Float32Array.from({ length: columns }, () => random() * 0.01) },
});
const groups = columns / 32;
const int4 = affineEncoding({
  shape: [rows, columns], bits: 4, signed: true, granularity: { kind: 'group', axis: 1, size: 32 },
  codes: bytes(weights / 2),
  scales: {
    dtype: 'float16', shape: [rows, groups],
    data: float32ArrayToFloat16(Float32Array.from({ length: rows * groups }, () => random() * 0.01)),
  },
});
const stockBytes = bytes(weights);
const stockMin = -0.731;
const stockScale = 1.143 / 255;
const uint8 = affineEncoding({
  shape: [rows, columns], bits: 8, signed: false, granularity: { kind: 'tensor' }, codes: stockBytes,
  scales: { dtype: 'float64', shape: [], data: Float64Array.of(stockScale) },
  offsets: { dtype: 'float64', shape: [], data: Float64Array.of(stockMin) },
});
const codebook = codebookFromIndices({
  shape: [rows, columns], bits: 4,
  centroids: { dtype: 'float32', shape: [16], data: Float32Array.from({ length: 16 }, () => random() - 0.5) },
  indices: Array.from(bytes(weights), (byte) => byte & 15),
});
const half = castDense({ dtype: 'float32', shape: [rows, columns], data: Float32Array.from({ length: weights }, () => random() - 0.5) }, 'float16');
const stockBuffer = stockBytes.slice().buffer;
const stockSpecs = [{ name: 'w', shape: [rows, columns], dtype: 'float32', quantization: { dtype: 'uint8', min: stockMin, scale: stockScale } }];

const source = new Float32Array(weights).fill(1);
const reused = new Float32Array(weights);
// Warm the reused arrays' pages before any timing.
reused.set(source);

const cases = {
  'copy bound (reused)': () => reused.set(source),
  'copy (fresh)': () => source.slice(),
  'int8 per-channel': () => decode(int8, reused),
  'int4 group 32': () => decode(int4, reused),
  'uint8 stock': () => decode(uint8, reused),
  'uint8 stock (fresh)': () => decode(uint8),
  'tfjs io.decodeWeights uint8': () => tf.io.decodeWeights(stockBuffer, stockSpecs).w.dispose(),
  'codebook 4-bit': () => decode(codebook, reused),
  'float16': () => decode(half, reused),
};
const names = Object.keys(cases);
const times = Object.fromEntries(names.map((name) => [name, []]));
await tf.setBackend('cpu');
const startLoad = loadavg().map((value) => value.toFixed(2)).join(' ');
for (let round = 0; round < rounds; round++) {
  for (let step = 0; step < names.length; step++) {
    const name = names[(round + step) % names.length];
    const start = performance.now();
    cases[name]();
    times[name].push(performance.now() - start);
  }
}
const endLoad = loadavg().map((value) => value.toFixed(2)).join(' ');
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const bound = median(times['copy bound (reused)']);
const tfjs = median(times['tfjs io.decodeWeights uint8']);
console.log(`${weights} weights, ${rounds} rounds, rotated order; load average ${startLoad} → ${endLoad}; core ${dist}`);
console.log('case                          min ms  median    max   M weights/s  of bound  vs tfjs');
for (const name of names) {
  const sorted = [...times[name]].sort((a, b) => a - b);
  const middle = median(sorted);
  console.log(
    `${name.padEnd(28)} ${sorted[0].toFixed(2).padStart(7)} ${middle.toFixed(2).padStart(7)} ${sorted.at(-1).toFixed(2).padStart(6)}` +
      `  ${(weights / middle / 1000).toFixed(0).padStart(10)}  ${((bound / middle) * 100).toFixed(0).padStart(7)}%  ${(tfjs / middle).toFixed(2).padStart(6)}×`,
  );
}
