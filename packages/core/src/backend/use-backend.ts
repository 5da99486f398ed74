import * as tf from '@tensorflow/tfjs-core';
import { WhittleError } from '../errors.ts';
import { describe } from '../tensor/shape.ts';
import { keepProcessErrorHandling } from './keep-process-error-handling.ts';
import { detectRuntime, type RuntimeName } from './runtime.ts';
import { ensureGpu, type GpuLike } from './webgpu-glue.ts';

/** The tfjs backends whittle runs on. */
export type BackendName = 'wasm' | 'cpu' | 'webgpu';

/** Every backend name, in order of preference. */
export const BACKEND_NAMES: readonly BackendName[] = ['wasm', 'webgpu', 'cpu'];

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

let gradientsRegistered = false;

/**
 * Makes a tfjs backend ready, in Node, Deno, Bun or a browser: loads it, selects it, waits for
 * it, and registers tfjs's gradients (tfjs-core's main entry has none). WASM SIMD is the default.
 * WebGPU is opt-in and its packages (`@tensorflow/tfjs-backend-webgpu`, and `webgpu` in Node)
 * are optional: asking for it without them gives a clear `backend-unavailable` error. In Node,
 * the process's `uncaughtException` and `unhandledRejection` handling stays as it was (the wasm
 * backend's emscripten glue would otherwise turn every later uncaught error into a crash in it).
 *
 * @example
 * ```ts
 * const info = await useBackend(); // { name: 'wasm', simd: true, threads: false, gradients: true, ... }
 * const grad = tf.grad((x: tf.Tensor) => tf.sum(tf.square(x)));
 * ```
 */
export async function useBackend(name: BackendName = 'wasm', options: UseBackendOptions = {}): Promise<BackendInfo> {
  const candidates = [name, ...(options.fallback ?? []).filter((fallback) => fallback !== name)];
  const failures: string[] = [];
  for (const candidate of candidates) {
    assertBackendName(candidate);
    try {
      await registerGradients();
      await startBackend(candidate, options);
      return await backendInfo();
    } catch (error) {
      failures.push(`${candidate}: ${error instanceof Error ? error.message : String(error)}`);
    }
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
  const current = tf.getBackend();
  if (current !== 'wasm' && current !== 'cpu' && current !== 'webgpu') {
    throw new WhittleError('backend-unavailable', `tfjs backend ${describe(current)} is not one of whittle's`, {
      field: 'backend',
    });
  }
  const runtime = detectRuntime();
  const isWasm = current === 'wasm';
  return {
    name: current,
    simd: isWasm ? Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) : undefined,
    threads: isWasm ? Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) : undefined,
    gradients: gradientsRegistered,
    runtime: runtime.name,
    runtimeVersion: runtime.version,
    tfjsVersion: tf.version_core,
  };
}

async function registerGradients(): Promise<void> {
  if (gradientsRegistered) return;
  await import('./register-gradients.ts');
  gradientsRegistered = true;
}

async function startBackend(name: BackendName, options: UseBackendOptions): Promise<void> {
  if (name === 'cpu') {
    await import('@tensorflow/tfjs-backend-cpu');
  } else if (name === 'wasm') {
    const wasm = await importOptional('@tensorflow/tfjs-backend-wasm', () => import('@tensorflow/tfjs-backend-wasm'));
    if (options.wasmPaths !== undefined) wasm.setWasmPaths(options.wasmPaths);
  } else {
    await ensureGpu(options.gpu);
    await importOptional('@tensorflow/tfjs-backend-webgpu', () => import('@tensorflow/tfjs-backend-webgpu'));
  }
  if (tf.findBackendFactory(name) === null) {
    throw new WhittleError('backend-unavailable', `tfjs did not register the ${name} backend`, { field: 'backend' });
  }
  // The wasm backend starts its emscripten module here, which takes over the process's
  // uncaught-error handling in Node; whittle gives it back.
  await keepProcessErrorHandling(async () => {
    // setBackend resolves false (it does not throw) when the backend fails to initialise.
    if (!(await tf.setBackend(name))) {
      throw new WhittleError('backend-unavailable', `the ${name} backend failed to initialise`, { field: 'backend' });
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
      `cannot load ${packageName} (install it beside @whittle/core): ${error instanceof Error ? error.message : String(error)}`,
      { field: 'backend' },
      { cause: error },
    );
  }
}

function assertBackendName(name: unknown): asserts name is BackendName {
  if (!BACKEND_NAMES.includes(name as BackendName)) {
    throw new WhittleError(
      'invalid-argument',
      `unknown backend ${describe(name)}; expected one of ${BACKEND_NAMES.join(', ')}`,
      { field: 'backend' },
    );
  }
}
