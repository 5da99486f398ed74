// A measurement run by hand (not a test): the public quantize calls against the memory bound,
// interleaved in one process so machine load affects both alike. For int8 per channel and int4
// in groups of 32 (Dense kernels [in, out], scales along out / groups along in) at 4M and 16M
// weights, each round times a `Float32Array.prototype.set` copy of the weights into a reused
// buffer (the bound: one read and one write of the input) and then the quantize call, and
// reports the median of each and their ratio. With `--fresh` the quantize calls allocate their
// outputs as a plain `quantizeAffine(tensor, options)` does; by default they write into reused
// destinations (the third argument), as a pipeline would. With `--in-place` the weights sit in
// the kernel's memory (`affineKernelInput`), as a pipeline that decodes straight into it has them.
//   node packages/quantize/scripts/measure-quantize-bound.mjs [--fresh | --in-place] [--rounds 9]
import { importSources, seededRandom } from './measure-support.mjs';

import { existsSync } from 'node:fs';

// The destination helper is absent from trees older than the destinations (the "before" figures).
const hasDestinations = existsSync(new URL('../src/primitives/quantize-affine-destination.ts', import.meta.url));
const { quantizeAffine, quantizeAffineDestination, affineKernelInput } = await importSources(
  'measure-quantize-bound',
  `export { quantizeAffine${hasDestinations ? ', quantizeAffineDestination' : ''} } from './src/primitives/quantize-affine.ts';
${hasDestinations ? "export { affineKernelInput } from './src/simd/affine-simd.ts';" : ''}`,
);

const fresh = process.argv.includes('--fresh');
const inPlace = process.argv.includes('--in-place');
const roundsFlag = process.argv.indexOf('--rounds');
const rounds = roundsFlag > 0 ? Number(process.argv[roundsFlag + 1]) : 9;
if (!fresh && quantizeAffineDestination === undefined) throw new Error('this tree has no destinations: pass --fresh');

const random = seededRandom();
function gaussian(size) {
  const values = new Float32Array(size);
  for (let index = 0; index < size; index += 2) {
    const radius = Math.sqrt(-2 * Math.log(random() + 1e-12)) * 0.02;
    const angle = 2 * Math.PI * random();
    values[index] = radius * Math.cos(angle);
    values[index + 1] = radius * Math.sin(angle);
  }
  return values;
}

const cases = [];
for (const [inputs, outputs] of [
  [4096, 1024],
  [4096, 4096],
]) {
  const size = inputs * outputs;
  const tensor = { dtype: 'float32', shape: [inputs, outputs], data: gaussian(size) };
  for (const [label, options] of [
    ['int8 per channel', { bits: 8, granularity: { kind: 'axis', axis: 1 } }],
    ['int4 g32', { bits: 4, granularity: { kind: 'group', axis: 0, size: 32 } }],
  ]) {
    const destination = fresh ? undefined : quantizeAffineDestination(tensor.shape, options);
    cases.push({ label: `${label} ${size / 2 ** 20}M`, size, tensor, options, destination, copyTarget: new Float32Array(size) });
  }
}

const median = (times) => [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)];
const time = (run) => {
  const start = performance.now();
  run();
  return performance.now() - start;
};

console.log(`${fresh ? 'fresh outputs' : inPlace ? 'reused destinations, weights in the kernel memory' : 'reused destinations'}, ${rounds} rounds, load ${(await import('node:os')).loadavg()[0].toFixed(2)}`);
for (const entry of cases) {
  const { options, destination, copyTarget } = entry;
  let tensor = entry.tensor;
  if (inPlace) {
    const input = affineKernelInput(entry.size);
    input.set(entry.tensor.data);
    tensor = { ...entry.tensor, data: input };
  }
  const quantize = () => (destination === undefined ? quantizeAffine(tensor, options) : quantizeAffine(tensor, options, destination));
  // Warm both (and page in every buffer) before timing.
  for (let index = 0; index < 2; index++) {
    copyTarget.set(entry.tensor.data);
    quantize();
  }
  const copies = [];
  const quantizes = [];
  for (let round = 0; round < rounds; round++) {
    copies.push(time(() => copyTarget.set(entry.tensor.data)));
    quantizes.push(time(quantize));
  }
  const copy = median(copies);
  const quantized = median(quantizes);
  console.log(
    `${entry.label.padEnd(22)} copy ${copy.toFixed(1).padStart(6)} ms  quantize ${quantized.toFixed(1).padStart(7)} ms ` +
      `${(entry.size / quantized / 1e3).toFixed(0).padStart(5)} M params/s  ${((copy / quantized) * 100).toFixed(0).padStart(3)}% of the copy bound`,
  );
}
