/**
 * A WebAssembly SIMD version of the hottest affine paths: symmetric int2–8 codes on either scale
 * grid and asymmetric int1–8 codes with zero points, per position along an axis (one scale per
 * position, or per tensor) and per group. The JS kernels in ../primitives/affine-kernels.ts are
 * the spec: extremes and ranges, scales and zero points (chosen in float64 in the module, exactly
 * as `affineScale` / `signedExtremeScale` / `affineZeroPoint` choose them), codes and packed bytes are
 * bit-identical (see the exactness notes in affine-simd.wat). Values are copied into the module's
 * memory a cache-sized chunk at a time, coded and packed there, and only the packed codes and
 * stored scales come back, straight into the caller's output. The module is tiny and compiled
 * synchronously from bytes, so it loads the same way in Node, Deno, Bun and browsers.
 */
import { WhittleError, describeValue, instantiateSimdModule, processWideKernel, webAssemblySimdSupported } from '@whittle/core';
import type { AffineParts, CodeSpec } from '../primitives/affine-kernels.ts';
import type { AffineLayout } from '../primitives/affine-layout.ts';
import { AFFINE_SIMD_BASE64 } from './affine-simd-module.ts';
/** The module's exports. */
interface AffineSimdExports {
  readonly memory: WebAssembly.Memory;
  columnKeys(values: number, rows: number, columns: number, keys: number, magnitude: number): void;
  runKey(values: number, count: number, magnitude: number): number;
  codesAcrossRows(
    values: number,
    rows: number,
    columns: number,
    inverse: number,
    codes: number,
    qmin: number,
    qmax: number,
    mask: number,
    offsets: number,
    bias: number,
  ): void;
  codeRun(values: number, count: number, inverse: number, codes: number, qmin: number, qmax: number, mask: number, offset: number, bias: number): void;
  groupKeys(values: number, rows: number, columns: number, groupRows: number, keys: number, magnitude: number): void;
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
    offsets: number,
    bias: number,
  ): void;
  runGroupKeys(values: number, groups: number, length: number, groupSize: number, keys: number, magnitude: number): void;
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
    offsets: number,
    bias: number,
  ): void;
  chooseScales(
    keys: number,
    count: number,
    qmin: number,
    qmax: number,
    signedExtreme: number,
    float16: number,
    inverse: number,
    stored: number,
    offsets: number,
  ): number;
  blockKeys(values: number, groups: number, groupSize: number, keys: number, magnitude: number): void;
  blockRanges(values: number, groups: number, groupSize: number, lows: number, highs: number): void;
  blockCodes(
    values: number,
    groups: number,
    groupSize: number,
    inverse: number,
    codes: number,
    qmin: number,
    qmax: number,
    mask: number,
    offsets: number,
    bias: number,
  ): void;
  columnRanges(values: number, rows: number, columns: number, lows: number, highs: number): void;
  runRange(values: number, count: number, lowSlot: number, highSlot: number): void;
  groupRanges(values: number, rows: number, columns: number, groupRows: number, lows: number, highs: number): void;
  runGroupRanges(values: number, groups: number, length: number, groupSize: number, lows: number, highs: number): void;
  chooseRanges(
    lows: number,
    highs: number,
    count: number,
    qmin: number,
    qmax: number,
    float16: number,
    inverse: number,
    stored: number,
    offsets: number,
    zeroPoints: number,
  ): number;
  packCodes(codes: number, count: number, bits: number, out: number, state: number): number;
}

/** One instance of the SIMD module, with the chunk size its copies use. */
export interface AffineSimdKernel {
  readonly exports: AffineSimdExports;
  /** Floats copied into the module's memory per call: small enough to stay in cache. */
  readonly chunkElements: number;
  /** Bytes reserved at the start of the module's data for input the caller fills in place (see {@link affineKernelInput}). */
  readonly input: { bytes: number };
}

