import { WhittleError } from '../errors.ts';

/** The part of WebGPU's `GPU` interface whittle needs. */
export interface GpuLike {
  requestAdapter(options?: unknown): Promise<unknown>;
}

interface WebGpuPackage {
  create(flags: string[]): GpuLike;
  globals: Record<string, unknown>;
}

interface NavigatorHolder {
  navigator?: { gpu?: GpuLike };
}

/**
 * Makes sure `navigator.gpu` exists and has an adapter before the tfjs WebGPU backend is
 * imported: that backend registers itself only when `navigator.gpu` is there at import time.
 * Order of preference: the `gpu` the caller passes, the runtime's own `navigator.gpu` (browsers,
 * Deno), then the optional `webgpu` package (Dawn) for Node and Bun.
 */
export async function ensureGpu(gpu: GpuLike | undefined): Promise<void> {
  const holder = globalThis as NavigatorHolder;
  const chosen = gpu ?? holder.navigator?.gpu ?? (await loadDawn());
  if (chosen === undefined) {
    throw new WhittleError(
      'backend-unavailable',
      'WebGPU is not available in this runtime: pass { gpu } to useBackend, or install the optional "webgpu" package',
      { field: 'backend' },
    );
  }
  const adapter = await chosen.requestAdapter({ powerPreference: 'high-performance' });
  if (adapter === null || adapter === undefined) {
    throw new WhittleError('backend-unavailable', 'WebGPU has no adapter on this machine', { field: 'backend' });
  }
  if (holder.navigator?.gpu !== chosen) {
    if (holder.navigator === undefined) {
      Object.defineProperty(globalThis, 'navigator', { value: { gpu: chosen }, configurable: true, writable: true });
    } else {
      Object.defineProperty(holder.navigator, 'gpu', { value: chosen, configurable: true, writable: true });
    }
  }
}

async function loadDawn(): Promise<GpuLike | undefined> {
  // A variable specifier keeps bundlers from trying to resolve this optional package.
  const packageName = 'webgpu';
  let dawn: WebGpuPackage;
  try {
    dawn = (await import(/* @vite-ignore */ packageName)) as WebGpuPackage;
  } catch {
    return undefined;
  }
  // Dawn's WebGPU classes (GPUBufferUsage and friends) must be globals for tfjs to use them.
  Object.assign(globalThis, dawn.globals);
  return dawn.create([]);
}
