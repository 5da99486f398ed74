/**
 * The part of the WebGPU API the affine kernels use, declared here so the package needs no
 * WebGPU type package and its public types name none of these. Structural: a browser's, Deno's
 * or Dawn's (`webgpu` package) objects all fit.
 */

/** A GPU buffer. */
export interface GpuBuffer {
  readonly size: number;
  readonly usage: number;
  mapAsync(mode: number): Promise<void>;
  getMappedRange(): ArrayBuffer;
  unmap(): void;
  destroy(): void;
}

/** A compiled compute pipeline. */
export interface GpuComputePipeline {
  getBindGroupLayout(index: number): unknown;
}

/** A storage or uniform binding: a byte range of a buffer. */
export interface GpuBufferBinding {
  readonly buffer: GpuBuffer;
  readonly offset?: number;
  readonly size?: number;
}

/** A compute pass being recorded. */
export interface GpuComputePass {
  setPipeline(pipeline: GpuComputePipeline): void;
  setBindGroup(index: number, group: unknown): void;
  dispatchWorkgroups(x: number, y?: number, z?: number): void;
  end(): void;
}

/** Commands being recorded. */
export interface GpuCommandEncoder {
  beginComputePass(): GpuComputePass;
  copyBufferToBuffer(source: GpuBuffer, sourceOffset: number, destination: GpuBuffer, destinationOffset: number, size: number): void;
  finish(): unknown;
}

/** The error a device reports from an error scope. */
export interface GpuError {
  readonly message: string;
}

/** The limits the kernels size their windows by. */
export interface GpuLimits {
  readonly maxStorageBufferBindingSize: number;
  readonly maxBufferSize: number;
  readonly maxComputeWorkgroupsPerDimension: number;
  readonly minStorageBufferOffsetAlignment: number;
}

/** A WebGPU device. */
export interface GpuDevice {
  readonly limits: GpuLimits;
  readonly queue: {
    writeBuffer(buffer: GpuBuffer, offset: number, data: ArrayBufferView, dataOffset?: number, size?: number): void;
    submit(commands: unknown[]): void;
  };
  createBuffer(descriptor: { size: number; usage: number }): GpuBuffer;
  createShaderModule(descriptor: { code: string }): unknown;
  createComputePipeline(descriptor: { layout: 'auto'; compute: { module: unknown; entryPoint: string } }): GpuComputePipeline;
  createBindGroup(descriptor: { layout: unknown; entries: { binding: number; resource: GpuBufferBinding }[] }): unknown;
  createCommandEncoder(): GpuCommandEncoder;
  pushErrorScope(filter: 'validation' | 'out-of-memory' | 'internal'): void;
  popErrorScope(): Promise<GpuError | null>;
}

/**
 * WebGPU's buffer usage flags (the spec fixes their values), so the kernels do not depend on the
 * runtime putting `GPUBufferUsage` on the global object.
 */
export const BUFFER_USAGE = {
  mapRead: 0x0001,
  copySource: 0x0004,
  copyDestination: 0x0008,
  uniform: 0x0040,
  storage: 0x0080,
} as const;

/** `GPUMapMode.READ`. */
export const MAP_READ = 0x0001;