const PAGE_BYTES = 65536;
/** 64 Ki floats (256 KiB in, 64 KiB of codes out): copies and every pass stay in L2. */
const DEFAULT_CHUNK_ELEMENTS = 65536;
/** Where the module's data starts: address 0 is left unused, so a stray 0 pointer writes nothing we read. */
const DATA_START = 128;
/** Fewer columns than one 16-wide block, or runs this short, are faster in the JS loops. */
const MINIMUM_COLUMNS = 16;
const MINIMUM_RUN = 64;
/** Contiguous groups shorter than one 16-code block are all scalar tail in the module: JS is as fast. */
const MINIMUM_GROUP = 16;
/** Runs up to this many floats are coded in one pass while in cache; longer ones in two passes of chunks. */
const ONE_PASS_RUN = 1 << 20;

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
  return { exports: instantiateSimdModule<AffineSimdExports>(AFFINE_SIMD_BASE64), chunkElements, input: { bytes: 0 } };
}

/**
 * The process-wide kernel, created on first use (null where SIMD is missing).
 *
 * @example
 * ```ts
 * const kernel = defaultAffineSimd();
 * ```
 */
export const defaultAffineSimd: () => AffineSimdKernel | null = processWideKernel(() => createAffineSimd());

/** Scratch kept free after the input region, so calls on input in place need not grow memory: 8 MiB. */
const SCRATCH_RESERVE = 8 * 1024 * 1024;
/** The most input bytes in place: wasm32 memory stops at 4 GiB, and engines often at 2. */
const MOST_INPUT_BYTES = 2 ** 31 - SCRATCH_RESERVE - 2 * PAGE_BYTES;

/**
 * A Float32Array of `count` floats inside the WebAssembly kernel's memory, or undefined where
 * WebAssembly SIMD is missing. Fill it and quantize a tensor whose data is this view: where the
 * kernel can read values in memory order (per channel, and groups along a row), it reads them
 * where they are instead of copying them into its memory chunk by chunk. (Groups down columns
 * are walked down each group's rows, which a streaming copy of each chunk into cache serves
 * better than reads from memory, so that layout still copies.)
 * Memory grows in power-of-two size classes, so a loop over tensors of similar sizes grows it a
 * few times, not per call. The view stays valid until memory grows (a later call to this function
 * with a larger count, or a quantize call on data elsewhere that needs more scratch): ask for it
 * again before each fill (cheap: same place, same bytes).
 *
 * @example
 * ```ts
 * for (const weights of layers) {
 *   const input = affineKernelInput(weights.length) ?? new Float32Array(weights.length);
 *   input.set(weights); // or decode straight into it
 *   encodings.push(quantizeAffine(hostTensor('float32', shape, input), options, destination));
 * }
 * ```
 */
export function affineKernelInput(count: number): Float32Array | undefined {
  return kernelInput(count, defaultAffineSimd());
}

/**
 * {@link affineKernelInput} on a given kernel (null: none, as without WebAssembly SIMD).
 *
 * @example
 * ```ts
 * const input = kernelInput(1024, createAffineSimd() ?? null);
 * ```
 */
export function kernelInput(count: number, kernel: AffineSimdKernel | null): Float32Array | undefined {
  if (!Number.isSafeInteger(count) || count < 0 || count * 4 > MOST_INPUT_BYTES) {
    throw new WhittleError('invalid-argument', `input count must be an integer from 0 to ${MOST_INPUT_BYTES / 4}, got ${describeValue(count)}`, {
      field: 'count',
    });
  }
  if (kernel === null) return undefined;
  if (count * 4 > kernel.input.bytes) kernel.input.bytes = Math.min(2 ** Math.ceil(Math.log2(Math.max(count * 4, PAGE_BYTES))), MOST_INPUT_BYTES);
  ensureMemory(kernel.exports.memory, align(DATA_START + kernel.input.bytes) + SCRATCH_RESERVE);
  return new Float32Array(kernel.exports.memory.buffer, DATA_START, count);
}

/**
 * Where the values sit in the module's memory when the caller filled them in place: their
 * address; -1 when they are elsewhere (the kernel copies them in); undefined when they share the
 * module's memory outside the input region, or an output does (the kernel declines: its scratch
 * could overlap them, and growing memory would detach them).
 */
