/**
 * One instance of the decode SIMD module (decode-simd.wat) and the layout of its memory: the
 * unpack tables at a fixed place, then regions a decoder lays out per call. The module is tiny
 * and compiled synchronously from bytes, so it loads the same way in Node, Deno, Bun and browsers.
 */
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
  lookup16(codes: number, values: number, count: number, planes: number): void;
  lookupBytes(codes: number, values: number, count: number, table: number): void;
  lookup(codes: number, values: number, count: number, table: number): void;
  halfToFloat(source: number, target: number, count: number): void;
  bfloatToFloat(source: number, target: number, count: number): void;
}

/** One instance of the module, with the chunk size its decoders work in. */
export interface DecodeSimdKernel {
  readonly exports: DecodeSimdExports;
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
/** Where per-call regions start. */
const REGIONS_START = TABLE_START + 7 * TABLE_BYTES;
/** Every region is followed by this much padding: the kernels run up to 15 elements (of up to 8 bytes) past a count. */
const REGION_PADDING = 128;
/** 16 Ki elements: 64 KiB of floats and at most 64 KiB of codes, both in L2 while they are used. */
const DEFAULT_CHUNK_ELEMENTS = 16384;
/** Below this, the JS loops are faster than copying into the module and back. */
const DEFAULT_MINIMUM_ELEMENTS = 256;

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
  return { exports, chunkElements, minimumElements: options.minimumElements ?? DEFAULT_MINIMUM_ELEMENTS };
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
 * Lays out regions of the given byte sizes one after another (64-byte aligned, each padded),
 * growing the module's memory when needed, and returns their addresses; undefined when they
 * would not fit in the 4 GiB a module addresses (the caller then decodes in JS). Views of the
 * memory made before this call may be stale afterwards: make them after.
 *
 * @example
 * ```ts
 * const [codes, values] = layOutRegions(kernel, [chunkBytes, chunkElements * 4])!;
 * ```
 */
export function layOutRegions(kernel: DecodeSimdKernel, sizes: readonly number[]): number[] | undefined {
  const addresses: number[] = [];
  let end = REGIONS_START;
  for (const size of sizes) {
    end = Math.ceil(end / 64) * 64;
    addresses.push(end);
    end += size + REGION_PADDING;
  }
  // Stay well inside 2^31 so every address the kernels compute fits a signed 32-bit integer too.
  if (end > 2 ** 30) return undefined;
  const memory = kernel.exports.memory;
  const missing = Math.ceil((end - memory.buffer.byteLength) / PAGE_BYTES);
  if (missing > 0) {
    try {
      memory.grow(missing);
    } catch {
      return undefined;
    }
  }
  return addresses;
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
