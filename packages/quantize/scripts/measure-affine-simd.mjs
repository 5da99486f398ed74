// A measurement run by hand (not a test): int8 symmetric per-channel quantization of 16,777,216
// float32 params, JS kernels vs the WebAssembly SIMD kernel, in params/s, plus a plain copy of
// the same bytes as the memory-bound floor. Bundles the TypeScript sources with the repo's
// esbuild, so it needs no build:   node packages/quantize/scripts/measure-affine-simd.mjs
import { importSources, median, seededRandom } from './measure-support.mjs';

const { quantizeByPosition, affineLayout, quantizeByPositionSimd, createAffineSimd } = await importSources(
  'measure-affine-simd',
  `
export { quantizeByPositionJs as quantizeByPosition } from './src/primitives/affine-kernels.ts';
export { affineLayout } from './src/primitives/affine-layout.ts';
export { quantizeByPositionSimd, createAffineSimd } from './src/simd/affine-simd.ts';
`,
);

const SIZE = 16_777_216;
const values = new Float32Array(SIZE);
const random = seededRandom();
for (let index = 0; index < SIZE; index += 2) {
  // Box–Muller: normal weights, σ = 0.05.
  const radius = Math.sqrt(-2 * Math.log(random() + 1e-12)) * 0.05;
  const angle = 2 * Math.PI * random();
  values[index] = radius * Math.cos(angle);
  values[index + 1] = radius * Math.sin(angle);
}
const spec = { symmetric: true, qmin: -128, qmax: 127, mask: 255, scaleDType: 'float32' };

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
