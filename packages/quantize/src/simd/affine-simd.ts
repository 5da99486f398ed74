/**
 * A WebAssembly SIMD version of the hottest affine path: symmetric, int2–8, per-axis (one scale
 * per position along the axis). The JS kernels in ../primitives/affine-kernels.ts are the spec:
 * scales are still chosen in JS (float64, `affineScale`), and codes are bit-identical (see the
 * exactness notes in affine-simd.wat). The module is tiny and compiled synchronously from bytes,
 * so it loads the same way in Node, Deno, Bun and browsers.
 */
import { affineScale } from '../primitives/choose-qparams.ts';
import type { CodeSpec, MaskedCodes, SlotParams } from '../primitives/affine-kernels.ts';
import type { AffineLayout } from '../primitives/affine-layout.ts';
import { AFFINE_SIMD_BASE64 } from './affine-simd-module.ts';
import { webAssemblySimdSupported } from './simd-support.ts';

/** The module's exports. */
interface AffineSimdExports {
  readonly memory: WebAssembly.Memory;
  magnitudes(values: number, rows: number, columns: number, maxima: number): void;
  runMagnitude(values: number, count: number): number;
  codesAcrossRows(
    values: number,
    rows: number,
    columns: number,
    inverse: number,
    codes: number,
    qmin: number,
    qmax: number,
    mask: number,
  ): void;
  codeRun(values: number, count: number, inverse: number, codes: number, qmin: number, qmax: number, mask: number): void;
}

/** One instance of the SIMD module, with the chunk size its copies use. */
export interface AffineSimdKernel {
  readonly exports: AffineSimdExports;
  /** Floats copied into the module's memory per call: small enough to stay in cache. */
  readonly chunkElements: number;
}

const PAGE_BYTES = 65536;
/** 64 Ki floats (256 KiB in, 64 KiB of codes out): copies and both passes stay in L2. */
const DEFAULT_CHUNK_ELEMENTS = 65536;
/** Where the module's data starts: address 0 is left unused, so a stray 0 pointer writes nothing we read. */
const DATA_START = 128;
/** Float32 bits from here up are an infinity or a NaN (the sign bit is cleared). */
const NON_FINITE_BITS = 0x7f800000;
/** Fewer columns than one 16-wide block, or runs this short, are faster in the JS loops. */
const MINIMUM_COLUMNS = 16;
const MINIMUM_RUN = 64;

/**
 * Instantiates the SIMD kernel, or returns undefined where WebAssembly SIMD is missing (then the
 * JS kernels run). `detect` is injectable so tests can take the fallback.
 *
 * @example
 * ```ts
 * const kernel = createAffineSimd(); // undefined without WebAssembly SIMD
 * ```
 */
export function createAffineSimd(
  detect: () => boolean = webAssemblySimdSupported,
  chunkElements: number = DEFAULT_CHUNK_ELEMENTS,
): AffineSimdKernel | undefined {
  if (!detect()) return undefined;
  const module = new WebAssembly.Module(decodeBase64(AFFINE_SIMD_BASE64));
  const instance = new WebAssembly.Instance(module, {});
  return { exports: instance.exports as unknown as AffineSimdExports, chunkElements };
}

let sharedKernel: AffineSimdKernel | null | undefined;

/**
 * The process-wide kernel, created on first use (null where SIMD is missing).
 *
 * @example
 * ```ts
 * const kernel = defaultAffineSimd();
 * ```
 */
export function defaultAffineSimd(): AffineSimdKernel | null {
  if (sharedKernel === undefined) {
    try {
      sharedKernel = createAffineSimd() ?? null;
    } catch {
      // A host that validates SIMD but refuses to compile (memory limits, policy): JS still works.
      sharedKernel = null;
    }
  }
  return sharedKernel;
}

/**
 * The SIMD counterpart of `quantizeByPosition`: same arguments, same results. Returns undefined
 * when it does not handle the case (no kernel, asymmetric, 16-bit codes, too few columns or too
 * short runs), so the caller runs the JS loops; otherwise whether every value was finite.
 *
 * @example
 * ```ts
 * const finite = quantizeByPositionSimd(values, layout, spec, params, codes) ?? quantizeByPositionJs(values, layout, spec, params, codes);
 * ```
 */
