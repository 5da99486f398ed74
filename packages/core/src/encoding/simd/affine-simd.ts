/**
 * Affine decoding through the SIMD kernels: codes are copied into the module a cache-sized chunk
 * at a time, widened to int32, scaled by the layout's scales and copied out into the caller's
 * array. Gives bit for bit what the JS decoder (../affine-decode.ts) gives; see the exactness
 * notes in decode-simd.wat for why each path is exact.
 */
import type { HostTensor } from '../../tensor/host-tensor.ts';
import type { AffineEncoding } from '../types.ts';
import { float16ArrayToFloat32 } from '../../tensor/half.ts';
import { chunkTarget, layOutRegions, residentOutput, unpackTable, type DecodeSimdKernel } from './decode-kernel.ts';

/** Zero points up to this magnitude (less the 128 unsigned bytes lower them by) keep code − zeroPoint exact in float32 lanes. */
const LARGEST_ZERO_POINT = 2 ** 23 - 128;
/** Layout sizes past this would overflow the kernels' 32-bit counters: those decode in JS. */
const LARGEST_EXTENT = 2 ** 30;

/** How element indices map to scale indices, as the two walkers of the module take it. */
type Walk =
  | { readonly kind: 'runs'; readonly rowLength: number; readonly runLength: number; readonly wrap: number }
  | { readonly kind: 'rows'; readonly rowLength: number; readonly rowsPerOuter: number; readonly groupRows: number; readonly wrap: number };

/**
 * Decodes `encoding` into `destination` (its element count long) with the SIMD kernels, in place
 * where `destination` lives in the kernel's output region (see `kernelOutput`). Returns false,
 * having written nothing, where they do not apply (then the JS decoder runs): a zero point beyond
 * ±(2^23 − 128), a layout too large for 32-bit counters, a tensor below the kernel's minimum, a
 * destination in the module's memory outside the output region, or one in it when memory would
 * have to grow.
 *
 * @example
 * ```ts
 * if (!decodeAffineSimd(kernel, encoding, values)) decodeAffineJs(encoding, values);
 * ```
 */