function residentAddress(kernel: AffineSimdKernel, values: Float32Array, output: AffineParts): number | undefined {
  const buffer = kernel.exports.memory.buffer;
  if (output.codes.buffer === buffer || output.scales.buffer === buffer || output.zeroPoints?.buffer === buffer) return undefined;
  if (values.buffer !== buffer) return -1;
  const inside = values.byteOffset >= DATA_START && values.byteOffset + values.byteLength <= DATA_START + kernel.input.bytes;
  return inside ? values.byteOffset : undefined;
}

/**
 * Whether the kernel covers a spec at all: symmetric 2–8-bit codes, and asymmetric 1–8-bit codes
 * whose zero points go to bytes.
 */
function covers(kernel: AffineSimdKernel | null, spec: CodeSpec, output: AffineParts): kernel is AffineSimdKernel {
  if (kernel === null || spec.bits > 8) return false;
  return spec.symmetric ? spec.bits >= 2 : output.zeroPoints instanceof Uint8Array;
}

/**
 * 1 where the extremes may be taken as magnitudes alone (the absmax grid never reads their
 * sign: about twice as fast a walk), 0 where the sign of the extreme picks the scale's.
 */
function magnitudeKeys(spec: CodeSpec): number {
  return spec.grid === 'absmax' ? 1 : 0;
}

/** Codes are clamped as signed bytes in the module: unsigned ones shifted down by this bias (see the .wat). */
function biasOf(spec: CodeSpec): number {
  return spec.symmetric ? 0 : 128;
}

/**
 * The SIMD counterpart of the per-position JS kernel with its results stored: fills
 * `output.codes` (packed) and `output.scales` (stored dtype) with exactly the bytes the JS path
 * stores (and `output.zeroPoints` for asymmetric codes). Returns true when done; undefined when it
 * does not handle the case (no kernel, 16-bit codes, symmetric 1-bit codes, too few columns or too
 * short runs) or when a value is not finite or a scale does not fit its dtype: the caller then
 * runs the JS path, which reports it.
 *
 * @example
 * ```ts
 * const done = quantizeByPositionSimd(values, layout, spec, output) ?? quantizeByPositionJs(values, layout, spec, params, codes);
 * ```
 */
export function quantizeByPositionSimd(
  values: Float32Array,
  layout: AffineLayout,
  spec: CodeSpec,
  output: AffineParts,
  kernel: AffineSimdKernel | null = defaultAffineSimd(),
): true | undefined {
  if (!covers(kernel, spec, output)) return undefined;
  const resident = residentAddress(kernel, values, output);
  if (resident === undefined) return undefined;
  const source = { values, resident };
  const { outer, length, inner } = layout;
  if (inner === 1) return length < MINIMUM_COLUMNS ? undefined : acrossRows(kernel, source, outer, length, spec, output);
  if (inner < MINIMUM_RUN) return undefined;
  // One scale per run of `inner` (channel-first [out, in] by out): each run is a group of its own.
  if (outer === 1 && inner <= ONE_PASS_RUN) return contiguousGroups(kernel, source, length, inner, inner, spec, output);
  return alongRuns(kernel, source, outer, length, inner, spec, output);
}

/**
 * The SIMD counterpart of the per-group JS kernel with its results stored (see
 * {@link quantizeByPositionSimd}): undefined also for fewer than 16 columns or contiguous groups
 * shorter than 16.
 *
 * @example
 * ```ts
 * const done = quantizeByGroupSimd(values, layout, spec, output) ?? quantizeByGroupJs(values, layout, spec, params, codes);
 * ```
 */
export function quantizeByGroupSimd(
  values: Float32Array,
  layout: AffineLayout,
  spec: CodeSpec,
  output: AffineParts,
  kernel: AffineSimdKernel | null = defaultAffineSimd(),
): true | undefined {
  if (!covers(kernel, spec, output)) return undefined;
  const resident = residentAddress(kernel, values, output);
  if (resident === undefined) return undefined;
  const source = { values, resident };
  const { outer, length, inner, groupSize } = layout;
  if (inner === 1) {
    return groupSize < MINIMUM_GROUP ? undefined : contiguousGroups(kernel, source, outer, length, groupSize, spec, output);
  }
  return inner < MINIMUM_COLUMNS ? undefined : stridedGroups(kernel, source, outer, length, inner, groupSize, spec, output);
}

