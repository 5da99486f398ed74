/**
 * IEEE 754 half precision (float16) and bfloat16 conversions, round-to-nearest-even, on raw
 * 16-bit patterns. Written over typed arrays because tfjs has no 16-bit float dtype.
 */
import { checkDestination, checkNoOverlap } from '../encoding/decode-destination.ts';
import { defaultDecodeSimd } from '../encoding/simd/decode-kernel.ts';
import { widenHalvesSimd } from '../encoding/simd/half-simd.ts';

const float32Scratch = new Float32Array(1);
const uint32Scratch = new Uint32Array(float32Scratch.buffer);

/** The float16 bit pattern nearest to `value` (ties to even; overflow to ±Infinity; NaN kept). */
export function float32ToFloat16Bits(value: number): number {
  float32Scratch[0] = value;
  const bits = uint32Scratch[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  let mantissa = bits & 0x7fffff;
  if (exponent === 0xff) {
    // Infinity stays infinity; every NaN becomes a quiet NaN.
    return sign | 0x7c00 | (mantissa !== 0 ? 0x200 : 0);
  }
  const halfExponent = exponent - 127 + 15;
  if (halfExponent >= 0x1f) return sign | 0x7c00;
  if (halfExponent <= 0) {
    if (halfExponent < -10) return sign;
    // Subnormal half: shift the implicit leading one in, then round to nearest even.
    mantissa |= 0x800000;
    const shift = 14 - halfExponent;
    const halfMantissa = mantissa >>> shift;
    const remainder = mantissa & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    const roundUp = remainder > halfway || (remainder === halfway && (halfMantissa & 1) === 1);
    return sign | (halfMantissa + (roundUp ? 1 : 0));
  }
  const remainder = mantissa & 0x1fff;
  let result = sign | (halfExponent << 10) | (mantissa >>> 13);
  if (remainder > 0x1000 || (remainder === 0x1000 && (result & 1) === 1)) {
    // A carry out of the mantissa correctly bumps the exponent, up to infinity.
    result += 1;
  }
  return result;
}

/** The float32 value of a float16 bit pattern (exact). */
export function float16BitsToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : Number.NaN;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** The bfloat16 bit pattern nearest to `value` (ties to even; NaN kept as a quiet NaN). */
export function float32ToBfloat16Bits(value: number): number {
  float32Scratch[0] = value;
  const bits = uint32Scratch[0]!;
  if ((bits & 0x7f800000) === 0x7f800000 && (bits & 0x7fffff) !== 0) {
    return ((bits >>> 16) | 0x40) & 0xffff;
  }
  const roundingBias = 0x7fff + ((bits >>> 16) & 1);
  return ((bits + roundingBias) >>> 16) & 0xffff;
}

/** The float32 value of a bfloat16 bit pattern (exact). */
export function bfloat16BitsToFloat32(bits: number): number {
  uint32Scratch[0] = (bits & 0xffff) << 16;
  return float32Scratch[0]!;
}

/**
 * Converts a whole Float32Array to float16 bit patterns, with the same rounding as
 * {@link float32ToFloat16Bits} but on integer bit patterns: the rounding bias is added to the
 * float32 bits, so the common (normal) case is a few integer operations per element.
 *
 * @example
 * ```ts
 * float32ArrayToFloat16(new Float32Array([1, -2])); // Uint16Array [0x3c00, 0xc000]
 * ```
 */
export function float32ArrayToFloat16(values: Float32Array): Uint16Array {
  const words = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const out = new Uint16Array(values.length);
  for (let index = 0; index < words.length; index++) {
    const bits = words[index]!;
    const magnitude = bits & 0x7fffffff;
    const sign = (bits >>> 16) & 0x8000;
    if (magnitude >= 0x38800000 && magnitude < 0x477ff000) {
      // Normal half range: rebias the exponent and round the 13 dropped bits to nearest even.
      out[index] = sign | ((magnitude - 0x38000000 + 0xfff + ((magnitude >>> 13) & 1)) >>> 13);
    } else {
      out[index] = float32ToFloat16Bits(values[index]!);
    }
  }
  return out;
}

let float16Table: Uint32Array | undefined;

/** The float32 bit pattern of every float16 pattern, built once (256 KiB) on first use. */
function float16ToFloat32Table(): Uint32Array {
  if (float16Table !== undefined) return float16Table;
  const table = new Uint32Array(65536);
  const view = new Float32Array(table.buffer);
  for (let bits = 0; bits < 65536; bits++) {
    const sign = (bits & 0x8000) << 16;
    const exponent = (bits >>> 10) & 0x1f;
    const mantissa = bits & 0x3ff;
    if (exponent === 0x1f) {
      // Infinity and NaN at the bit level, so a NaN keeps its sign and payload (as tfjs does).
      table[bits] = sign | 0x7f800000 | (mantissa << 13);
    } else {
      view[bits] = float16BitsToFloat32(bits);
    }
  }
  float16Table = table;
  return table;
}

/**
 * Converts float16 bit patterns to float32, exactly (NaN sign and payload included): with
 * WebAssembly SIMD where the engine has it, else by table lookup. With `destination` (a
 * Float32Array as long as `bits`, sharing no bytes with it) the values are written there and it
 * is returned; a wrong one is an `invalid-argument` error.
 *
 * @example
 * ```ts
 * float16ArrayToFloat32(new Uint16Array([0x3c00])); // Float32Array [1]
 * float16ArrayToFloat32(new Uint16Array([0x3c00]), reused); // reused, now [1]
 * ```
 */
export function float16ArrayToFloat32(bits: Uint16Array, destination?: Float32Array): Float32Array {
  const out = outputFor(bits, destination);
  const kernel = defaultDecodeSimd();
  if (kernel !== null && widenHalvesSimd(kernel, 'float16', bits, out)) return out;
  return float16ArrayToFloat32Js(bits, out);
}

/**
 * The table-lookup conversion of {@link float16ArrayToFloat32} into `destination` (as long as
 * `bits`), with no SIMD: the reference the SIMD kernel is tested against (internal).
 *
 * @example
 * ```ts
 * float16ArrayToFloat32Js(new Uint16Array([0x3c00]), new Float32Array(1)); // [1]
 * ```
 */
export function float16ArrayToFloat32Js(bits: Uint16Array, destination: Float32Array): Float32Array {
  const table = float16ToFloat32Table();
  const words = new Uint32Array(destination.buffer, destination.byteOffset, destination.length);
  for (let index = 0; index < bits.length; index++) words[index] = table[bits[index]!]!;
  return destination;
}

/** Converts a whole Float32Array to bfloat16 bit patterns. */
export function float32ArrayToBfloat16(values: Float32Array): Uint16Array {
  const words = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const out = new Uint16Array(values.length);
  for (let index = 0; index < values.length; index++) {
    const bits = words[index]!;
    if ((bits & 0x7f800000) === 0x7f800000 && (bits & 0x7fffff) !== 0) {
      out[index] = ((bits >>> 16) | 0x40) & 0xffff;
    } else {
      out[index] = ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
    }
  }
  return out;
}

/**
 * Converts bfloat16 bit patterns to float32 (exact: the pattern is the float's top half), with
 * WebAssembly SIMD where the engine has it. `destination` as for {@link float16ArrayToFloat32}.
 *
 * @example
 * ```ts
 * bfloat16ArrayToFloat32(new Uint16Array([0x3f80])); // Float32Array [1]
 * ```
 */
export function bfloat16ArrayToFloat32(bits: Uint16Array, destination?: Float32Array): Float32Array {
  const out = outputFor(bits, destination);
  const kernel = defaultDecodeSimd();
  if (kernel !== null && widenHalvesSimd(kernel, 'bfloat16', bits, out)) return out;
  return bfloat16ArrayToFloat32Js(bits, out);
}

/**
 * {@link bfloat16ArrayToFloat32} into `destination` (as long as `bits`) with no SIMD: the
 * reference the SIMD kernel is tested against (internal).
 *
 * @example
 * ```ts
 * bfloat16ArrayToFloat32Js(new Uint16Array([0x3f80]), new Float32Array(1)); // [1]
 * ```
 */
export function bfloat16ArrayToFloat32Js(bits: Uint16Array, destination: Float32Array): Float32Array {
  const words = new Uint32Array(destination.buffer, destination.byteOffset, destination.length);
  for (let index = 0; index < bits.length; index++) words[index] = bits[index]! << 16;
  return destination;
}

/** A checked caller's array, or a fresh one. */
function outputFor(bits: Uint16Array, destination: Float32Array | undefined): Float32Array {
  if (destination === undefined) return new Float32Array(bits.length);
  checkDestination(destination, bits.length);
  checkNoOverlap(destination, [bits], 'the 16-bit patterns');
  return destination;
}