export function decodeAffineSimd(kernel: DecodeSimdKernel, encoding: AffineEncoding, destination: Float32Array): boolean {
  const size = destination.length;
  if (size < kernel.minimumElements || size === 0) return false;
  const resident = residentOutput(kernel, destination);
  if (resident === undefined) return false;
  const walk = walkOf(encoding.shape, encoding.granularity, size);
  if (walk === undefined) return false;
  const zeroPoints = encoding.zeroPoints?.data;
  if (zeroPoints !== undefined) {
    for (let index = 0; index < zeroPoints.length; index++) {
      if (Math.abs(zeroPoints[index]!) > LARGEST_ZERO_POINT) return false;
    }
  }
  const scaleCount = encoding.scales.data.length;
  // Float64 lanes for float64 scales and for the offset form: the spec computes both in float64.
  const wide = encoding.scales.dtype === 'float64' || encoding.offsets !== undefined;
  // float16 scales on the float32 path are widened inside the module (no fresh JS array, whose
  // first write costs page faults); other 16-bit components are widened in JS, before any region
  // is laid out, as widening in JS uses the module's memory too.
  const halfScales = !wide && encoding.scales.dtype === 'float16';
  const scaleValues = halfScales ? undefined : realValues(encoding.scales);
  const offsetValues = encoding.offsets === undefined ? undefined : realValues(encoding.offsets);
  const { bits, signed } = encoding;
  const chunk = kernel.chunkElements;
  const codeBytes = Math.ceil((chunk * bits) / 8);
  // Codes of up to 8 bits are scaled from one byte each; 16-bit codes from int32.
  const unpackedBytes = bits === 8 ? 0 : bits === 16 ? chunk * 4 : chunk;
  const regions = layOutRegions(kernel, [
    halfScales ? scaleCount * 2 : 0,
    scaleCount * (wide ? 8 : 4),
    wide ? scaleCount * 8 : 0,
    scaleCount * 4,
    codeBytes,
    unpackedBytes,
    chunk * 4,
  ], inputsAndOutput(encoding, destination));
  if (regions === undefined) return false;
  const [halfAddress, scalesAddress, offsetsAddress, zeroPointsAddress, codesAddress, unpackedAddress, valuesAddress] =
    regions as [number, number, number, number, number, number, number];
  const { exports } = kernel;
  const buffer = exports.memory.buffer;
  if (wide) {
    new Float64Array(buffer, scalesAddress, scaleCount).set(scaleValues!);
    const offsets = new Float64Array(buffer, offsetsAddress, scaleCount);
    // (code − zeroPoint) · scale + (−0) is (code − zeroPoint) · scale, −0 included.
    if (offsetValues === undefined) offsets.fill(-0);
    else offsets.set(offsetValues);
  } else if (halfScales) {
    new Uint16Array(buffer, halfAddress, scaleCount).set(encoding.scales.data as Uint16Array);
    exports.halfToFloat(halfAddress, scalesAddress, scaleCount);
  } else {
    new Float32Array(buffer, scalesAddress, scaleCount).set(scaleValues!);
  }
  // Unsigned bytes are read as int8 after an xor with 0x80 (code − 128): lowering the zero
  // point by 128 keeps code − zeroPoint exact and unchanged.
  const flip = bits === 8 && !signed ? 0x80 : 0;
  const zeroPointView = new Int32Array(buffer, zeroPointsAddress, scaleCount);
  if (zeroPoints === undefined) zeroPointView.fill(-flip);
  else {
    zeroPointView.set(zeroPoints);
    if (flip !== 0) for (let index = 0; index < scaleCount; index++) zeroPointView[index] = zeroPointView[index]! - flip;
  }
  // Symmetric codes (every zero point 0 once lowered) are scaled without loading zero points.
  // Without zero points that is known from the flip alone: a group layout has a scale per group
  // and column (half a million at 4096x4096 in groups of 32), too many to scan on every call.
  const noZeroPoints = zeroPoints === undefined ? flip === 0 : allZero(zeroPointView);
  // One float64 scale and offset over byte codes (stock uint8, per tensor): float32 lanes where
  // a check of every code shows they give the float64 definition's bits. (The check of 256 codes
  // costs about what decoding a few thousand does, so small tensors skip it.)
  const split =
    bits === 8 && encoding.granularity.kind === 'tensor' && offsetValues !== undefined && size >= kernel.minimumElements * 16
      ? splitScale(scaleValues![0]!, offsetValues[0]!, signed)
      : undefined;
  const codesView = new Uint8Array(buffer, codesAddress, codeBytes);
  const valuesView = new Float32Array(buffer, valuesAddress, chunk);
  const codes = encoding.codes;
  const signedFlag = signed ? 1 : 0;
  const wideFlag = wide ? 1 : 0;
  const bytesFlag = bits === 16 ? 0 : 1;
  const scaledAddress = bits === 8 ? codesAddress : unpackedAddress;
  const equalRuns =
    walk.kind === 'runs' && !wide && bits !== 16 && walk.runLength % 16 === 0 &&
    walk.rowLength % walk.runLength === 0 && chunk % walk.runLength === 0;
  // Whole runs of 4-bit codes never wrap within a chunk when there is one scale per run and no
  // outer repetition; then the kernel splits the nibbles itself and the unpacking pass is skipped.
  const nibblesInKernel = equalRuns && bits === 4 && (walk as { wrap: number }).wrap * (walk as { runLength: number }).runLength >= size;
  // Rows of an even number of 4-bit codes each start on a byte: the row walk splits the nibbles itself.
  const nibblesInRows = walk.kind === 'rows' && !wide && bits === 4 && walk.rowLength % 2 === 0;
  for (let start = 0; start < size; start += chunk) {
    const count = Math.min(chunk, size - start);
    const target = chunkTarget(resident, start, count, size, valuesAddress);
    // Chunks start on a multiple of 16 elements, so on a byte for every width.
    const firstByte = (start * bits) / 8;
    codesView.set(codes.subarray(firstByte, Math.ceil(((start + count) * bits) / 8)));
    if (bits === 16) exports.unpack16(codesAddress, unpackedAddress, count, signedFlag);
    else if (bits === 4) {
      if (!nibblesInKernel && !nibblesInRows) exports.unpack4(codesAddress, unpackedAddress, count, signedFlag);
    } else if (bits !== 8) exports.unpackBits(unpackTable(bits), codesAddress, unpackedAddress, count, bits, signedFlag);
    if (split !== undefined) {
      exports.scaleSplitBytes(codesAddress, target, count, split.high, split.low, split.zeroPoint - flip, flip);
    } else if (walk.kind === 'runs') {
      const { rowLength, runLength, wrap } = walk;
      const row = Math.floor(start / rowLength);
      const column = start - row * rowLength;
      const runsPerRow = Math.ceil(rowLength / runLength);
      const scaleIndex = (row * runsPerRow + Math.floor(column / runLength)) % wrap;
      // Whole runs of a multiple of 16 codes, with no wrap in this chunk: the one-loop kernel.
      if (equalRuns && scaleIndex + count / runLength <= wrap) {
        const scaleOffset = scaleIndex * 4;
        exports.scaleEqualRuns(
          nibblesInKernel ? codesAddress : scaledAddress, target, count, runLength,
          scalesAddress + scaleOffset, zeroPointsAddress + scaleOffset, flip, nibblesInKernel ? 2 - signedFlag : 0,
        );
      } else {
        exports.scaleRuns(
          scaledAddress, target, count, column, rowLength, runLength, scaleIndex, wrap,
          wideFlag, scalesAddress, offsetsAddress, zeroPointsAddress, bytesFlag, flip,
        );
      }
    } else {
      const { rowLength, rowsPerOuter, groupRows, wrap } = walk;
      const row = Math.floor(start / rowLength);
      const column = start - row * rowLength;
      const outer = Math.floor(row / rowsPerOuter);
      const position = row - outer * rowsPerOuter;
      const block = (outer * Math.ceil(rowsPerOuter / groupRows) + Math.floor(position / groupRows)) % wrap;
      exports.scaleRows(
        nibblesInRows ? codesAddress : scaledAddress, target, count, column, rowLength, position, rowsPerOuter, groupRows, block, wrap,
        wideFlag, scalesAddress, offsetsAddress, zeroPointsAddress, bytesFlag, flip, nibblesInRows ? 2 - signedFlag : 0, noZeroPoints ? 1 : 0,
      );
    }
    if (target === valuesAddress) destination.set(count === chunk ? valuesView : valuesView.subarray(0, count), start);
  }
  return true;
}

