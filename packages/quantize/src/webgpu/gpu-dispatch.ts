/**
 * The plumbing every affine kernel shares: pipelines compiled once per device, the per-window
 * uniform, 2-D dispatches (a dimension holds at most 65535 workgroups), buffer reads, and GPU
 * errors turned into whittle's typed errors.
 */
import { WhittleError } from '@whittle/core';
import type { AffineLayout } from '../primitives/affine-layout.ts';
import { BUFFER_USAGE, MAP_READ, type GpuBuffer, type GpuBufferBinding, type GpuCommandEncoder, type GpuComputePipeline, type GpuDevice } from './gpu-interfaces.ts';
import { WINDOW_BYTES, WORKGROUP_SIZE } from './affine-shaders.ts';
import type { GpuWindow } from './gpu-windows.ts';

const pipelines = new WeakMap<GpuDevice, Map<string, GpuComputePipeline>>();

/**
 * The compute pipeline for `source` on `device`, compiled on first use.
 *
 * @example
 * ```ts
 * const pipeline = pipelineFor(device, quantizeShader(true, 4));
 * ```
 */
export function pipelineFor(device: GpuDevice, source: string): GpuComputePipeline {
  let cache = pipelines.get(device);
  if (cache === undefined) {
    cache = new Map();
    pipelines.set(device, cache);
  }
  let pipeline = cache.get(source);
  if (pipeline === undefined) {
    const module = device.createShaderModule({ code: source });
    pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
    cache.set(source, pipeline);
  }
  return pipeline;
}

/** Per-dispatch settings beyond the layout and window. */
export interface WindowSettings {
  readonly qmin?: number;
  readonly qmax?: number;
  readonly span?: number;
  readonly parts?: number;
  /** Slots the dispatch covers, from the window's slotLow. */
  readonly slotCount?: number;
}

/**
 * Records one dispatch of `threads` threads over `window`: writes its uniform, binds it at 0
 * and `bindings` from 1 on, and returns the uniform buffer for the caller to destroy once the
 * work is submitted.
 *
 * @example
 * ```ts
 * const uniform = recordDispatch(device, encoder, pipeline, layout, window, settings, bindings, threads);
 * ```
 */
export function recordDispatch(
  device: GpuDevice,
  encoder: GpuCommandEncoder,
  pipeline: GpuComputePipeline,
  layout: AffineLayout,
  window: GpuWindow,
  settings: WindowSettings,
  bindings: readonly GpuBufferBinding[],
  threads: number,
): GpuBuffer {
  const workgroups = Math.ceil(threads / WORKGROUP_SIZE);
  const columns = Math.max(1, Math.min(workgroups, device.limits.maxComputeWorkgroupsPerDimension));
  const rows = Math.ceil(workgroups / columns);
  const words = new Uint32Array(WINDOW_BYTES / 4);
  words.set([
    window.base,
    window.count,
    layout.outer,
    layout.length,
    layout.inner,
    layout.groupSize,
    layout.groupCount,
    window.slotLow,
    columns * WORKGROUP_SIZE,
    // Uint32Array stores a negative bound as its two's complement, which WGSL reads back as i32.
    settings.qmin ?? 0,
    settings.qmax ?? 0,
    settings.span ?? 0,
    settings.parts ?? 1,
    settings.slotCount ?? 0,
  ]);
  const uniform = device.createBuffer({ size: WINDOW_BYTES, usage: BUFFER_USAGE.uniform | BUFFER_USAGE.copyDestination });
  device.queue.writeBuffer(uniform, 0, words);
  const group = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: [{ binding: 0, resource: { buffer: uniform } }, ...bindings.map((resource, index) => ({ binding: index + 1, resource }))],
  });
  if (workgroups > 0) {
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(columns, rows);
    pass.end();
  }
  return uniform;
}

/**
 * A storage buffer of `byteLength` bytes (rounded up to whole words), zero-filled as WebGPU
 * creates every buffer.
 *
 * @example
 * ```ts
 * const ranges = storageBuffer(device, slotCount * 16);
 * ```
 */
export function storageBuffer(device: GpuDevice, byteLength: number, extraUsage = 0): GpuBuffer {
  return device.createBuffer({
    size: Math.max(4, roundUp(byteLength, 4)),
    usage: BUFFER_USAGE.storage | BUFFER_USAGE.copySource | BUFFER_USAGE.copyDestination | extraUsage,
  });
}

/**
 * Writes `bytes` to the start of `buffer`: WebGPU writes whole words, so a ragged tail goes
 * through a zero-padded word.
 *
 * @example
 * ```ts
 * writeBytes(device, codesBuffer, encoding.codes);
 * ```
 */
export function writeBytes(device: GpuDevice, buffer: GpuBuffer, bytes: Uint8Array): void {
  const whole = bytes.length - (bytes.length % 4);
  if (whole > 0) device.queue.writeBuffer(buffer, 0, bytes, 0, whole);
  if (whole < bytes.length) {
    const tail = new Uint8Array(4);
    tail.set(bytes.subarray(whole));
    device.queue.writeBuffer(buffer, whole, tail);
  }
}

/**
 * Copies the first `byteLength` bytes of `source` back to the host once the queued work is done.
 *
 * @example
 * ```ts
 * const codes = new Uint8Array(await readBuffer(device, codesBuffer, byteLength));
 * ```
 */
export async function readBuffer(device: GpuDevice, source: GpuBuffer, byteLength: number): Promise<ArrayBuffer> {
  const size = Math.max(4, roundUp(byteLength, 4));
  const staging = device.createBuffer({ size, usage: BUFFER_USAGE.mapRead | BUFFER_USAGE.copyDestination });
  try {
    const encoder = device.createCommandEncoder();
    encoder.copyBufferToBuffer(source, 0, staging, 0, size);
    device.queue.submit([encoder.finish()]);
    await staging.mapAsync(MAP_READ);
    const copy = staging.getMappedRange().slice(0, byteLength);
    staging.unmap();
    return copy;
  } finally {
    staging.destroy();
  }
}

/**
 * Runs `work` inside validation and out-of-memory error scopes, so a kernel the device rejects
 * becomes a `backend-unavailable` WhittleError naming it rather than a console warning and
 * wrong data.
 *
 * @example
 * ```ts
 * const codes = await withGpuErrors(device, 'quantize', () => runKernels());
 * ```
 */
export async function withGpuErrors<Result>(device: GpuDevice, kernel: string, work: () => Promise<Result>): Promise<Result> {
  device.pushErrorScope('out-of-memory');
  device.pushErrorScope('validation');
  let result: Result | undefined;
  let failure: unknown;
  let failed = false;
  try {
    result = await work();
  } catch (error) {
    failure = error;
    failed = true;
  }
  const validation = await device.popErrorScope();
  const memory = await device.popErrorScope();
  const gpuError = validation ?? memory;
  if (gpuError !== null) {
    throw new WhittleError('backend-unavailable', `WebGPU rejected the ${kernel} kernel: ${firstLine(gpuError.message)}`, {
      field: 'backend',
    });
  }
  if (failed) {
    if (failure instanceof WhittleError) throw failure;
    throw new WhittleError(
      'backend-unavailable',
      `the WebGPU ${kernel} kernel failed: ${firstLine(failure instanceof Error ? failure.message : String(failure))}`,
      { field: 'backend' },
      { cause: failure },
    );
  }
  return result as Result;
}

/** `value` rounded up to a multiple of `step`. */
export function roundUp(value: number, step: number): number {
  return Math.ceil(value / step) * step;
}

function firstLine(message: string): string {
  return message.split('\n', 1)[0]!.slice(0, 200);
}
