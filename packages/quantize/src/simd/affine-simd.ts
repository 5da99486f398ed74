/**
 * A WebAssembly SIMD version of the hottest affine paths: symmetric, int2–8, per-axis (one scale
 * per position along the axis) and per-group (one scale per group of positions). The JS kernels in ../primitives/affine-kernels.ts are the spec:
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
  groupMagnitudes(values: number, rows: number, columns: number, groupRows: number, maxima: number): void;
  groupCodes(
    values: number,
    rows: number,
    columns: number,
    groupRows: number,
    inverse: number,
    codes: number,
    qmin: number,
    qmax: number,
    mask: number,
  ): void;
  runGroupMagnitudes(values: number, groups: number, length: number, groupSize: number, maxima: number): void;
  runGroupCodes(
    values: number,
    groups: number,
    length: number,
    groupSize: number,
    inverse: number,
    codes: number,
    qmin: number,
    qmax: number,
    mask: number,
  ): void;
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
/** Contiguous groups shorter than one 16-code block are all scalar tail in the module: JS is as fast. */
const MINIMUM_GROUP = 16;

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
  const {
    maximaAddress,
    inverseAddress,
    valuesAddress,
    codesAddress,
    bits: maxima,
    magnitudes,
    inverse,
    values: chunkValues,
    codes: chunkCodes,
  } = layOutChunk(exports.memory, columns, chunkRows * columns);

  maxima.fill(0);
  for (let row = 0; row < rows; row += chunkRows) {
    const count = Math.min(chunkRows, rows - row);
    chunkValues.set(values.subarray(row * columns, (row + count) * columns));
    exports.magnitudes(valuesAddress, count, columns, maximaAddress);
  }
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

/**
 * The SIMD counterpart of `quantizeByGroup`: same arguments, same results (scales, codes, the
 * finite flag, and what is written before a non-finite group or a throwing scale). Returns
 * undefined when it does not handle the case (no kernel, asymmetric, 16-bit codes, fewer than 16
 * columns, or contiguous groups shorter than 16), so the caller runs the JS loops.
 *
 * @example
 * ```ts
 * const finite = quantizeByGroupSimd(values, layout, spec, params, codes) ?? quantizeByGroupJs(values, layout, spec, params, codes);
 * ```
 */
export function quantizeByGroupSimd(
  values: Float32Array,
  layout: AffineLayout,
  spec: CodeSpec,
  params: SlotParams,
  codes: MaskedCodes,
  kernel: AffineSimdKernel | null = defaultAffineSimd(),
): boolean | undefined {
  if (kernel === null || !spec.symmetric || !(codes instanceof Uint8Array) || spec.qmin < -128 || spec.qmax > 127) return undefined;
  const { outer, length, inner, groupSize } = layout;
  if (inner === 1 ? groupSize < MINIMUM_GROUP : inner < MINIMUM_COLUMNS) return undefined;
  return inner === 1
    ? quantizeContiguousGroupsSimd(kernel, values, outer, length, groupSize, spec, params, codes)
    : quantizeStridedGroupsSimd(kernel, values, outer, length, inner, groupSize, spec, params, codes);
}

/** How far {@link chooseGroupScales} got: groups whose scales are set, and why it stopped. */
interface GroupScales {
  readonly ready: number;
  readonly finite: boolean;
  readonly failure?: { readonly error: unknown };
}

/**
 * Scales of `groups` groups of `slotsPerGroup` slots from their magnitudes (float32 bits), in the
 * JS path's order: a group's non-finite check before any of its scales, group after group. Stops
 * at the first non-finite group, or at a scale that throws (float16 overflow), having set the
 * earlier slots, so the caller codes exactly the groups the JS path would have coded.
 */
