// Dev-time measurement of Deep Compression's last stage on one layer: a 784 × 300 kernel
// (Gaussian, seeded) pruned to its 10 % largest magnitudes in relative-index CSR with 5-bit gaps,
// the kept weights shared among 32 centroids (Lloyd's k-means from linearly spaced centroids).
// Prints bytes before and after `huffmanWhereSmaller`, each stream against its Shannon bound, and
// decode times in one process with the cases interleaved (order rotating every round):
// restoring the packed streams (`entropyInner`) and a full `decode` of the coded layer, against a
// `Uint8Array#set` copy of the packed streams and a decode of the uncoded layer.
//   npx turbo run build --filter=@whittle/core && node packages/core/scripts/measure-huffman.mjs [rounds] [rows] [columns]
import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';

const rounds = Number(process.argv[2] ?? 41);
const rows = Number(process.argv[3] ?? 784);
const columns = Number(process.argv[4] ?? 300);
const core = await import(pathToFileURL(new URL('../dist/index.js', import.meta.url).pathname).href);
const { byteLength, codebookFromIndices, decode, entropyInner, huffmanWhereSmaller, sparseFromDense, symbolStreams, unpackBits } = core;

let seed = 20160201;
const uniform = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) + 0.5) / 2 ** 32;
const gaussian = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
const weights = Float32Array.from({ length: rows * columns }, () => gaussian() * 0.05);
const threshold = Float32Array.from(weights, Math.abs).sort()[Math.floor(weights.length * 0.9)];
const pruned = weights.map((value) => (Math.abs(value) >= threshold ? value : 0));

function kmeans(values, count, iterations = 30) {
  let low = Infinity;
  let high = -Infinity;
  for (const value of values) { low = Math.min(low, value); high = Math.max(high, value); }
  const centroids = Float64Array.from({ length: count }, (_, index) => low + ((high - low) * index) / (count - 1));
  const indices = new Int32Array(values.length);
  for (let iteration = 0; iteration < iterations; iteration++) {
    const sums = new Float64Array(count);
    const counts = new Float64Array(count);
    values.forEach((value, at) => {
      let best = 0;
      for (let index = 1; index < count; index++) if (Math.abs(value - centroids[index]) < Math.abs(value - centroids[best])) best = index;
      indices[at] = best; sums[best] += value; counts[best]++;
    });
    for (let index = 0; index < count; index++) if (counts[index] > 0) centroids[index] = sums[index] / counts[index];
  }
  return { centroids: Float32Array.from(centroids), indices };
}

const layer = sparseFromDense({ dtype: 'float32', shape: [rows, columns], data: pruned }, { kind: 'csr', indexBits: 5 }, (kept) => {
  const { centroids, indices } = kmeans(kept.data, 32);
  return codebookFromIndices({ shape: kept.shape, centroids: { dtype: 'float32', shape: [32], data: centroids }, indices });
});
const coded = huffmanWhereSmaller(layer);

const entropyBits = (symbols) => {
  const counts = new Map();
  for (const symbol of symbols) counts.set(symbol, (counts.get(symbol) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) bits -= count * Math.log2(count / symbols.length);
  return bits;
};

console.log(`layer ${rows}×${columns}, ${layer.values.shape[0]} entries (fillers included), float32 ${rows * columns * 4} B`);
console.log(`pruned + 5-bit shared: ${byteLength(layer)} B; Huffman-coded: ${byteLength(coded)} B (${((1 - byteLength(coded) / byteLength(layer)) * 100).toFixed(1)} % smaller)`);
console.log(`ratio to float32: ${((rows * columns * 4) / byteLength(layer)).toFixed(1)}× → ${((rows * columns * 4) / byteLength(coded)).toFixed(1)}×`);
for (const stream of symbolStreams(layer)) {
  const codedStream = coded.streams.find((candidate) => candidate.field === stream.field);
  const bound = entropyBits(unpackBits(stream.packed, stream.count, stream.symbolBits)) / 8;
  console.log(
    `  ${stream.field}: packed ${stream.packed.length} B; coded ${codedStream.data.length} B + table ${codedStream.lengths.length} B; Shannon bound ${bound.toFixed(0)} B (${((codedStream.data.length * 8) / stream.count).toFixed(3)} vs ${((bound * 8) / stream.count).toFixed(3)} bits/symbol)`,
  );
}

// Timings: each case writes into memory it reused, and the copy moves the packed bytes once.
const packed = symbolStreams(layer).map((stream) => stream.packed);
const copies = packed.map((bytes) => new Uint8Array(bytes.length));
const destination = new Float32Array(rows * columns);
const cases = {
  'copy packed streams': () => packed.forEach((bytes, index) => copies[index].set(bytes)),
  'restore streams (Huffman decode + pack)': () => entropyInner(coded),
  'decode coded layer into reused memory': () => decode(coded, destination),
  'decode uncoded layer into reused memory': () => decode(layer, destination),
};
const names = Object.keys(cases);
const times = Object.fromEntries(names.map((name) => [name, []]));
const loadStart = loadavg()[0];
for (let round = 0; round < rounds; round++) {
  for (let offset = 0; offset < names.length; offset++) {
    const name = names[(round + offset) % names.length];
    const start = process.hrtime.bigint();
    cases[name]();
    times[name].push(Number(process.hrtime.bigint() - start) / 1e6);
  }
}
const sorted = (values) => [...values].sort((a, b) => a - b);
const median = (values) => sorted(values)[Math.floor(values.length / 2)];
const symbols = symbolStreams(layer).reduce((total, stream) => total + stream.count, 0);
console.log(`timings, min / median of ${rounds} interleaved rounds (load ${loadStart.toFixed(1)} → ${loadavg()[0].toFixed(1)}):`);
for (const name of names) {
  const ms = median(times[name]);
  const fastest = sorted(times[name])[0];
  console.log(`  ${name}: ${fastest.toFixed(3)} / ${ms.toFixed(3)} ms (median ${(symbols / ms / 1e3).toFixed(1)} M symbols/s)`);
}