export function quantizeByPositionSimd(
  values: Float32Array,
  layout: AffineLayout,
  spec: CodeSpec,
  params: SlotParams,
  codes: MaskedCodes,
  kernel: AffineSimdKernel | null = defaultAffineSimd(),
): boolean | undefined {
  if (kernel === null || !spec.symmetric || !(codes instanceof Uint8Array) || spec.qmin < -128 || spec.qmax > 127) return undefined;
  const { outer, length, inner } = layout;
  if (inner === 1 ? length < MINIMUM_COLUMNS : inner < MINIMUM_RUN) return undefined;
  return inner === 1
    ? quantizeAcrossRowsSimd(kernel, values, outer, length, spec, params, codes)
    : quantizeAlongRunsSimd(kernel, values, outer, length, inner, spec, params, codes);
}

/**
 * Symmetric per-column quantization of a row-major [rows, columns] float32 tensor (a Dense kernel
 * [in, out] per output channel): fills `params` and `codes` exactly as the JS kernels do.
 * Returns false when a value is not finite.
 *
 * @example
 * ```ts
 * const finite = quantizeAcrossRowsSimd(kernel, values, rows, columns, spec, params, codes);
 * ```
 */
export function quantizeAcrossRowsSimd(
  kernel: AffineSimdKernel,
  values: Float32Array,
  rows: number,
  columns: number,
  spec: CodeSpec,
  params: SlotParams,
  codes: Uint8Array,
): boolean {
  const { exports } = kernel;
  const chunkRows = Math.max(1, Math.floor(kernel.chunkElements / columns));
  const maximaAddress = DATA_START;
  const inverseAddress = align(maximaAddress + columns * 4);
  const valuesAddress = align(inverseAddress + columns * 8);
  const codesAddress = align(valuesAddress + chunkRows * columns * 4);
  ensureMemory(exports.memory, codesAddress + chunkRows * columns);
  const buffer = exports.memory.buffer;
  const maxima = new Int32Array(buffer, maximaAddress, columns);
  const chunkValues = new Float32Array(buffer, valuesAddress, chunkRows * columns);
  const chunkCodes = new Uint8Array(buffer, codesAddress, chunkRows * columns);

  maxima.fill(0);
  for (let row = 0; row < rows; row += chunkRows) {
    const count = Math.min(chunkRows, rows - row);
    chunkValues.set(values.subarray(row * columns, (row + count) * columns));
    exports.magnitudes(valuesAddress, count, columns, maximaAddress);
  }
  const magnitudes = new Float32Array(buffer, maximaAddress, columns);
  const inverse = new Float64Array(buffer, inverseAddress, columns);
  // All checked before any scale is chosen, as the JS path does: a NaN wins over a too-wide range.
  for (let column = 0; column < columns; column++) if (maxima[column]! >= NON_FINITE_BITS) return false;
  for (let column = 0; column < columns; column++) {
    const magnitude = magnitudes[column]!;
    // Exactly setSlot's call for a symmetric range [-magnitude, magnitude].
    const scale = affineScale(-magnitude, magnitude, true, spec.qmin, spec.qmax, spec.scaleDType);
    params.scales[column] = scale;
    params.zeroPoints[column] = 0;
    inverse[column] = 1 / scale;
  }
  for (let row = 0; row < rows; row += chunkRows) {
    const count = Math.min(chunkRows, rows - row);
    const start = row * columns;
    const end = start + count * columns;
    chunkValues.set(values.subarray(start, end));
    exports.codesAcrossRows(valuesAddress, count, columns, inverseAddress, codesAddress, spec.qmin, spec.qmax, spec.mask);
    codes.set(count === chunkRows ? chunkCodes : chunkCodes.subarray(0, end - start), start);
  }
  return true;
}

