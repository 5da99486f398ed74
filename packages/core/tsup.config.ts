import { createRequire } from 'node:module';
import { packageBuild } from '../../tsup.shared.ts';

const require = createRequire(import.meta.url);

export default packageBuild({
  entry: {
    index: 'src/index.ts',
    tfjs: 'src/formats/tfjs/index.ts',
    safetensors: 'src/formats/safetensors/index.ts',
    'register-gradients': 'src/backend/register-gradients.ts',
    test: 'src/testing/index.ts',
    fs: 'src/fs/index.ts',
    graph: 'src/graph/index.ts',
    // Only this entry imports tfjs-layers and tfjs-converter (optional peers): the root does not.
    runner: 'src/runner/index.ts',
  },
  noExternal: [/register_all_gradients/],
  external: ['@tensorflow/tfjs-core', /^@tensorflow\/tfjs-backend-/, '@tensorflow/tfjs-layers', '@tensorflow/tfjs-converter', 'fast-check', /^node:/],
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
