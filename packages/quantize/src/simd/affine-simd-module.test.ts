import { readFile } from 'node:fs/promises';
import wabtFactory from 'wabt';
import { expect, test } from 'vitest';
import { AFFINE_SIMD_BASE64 } from './affine-simd-module.ts';

test('the committed module bytes are the assembled affine-simd.wat', async () => {
  const source = await readFile(new URL('./affine-simd.wat', import.meta.url), 'utf8');
  const wabt = await wabtFactory();
  const parsed = wabt.parseWat('affine-simd.wat', source, { simd: true });
  try {
    parsed.validate();
    const { buffer } = parsed.toBinary({});
    expect(Buffer.from(buffer).toString('base64')).toBe(AFFINE_SIMD_BASE64);
  } finally {
    parsed.destroy();
  }
});
