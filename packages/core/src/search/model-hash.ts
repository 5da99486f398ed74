/**
 * A fingerprint of a model's topology and every param's stored bytes, for keys of cached
 * measurements: any change to a weight, a shape or the topology changes it.
 */
import { encodingParts } from '../encoding/serialize.ts';
import type { Model } from '../model/types.ts';

/**
 * The SHA-256 (hex) of `model`: its format, topology, and each param's name, role, shape,
 * encoding metadata and buffers, in order. Each param is hashed on its own and the digests
 * hashed together, so memory holds one param's bytes at a time beyond the model itself.
 *
 * @example
 * ```ts
 * const key = await modelHash(model); // '3f2a…' (64 hex digits)
 * ```
 */
export async function modelHash(model: Model): Promise<string> {
  const encoder = new TextEncoder();
  const digests: Uint8Array[] = [await sha256(encoder.encode(JSON.stringify([model.format, model.topology ?? null])))];
  for (const param of model.params.values()) {
    const { metadata, buffers } = encodingParts(param.value);
    const header = encoder.encode(JSON.stringify([param.name, param.role, param.shape, metadata, buffers.map(({ name, dtype, shape }) => [name, dtype, shape])]));
    const parts = [header, ...buffers.map(({ bytes }) => bytes)];
    digests.push(await sha256(concatenate(parts)));
  }
  return hex(await sha256(concatenate(digests)));
}

/**
 * The SHA-256 of `bytes`, through Web Crypto (Node, Deno, Bun and browsers have it).
 *
 * @example
 * ```ts
 * hex(await sha256(new TextEncoder().encode('abc'))); // 'ba7816bf…'
 * ```
 */
export async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
}

/**
 * Lower-case hex digits of `bytes`.
 *
 * @example
 * ```ts
 * hex(new Uint8Array([1, 255])); // '01ff'
 * ```
 */
export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

function concatenate(parts: readonly Uint8Array[]): Uint8Array {
  const total = parts.reduce((sum, part) => sum + part.byteLength + 8, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let offset = 0;
  for (const part of parts) {
    // Each part's length first, so two splits of the same bytes never hash alike.
    view.setFloat64(offset, part.byteLength, true);
    out.set(part, offset + 8);
    offset += part.byteLength + 8;
  }
  return out;
}
