/**
 * Buffers the caller owns for `quantizeAffine`: where the packed codes, scales and zero points
 * go, and reusable scratch, so a pipeline quantizing tensor after tensor allocates nothing per
 * call once its buffers are as large as its largest tensor.
 */
import { WhittleError, describeValue } from '@whittle/core';

/**
 * Where {@link quantizeAffine} writes its results, every field optional (a missing one is
 * allocated). Each buffer may be longer than the call needs: the encoding returned holds views of
 * exactly the bytes written, from offset 0, and everything after them is left as it was. The
 * encoding shares the buffers, so it is valid until they are written again.
 */
export interface QuantizeAffineDestination {
  /** Packed codes: at least ceil(size · bits / 8) bytes (2 per code for 16 bits). */
  readonly codes?: Uint8Array;
  /** One scale per slot: a Float32Array for float32 scales, a Uint16Array of float16 bits for float16. */
  readonly scales?: Float32Array | Uint16Array;
  /** Asymmetric codes only (ignored for symmetric ones): one per slot, Uint16Array for 16-bit codes, Uint8Array otherwise. */
  readonly zeroPoints?: Uint8Array | Uint16Array;
  /** Working memory reused across calls (see {@link createAffineScratch}). */
  readonly scratch?: AffineScratch;
}

/**
 * Working memory of the JS quantizer, grown to the largest tensor it has seen and reused after;
 * opaque. The WebAssembly kernel keeps its own, one cache-sized chunk.
 */
export interface AffineScratch {
  readonly kind: 'affine-scratch';
}

/** The scratch's arrays: per-slot float64 parameters and unpacked codes. */
export interface AffineScratchArrays {
  scales: Float64Array;
  zeroPoints: Float64Array;
  codes: Uint8Array;
  wideCodes: Uint16Array;
}

const scratchArrays = new WeakMap<AffineScratch, AffineScratchArrays>();

/**
 * Working memory for `quantizeAffine` calls to share (pass it as `destination.scratch`): a
 * model-level loop reuses one for every tensor, so a call that falls back to the JS kernels
 * (16-bit codes, small tensors, no WebAssembly SIMD) allocates nothing either.
 *
 * @example
 * ```ts
 * const scratch = createAffineScratch();
 * for (const tensor of tensors) encodings.push(quantizeAffine(tensor, { bits: 3, symmetric: false, granularity }, { scratch }));
 * ```
 */
export function createAffineScratch(): AffineScratch {
  const scratch: AffineScratch = Object.freeze({ kind: 'affine-scratch' as const });
  scratchArrays.set(scratch, { scales: new Float64Array(0), zeroPoints: new Float64Array(0), codes: new Uint8Array(0), wideCodes: new Uint16Array(0) });
  return scratch;
}

/**
 * The arrays of `scratch` (a fresh set when it is undefined), each at least as long as asked.
 * Internal to the quantizer.
 *
 * @example
 * ```ts
 * const { scales, codes } = scratchFor(destination.scratch, slotCount, size, false);
 * ```
 */
export function scratchFor(scratch: AffineScratch | undefined, slots: number, elements: number, wide: boolean): AffineScratchArrays {
  const arrays = scratch === undefined ? undefined : scratchArrays.get(scratch);
  if (scratch !== undefined && arrays === undefined) throw notScratch(scratch);
  const held = arrays ?? { scales: new Float64Array(0), zeroPoints: new Float64Array(0), codes: new Uint8Array(0), wideCodes: new Uint16Array(0) };
  if (held.scales.length < slots) {
    held.scales = new Float64Array(slots);
    held.zeroPoints = new Float64Array(slots);
  }
  if (wide && held.wideCodes.length < elements) held.wideCodes = new Uint16Array(elements);
  if (!wide && held.codes.length < elements) held.codes = new Uint8Array(elements);
  return held;
}

function notScratch(scratch: unknown): WhittleError {
  return new WhittleError('invalid-argument', `destination.scratch must come from createAffineScratch(), got ${describeValue(scratch)}`, {
    field: 'destination.scratch',
  });
}

