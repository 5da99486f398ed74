/**
 * One instance of the decode SIMD module (decode-simd.wat) and the layout of its memory: the
 * unpack tables at a fixed place, then regions a decoder lays out per call. The module is tiny
 * and compiled synchronously from bytes, so it loads the same way in Node, Deno, Bun and browsers.
 */
import { WhittleError } from '../../errors.ts';
import { describeValue } from '../../tensor/shape.ts';
import { HOST_IS_LITTLE_ENDIAN } from '../byte-order.ts';
import { DECODE_SIMD_BASE64 } from './decode-simd-module.ts';
import { instantiateSimdModule, processWideKernel } from './simd-instance.ts';
import { webAssemblySimdSupported } from './simd-support.ts';

/** The module's exports (addresses and counts are byte addresses and element counts). */
export interface DecodeSimdExports {
  readonly memory: WebAssembly.Memory;
  unpack16(source: number, target: number, count: number, signed: number): void;
  unpackBits(table: number, source: number, target: number, count: number, bits: number, signed: number): void;
  unpack4(source: number, target: number, count: number, signed: number): void;
  scaleRuns(
    codes: number,
    values: number,
    count: number,
    column: number,
    rowLength: number,
    runLength: number,
    scaleIndex: number,
    wrap: number,
    wide: number,
    scales: number,
    offsets: number,
    zeroPoints: number,
    bytes: number,
    flip: number,
  ): void;
  scaleRows(
    codes: number,
    values: number,
    count: number,
    column: number,
    rowLength: number,
    position: number,
    rowsPerOuter: number,
    groupRows: number,
    block: number,
    wrap: number,
    wide: number,
    scales: number,
    offsets: number,
    zeroPoints: number,
    bytes: number,
    flip: number,
    nibbles: number,
    noZeroPoints: number,
  ): void;
  scaleEqualRuns(
    codes: number,
    values: number,
    count: number,
    runLength: number,
    scales: number,
    zeroPoints: number,
    flip: number,
    nibbles: number,
  ): void;
  scaleSplitBytes(codes: number, values: number, count: number, high: number, low: number, zeroPoint: number, flip: number): void;
  lookup16(codes: number, values: number, count: number, planes: number): void;
  lookupBytes(codes: number, values: number, count: number, table: number): void;
  lookup(codes: number, values: number, count: number, table: number): void;
  halfToFloat(source: number, target: number, count: number): void;
  bfloatToFloat(source: number, target: number, count: number): void;
}

/** One instance of the module, with the chunk size its decoders work in. */
export interface DecodeSimdKernel {
  readonly exports: DecodeSimdExports;
  /**
   * Bytes reserved after the tables for output the decoders write in place (see
   * {@link kernelOutput}), and how many decodes into it are under way (memory never grows then).
   */
  readonly output: { bytes: number; held: number };
  /** Elements decoded per step: a multiple of 16, small enough that a chunk stays in cache. */
  readonly chunkElements: number;
  /** Tensors with fewer elements decode in JS, where a call into the module costs more than it saves. */
  readonly minimumElements: number;
}

const PAGE_BYTES = 65536;
/** Where the unpack tables start: address 0 is left unused, so a stray 0 pointer reads nothing we wrote. */
const TABLE_START = 128;
/** 64 bytes per packed width 1–7: two swizzles and two multipliers. */
const TABLE_BYTES = 64;
/** Where the output region starts (after the tables); per-call regions follow it. */
const OUTPUT_START = 1024;
/** Every region is followed by this much padding: the kernels run up to 15 elements (of up to 8 bytes) past a count. */
const REGION_PADDING = 128;
/** 16 Ki elements: 64 KiB of floats and at most 64 KiB of codes, both in L2 while they are used. */
const DEFAULT_CHUNK_ELEMENTS = 16384;
/** Below this, the JS loops are faster than copying into the module and back. */
const DEFAULT_MINIMUM_ELEMENTS = 256;
/**
 * Every address the kernels compute stays below this, so it fits a signed 32-bit integer too
 * (and wasm32 memory stops at 4 GiB, engines often at 2).
 */
const MOST_LAYOUT_BYTES = 2 ** 30;
/**
 * Scratch kept free after an output region: 8 MiB, or a quarter of the region if more (a byte
 * per output float: the scales and zero points of groups of 32 take a quarter of that).
 */
const SCRATCH_RESERVE = 8 * 1024 * 1024;
/** The largest output region, 768 MiB: with its quarter of scratch the layout stays below 2^30. */
const MOST_OUTPUT_BYTES = 2 ** 29 + 2 ** 28;