/** Packed codes streamed out chunk by chunk: where the next byte goes and the bits not yet written. */
interface CodeStream {
  byteOffset: number;
  /** The module's pack state: pending bits' value | their count << 8. */
  state: number;
}

/**
 * Packs `count` codes of the chunk (at `codesAddress`) and copies the completed bytes to the
 * output; 8-bit codes are copied as they are.
 */
function streamCodes(kernel: AffineSimdKernel, chunk: ChunkLayout, count: number, bits: number, output: Uint8Array, stream: CodeStream): void {
  if (bits === 8) {
    output.set(chunk.codes.subarray(0, count), stream.byteOffset);
    stream.byteOffset += count;
    return;
  }
  const pending = stream.state >>> 8;
  stream.state = kernel.exports.packCodes(chunk.codesAddress, count, bits, chunk.packedAddress, stream.state);
  const bytes = (pending + count * bits) >>> 3;
  output.set(chunk.packed.subarray(0, bytes), stream.byteOffset);
  stream.byteOffset += bytes;
}

/** Writes the last partial byte of a stream, if any. */
function finishCodes(output: Uint8Array, stream: CodeStream): void {
  if (stream.state >>> 8 > 0) output[stream.byteOffset] = stream.state & 0xff;
}

/**
 * Chooses `count` slots' scales (and zero points) from the keys in the chunk and copies the
 * stored ones to the output at `slotBase`; false on a failing slot.
 */
function chooseScales(kernel: AffineSimdKernel, chunk: ChunkLayout, count: number, slotBase: number, spec: CodeSpec, output: AffineParts): boolean {
  const { scales, zeroPoints } = output;
  const float16 = scales instanceof Uint16Array;
  const done = spec.symmetric
    ? kernel.exports.chooseScales(
        chunk.keysAddress,
        count,
        spec.qmin,
        spec.qmax,
        spec.grid === 'signed-extreme' ? 1 : 0,
        float16 ? 1 : 0,
        chunk.inverseAddress,
        chunk.storedAddress,
        chunk.offsetsAddress,
      )
    : kernel.exports.chooseRanges(
        chunk.lowKeysAddress,
        chunk.keysAddress,
        count,
        spec.qmin,
        spec.qmax,
        float16 ? 1 : 0,
        chunk.inverseAddress,
        chunk.storedAddress,
        chunk.offsetsAddress,
        chunk.zeroPointsAddress,
      );
  if (done < count) return false;
  if (!spec.symmetric) zeroPoints!.set(chunk.zeroPoints.subarray(0, count), slotBase);
  if (float16) scales.set(chunk.storedHalves.subarray(0, count), slotBase);
  else scales.set(chunk.storedFloats.subarray(0, count), slotBase);
  return true;
}

/** Per column of a row-major [rows, columns] tensor (a Dense kernel [in, out] per output channel): keys over every row, then codes. */
function acrossRows(kernel: AffineSimdKernel, source: Source, rows: number, columns: number, spec: CodeSpec, output: AffineParts): true | undefined {
  const { exports } = kernel;
  const chunkRows = Math.max(1, Math.floor(kernel.chunkElements / columns));
  const chunk = layOutChunk(kernel, source, columns, chunkRows * columns);
  if (chunk === undefined) return undefined;
  chunk.keys.fill(0);
  chunk.lowKeys.fill(0);
  const keysOf = (at: number, count: number): void =>
    spec.symmetric ? exports.columnKeys(at, count, columns, chunk.keysAddress, magnitudeKeys(spec)) : exports.columnRanges(at, count, columns, chunk.lowKeysAddress, chunk.keysAddress);
  if (source.resident >= 0) {
    // In place, one row per call: the keys walk rows in memory order, which the prefetcher follows
    // (a chunk's column walk, down rows 4 KiB apart, it does not).
    for (let row = 0, at = source.resident; row < rows; row++, at += columns * 4) keysOf(at, 1);
  } else {
    for (let row = 0; row < rows; row += chunkRows) {
      const count = Math.min(chunkRows, rows - row);
      keysOf(load(chunk, source, row * columns, (row + count) * columns), count);
    }
  }
  if (!chooseScales(kernel, chunk, columns, 0, spec, output)) return undefined;
  const stream: CodeStream = { byteOffset: 0, state: 0 };
  for (let row = 0; row < rows; row += chunkRows) {
    const count = Math.min(chunkRows, rows - row);
    const start = row * columns;
    const at = load(chunk, source, start, start + count * columns);
    exports.codesAcrossRows(at, count, columns, chunk.inverseAddress, chunk.codesAddress, spec.qmin, spec.qmax, spec.mask, chunk.offsetsAddress, biasOf(spec));
    streamCodes(kernel, chunk, count * columns, spec.bits, output.codes, stream);
  }
  finishCodes(output.codes, stream);
  return true;
}

