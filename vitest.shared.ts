import { defineConfig } from 'vitest/config';

/** The test setup every whittle package shares: tests beside the code. */
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    testTimeout: 60_000,
    // Setup hooks build backends and fixtures: on a busy 2-core machine they need a test's time.
    hookTimeout: 60_000,
    // tfjs-core's ESM build uses extension-less imports; let the test bundler resolve them.
    server: { deps: { inline: [/tfjs-core\/dist\/(?!tf-core)/] } },
  },
});
