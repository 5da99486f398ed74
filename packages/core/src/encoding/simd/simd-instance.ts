/**
 * What every WebAssembly SIMD kernel of whittle's does to exist: compile its module from the
 * base64 bytes built into the package (synchronously, so it loads the same way in Node, Deno,
 * Bun and browsers), and keep one instance per process, made on first use.
 */

/**
 * The exports of a fresh instance of the module whose bytes `base64` holds (a module with no
 * imports). Throws what `WebAssembly.Module` throws where the engine refuses it.
 *
 * @example
 * ```ts
 * const exports = instantiateSimdModule<{ memory: WebAssembly.Memory }>(DECODE_SIMD_BASE64);
 * ```
 */
export function instantiateSimdModule<Exports>(base64: string): Exports {
  const module = new WebAssembly.Module(decodeBase64(base64));
  return new WebAssembly.Instance(module, {}).exports as unknown as Exports;
}

/**
 * A getter of one process-wide kernel: `create` runs on the first call only, and its result is
 * kept, `null` where it gave none or threw (a host that validates SIMD but refuses to compile,
 * through memory limits or policy, still has the JS kernels).
 *
 * @example
 * ```ts
 * export const defaultDecodeSimd = processWideKernel(() => createDecodeSimd());
 * defaultDecodeSimd(); // the same kernel every call, or null
 * ```
 */
export function processWideKernel<Kernel>(create: () => Kernel | undefined): () => Kernel | null {
  let shared: Kernel | null | undefined;
  return () => {
    if (shared === undefined) {
      try {
        shared = create() ?? null;
      } catch {
        shared = null;
      }
    }
    return shared;
  };
}

/** Base64 to bytes without `atob` or `Buffer`, so every runtime decodes the same way. */
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