/**
 * One scale per position of an [outer, length, inner] tensor with several outer indices (or
 * runs too long for one pass): keys over every run, then codes, a chunk of a run at a time.
 */
function alongRuns(kernel: AffineSimdKernel, source: Source, outer: number, length: number, inner: number, spec: CodeSpec, output: AffineParts): true | undefined {
  const { exports } = kernel;
  const elements = Math.max(16, kernel.chunkElements);
  const chunk = layOutChunk(kernel, source, length, elements);
  if (chunk === undefined) return undefined;
  const keys = chunk.keys;
  keys.fill(0);
  chunk.lowKeys.fill(0);
  for (let outerIndex = 0, start = 0; outerIndex < outer; outerIndex++) {
    for (let position = 0; position < length; position++) {
      for (const end = start + inner; start < end; ) {
        const count = Math.min(elements, end - start);
        const at = load(chunk, source, start, start + count);
        // Keys compare unsigned (see the .wat); range keys merge in the module.
        if (spec.symmetric) keys[position] = Math.max(keys[position]! >>> 0, exports.runKey(at, count, magnitudeKeys(spec)) >>> 0);
        else exports.runRange(at, count, chunk.lowKeysAddress + position * 4, chunk.keysAddress + position * 4);
        start += count;
      }
    }
  }
  if (!chooseScales(kernel, chunk, length, 0, spec, output)) return undefined;
  const { inverse, offsets } = chunk;
  const bias = biasOf(spec);
  const stream: CodeStream = { byteOffset: 0, state: 0 };
  for (let outerIndex = 0, start = 0; outerIndex < outer; outerIndex++) {
    for (let position = 0; position < length; position++) {
      for (const end = start + inner; start < end; ) {
        const count = Math.min(elements, end - start);
        const at = load(chunk, source, start, start + count);
        exports.codeRun(at, count, inverse[position]!, chunk.codesAddress, spec.qmin, spec.qmax, spec.mask, offsets[position]!, bias);
        streamCodes(kernel, chunk, count, spec.bits, output.codes, stream);
        start += count;
      }
    }
  }
  finishCodes(output.codes, stream);
  return true;
}

/**
 * Groups of `groupSize` consecutive values of [rows, length] rows (the last group of a row
 * shorter when `groupSize` does not divide `length`): a Dense kernel [out, in] with groups along
 * in, or one run per row. Whole rows go through the module a chunk at a time, each chunk in one
 * pass while it is in cache: keys, scales, codes, packing.
 */
