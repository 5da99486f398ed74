import * as tf from '@tensorflow/tfjs-core';
import { WhittleError } from '../errors.ts';
import { describeValue } from '../tensor/shape.ts';
import { installChainedOps } from './chained-ops.ts';
import { gradientsRegistered, loadGradients } from './gradients.ts';
import { importAtRuntime } from './import-at-runtime.ts';
import { keepProcessErrorHandling } from './keep-process-error-handling.ts';
import { requireBackend } from './require-backend.ts';
import { detectRuntime, type RuntimeName } from './runtime.ts';
import { ensureGpu, type GpuLike } from './webgpu-glue.ts';

/** Every backend name, in order of preference: the list {@link BackendName} is derived from. */
export const BACKEND_NAMES = ['wasm', 'webgpu', 'cpu'] as const;

/** The tfjs backends whittle runs on. */
export type BackendName = (typeof BACKEND_NAMES)[number];

/** The wasm binaries tfjs may load, by file name. */
export type WasmFileName =
  | 'tfjs-backend-wasm.wasm'
  | 'tfjs-backend-wasm-simd.wasm'
  | 'tfjs-backend-wasm-threaded-simd.wasm';

/** Options for {@link useBackend}. */
export interface UseBackendOptions {
  /**
   * Where the wasm binaries are served from (tfjs's `setWasmPaths`): needed only after bundling,
   * when they no longer sit beside the backend's own files.
   */
  readonly wasmPaths?: string | Partial<Record<WasmFileName, string>>;
  /** Backends to try, in order, when the one asked for cannot start. None by default. */
  readonly fallback?: readonly BackendName[];
  /**
   * A WebGPU `GPU` object for runtimes without `navigator.gpu` (in Node: `create([])` from the
   * `webgpu` package). Without it, whittle tries `navigator.gpu`, then the `webgpu` package.
   */
  readonly gpu?: GpuLike;
  /**
   * Also register tfjs's gradient functions, which training needs (`tf.grad`, optimizers,
   * `fit`) and inference does not. Default false, so an inference bundle does not carry them;
   * see {@link loadGradients}.
   */
  readonly gradients?: boolean;
}

/** What is running: the backend and what it can do, the runtime and the tfjs version. */
export interface BackendInfo {
  readonly name: BackendName;
  /** Whether WASM SIMD is on; undefined for other backends. */
  readonly simd: boolean | undefined;
  /** Whether WASM threads are on; undefined for other backends. */
  readonly threads: boolean | undefined;
  /** Whether tfjs's gradient functions are registered. */
  readonly gradients: boolean;
  readonly runtime: RuntimeName;
  readonly runtimeVersion: string | undefined;
  readonly tfjsVersion: string;
}

/** What to do when the wasm backend does not start. */
const WASM_HINT =
  " (were its .wasm binaries found? In a bundled app, set wasmPaths to the URL they are served from: useBackend('wasm', { wasmPaths }))";

/** The WebGPU backend: optional, so it is imported only when asked for (see importAtRuntime). */
const WEBGPU_PACKAGE = '@tensorflow/tfjs-backend-webgpu';

/**
 * Makes a tfjs backend ready, in Node, Deno, Bun or a browser: loads it, selects it and waits for
 * it. WASM SIMD is the default. Only what is asked for is loaded, so a bundle carries neither
 * the WebGPU backend nor tfjs's gradients unless it uses them:
 * - WebGPU is opt-in and its packages (`@tensorflow/tfjs-backend-webgpu`, and `webgpu` in Node)
 *   are optional. Node, Deno and Bun load them here; a bundled app imports
 *   `@tensorflow/tfjs-backend-webgpu` itself. Without them: a clear `backend-unavailable` error.
 * - `{ gradients: true }` registers tfjs's gradients for training (see {@link loadGradients}).
 *
 * In Node, the process's `uncaughtException` and `unhandledRejection` handling stays as it was
 * (the wasm backend's emscripten glue would otherwise turn every later uncaught error into a
 * crash in it).
 *
 * @example
 * ```ts
 * const info = await useBackend(); // { name: 'wasm', simd: true, threads: false, gradients: false, ... }
 * await useBackend('cpu', { gradients: true }); // for training
 * const grad = tf.grad((x: tf.Tensor) => tf.sum(tf.square(x)));
 * ```
 */
