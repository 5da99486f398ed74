// Shared by the hand-run measurement scripts beside this file (not tests, not shipped).
import { build } from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Bundles `entry` (export lines over this package's TypeScript sources) with the repo's esbuild
 * and imports it, so a measurement needs no build. Written under node_modules/.cache so its bare
 * imports (tfjs) resolve from the repository.
 */
export async function importSources(name, entry) {
  const bundled = await build({
    stdin: { contents: entry, resolveDir: root, loader: 'ts' },
    bundle: true,
    format: 'esm',
    platform: 'node',
    write: false,
    external: ['@tensorflow/*'],
    logLevel: 'error',
  });
  const cacheFolder = join(root, 'node_modules', '.cache');
  mkdirSync(cacheFolder, { recursive: true });
  const bundlePath = join(cacheFolder, `${name}.mjs`);
  writeFileSync(bundlePath, bundled.outputFiles[0].text);
  return import(pathToFileURL(bundlePath).href);
}

/** A seeded uniform generator in [0, 1), so inputs match across runs. */
export function seededRandom(seed = 12345) {
  let state = seed;
  return () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** Median milliseconds of `repeats` timed runs after `warmups` untimed ones. */
export function median(run, repeats = 7, warmups = 2) {
  for (let index = 0; index < warmups; index++) run();
  const times = [];
  for (let index = 0; index < repeats; index++) {
    const start = performance.now();
    run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}
