/**
 * Imports a module by a specifier that bundlers leave alone: esbuild, Vite and Rollup bundle a
 * dynamic `import()` only when its argument is a string literal. Optional packages (the WebGPU
 * backend, the gradients) are loaded this way so that a bundle neither fails when they are not
 * installed nor carries them when they are unused. Node, Deno and Bun resolve the specifier at
 * run time from `node_modules`; in a bundled app the import fails, and the caller says what to
 * import statically instead.
 *
 * @example
 * ```ts
 * const webgpu = await importAtRuntime('@tensorflow/tfjs-backend-webgpu');
 * ```
 */
export async function importAtRuntime(specifier: string): Promise<unknown> {
  return import(/* @vite-ignore */ specifier);
}