function contiguousGroups(
  kernel: AffineSimdKernel,
  source: Source,
  rows: number,
  length: number,
  groupSize: number,
  spec: CodeSpec,
  output: AffineParts,
): true | undefined {
  const { exports } = kernel;
  const groupCount = Math.ceil(length / groupSize);
  const chunkRows = Math.max(1, Math.floor(kernel.chunkElements / length));
  const chunk = layOutChunk(kernel, source, chunkRows * groupCount, chunkRows * length);
  if (chunk === undefined) return undefined;
  const stream: CodeStream = { byteOffset: 0, state: 0 };
  const bias = biasOf(spec);
  // Groups of whole 16-value blocks that never end short: walked back to back, no call per group.
  const blocks = groupSize % 16 === 0 && length % groupSize === 0;
  for (let row = 0; row < rows; row += chunkRows) {
    const count = Math.min(chunkRows, rows - row);
    const start = row * length;
    const groups = count * groupCount;
    const at = load(chunk, source, start, start + count * length);
    if (blocks) {
      if (spec.symmetric) exports.blockKeys(at, groups, groupSize, chunk.keysAddress, magnitudeKeys(spec));
      else exports.blockRanges(at, groups, groupSize, chunk.lowKeysAddress, chunk.keysAddress);
    } else if (spec.symmetric) exports.runGroupKeys(at, groups, length, groupSize, chunk.keysAddress, magnitudeKeys(spec));
    else exports.runGroupRanges(at, groups, length, groupSize, chunk.lowKeysAddress, chunk.keysAddress);
    if (!chooseScales(kernel, chunk, groups, row * groupCount, spec, output)) return undefined;
    if (blocks) {
      exports.blockCodes(at, groups, groupSize, chunk.inverseAddress, chunk.codesAddress, spec.qmin, spec.qmax, spec.mask, chunk.offsetsAddress, bias);
    } else {
      exports.runGroupCodes(at, groups, length, groupSize, chunk.inverseAddress, chunk.codesAddress, spec.qmin, spec.qmax, spec.mask, chunk.offsetsAddress, bias);
    }
    streamCodes(kernel, chunk, count * length, spec.bits, output.codes, stream);
  }
  finishCodes(output.codes, stream);
  return true;
}

/**
 * Groups of `groupSize` rows of an [outer, length, inner] tensor, one group per column (a Dense
 * kernel [in, out] with groups along in: `[1, in, out]`). Whole groups go through the module a
 * chunk at a time (at least one group, however large), each in one pass.
 */
function stridedGroups(
  kernel: AffineSimdKernel,
  source: Source,
  outer: number,
  length: number,
  inner: number,
  groupSize: number,
  spec: CodeSpec,
  output: AffineParts,
): true | undefined {
  const { exports } = kernel;
  const groupCount = Math.ceil(length / groupSize);
  const groupElements = groupSize * inner;
  const chunkGroups = Math.max(1, Math.floor(kernel.chunkElements / groupElements));
  const chunk = layOutChunk(kernel, source, chunkGroups * inner, chunkGroups * groupElements);
  if (chunk === undefined) return undefined;
  // Walked down columns, values read in place from main memory defeat the prefetcher: copying a
  // chunk in (a streaming memcpy) and walking it in cache is faster, so these layouts copy even
  // input filled in place.
  const copied: Source = { values: source.values, resident: -1 };
  const stream: CodeStream = { byteOffset: 0, state: 0 };
  for (let outerIndex = 0; outerIndex < outer; outerIndex++) {
    for (let firstGroup = 0; firstGroup < groupCount; firstGroup += chunkGroups) {
      const groups = Math.min(chunkGroups, groupCount - firstGroup);
      const firstRow = firstGroup * groupSize;
      const rows = Math.min(groups * groupSize, length - firstRow);
      const start = (outerIndex * length + firstRow) * inner;
      const at = load(chunk, copied, start, start + rows * inner);
      chunk.keys.fill(0, 0, groups * inner);
      if (spec.symmetric) exports.groupKeys(at, rows, inner, groupSize, chunk.keysAddress, magnitudeKeys(spec));
      else {
        chunk.lowKeys.fill(0, 0, groups * inner);
        exports.groupRanges(at, rows, inner, groupSize, chunk.lowKeysAddress, chunk.keysAddress);
      }
      if (!chooseScales(kernel, chunk, groups * inner, (outerIndex * groupCount + firstGroup) * inner, spec, output)) return undefined;
      exports.groupCodes(at, rows, inner, groupSize, chunk.inverseAddress, chunk.codesAddress, spec.qmin, spec.qmax, spec.mask, chunk.offsetsAddress, biasOf(spec));
      streamCodes(kernel, chunk, rows * inner, spec.bits, output.codes, stream);
    }
  }
  finishCodes(output.codes, stream);
  return true;
}

