import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', bin: 'src/bin.ts' },
  format: ['esm'],
  // Only the library entry has types; `bin` is the executable.
  dts: { entry: { index: 'src/index.ts' } },
  clean: true,
  target: 'es2022',
  platform: 'node',
  // Deno needs the node: prefix on built-in modules.
  removeNodeProtocol: false,
  sourcemap: true,
  splitting: true,
  external: [/^@whittle\//, /^@tensorflow\//, 'commander'],
});
