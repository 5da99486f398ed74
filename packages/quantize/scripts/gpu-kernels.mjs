// A measurement run by hand (not a test): the WebGPU affine kernels on whatever adapter Dawn
// finds (a GPU, else the Mesa software route), against a device-side copy of the same float32
// bytes and the host kernels on the same values, in M params/s with min / median / max over
// the repeats. Prints the adapter's info and limits and the load average at the start and end;
// `--json FILE` also writes the figures. Bundles the TypeScript sources, so it needs no build:
//   node packages/quantize/scripts/gpu-kernels.mjs [--rows 4096] [--columns 4096] [--repeats 7] [--json out.json]
// Software adapters are for correctness: their figures say nothing about a GPU.
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { importSources, seededRandom } from './measure-support.mjs';

const { values: flags } = parseArgs({
  options: { rows: { type: 'string' }, columns: { type: 'string' }, repeats: { type: 'string' }, json: { type: 'string' } },
});

const { startDawnWebGpu, quantizeAffineOnGpu, dequantizeOnGpu, quantizeAffine, decode, hostTensor } = await importSources(
  'gpu-kernels',
  `
export { startDawnWebGpu } from './src/webgpu/dawn-backend.ts';
export { quantizeAffineOnGpu } from './src/webgpu/quantize-affine-on-gpu.ts';
export { dequantizeOnGpu } from './src/webgpu/dequantize-on-gpu.ts';
export { quantizeAffine } from './src/primitives/quantize-affine.ts';
export { decode, hostTensor } from '@whittle/core';
`,
);

const loadAtStart = loadavg();
const backend = await startDawnWebGpu();
if (!backend.ready) {
  console.log(`no WebGPU adapter: ${backend.reason}`);
  process.exit(1);
}
const device = tf.backend().device;
const limitNames = ['maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupsPerDimension', 'minStorageBufferOffsetAlignment'];
const limits = Object.fromEntries(limitNames.map((name) => [name, device.limits[name]]));
console.log(`adapter: ${JSON.stringify(backend.info)}${backend.software ? ' (software)' : ''}`);
console.log(`limits: ${JSON.stringify(limits)}`);

const rows = Number(flags.rows ?? (backend.software ? 1024 : 4096));
const columns = Number(flags.columns ?? (backend.software ? 1024 : 4096));
const repeats = Number(flags.repeats ?? (backend.software ? 3 : 7));
const size = rows * columns;
const shape = [rows, columns];
console.log(`tensor [${rows}, ${columns}] float32 (${size} params), ${repeats} timed repeats after one warm-up; load ${loadAtStart.map((load) => load.toFixed(2)).join(' ')}`);

const values = new Float32Array(size);
const random = seededRandom();
for (let index = 0; index < size; index += 2) {
  // Box–Muller: normal weights, σ = 0.05.
  const radius = Math.sqrt(-2 * Math.log(random() + 1e-12)) * 0.05;
  const angle = 2 * Math.PI * random();
  values[index] = radius * Math.cos(angle);
  values[index + 1] = radius * Math.sin(angle);
}
// A tensor made from host data stays on the host until an op uses it; this one lives on the GPU.
const onGpu = tf.tidy(() => tf.add(tf.tensor(values, shape, 'float32'), 0));

async function timed(run) {
  await run();
  const times = [];
  for (let repeat = 0; repeat < repeats; repeat++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { min: times[0], median: times[Math.floor(times.length / 2)], max: times.at(-1) };
}

const results = [];
function report(label, time) {
  const rate = (milliseconds) => size / milliseconds / 1e3;
  const line = { label, millisecondsMedian: time.median, mParamsPerSecond: { min: rate(time.max), median: rate(time.median), max: rate(time.min) } };
  results.push(line);
  const { min, median, max } = line.mParamsPerSecond;
  console.log(`${label.padEnd(64)} ${median.toFixed(1).padStart(9)} M params/s (min ${min.toFixed(1)}, max ${max.toFixed(1)}; median ${time.median.toFixed(2)} ms)`);
}

// The bound: the device copies the float32 input once (read + write, no host involved).
const { buffer: source, tensorRef } = onGpu.dataToGPU();
const target = device.createBuffer({ size: size * 4, usage: 0x0004 | 0x0008 | 0x0080 });
report('bound: device copy of the float32 input', await timed(async () => {
  const encoder = device.createCommandEncoder();
  encoder.copyBufferToBuffer(source, 0, target, 0, size * 4);
  device.queue.submit([encoder.finish()]);
  await device.queue.onSubmittedWorkDone();
}));
target.destroy();
tensorRef.dispose();

const cases = [
  ['int8 per channel (axis 1)', { bits: 8, granularity: { kind: 'axis', axis: 1 } }],
  ['int4 g32 symmetric (axis 0)', { bits: 4, granularity: { kind: 'group', axis: 0, size: 32 } }],
  ['int4 g32 asymmetric (axis 0)', { bits: 4, symmetric: false, granularity: { kind: 'group', axis: 0, size: 32 } }],
];
const host = hostTensor('float32', shape, values);
for (const [label, options] of cases) {
  let encoding;
  report(`quantizeAffineOnGpu ${label}, codes to host`, await timed(async () => {
    encoding = await quantizeAffineOnGpu(onGpu, options);
  }));
  let reference;
  report(`  peer: host quantizeAffine ${label}`, await timed(async () => {
    reference = quantizeAffine(host, options);
  }));
  const sameCodes = encoding.codes.every((byte, index) => byte === reference.codes[index]);
  console.log(`  GPU codes identical to the host's: ${sameCodes}`);
  report(`dequantizeOnGpu ${label}, tensor stays on GPU`, await timed(async () => {
    const tensor = await dequantizeOnGpu(encoding);
    await device.queue.onSubmittedWorkDone();
    tensor.dispose();
  }));
  report(`  peer: host decode ${label}`, await timed(async () => {
    decode(encoding);
  }));
}
onGpu.dispose();

const loadAtEnd = loadavg();
console.log(`load at end ${loadAtEnd.map((load) => load.toFixed(2)).join(' ')}`);
if (flags.json !== undefined) {
  writeFileSync(flags.json, JSON.stringify({ adapter: backend.info, software: backend.software, limits, shape, repeats, loadAtStart, loadAtEnd, results }, null, 2));
}
process.exit(0);
