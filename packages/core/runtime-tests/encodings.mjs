import {
  affineFromCodes,
  assembleEncoding,
  byteLength,
  castDense,
  codebookFromIndices,
  decode,
  decodeKernelOutput,
  encodingParts,
  hostTensor,
  isWhittleError,
  lowRankEncoding,
  denseEncoding,
  packBits,
  sparseFromDense,
  unpackBits,
  validateEncoding,
} from '../dist/index.js';
import { assert, assertClose, test } from './harness.mjs';

const weights = hostTensor('float32', [4, 6], Float32Array.from({ length: 24 }, (_, index) => (index % 3 === 0 ? 0 : Math.sin(index))));

test('bit packing round trips every width', () => {
  for (const bits of [1, 2, 3, 4, 5, 6, 7, 8, 16]) {
    const codes = Array.from({ length: 37 }, (_, index) => (index * 7919) % 2 ** bits);
    const packed = packBits(codes, bits, false);
    assert(packed.length === Math.ceil((37 * bits) / 8), `packed length for ${bits} bits`);
    assertClose(Array.from(unpackBits(packed, 37, bits, false)), codes, 0, `${bits}-bit codes`);
  }
});

test('every encoding kind decodes, and byteLength equals its serialised bytes', () => {
  const affine = affineFromCodes({
    shape: [4, 6],
    bits: 4,
    signed: true,
    granularity: { kind: 'group', axis: 1, size: 4 },
    codes: Array.from({ length: 24 }, (_, index) => (index % 16) - 8),
    scales: hostTensor('float16', [4, 2], new Uint16Array(8).fill(0x3800)),
  });
  const codebook = codebookFromIndices({
    shape: [4, 6],
    centroids: hostTensor('float32', [4], new Float32Array([-1, 0, 0.5, 2])),
    indices: Array.from({ length: 24 }, (_, index) => index % 4),
  });
  const encodings = [
    castDense(weights, 'float16'),
    castDense(weights, 'bfloat16'),
    affine,
    codebook,
    sparseFromDense(weights, { kind: 'bitmask' }),
    sparseFromDense(weights, { kind: 'csr', indexBits: 2 }),
    lowRankEncoding({
      shape: [4, 6],
      left: denseEncoding(hostTensor('float32', [4, 1], new Float32Array([1, 2, 3, 4]))),
      right: castDense(hostTensor('float32', [1, 6], new Float32Array(6).fill(0.5)), 'float16'),
    }),
  ];
  for (const encoding of encodings) {
    const decoded = decode(encoding);
    assert(decoded.data.length === 24, `${encoding.kind} decodes 24 values`);
    const parts = encodingParts(encoding);
    const total = parts.buffers.reduce((sum, buffer) => sum + buffer.bytes.length, 0);
    assert(total === byteLength(encoding), `${encoding.kind}: byteLength ${byteLength(encoding)} vs ${total}`);
    const buffers = Object.fromEntries(parts.buffers.map((buffer) => [buffer.name, buffer.bytes]));
    const assembled = assembleEncoding(JSON.parse(JSON.stringify(parts.metadata)), buffers);
    assertClose(Array.from(decode(assembled).data), Array.from(decoded.data), 0, `${encoding.kind} reassembled`);
  }
});

test('decoding into the kernels’ output region gives the values of a plain array', () => {
  // Large enough for the WebAssembly kernels (they leave small tensors to JS), in several chunks.
  const size = 40000;
  const affine = affineFromCodes({
    shape: [200, 200],
    bits: 8,
    signed: true,
    granularity: { kind: 'axis', axis: 1 },
    codes: Array.from({ length: size }, (_, index) => ((index * 37) % 255) - 127),
    scales: hostTensor('float32', [200], Float32Array.from({ length: 200 }, (_, index) => 0.01 + index / 1000)),
  });
  const region = decodeKernelOutput(size);
  assert(region !== undefined, 'an output region where the runtime has WebAssembly SIMD');
  assert(decode(affine, region).data === region, 'decodes into the region');
  assertClose(Array.from(region), Array.from(decode(affine, new Float32Array(size)).data), 0, 'in place vs a plain array');
});

test('sparse layouts are lossless', () => {
  for (const layout of [{ kind: 'bitmask' }, { kind: 'csr', indexBits: 1 }]) {
    assertClose(Array.from(decode(sparseFromDense(weights, layout)).data), Array.from(weights.data), 0, layout.kind);
  }
});

test('malformed encodings get a typed error', () => {
  for (const value of [null, 42, { kind: 'affine' }, { kind: 'dense', tensor: { dtype: 'float32', shape: [-1], data: [] } }]) {
    try {
      validateEncoding(value);
      throw new Error(`accepted ${JSON.stringify(value)}`);
    } catch (error) {
      assert(isWhittleError(error), `typed error for ${JSON.stringify(value)}: ${error}`);
    }
  }
});