function chooseGroupScales(
  bits: Int32Array,
  magnitudes: Float32Array,
  inverse: Float64Array,
  groups: number,
  slotsPerGroup: number,
  slotBase: number,
  spec: CodeSpec,
  params: SlotParams,
): GroupScales {
  for (let group = 0, slot = 0; group < groups; group++) {
    const end = slot + slotsPerGroup;
    for (let index = slot; index < end; index++) if (bits[index]! >= NON_FINITE_BITS) return { ready: group, finite: false };
    try {
      for (; slot < end; slot++) {
        const magnitude = magnitudes[slot]!;
        // Exactly setSlot's call for a symmetric range [-magnitude, magnitude].
        const scale = affineScale(-magnitude, magnitude, true, spec.qmin, spec.qmax, spec.scaleDType);
        params.scales[slotBase + slot] = scale;
        params.zeroPoints[slotBase + slot] = 0;
        inverse[slot] = 1 / scale;
      }
    } catch (error) {
      return { ready: group, finite: true, failure: { error } };
    }
  }
  return { ready: groups, finite: true };
}

/**
 * Symmetric per-group quantization of an [outer, length, inner] float32 tensor whose groups run
 * along the middle axis, `groupSize` rows of `inner` columns each (a Dense kernel [in, out] with
 * groups along in: `[1, in, out]`). Whole groups are copied into the module a chunk at a time;
 * a group bigger than a chunk goes through the per-column kernel on its own.
 * Returns false when a value is not finite.
 *
 * @example
 * ```ts
 * const finite = quantizeStridedGroupsSimd(kernel, values, 1, inputs, outputs, 32, spec, params, codes);
 * ```
 */
export function quantizeStridedGroupsSimd(
  kernel: AffineSimdKernel,
  values: Float32Array,
  outer: number,
  length: number,
  inner: number,
  groupSize: number,
  spec: CodeSpec,
  params: SlotParams,
  codes: Uint8Array,
): boolean {
  const groupCount = Math.ceil(length / groupSize);
  const groupElements = groupSize * inner;
  if (groupElements > kernel.chunkElements) {
    for (let outerIndex = 0; outerIndex < outer; outerIndex++) {
      for (let group = 0; group < groupCount; group++) {
        const rows = Math.min(groupSize, length - group * groupSize);
        const start = (outerIndex * length + group * groupSize) * inner;
        const end = start + rows * inner;
        const slot = (outerIndex * groupCount + group) * inner;
        const groupParams = {
          scales: params.scales.subarray(slot, slot + inner),
          zeroPoints: params.zeroPoints.subarray(slot, slot + inner),
        };
        if (!quantizeAcrossRowsSimd(kernel, values.subarray(start, end), rows, inner, spec, groupParams, codes.subarray(start, end))) {
          return false;
        }
      }
    }
    return true;
  }
  const { exports } = kernel;
  const chunkGroups = Math.floor(kernel.chunkElements / groupElements);
  const { maximaAddress, inverseAddress, valuesAddress, codesAddress, bits, magnitudes, inverse, values: chunkValues, codes: chunkCodes } =
    layOutChunk(exports.memory, chunkGroups * inner, chunkGroups * groupElements);

  for (let outerIndex = 0; outerIndex < outer; outerIndex++) {
    for (let firstGroup = 0; firstGroup < groupCount; firstGroup += chunkGroups) {
      const groups = Math.min(chunkGroups, groupCount - firstGroup);
      const firstRow = firstGroup * groupSize;
      const rows = Math.min(groups * groupSize, length - firstRow);
      const start = (outerIndex * length + firstRow) * inner;
      chunkValues.set(values.subarray(start, start + rows * inner));
      bits.fill(0, 0, groups * inner);
      exports.groupMagnitudes(valuesAddress, rows, inner, groupSize, maximaAddress);
      const slotBase = (outerIndex * groupCount + firstGroup) * inner;
      const chosen = chooseGroupScales(bits, magnitudes, inverse, groups, inner, slotBase, spec, params);
      const readyRows = Math.min(chosen.ready * groupSize, rows);
      exports.groupCodes(valuesAddress, readyRows, inner, groupSize, inverseAddress, codesAddress, spec.qmin, spec.qmax, spec.mask);
      codes.set(chunkCodes.subarray(0, readyRows * inner), start);
      if (chosen.failure !== undefined) throw chosen.failure.error;
      if (!chosen.finite) return false;
    }
  }
  return true;
}