/** A float64 scale as a float32 pair (see {@link splitScale}), and the zero point it is applied from. */
interface SplitScale {
  readonly high: number;
  readonly low: number;
  readonly zeroPoint: number;
}

/**
 * Float32 parameters that decode every byte code to the float64 definition's bits, or undefined.
 * With z the integer nearest −offset / scale and d = code − z, `high` is the scale rounded to
 * so few bits that d · high is exact in float32 and `low` = float32(scale − high); the kernel
 * computes float32(float32(d · high) + float32(d · low)). That is d · scale (= code · scale +
 * offset when the offset is −z · scale, as a range nudged to put zero on a code has it) to
 * about 2^−38 before its one rounding: the same float32 for all but about 3 in 10,000 nudged
 * ranges. Which is the case is not left to chance: all 256 codes are computed both ways, as the
 * decoders compute them, and any difference (−0 against +0 included) declines the path.
 */
export function splitScale(scale: number, offset: number, signed: boolean): SplitScale | undefined {
  if (!Number.isFinite(scale) || !Number.isFinite(offset) || scale === 0) return undefined;
  const zeroPoint = Math.round(-offset / scale);
  const first = signed ? -128 : 0;
  const widest = Math.max(Math.abs(first - zeroPoint), Math.abs(first + 255 - zeroPoint));
  if (!(widest < 2 ** 16)) return undefined;
  // d · high is exact when their significant bits add up to at most 24.
  const highBits = 24 - Math.ceil(Math.log2(widest + 1));
  const exponent = Math.floor(Math.log2(Math.abs(scale)));
  const step = 2 ** (exponent - highBits + 1);
  const high = Math.fround(Math.round(scale / step) * step);
  const low = Math.fround(scale - high);
  if (!Number.isFinite(high) || high === 0 || Math.fround(scale) === 0) return undefined;
  for (let code = first; code < first + 256; code++) {
    const steps = code - zeroPoint;
    const kernel = Math.fround(Math.fround(steps * high) + Math.fround(steps * low));
    if (!Object.is(kernel, Math.fround(code * scale + offset))) return undefined;
  }
  return { high, low, zeroPoint };
}