/**
 * Symmetric per-position quantization of an [outer, length, inner] float32 tensor whose scales
 * run along the middle axis (channel-first, e.g. [out, in] with axis 0): one contiguous run of
 * `inner` values per scale and outer index. Returns false when a value is not finite.
 *
 * @example
 * ```ts
 * const finite = quantizeAlongRunsSimd(kernel, values, 1, out, inputs, spec, params, codes);
 * ```
 */
export function quantizeAlongRunsSimd(
  kernel: AffineSimdKernel,
  values: Float32Array,
  outer: number,
  length: number,
  inner: number,
  spec: CodeSpec,
  params: SlotParams,
  codes: Uint8Array,
): boolean {
  const { exports } = kernel;
  const chunk = Math.max(16, kernel.chunkElements);
  const valuesAddress = DATA_START;
  const codesAddress = align(valuesAddress + chunk * 4);
  ensureMemory(exports.memory, codesAddress + chunk);
  const buffer = exports.memory.buffer;
  const chunkValues = new Float32Array(buffer, valuesAddress, chunk);
  const chunkCodes = new Uint8Array(buffer, codesAddress, chunk);
  const bits = new Int32Array(1);
  const magnitude = new Float32Array(bits.buffer);

  const maxima = new Int32Array(length);
  for (let outerIndex = 0, start = 0; outerIndex < outer; outerIndex++) {
    for (let position = 0; position < length; position++) {
      for (const end = start + inner; start < end; ) {
        const count = Math.min(chunk, end - start);
        chunkValues.set(values.subarray(start, start + count));
        // Max over int32 bits is max over magnitudes (see the .wat), non-finite values included.
        maxima[position] = Math.max(maxima[position]!, exports.runMagnitude(valuesAddress, count));
        start += count;
      }
    }
  }
  const inverse = new Float64Array(length);
  for (let position = 0; position < length; position++) if (maxima[position]! >= NON_FINITE_BITS) return false;
  for (let position = 0; position < length; position++) {
    bits[0] = maxima[position]!;
    const scale = affineScale(-magnitude[0]!, magnitude[0]!, true, spec.qmin, spec.qmax, spec.scaleDType);
    params.scales[position] = scale;
    params.zeroPoints[position] = 0;
    inverse[position] = 1 / scale;
  }
  for (let outerIndex = 0, start = 0; outerIndex < outer; outerIndex++) {
    for (let position = 0; position < length; position++) {
      for (const end = start + inner; start < end; ) {
        const count = Math.min(chunk, end - start);
        chunkValues.set(values.subarray(start, start + count));
        exports.codeRun(valuesAddress, count, inverse[position]!, codesAddress, spec.qmin, spec.qmax, spec.mask);
        codes.set(count === chunk ? chunkCodes : chunkCodes.subarray(0, count), start);
        start += count;
      }
    }
  }
  return true;
}

/** Rounds an address up to 16 bytes, so vector loads never straddle more lines than needed. */
function align(address: number): number {
  return (address + 15) & ~15;
}

/** Grows the module's memory to at least `bytes` (growing detaches old views: take them after). */
function ensureMemory(memory: WebAssembly.Memory, bytes: number): void {
  const missing = bytes - memory.buffer.byteLength;
  if (missing > 0) memory.grow(Math.ceil(missing / PAGE_BYTES));
}

/** Base64 to bytes without Buffer or atob-only assumptions: works in every JS host. */
function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const lookup = new Uint8Array(128);
  for (let index = 0; index < alphabet.length; index++) lookup[alphabet.charCodeAt(index)] = index;
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const bytes = new Uint8Array((text.length / 4) * 3 - padding);
  for (let index = 0, out = 0; index < text.length; index += 4) {
    const word =
      (lookup[text.charCodeAt(index)]! << 18) |
      (lookup[text.charCodeAt(index + 1)]! << 12) |
      (lookup[text.charCodeAt(index + 2)]! << 6) |
      lookup[text.charCodeAt(index + 3)]!;
    if (out < bytes.length) bytes[out++] = word >>> 16;
    if (out < bytes.length) bytes[out++] = (word >>> 8) & 255;
    if (out < bytes.length) bytes[out++] = word & 255;
  }
  return bytes;
}
