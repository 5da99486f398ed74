import { readFile } from 'node:fs/promises';
import wabtFactory from 'wabt';
import { expect, test } from 'vitest';
import { DECODE_SIMD_BASE64 } from './decode-simd-module.ts';

test('the committed module bytes are the assembled decode-simd.wat', async () => {
  const source = await readFile(new URL('./decode-simd.wat', import.meta.url), 'utf8');
  const wabt = await wabtFactory();
  const parsed = wabt.parseWat('decode-simd.wat', source, { simd: true });
  try {
    parsed.validate();
    const { buffer } = parsed.toBinary({});
    expect(Buffer.from(buffer).toString('base64')).toBe(DECODE_SIMD_BASE64);
  } finally {
    parsed.destroy();
  }
});
