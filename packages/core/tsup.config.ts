import { createRequire } from 'node:module';
import { defineConfig } from 'tsup';

const require = createRequire(import.meta.url);

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'register-gradients': 'src/backend/register-gradients.ts',
    test: 'src/testing/index.ts',
    fs: 'src/fs/index.ts',
  },
  noExternal: [/register_all_gradients/],
  format: ['esm'],
  dts: true,
  clean: true,
  target: 'es2022',
  platform: 'neutral',
  // Deno needs the node: prefix on built-in modules.
  removeNodeProtocol: false,
  sourcemap: true,
  splitting: true,
  external: ['@tensorflow/tfjs-core', /^@tensorflow\/tfjs-backend-/, 'fast-check', /^node:/],
  esbuildPlugins: [
    {
      // tfjs-core ships its gradient registrations only as extension-less ESM that Node and Deno
      // refuse to load. Bundle that file (and the internals it reaches) into our side-effect entry;
      // tfjs keeps its engine and registries in globals, so it serves the user's tfjs-core.
      name: 'bundle-tfjs-gradients',
      setup(build) {
        build.onResolve({ filter: /^@tensorflow\/tfjs-core\/dist\/register_all_gradients/ }, () => ({
          path: require.resolve('@tensorflow/tfjs-core/dist/register_all_gradients.js'),
        }));
      },
    },
  ],
});