/**
 * Instantiates the SIMD decode kernels, or returns undefined where WebAssembly SIMD is missing or
 * the host is big-endian (then the JS decoders run). `detect`, the chunk size and the smallest
 * tensor worth the module are injectable so tests can take either path on small tensors.
 *
 * @example
 * ```ts
 * const kernel = createDecodeSimd(); // undefined without WebAssembly SIMD
 * ```
 */
export function createDecodeSimd(
  options: {
    readonly detect?: () => boolean;
    readonly chunkElements?: number;
    readonly minimumElements?: number;
  } = {},
): DecodeSimdKernel | undefined {
  const detect = options.detect ?? webAssemblySimdSupported;
  // The module's memory is little-endian; typed-array views of it read host order.
  if (!HOST_IS_LITTLE_ENDIAN || !detect()) return undefined;
  const chunkElements = Math.max(16, Math.ceil((options.chunkElements ?? DEFAULT_CHUNK_ELEMENTS) / 16) * 16);
  const exports = instantiateSimdModule<DecodeSimdExports>(DECODE_SIMD_BASE64);
  writeUnpackTables(new Uint8Array(exports.memory.buffer, TABLE_START, 7 * TABLE_BYTES));
  return { exports, output: { bytes: 0, held: 0 }, chunkElements, minimumElements: options.minimumElements ?? DEFAULT_MINIMUM_ELEMENTS };
}

/**
 * The process-wide kernel, created on first use (null where SIMD is missing).
 *
 * @example
 * ```ts
 * const kernel = defaultDecodeSimd();
 * ```
 */
export const defaultDecodeSimd: () => DecodeSimdKernel | null = processWideKernel(() => createDecodeSimd());

/** The address of the unpack table of a 1–7-bit width. */
export function unpackTable(bits: number): number {
  return TABLE_START + (bits - 1) * TABLE_BYTES;
}

/**
 * Lays out regions of the given byte sizes one after another (64-byte aligned, each padded) after
 * the output region, growing the module's memory when needed, and returns their addresses;
 * undefined when they would not fit (the caller then decodes in JS), or when growing would detach
 * one of `keep` (arrays of the caller's that live in the module's memory: the destination being
 * written in place). Views of the memory made before this call may be stale afterwards: make
 * them after.
 *
 * @example
 * ```ts
 * const [codes, values] = layOutRegions(kernel, [chunkBytes, chunkElements * 4])!;
 * ```
 */
export function layOutRegions(kernel: DecodeSimdKernel, sizes: readonly number[], keep: readonly ArrayBufferView[] = []): number[] | undefined {
  const addresses: number[] = [];
  let end = OUTPUT_START + kernel.output.bytes + REGION_PADDING;
  for (const size of sizes) {
    end = Math.ceil(end / 64) * 64;
    addresses.push(end);
    end += size + REGION_PADDING;
  }
  if (end > MOST_LAYOUT_BYTES) return undefined;
  const memory = kernel.exports.memory;
  const missing = Math.ceil((end - memory.buffer.byteLength) / PAGE_BYTES);
  if (missing > 0) {
    if (kernel.output.held > 0 || keep.some((view) => view.buffer === memory.buffer)) return undefined;
    try {
      memory.grow(missing);
    } catch {
      return undefined;
    }
  }
  return addresses;
}

/**
 * A Float32Array of `count` floats inside the decode kernels' memory, or undefined where
 * WebAssembly SIMD is missing or the engine refuses the memory. Decode into it (or into a
 * subarray of it) and the kernels write each chunk where it belongs instead of into their scratch
 * and then out to the caller's array: one pass over the output instead of two. Memory grows in
 * power-of-two size classes of the largest count asked for, with scratch after the region, so a
 * loop over tensors of similar sizes grows it a few times, not per call. The view stays valid
 * until memory grows (a later call with a larger count, or a decode elsewhere that needs more
 * scratch than is free): ask for it again before each decode (cheap: same place, same bytes). A
 * decode into it that would need memory to grow runs in JS instead, into the same view.
 *
 * @example
 * ```ts
 * const values = kernelOutput(1024, defaultDecodeSimd()) ?? new Float32Array(1024);
 * ```
 */