/** The arrays a decode reads and writes, which growing the module's memory must not detach. */
function inputsAndOutput(encoding: AffineEncoding, destination: Float32Array): ArrayBufferView[] {
  const arrays: ArrayBufferView[] = [destination, encoding.codes, encoding.scales.data];
  if (encoding.zeroPoints !== undefined) arrays.push(encoding.zeroPoints.data);
  if (encoding.offsets !== undefined) arrays.push(encoding.offsets.data);
  return arrays;
}

/** Whether every value is 0: a plain loop, no callback per element. */
function allZero(values: Int32Array): boolean {
  for (let index = 0; index < values.length; index++) if (values[index] !== 0) return false;
  return true;
}

/**
 * The walk of a granularity over a shape: per tensor, one run; per axis, a run of `inner` per
 * position (or, on the last axis, a row of scales); per group, runs of the group size along the
 * last axis (or, on another axis, a row of `inner` scales per group of positions).
 */
function walkOf(shape: readonly number[], granularity: AffineEncoding['granularity'], size: number): Walk | undefined {
  if (granularity.kind === 'tensor') return { kind: 'runs', rowLength: LARGEST_EXTENT, runLength: LARGEST_EXTENT, wrap: 1 };
  const axis = granularity.axis;
  const length = shape[axis]!;
  const inner = shape.slice(axis + 1).reduce((product, dimension) => product * dimension, 1);
  if (length > LARGEST_EXTENT || inner > LARGEST_EXTENT) return undefined;
  if (granularity.kind === 'axis') {
    return inner === 1
      ? { kind: 'rows', rowLength: length, rowsPerOuter: 1, groupRows: 1, wrap: 1 }
      : { kind: 'runs', rowLength: inner, runLength: inner, wrap: length };
  }
  const groupSize = Math.min(granularity.size, length);
  const groupCount = Math.ceil(length / groupSize);
  const outer = size / (length * inner);
  if (outer * groupCount > LARGEST_EXTENT) return undefined;
  return inner === 1
    ? { kind: 'runs', rowLength: length, runLength: groupSize, wrap: outer * groupCount }
    : { kind: 'rows', rowLength: inner, rowsPerOuter: length, groupRows: groupSize, wrap: outer * groupCount };
}

/** Scales and offsets as numbers: float64 and float32 as they are, float16 widened exactly. */
function realValues(tensor: HostTensor<'float64' | 'float32' | 'float16'>): Float64Array | Float32Array {
  return tensor.dtype === 'float16' ? float16ArrayToFloat32(tensor.data as Uint16Array) : (tensor.data as Float64Array | Float32Array);
}
