import { describe, expect, it } from 'vitest';
import { instantiateSimdModule, processWideKernel } from './simd-instance.ts';

/** `(module (func (export "answer") (result i32) i32.const 42))`, assembled by hand. */
const ANSWER_MODULE = Uint8Array.of(
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f,
  0x03, 0x02, 0x01, 0x00,
  0x07, 0x0a, 0x01, 0x06, 0x61, 0x6e, 0x73, 0x77, 0x65, 0x72, 0x00, 0x00,
  0x0a, 0x06, 0x01, 0x04, 0x00, 0x41, 0x2a, 0x0b,
);

describe('instantiateSimdModule', () => {
  it('compiles the module its base64 holds, for every padding length', () => {
    const base64 = Buffer.from(ANSWER_MODULE).toString('base64');
    expect(instantiateSimdModule<{ answer(): number }>(base64).answer()).toBe(42);
    // Trailing custom sections of 0–2 bytes give base64 with two, one and no padding characters.
    for (const extra of [[], [0x00, 0x01, 0x00], [0x00, 0x02, 0x00, 0x00], [0x00, 0x03, 0x00, 0x00, 0x00]]) {
      const bytes = Uint8Array.of(...ANSWER_MODULE, ...extra);
      expect(instantiateSimdModule<{ answer(): number }>(Buffer.from(bytes).toString('base64')).answer()).toBe(42);
    }
  });

  it('throws the engine’s error for bytes that are no module', () => {
    expect(() => instantiateSimdModule(Buffer.from('not wasm').toString('base64'))).toThrow();
  });
});

describe('processWideKernel', () => {
  it('creates once and keeps the result, null where creation gave none or threw', () => {
    let calls = 0;
    const kernel = { name: 'k' };
    const shared = processWideKernel(() => (calls++, kernel));
    expect(shared()).toBe(kernel);
    expect(shared()).toBe(kernel);
    expect(calls).toBe(1);
    let missingCalls = 0;
    const missing = processWideKernel(() => (missingCalls++, undefined));
    expect([missing(), missing(), missingCalls]).toStrictEqual([null, null, 1]);
    const throwing = processWideKernel(() => {
      throw new Error('refused');
    });
    expect(throwing()).toBeNull();
  });
});
