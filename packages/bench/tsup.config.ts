import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm'],
  dts: true,
  clean: true,
  target: 'es2022',
  platform: 'neutral',
  // Deno needs the node: prefix on built-in modules.
  removeNodeProtocol: false,
  sourcemap: true,
  external: ['@whittle/core', /^@tensorflow\//, /^node:/],
});