/** Where one chunk's data sits in the module's memory, and typed views of it. */
interface ChunkLayout {
  /** Each slot's extreme key, or (asymmetric) its high range key. */
  readonly keysAddress: number;
  /** Asymmetric: each slot's low range key. */
  readonly lowKeysAddress: number;
  /** Each slot's zero point − bias, int16 (0 for symmetric codes). */
  readonly offsetsAddress: number;
  /** Asymmetric: each slot's zero point, a byte. */
  readonly zeroPointsAddress: number;
  readonly inverseAddress: number;
  readonly storedAddress: number;
  readonly valuesAddress: number;
  readonly codesAddress: number;
  readonly packedAddress: number;
  /** Each slot's extreme key or high range key (see the .wat). */
  readonly keys: Int32Array;
  readonly lowKeys: Int32Array;
  readonly offsets: Int16Array;
  readonly zeroPoints: Uint8Array;
  /** 1 / scale per slot, rounded to float32. */
  readonly inverse: Float32Array;
  /** Stored scales: float16 bits or float32, whichever the call asked for. */
  readonly storedHalves: Uint16Array;
  readonly storedFloats: Float32Array;
  readonly values: Float32Array;
  readonly codes: Uint8Array;
  readonly packed: Uint8Array;
}

/** The values a call quantizes, and their address when they sit in the module's input region (else -1). */
interface Source {
  readonly values: Float32Array;
  readonly resident: number;
}

/** The address of values[start, end) in the module's memory: in place, or copied into the chunk. */
function load(chunk: ChunkLayout, source: Source, start: number, end: number): number {
  if (source.resident >= 0) return source.resident + start * 4;
  chunk.values.set(source.values.subarray(start, end));
  return chunk.valuesAddress;
}

/**
 * Lays out `slots` scale slots (keys, offsets, zero points, inverse scales, stored scales) and a chunk of `elements`
 * values, codes and packed codes in the module's memory after the input region, growing it first
 * (only when a larger size than any before is asked for) so the views stay attached. Undefined
 * when the values sit in the input region and the chunk does not fit without growing: growing
 * would detach them, so the caller declines and the JS path reads them.
 */
function layOutChunk(kernel: AffineSimdKernel, source: Source, slots: number, elements: number): ChunkLayout | undefined {
  const memory = kernel.exports.memory;
  const keysAddress = align(DATA_START + kernel.input.bytes);
  const lowKeysAddress = align(keysAddress + slots * 4);
  const offsetsAddress = align(lowKeysAddress + slots * 4);
  const zeroPointsAddress = align(offsetsAddress + slots * 2);
  const inverseAddress = align(zeroPointsAddress + slots);
  const storedAddress = align(inverseAddress + slots * 4);
  const valuesAddress = align(storedAddress + slots * 4);
  const codesAddress = align(valuesAddress + elements * 4);
  const packedAddress = align(codesAddress + elements);
  const end = packedAddress + elements + 16;
  if (source.resident >= 0 && end > memory.buffer.byteLength) return undefined;
  ensureMemory(memory, end);
  const buffer = memory.buffer;
  return {
    keysAddress,
    lowKeysAddress,
    offsetsAddress,
    zeroPointsAddress,
    inverseAddress,
    storedAddress,
    valuesAddress,
    codesAddress,
    packedAddress,
    keys: new Int32Array(buffer, keysAddress, slots),
    lowKeys: new Int32Array(buffer, lowKeysAddress, slots),
    offsets: new Int16Array(buffer, offsetsAddress, slots),
    zeroPoints: new Uint8Array(buffer, zeroPointsAddress, slots),
    inverse: new Float32Array(buffer, inverseAddress, slots),
    storedHalves: new Uint16Array(buffer, storedAddress, slots),
    storedFloats: new Float32Array(buffer, storedAddress, slots),
    values: new Float32Array(buffer, valuesAddress, elements),
    codes: new Uint8Array(buffer, codesAddress, elements),
    packed: new Uint8Array(buffer, packedAddress, elements),
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

