/**
 * Little-endian byte views of typed arrays, and aligned typed arrays from little-endian bytes.
 * Serialised buffers are always little-endian; on the (rare) big-endian host we swap.
 */

/** A typed array constructor whose elements are 1, 2 or 4 bytes wide. */
export interface TypedArrayType<T extends ArrayBufferView> {
  new (buffer: ArrayBuffer): T;
  readonly BYTES_PER_ELEMENT: number;
}

/** True on little-endian hosts (every common one), where byte views need no swapping. */
export const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * The little-endian bytes of `data`: a view without copying on little-endian hosts.
 *
 * @example
 * ```ts
 * littleEndianBytes(new Uint16Array([0x0102])); // Uint8Array [2, 1]
 * ```
 */
export function littleEndianBytes(data: ArrayBufferView & { readonly BYTES_PER_ELEMENT: number }): Uint8Array {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return HOST_IS_LITTLE_ENDIAN || data.BYTES_PER_ELEMENT === 1 ? bytes : swapped(bytes, data.BYTES_PER_ELEMENT);
}

/**
 * Copies little-endian `bytes` into a fresh, aligned typed array. Copying matters: a slice of a
 * weight shard may start at an odd offset, which a 2- or 4-byte typed array view cannot.
 *
 * @example
 * ```ts
 * fromLittleEndianBytes(new Uint8Array([2, 1]), Uint16Array); // Uint16Array [0x0102]
 * ```
 */
export function fromLittleEndianBytes<T extends ArrayBufferView>(bytes: Uint8Array, type: TypedArrayType<T>): T {
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  const ordered = HOST_IS_LITTLE_ENDIAN || type.BYTES_PER_ELEMENT === 1 ? copy : swapped(copy, type.BYTES_PER_ELEMENT);
  return new type(ordered.buffer as ArrayBuffer);
}

function swapped(bytes: Uint8Array, width: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let start = 0; start < bytes.length; start += width) {
    for (let offset = 0; offset < width; offset++) out[start + offset] = bytes[start + width - 1 - offset]!;
  }
  return out;
}
