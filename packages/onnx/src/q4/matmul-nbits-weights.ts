import { toFloat32, unpackBits, WhittleError, type AffineEncoding } from '@whittle/core';

/** The bits MatMulNBits is written with here. */
export const MATMUL_NBITS_BITS = 4;

/** The weight inputs of one `com.microsoft.MatMulNBits` node, as onnxruntime reads them. */
export interface MatMulNBitsWeights {
  /** Rows of B (the inner dimension). */
  readonly k: number;
  /** Columns of B (the outputs). */
  readonly n: number;
  readonly blockSize: number;
  /** Blocks per column: ceil(K / blockSize). */
  readonly blocks: number;
  /** Codes as uint8 `[N, blocks, blockSize / 2]`, two per byte, the lower K index in the low nibble. */
  readonly packed: Uint8Array;
  /** One scale per (column, block), `[N · blocks]`, column-major over blocks. */
  readonly scales: Float32Array;
  /** Zero points packed two per byte, `[N · ceil(blocks / 2)]`; absent for symmetric codes (onnxruntime's default zero point 8). */
  readonly zeroPoints?: Uint8Array;
}

/**
 * MatMulNBits' inputs for a 4-bit affine encoding of a MatMul B `[K, N]` grouped along K
 * (`{ kind: 'group', axis: 0, size: blockSize }`, as `quantizeAffine` and GPTQ write a dense
 * kernel). Each value (code − zeroPoint) · scale is kept exactly: signed codes c become c + 8
 * under the default zero point 8, unsigned codes keep their own zero points. The padding past K
 * in the last block holds the zero point (it decodes to 0). Anything else (another width,
 * another grouping, offsets) is an `invalid-encoding` WhittleError naming the param.
 *
 * @example
 * ```ts
 * const encoding = quantizeAffine(kernel, { bits: 4, granularity: { kind: 'group', axis: 0, size: 32 } });
 * const { packed, scales } = matMulNBitsWeights(encoding, 32, 'w1');
 * ```
 */
export function matMulNBitsWeights(encoding: AffineEncoding, blockSize: number, name = 'weight'): MatMulNBitsWeights {
  const field = `params.${name}`;
  const fail = (message: string): never => {
    throw new WhittleError('invalid-encoding', message, { field });
  };
  if (encoding.shape.length !== 2) fail(`MatMulNBits needs a 2-D weight, got rank ${encoding.shape.length}`);
  if (encoding.bits !== MATMUL_NBITS_BITS) fail(`MatMulNBits here takes 4-bit codes, got ${encoding.bits} bits`);
  const { granularity } = encoding;
  if (granularity.kind !== 'group' || granularity.axis !== 0 || granularity.size !== blockSize) {
    fail(`MatMulNBits needs scales per block of ${blockSize} rows of K (a group granularity on axis 0)`);
  }
  if (encoding.offsets !== undefined) fail('MatMulNBits has no real offsets; quantize with zero points instead');
  const [k, n] = encoding.shape as [number, number];
  const blocks = Math.ceil(k / blockSize);
  const codes = unpackBits(encoding.codes, k * n, MATMUL_NBITS_BITS, encoding.signed);
  const scales = toFloat32({ dtype: encoding.scales.dtype, shape: encoding.scales.shape, data: encoding.scales.data } as never).data;
  const zeroPointsIn = encoding.zeroPoints?.data;
  // Signed codes shift by 8 into MatMulNBits' unsigned range, their zero points with them.
  const shift = encoding.signed ? 8 : 0;
  const symmetric = zeroPointsIn === undefined && encoding.signed;
  const packed = new Uint8Array(n * blocks * (blockSize / 2));
  const scalesOut = new Float32Array(n * blocks);
  const zeroPointBytes = Math.ceil(blocks / 2);
  const zeroPoints = symmetric ? undefined : new Uint8Array(n * zeroPointBytes);
  for (let column = 0; column < n; column++) {
    for (let block = 0; block < blocks; block++) {
      const slot = block * n + column;
      scalesOut[column * blocks + block] = scales[slot]!;
      const zeroPoint = Number(zeroPointsIn?.[slot] ?? 0) + shift;
      if (!(zeroPoint >= 0 && zeroPoint <= 15)) fail(`zero point ${zeroPoint} does not fit 4 bits`);
      if (zeroPoints !== undefined) zeroPoints[column * zeroPointBytes + (block >> 1)]! |= zeroPoint << ((block & 1) * 4);
      const base = (column * blocks + block) * (blockSize / 2);
      for (let offset = 0; offset < blockSize; offset++) {
        const row = block * blockSize + offset;
        const code = row < k ? codes[row * n + column]! + shift : zeroPoint;
        if (!(code >= 0 && code <= 15)) fail(`code ${code} at [${row}, ${column}] does not fit 4 bits`);
        packed[base + (offset >> 1)]! |= code << ((offset & 1) * 4);
      }
    }
  }
  return { k, n, blockSize, blocks, packed, scales: scalesOut, ...(zeroPoints === undefined ? {} : { zeroPoints }) };
}