/**
 * Symmetric per-group quantization of [rows, length] float32 rows whose groups are `groupSize`
 * consecutive values of a row (the last group of a row shorter when `groupSize` does not divide
 * `length`): a Dense kernel [out, in] with groups along in. Whole rows are copied into the module
 * a chunk at a time (at least one row per chunk). Returns false when a value is not finite.
 *
 * @example
 * ```ts
 * const finite = quantizeContiguousGroupsSimd(kernel, values, outputs, inputs, 32, spec, params, codes);
 * ```
 */
export function quantizeContiguousGroupsSimd(
  kernel: AffineSimdKernel,
  values: Float32Array,
  rows: number,
  length: number,
  groupSize: number,
  spec: CodeSpec,
  params: SlotParams,
  codes: Uint8Array,
): boolean {
  const { exports } = kernel;
  const groupCount = Math.ceil(length / groupSize);
  const chunkRows = Math.max(1, Math.floor(kernel.chunkElements / length));
  const { maximaAddress, inverseAddress, valuesAddress, codesAddress, bits, magnitudes, inverse, values: chunkValues, codes: chunkCodes } =
    layOutChunk(exports.memory, chunkRows * groupCount, chunkRows * length);

  for (let row = 0; row < rows; row += chunkRows) {
    const count = Math.min(chunkRows, rows - row);
    const start = row * length;
    const groups = count * groupCount;
    chunkValues.set(values.subarray(start, start + count * length));
    exports.runGroupMagnitudes(valuesAddress, groups, length, groupSize, maximaAddress);
    const chosen = chooseGroupScales(bits, magnitudes, inverse, groups, 1, row * groupCount, spec, params);
    exports.runGroupCodes(valuesAddress, chosen.ready, length, groupSize, inverseAddress, codesAddress, spec.qmin, spec.qmax, spec.mask);
    // The coded groups end mid-row only when a group failed: whole rows, then the rest of that row.
    const coded = Math.floor(chosen.ready / groupCount) * length + (chosen.ready % groupCount) * groupSize;
    codes.set(chunkCodes.subarray(0, coded), start);
    if (chosen.failure !== undefined) throw chosen.failure.error;
    if (!chosen.finite) return false;
  }
  return true;
}

/** Where one chunk's data sits in the module's memory, and typed views of it. */
interface ChunkLayout {
  readonly maximaAddress: number;
  readonly inverseAddress: number;
  readonly valuesAddress: number;
  readonly codesAddress: number;
  /** Each slot's max |x| as float bits (int32 order is magnitude order; ≥ 0x7f800000: not finite). */
  readonly bits: Int32Array;
  /** The same slots read as float32 magnitudes. */
  readonly magnitudes: Float32Array;
  /** 1 / scale per slot, float64. */
  readonly inverse: Float64Array;
  readonly values: Float32Array;
  readonly codes: Uint8Array;
}

/**
 * Lays out `slots` scale slots (maxima, then inverse scales) and a chunk of `elements` values and
 * codes in the module's memory, growing it first so the views stay attached.
 */
function layOutChunk(memory: WebAssembly.Memory, slots: number, elements: number): ChunkLayout {
  const maximaAddress = DATA_START;
  const inverseAddress = align(maximaAddress + slots * 4);
  const valuesAddress = align(inverseAddress + slots * 8);
  const codesAddress = align(valuesAddress + elements * 4);
  ensureMemory(memory, codesAddress + elements);
  const buffer = memory.buffer;
  return {
    maximaAddress,
    inverseAddress,
    valuesAddress,
    codesAddress,
    bits: new Int32Array(buffer, maximaAddress, slots),
    magnitudes: new Float32Array(buffer, maximaAddress, slots),
    inverse: new Float64Array(buffer, inverseAddress, slots),
    values: new Float32Array(buffer, valuesAddress, elements),
    codes: new Uint8Array(buffer, codesAddress, elements),
  };
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
