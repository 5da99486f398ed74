// A measurement run by hand (not a test): int8 symmetric per-channel quantization of 16,777,216
// float32 params, JS kernels vs the WebAssembly SIMD kernel, in params/s, plus a plain copy of
// the same bytes as the memory-bound floor. Bundles the TypeScript sources with the repo's
// esbuild, so it needs no build:   node packages/quantize/scripts/measure-affine-simd.mjs
import { build } from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = `
export { quantizeByPositionJs as quantizeByPosition } from './src/primitives/affine-kernels.ts';
export { affineLayout } from './src/primitives/affine-layout.ts';
export { quantizeByPositionSimd, createAffineSimd } from './src/simd/affine-simd.ts';
`;
const bundled = await build({
  stdin: { contents: entry, resolveDir: root, loader: 'ts' },
  bundle: true,
  format: 'esm',
  platform: 'node',
  write: false,
  external: ['@tensorflow/*'],
  logLevel: 'error',
});
const source = bundled.outputFiles[0].text;
// Written under node_modules/.cache so its bare imports (tfjs) resolve from the repository.
const cacheFolder = join(root, 'node_modules', '.cache');
mkdirSync(cacheFolder, { recursive: true });
const bundlePath = join(cacheFolder, 'measure-affine-simd.mjs');
writeFileSync(bundlePath, source);
const { quantizeByPosition, affineLayout, quantizeByPositionSimd, createAffineSimd } = await import(pathToFileURL(bundlePath).href);

const SIZE = 16_777_216;
const values = new Float32Array(SIZE);
let seed = 12345;
const random = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
for (let index = 0; index < SIZE; index += 2) {
  // Box–Muller: normal weights, σ = 0.05.
  const radius = Math.sqrt(-2 * Math.log(random() + 1e-12)) * 0.05;
  const angle = 2 * Math.PI * random();
  values[index] = radius * Math.cos(angle);
  values[index + 1] = radius * Math.sin(angle);
}
const spec = { symmetric: true, qmin: -128, qmax: 127, mask: 255, scaleDType: 'float32' };

function median(run, repeats = 7, warmups = 2) {
  for (let index = 0; index < warmups; index++) run();
  const times = [];
  for (let index = 0; index < repeats; index++) {
    const start = performance.now();
    run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}
const rate = (milliseconds) => `${(SIZE / milliseconds / 1e6).toFixed(2)} G params/s (${milliseconds.toFixed(1)} ms)`;

const copyTarget = new Float32Array(SIZE);
console.log(`copy (Float32Array.set)        ${rate(median(() => copyTarget.set(values), 11, 3))}`);

for (const chunk of [16384, 65536, 262144]) {
  const kernel = createAffineSimd(undefined, chunk);
  for (const [label, shape, axis] of [
    ['[in, out] axis 1 (4096×4096)', [4096, 4096], 1],
    ['[out, in] axis 0 (4096×4096)', [4096, 4096], 0],
  ]) {
    const layout = affineLayout(shape, { kind: 'axis', axis });
    const slots = layout.slotCount;
    const jsParams = { scales: new Float64Array(slots), zeroPoints: new Float64Array(slots) };
    const simdParams = { scales: new Float64Array(slots), zeroPoints: new Float64Array(slots) };
    const jsCodes = new Uint8Array(SIZE);
    const simdCodes = new Uint8Array(SIZE);
    const js = chunk === 16384 ? median(() => quantizeByPosition(values, layout, spec, jsParams, jsCodes), 5, 1) : undefined;
    const simd = median(() => quantizeByPositionSimd(values, layout, spec, simdParams, simdCodes, kernel));
    if (js !== undefined) {
      console.log(`JS   ${label}  ${rate(js)}`);
      let same = jsCodes.every((code, index) => code === simdCodes[index]);
      same &&= jsParams.scales.every((scale, index) => Object.is(scale, simdParams.scales[index]));
      console.log(`     SIMD identical to JS: ${same}`);
    }
    console.log(`SIMD ${label}  chunk ${chunk}: ${rate(simd)}`);
  }
}