export async function useBackend(name: BackendName = 'wasm', options: UseBackendOptions = {}): Promise<BackendInfo> {
  const candidates = [name, ...(options.fallback ?? []).filter((fallback) => fallback !== name)];
  const failures: string[] = [];
  if (options.gradients !== undefined && typeof options.gradients !== 'boolean') {
    throw new WhittleError('invalid-argument', `gradients must be true or false, got ${describeValue(options.gradients)}`, {
      field: 'gradients',
    });
  }
  for (const candidate of candidates) {
    assertBackendName(candidate);
    try {
      await startBackend(candidate, options);
    } catch (error) {
      failures.push(`${candidate}: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    // Gradients are the same on every backend: failing to load them is no reason to fall back.
    if (options.gradients === true) await loadGradients();
    // tfjs-layers calls tensor methods that only tfjs-core's ES module build defines.
    installChainedOps();
    return await backendInfo();
  }
  throw new WhittleError('backend-unavailable', `no backend could start (${failures.join('; ')})`, {
    field: 'backend',
  });
}

/**
 * Describes the backend tfjs is using now (after {@link useBackend}).
 *
 * @example
 * ```ts
 * const { name, simd } = await backendInfo();
 * ```
 */
export async function backendInfo(): Promise<BackendInfo> {
  requireBackend('backendInfo');
  const current = tf.getBackend();
  if (current !== 'wasm' && current !== 'cpu' && current !== 'webgpu') {
    throw new WhittleError('backend-unavailable', `tfjs backend ${describeValue(current)} is not one of whittle's`, {
      field: 'backend',
    });
  }
  const runtime = detectRuntime();
  const isWasm = current === 'wasm';
  return {
    name: current,
    simd: isWasm ? Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) : undefined,
    threads: isWasm ? Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) : undefined,
    gradients: gradientsRegistered(),
    runtime: runtime.name,
    runtimeVersion: runtime.version,
    tfjsVersion: tf.version_core,
  };
}

async function startBackend(name: BackendName, options: UseBackendOptions): Promise<void> {
  if (name === 'cpu') {
    await import('@tensorflow/tfjs-backend-cpu');
  } else if (name === 'wasm') {
    const wasm = await importOptional('@tensorflow/tfjs-backend-wasm', () => import('@tensorflow/tfjs-backend-wasm'));
    if (options.wasmPaths !== undefined) wasm.setWasmPaths(options.wasmPaths);
  } else {
    await ensureGpu(options.gpu);
    // A bundled app that wants WebGPU imports the backend itself; it registers on import.
    if (tf.findBackendFactory(name) === null) {
      await importOptional(WEBGPU_PACKAGE, () => importAtRuntime(WEBGPU_PACKAGE));
    }
  }
  if (tf.findBackendFactory(name) === null) {
    throw new WhittleError('backend-unavailable', `tfjs did not register the ${name} backend`, { field: 'backend' });
  }
  // The wasm backend starts its emscripten module here, which takes over the process's
  // uncaught-error handling in Node; whittle gives it back.
  await keepProcessErrorHandling(async () => {
    // setBackend resolves false (it does not throw) when the backend fails to initialise.
    if (!(await tf.setBackend(name))) {
      // A bundle moves the wasm binaries away from the backend's code, and tfjs then cannot find
      // them: the usual reason this backend fails, and one tfjs's own warning does not name.
      const hint = name === 'wasm' ? WASM_HINT : '';
      throw new WhittleError('backend-unavailable', `the ${name} backend failed to initialise${hint}`, { field: 'backend' });
    }
    await tf.ready();
  });
}

async function importOptional<Module>(packageName: string, load: () => Promise<Module>): Promise<Module> {
  try {
    return await load();
  } catch (error) {
    throw new WhittleError(
      'backend-unavailable',
      `cannot load ${packageName} (install it beside @whittle/core; in a bundled app, import it once): ${error instanceof Error ? error.message : String(error)}`,
      { field: 'backend' },
      { cause: error },
    );
  }
}

function assertBackendName(name: unknown): asserts name is BackendName {
  if (!BACKEND_NAMES.includes(name as BackendName)) {
    throw new WhittleError(
      'invalid-argument',
      `unknown backend ${describeValue(name)}; expected one of ${BACKEND_NAMES.join(', ')}`,
      { field: 'backend' },
    );
  }
}
