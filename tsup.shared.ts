import { defineConfig, type Options } from 'tsup';

/**
 * The build every whittle package shares: ESM with declarations, built for any runtime, with
 * whittle, tfjs and Node built-ins left to the user's install (tfjs keeps its engine in a global,
 * so it must never be bundled twice).
 */
export function packageBuild(options: Options = {}): ReturnType<typeof defineConfig> {
  return defineConfig({
    entry: { index: 'src/index.ts' },
    format: ['esm'],
    dts: true,
    clean: true,
    target: 'es2022',
    platform: 'neutral',
    // Deno needs the node: prefix on built-in modules.
    removeNodeProtocol: false,
    sourcemap: true,
    splitting: true,
    external: [/^@whittle\//, /^@tensorflow\//, /^node:/],
    ...options,
  });
}