export function kernelOutput(count: number, kernel: DecodeSimdKernel | null): Float32Array | undefined {
  if (!Number.isSafeInteger(count) || count < 0 || count * 4 > MOST_OUTPUT_BYTES) {
    throw new WhittleError('invalid-argument', `output count must be an integer from 0 to ${Math.floor(MOST_OUTPUT_BYTES / 4)}, got ${describeValue(count)}`, {
      field: 'count',
    });
  }
  if (kernel === null) return undefined;
  const bytes = Math.max(kernel.output.bytes, Math.min(2 ** Math.ceil(Math.log2(Math.max(count * 4, PAGE_BYTES))), MOST_OUTPUT_BYTES));
  const memory = kernel.exports.memory;
  const missing = Math.ceil((OUTPUT_START + bytes + Math.max(SCRATCH_RESERVE, bytes / 4) - memory.buffer.byteLength) / PAGE_BYTES);
  if (missing > 0) {
    try {
      memory.grow(missing);
    } catch {
      // The engine refused the memory: no region, the caller's own array instead.
      return undefined;
    }
  }
  kernel.output.bytes = bytes;
  return new Float32Array(memory.buffer, OUTPUT_START, count);
}

/**
 * Runs `decodeInto` with memory held at its size when `destination` lives in the kernel's
 * memory: a decode into it (nested decodes of factors and parts included) must not grow memory,
 * which would detach it. Every layout that would grow returns undefined meanwhile, so those
 * decode in JS.
 *
 * @example
 * ```ts
 * whileOutputHeld(defaultDecodeSimd(), values, () => builtInEncodings.decode(encoding, values));
 * ```
 */
export function whileOutputHeld<Result>(kernel: DecodeSimdKernel | null, destination: Float32Array, decodeInto: () => Result): Result {
  // (Anything not a Float32Array is the decoder's to reject.)
  if (kernel === null || !(destination instanceof Float32Array) || destination.buffer !== kernel.exports.memory.buffer) return decodeInto();
  kernel.output.held++;
  try {
    return decodeInto();
  } finally {
    kernel.output.held--;
  }
}

/**
 * The byte address of `destination[0]` where the whole array lies in the kernel's output region
 * (the decoders then write into it in place); -1 where it lies outside the module's memory (they
 * copy each chunk out to it); undefined where it shares the module's memory outside that region
 * (the decoders' scratch could overlap it: they decline, and the JS decoder writes it).
 *
 * @example
 * ```ts
 * const address = residentOutput(kernel, values);
 * ```
 */
export function residentOutput(kernel: DecodeSimdKernel, destination: Float32Array): number | undefined {
  if (destination.buffer !== kernel.exports.memory.buffer) return -1;
  const start = destination.byteOffset;
  return start >= OUTPUT_START && start + destination.byteLength <= OUTPUT_START + kernel.output.bytes ? start : undefined;
}

/**
 * Where a decoder's kernel writes the chunk of `count` values starting at element `start` of a
 * `size`-element destination: in place (its byte address) when the destination lives in the
 * output region (`resident`, from {@link residentOutput}) and at least 16 of its elements
 * follow the chunk, since a kernel may write up to 15 elements past its count and only the next
 * chunk rewrites them; otherwise `valuesAddress`, the scratch the caller then copies out.
 *
 * @example
 * ```ts
 * const target = chunkTarget(resident, start, count, size, valuesAddress);
 * if (target === valuesAddress) destination.set(valuesView.subarray(0, count), start);
 * ```
 */
export function chunkTarget(resident: number, start: number, count: number, size: number, valuesAddress: number): number {
  return resident >= 0 && start + count + 16 <= size ? resident + start * 4 : valuesAddress;
}

/**
 * The swizzle and multiplier of each lane for codes `bits` wide: lane c (of 8) gathers bytes
 * floor(c·bits / 8) and the next into its low 16 bits, and the multiplier 2^(32 − shift − bits)
 * puts the code's top bit at bit 31, so one right shift by 32 − bits finishes the unpacking.
 */
function writeUnpackTables(bytes: Uint8Array): void {
  const words = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let bits = 1; bits <= 7; bits++) {
    const table = (bits - 1) * TABLE_BYTES;
    for (let code = 0; code < 8; code++) {
      const bit = code * bits;
      const byte = Math.floor(bit / 8);
      const swizzle = table + (code < 4 ? 0 : 16) + (code % 4) * 4;
      bytes[swizzle] = byte;
      bytes[swizzle + 1] = byte + 1;
      // Lanes past 15 read as zero.
      bytes[swizzle + 2] = 0xff;
      bytes[swizzle + 3] = 0xff;
      words.setUint32(table + 32 + code * 4, 2 ** (32 - (bit % 8) - bits), true);
    }
  }
}
