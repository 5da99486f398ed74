import { defineConfig } from 'tsup';

export default defineConfig({
  // `register` is the side-effect entry (`@whittle/quantize/register`); everything else is pure.
  entry: { index: 'src/index.ts', register: 'src/register.ts' },
  format: ['esm'],
  dts: true,
  clean: true,
  target: 'es2022',
  platform: 'neutral',
  sourcemap: true,
  splitting: true,
  external: ['@whittle/core', /^@tensorflow\//],
});
