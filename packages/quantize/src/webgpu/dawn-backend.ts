/**
 * Starts tfjs's WebGPU backend in Node through Dawn (the `webgpu` package), for the kernel tests
 * and the measuring script: on a GPU when Dawn finds one, else on Dawn's OpenGL ES backend over
 * Mesa's software rasteriser (llvmpipe), which offers only a compatibility-mode adapter. Gives
 * the reason instead when no adapter can be created. Not part of the package's entry points.
 */
import { useBackend } from '@whittle/core';

/** What the Dawn module exports. */
interface DawnModule {
  create(flags: string[]): DawnGpu;
  globals: Record<string, unknown>;
}

interface DawnGpu {
  requestAdapter(options?: Record<string, unknown>): Promise<DawnAdapter | null>;
}

/** The adapter fields worth recording beside a measurement. */
interface DawnAdapter {
  readonly info?: { readonly vendor?: string; readonly architecture?: string; readonly device?: string; readonly description?: string };
  readonly limits?: Record<string, number>;
}

/** The outcome: a running backend and the adapter it runs on, or why there is none. */
export type DawnBackend =
  | { readonly ready: true; readonly adapter: string; readonly software: boolean; readonly info: Record<string, string> }
  | { readonly ready: false; readonly reason: string };

/**
 * Selects tfjs's webgpu backend on the best adapter Dawn offers here.
 *
 * @example
 * ```ts
 * const backend = await startDawnWebGpu();
 * if (!backend.ready) console.warn(`skipped: ${backend.reason}`);
 * ```
 */
export async function startDawnWebGpu(): Promise<DawnBackend> {
  let dawn: DawnModule;
  try {
    // A variable specifier: bundlers leave this optional, native package alone.
    const packageName = 'webgpu';
    dawn = (await import(/* @vite-ignore */ packageName)) as DawnModule;
  } catch (error) {
    return { ready: false, reason: `the webgpu package does not load: ${String(error)}` };
  }
  // tfjs-backend-webgpu reads GPUBufferUsage and friends from the global object.
  Object.assign(globalThis, dawn.globals);
  const hardware = dawn.create([]);
  const chosen = await firstAdapter(hardware, {});
  let gpu: DawnGpu = hardware;
  let software = false;
  if (chosen === null) {
    // Mesa picks its display from this; surfaceless needs no X server or GPU device node.
    process.env['EGL_PLATFORM'] ??= 'surfaceless';
    const fallback = dawn.create(['backend=opengles']);
    // tfjs asks for a core adapter; the GL backend offers only compatibility mode.
    gpu = {
      requestAdapter: async (options = {}) =>
        (await fallback.requestAdapter(options)) ?? (await fallback.requestAdapter({ ...options, featureLevel: 'compatibility' })),
    };
    software = true;
  }
  const adapter = await firstAdapter(gpu, {});
  if (adapter === null) {
    return {
      ready: false,
      reason: 'no WebGPU adapter: no GPU, and no Mesa EGL for the software route (apt-get install libegl-dev libegl-mesa0 libgl1-mesa-dri)',
    };
  }
  try {
    await useBackend('webgpu', { gpu: gpu as never });
  } catch (error) {
    return { ready: false, reason: `the webgpu backend did not start: ${error instanceof Error ? error.message : String(error)}` };
  }
  const info = adapter.info ?? {};
  const adapterText = [info.vendor, info.architecture, info.device, info.description].filter((part) => part !== undefined && part !== '').join(' / ');
  // Dawn's AdapterInfo keeps its fields on the prototype, out of reach of Object.entries.
  const infoFields = { vendor: info.vendor ?? '', architecture: info.architecture ?? '', device: info.device ?? '', description: info.description ?? '' };
  return { ready: true, adapter: adapterText, software, info: infoFields };
}

async function firstAdapter(gpu: DawnGpu, options: Record<string, unknown>): Promise<DawnAdapter | null> {
  try {
    return await gpu.requestAdapter(options);
  } catch {
    return null;
  }
}