/** What one call stores: sizes and dtypes of its parts. */
export interface AffinePartsSize {
  readonly codeBytes: number;
  readonly slots: number;
  readonly scaleDType: 'float32' | 'float16';
  /** Absent for symmetric codes. */
  readonly zeroPointDType?: 'uint8' | 'uint16';
}

/** The parts of a destination a call writes, checked and cut to size, missing ones allocated. */
export interface DestinationParts {
  readonly codes: Uint8Array;
  readonly scales: Float32Array | Uint16Array;
  readonly zeroPoints?: Uint8Array | Uint16Array;
}

/**
 * Checks a destination's buffers against what the call stores (type, length, no overlap with
 * the input) and returns views of exactly the bytes to write, allocating missing parts.
 * Internal to the quantizer.
 *
 * @example
 * ```ts
 * const parts = destinationParts(destination, { codeBytes: 512, slots: 32, scaleDType: 'float16' }, values);
 * ```
 */
export function destinationParts(destination: QuantizeAffineDestination | undefined, size: AffinePartsSize, input: Float32Array): DestinationParts {
  if (destination !== undefined && (typeof destination !== 'object' || destination === null)) {
    throw new WhittleError('invalid-argument', `destination must be an object of buffers, got ${describeValue(destination)}`, { field: 'destination' });
  }
  const given = destination ?? {};
  if (given.scratch !== undefined && !scratchArrays.has(given.scratch)) throw notScratch(given.scratch);
  const codes = part(given.codes, Uint8Array, size.codeBytes, 'destination.codes', input);
  const scales =
    size.scaleDType === 'float32'
      ? part(given.scales, Float32Array, size.slots, 'destination.scales', input)
      : part(given.scales, Uint16Array, size.slots, 'destination.scales', input);
  if (size.zeroPointDType === undefined) return { codes, scales };
  const zeroPoints =
    size.zeroPointDType === 'uint8'
      ? part(given.zeroPoints, Uint8Array, size.slots, 'destination.zeroPoints', input)
      : part(given.zeroPoints, Uint16Array, size.slots, 'destination.zeroPoints', input);
  return { codes, scales, zeroPoints };
}

type ArrayType<T> = { new (length: number): T; readonly name: string };

function part<T extends Uint8Array | Uint16Array | Float32Array>(
  given: unknown,
  type: ArrayType<T>,
  length: number,
  field: string,
  input: Float32Array,
): T {
  if (given === undefined) return new type(length);
  if (!(given instanceof (type as unknown as typeof Uint8Array))) {
    throw new WhittleError('invalid-argument', `${field} must be a ${type.name} of at least ${length} elements, got ${describeValue(given)}`, { field });
  }
  const array = given as T;
  if (array.length < length) {
    throw new WhittleError('invalid-argument', `${field} holds ${array.length} elements, the result needs ${length}`, { field });
  }
  const view = (array.length === length ? array : array.subarray(0, length)) as T;
  if (overlaps(view, input)) {
    throw new WhittleError('invalid-argument', `${field} overlaps the tensor being quantized`, { field });
  }
  return view;
}

function overlaps(a: ArrayBufferView, b: ArrayBufferView): boolean {
  if (a.buffer !== b.buffer || a.byteLength === 0 || b.byteLength === 0) return false;
  return a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}

/**
 * Fresh buffers of exactly the sizes of `size`, and a fresh scratch. Internal: the public form
 * is `quantizeAffineDestination(shape, options)`.
 *
 * @example
 * ```ts
 * const destination = allocateDestination({ codeBytes: 512, slots: 32, scaleDType: 'float16' });
 * ```
 */
export function allocateDestination(size: AffinePartsSize): QuantizeAffineDestination {
  return {
    codes: new Uint8Array(size.codeBytes),
    scales: size.scaleDType === 'float32' ? new Float32Array(size.slots) : new Uint16Array(size.slots),
    ...(size.zeroPointDType === undefined ? {} : { zeroPoints: size.zeroPointDType === 'uint8' ? new Uint8Array(size.slots) : new Uint16Array(size.slots) }),
    scratch: createAffineScratch(),
  };
}
