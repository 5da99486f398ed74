// A measurement run by hand (not a test): int4 symmetric per-group (groups of 32, float16
// scales, ggml Q4_0-like) quantization of 16,777,216 float32 params, JS vs WebAssembly SIMD, in
// both Dense layouts:   node packages/quantize/scripts/measure-affine-simd-group.mjs
import { importSources, median, seededRandom } from './measure-support.mjs';

const { quantizeByGroupJs, affineLayout, quantizeByGroupSimd, createAffineSimd } = await importSources(
  'measure-affine-simd-group',
  `
export { quantizeByGroupJs } from './src/primitives/affine-kernels.ts';
export { affineLayout } from './src/primitives/affine-layout.ts';
export { quantizeByGroupSimd, createAffineSimd } from './src/simd/affine-simd.ts';
`,
);

const SIZE = 16_777_216;
const values = new Float32Array(SIZE);
const random = seededRandom();
for (let index = 0; index < SIZE; index++) values[index] = (random() + random() + random() - 1.5) * 0.05;
const spec = { symmetric: true, qmin: -8, qmax: 7, mask: 15, scaleDType: 'float16' };

const rate = (milliseconds) => `${(SIZE / milliseconds / 1e3).toFixed(1)} M params/s (${milliseconds.toFixed(1)} ms)`;

const kernel = createAffineSimd();
for (const [label, shape, axis] of [
  ['[in, out] groups along in (4096×4096)', [4096, 4096], 0],
  ['[out, in] groups along in (4096×4096)', [4096, 4096], 1],
]) {
  const layout = affineLayout(shape, { kind: 'group', axis, size: 32 });
  const jsParams = { scales: new Float64Array(layout.slotCount), zeroPoints: new Float64Array(layout.slotCount) };
  const simdParams = { scales: new Float64Array(layout.slotCount), zeroPoints: new Float64Array(layout.slotCount) };
  const jsCodes = new Uint8Array(SIZE);
  const simdCodes = new Uint8Array(SIZE);
  const js = median(() => quantizeByGroupJs(values, layout, spec, jsParams, jsCodes), 5, 1);
  const simd = median(() => quantizeByGroupSimd(values, layout, spec, simdParams, simdCodes, kernel));
  let same = jsCodes.every((code, index) => code === simdCodes[index]);
  same &&= jsParams.scales.every((scale, index) => Object.is(scale, simdParams.scales[index]));
  console.log(`${label}: JS ${rate(js)}, SIMD ${rate(simd)}, ×${(js / simd).toFixed(1)}, identical: ${same}`);
}
