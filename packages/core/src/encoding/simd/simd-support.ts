/**
 * Whether this engine runs WebAssembly SIMD (Node ≥ 16.4, Deno, Bun, current browsers), probed
 * once by validating the smallest module that uses a v128 value.
 */

/** `(module (func (result v128) (v128.const i64x2 0 0)))`: validates only where SIMD exists. */
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type section: () -> v128
  0x03, 0x02, 0x01, 0x00, // function section
  0x0a, 0x16, 0x01, 0x14, 0x00, 0xfd, 0x0c, // code section: v128.const
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x0b,
]);

let probed: boolean | undefined;

/**
 * True when WebAssembly with SIMD is available; false without WebAssembly at all. Every SIMD
 * kernel of whittle's asks this before compiling its module.
 *
 * @example
 * ```ts
 * if (webAssemblySimdSupported()) useSimdKernels();
 * ```
 */
export function webAssemblySimdSupported(): boolean {
  if (probed === undefined) {
    try {
      probed = typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
    } catch {
      // Some locked-down pages throw on any WebAssembly use (a CSP without wasm-unsafe-eval).
      probed = false;
    }
  }
  return probed;
}
