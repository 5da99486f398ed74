/**
 * Affine quantization of float32 values already in a GPU buffer, in two kernels: per-slot
 * ranges on the GPU, scales and zero points on the host from those ranges (the very functions
 * `quantizeAffine` uses, in float64, so the stored scales are identical), then codes packed on
 * the GPU. Only the ranges and the packed codes come back to the host.
 */
import {
  WhittleError,
  affineEncoding,
  checkEntriesBound,
  float32ArrayToFloat16,
  normalizeGranularity,
  scalesShape,
  type AffineEncoding,
  type Granularity,
} from '@whittle/core';
import { affineLayout, type AffineLayout } from '../primitives/affine-layout.ts';
import { affineScale, affineZeroPoint, signedExtremeScale } from '../primitives/choose-qparams.ts';
import { quantizationRange } from '../primitives/quantization-range.ts';
import { inverseScale, type ScaleGrid } from '../primitives/affine-kernels.ts';
import { checkGrid, quantizeAffineByteLength, type QuantizeAffineOptions } from '../primitives/quantize-affine.ts';
import { quantizeShader, rangeShader } from './affine-shaders.ts';
import type { GpuBuffer, GpuDevice } from './gpu-interfaces.ts';
import { pipelineFor, readBuffer, recordDispatch, storageBuffer, withGpuErrors } from './gpu-dispatch.ts';
import { SLOT_ENTRY_BYTES, codeWindowBindings, gpuWindows, type GpuWindow } from './gpu-windows.ts';

/** Code widths the WebGPU kernels pack: those that divide a 32-bit word. */
export const GPU_CODE_BITS: readonly number[] = [1, 2, 4, 8];

/** Elements per range part on ungrouped layouts: enough threads for a GPU, short loops. */
const RANGE_SPAN = 256;

/**
 * Scales the kernels handle: their float32 inverses stay normal numbers (GPUs may flush
 * subnormals to zero), and a subnormal value times one codes as 0.
 */
const SMALLEST_SCALE = 2 ** -100;
const LARGEST_SCALE = 2 ** 100;

/** Bytes per slot of the code kernel's table: inverse, zero point. */
const CODING_BYTES = 8;

/** Tuning for tests and measurements. */
export interface GpuKernelTuning {
  /** Cap on elements per dispatch window, below the adapter's binding limit. */
  readonly windowElements?: number;
}

/**
 * Quantizes the first `size(shape)` float32 values of `input` as `quantizeAffine` would, with
 * the same checks of `options`. Resolves to undefined, having changed nothing, when a scale is
 * below 2^-100 or above 2^100 (where the float32 inverse or its products could leave
 * the normal range): the caller then quantizes on the host. An empty tensor must not come here.
 *
 * @example
 * ```ts
 * const encoding = await quantizeAffineBuffer(device, buffer, [4096, 4096], { bits: 4, granularity: { kind: 'group', axis: 0, size: 32 } });
 * ```
 */
export async function quantizeAffineBuffer(
  device: GpuDevice,
  input: GpuBuffer,
  shape: readonly number[],
  options: QuantizeAffineOptions,
  tuning: GpuKernelTuning = {}
): Promise<AffineEncoding | undefined> {
  const plan = gpuQuantizePlan(shape, options);
  const size = shape.reduce((product, dimension) => product * dimension, 1);
  const { layout, grouped, symmetric, qmin, qmax, bits } = plan;
  const windows = gpuWindows(layout, size, grouped, device.limits, tuning.windowElements);
  return await withGpuErrors(device, 'affine quantize', async () => {
    const ranges = await gpuRanges(device, input, layout, grouped, windows);
    const slots = chooseSlots(ranges, layout, plan);
    if (slots === undefined) return undefined;
    const codes = await gpuCodes(device, input, layout, grouped, windows, slots.coding, { qmin, qmax, bits }, size);
    const parametersShape = scalesShape(shape, plan.granularity);
    const scales =
      plan.scaleDType === 'float32'
        ? { dtype: 'float32' as const, shape: parametersShape, data: new Float32Array(slots.scales) }
        : { dtype: 'float16' as const, shape: parametersShape, data: float32ArrayToFloat16(new Float32Array(slots.scales)) };
    return affineEncoding({
      shape: [...shape],
      bits,
      signed: symmetric,
      granularity: plan.granularity,
      codes,
      scales,
      ...(symmetric ? {} : { zeroPoints: { dtype: 'uint8' as const, shape: parametersShape, data: new Uint8Array(slots.zeroPoints) } }),
    });
  });
}

/** What the kernels need from the options, checked as `quantizeAffine` checks them. */
interface QuantizePlan {
  readonly layout: AffineLayout;
  readonly granularity: Granularity;
  readonly grouped: boolean;
  readonly symmetric: boolean;
  readonly bits: number;
  readonly qmin: number;
  readonly qmax: number;
  readonly scaleDType: 'float32' | 'float16';
  /** How a symmetric scale is chosen (the default resolved as `quantizeAffine` resolves it). */
  readonly grid: ScaleGrid;
}

/**
 * Checks `options` for `shape` with quantizeAffine's own checks and messages, then those only
 * the GPU has (code widths, sizes).
 *
 * @example
 * ```ts
 * gpuQuantizePlan([64, 32], { bits: 3, granularity: { kind: 'tensor' } }); // throws: 3-bit codes have no WebGPU kernel
 * ```
 */
export function gpuQuantizePlan(shape: readonly number[], options: QuantizeAffineOptions): QuantizePlan {
  // Validates bits, granularity and scaleDType exactly as quantizeAffine does.
  quantizeAffineByteLength(shape, options);
  const { bits, symmetric = true, narrowRange = false } = options;
  if (symmetric && bits < 2) {
    throw new WhittleError('invalid-argument', 'symmetric quantization needs at least 2 bits', { field: 'bits' });
  }
  const { qmin, qmax } = quantizationRange(bits, symmetric, narrowRange);
  if (!GPU_CODE_BITS.includes(bits)) {
    throw new WhittleError('invalid-argument', `${bits}-bit codes have no WebGPU kernel (1, 2, 4 or 8 bits); use quantizeAffine`, {
      field: 'bits',
    });
  }
  const granularity = normalizeGranularity(options.granularity, shape.length);
  const size = shape.reduce((product, dimension) => product * dimension, 1);
  // Kernel indices are 32-bit, with one index to spare for "none".
  if (size >= 2 ** 32 - 1) {
    throw new WhittleError('invalid-argument', `${size} elements are more than the WebGPU kernels index`, { field: 'shape' });
  }
  const layout = affineLayout(shape, granularity);
  checkEntriesBound(layout.slotCount, size);
  const scaleDType = options.scaleDType ?? (granularity.kind === 'group' ? 'float16' : 'float32');
  const grid = checkGrid(options.grid, symmetric, bits, granularity);
  return { layout, granularity, grouped: granularity.kind === 'group', symmetric, bits, qmin, qmax, scaleDType, grid };
}

/** Ranges per entry, read back: low, high, and 1 + the first non-finite index (0: none). */
interface RangeEntries {
  readonly floats: Float32Array;
  readonly words: Uint32Array;
  readonly parts: number;
}

async function gpuRanges(
  device: GpuDevice,
  input: GpuBuffer,
  layout: AffineLayout,
  grouped: boolean,
  windows: readonly GpuWindow[]
): Promise<RangeEntries> {
  const span = grouped ? layout.groupSize : rangeSpan(layout, device);
  const parts = grouped ? 1 : Math.max(1, Math.ceil((layout.outer * layout.inner) / span));
  const entries = layout.slotCount * parts;
  const ranges = storageBuffer(device, entries * SLOT_ENTRY_BYTES);
  const pipeline = pipelineFor(device, rangeShader(grouped));
  const uniforms: GpuBuffer[] = [];
  try {
    const encoder = device.createCommandEncoder();
    for (const window of windows) {
      const slotCount = window.slotHigh - window.slotLow;
      const entryBytes = slotCount * parts * SLOT_ENTRY_BYTES;
      uniforms.push(
        recordDispatch(
          device,
          encoder,
          pipeline,
          layout,
          window,
          { span, parts, slotCount },
          [
            { buffer: input, offset: window.base * 4, size: window.count * 4 },
            { buffer: ranges, offset: window.slotLow * parts * SLOT_ENTRY_BYTES, size: entryBytes },
          ],
          slotCount * parts
        )
      );
    }
    device.queue.submit([encoder.finish()]);
    const bytes = await readBuffer(device, ranges, entries * SLOT_ENTRY_BYTES);
    return { floats: new Float32Array(bytes), words: new Uint32Array(bytes), parts };
  } finally {
    ranges.destroy();
    for (const uniform of uniforms) uniform.destroy();
  }
}

/**
 * Elements per part of an ungrouped slot: RANGE_SPAN, or longer where the partial ranges of a
 * huge tensor would not fit one binding (every slot's parts are bound at once).
 */
function rangeSpan(layout: AffineLayout, device: GpuDevice): number {
  const bindingBytes = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
  const spare = bindingBytes - layout.slotCount * SLOT_ENTRY_BYTES * 2;
  const size = layout.outer * layout.inner * layout.slotCount;
  return spare <= 0 ? layout.outer * layout.inner : Math.max(RANGE_SPAN, Math.ceil((size * SLOT_ENTRY_BYTES) / spare));
}

/** Scales (float64, as stored), zero points, and the table the code kernel reads (see quantizeShader). */
interface SlotChoice {
  readonly scales: Float64Array;
  readonly zeroPoints: Float64Array;
  /** Per slot: the float32 inverse scale, then the zero point as int32. */
  readonly coding: ArrayBuffer;
}

function chooseSlots(ranges: RangeEntries, layout: AffineLayout, plan: QuantizePlan): SlotChoice | undefined {
  const { floats, words, parts } = ranges;
  const fields = SLOT_ENTRY_BYTES / 4;
  let firstBad = 0;
  for (let entry = 2; entry < words.length; entry += fields) {
    const bad = words[entry]!;
    if (bad !== 0 && (firstBad === 0 || bad < firstBad)) firstBad = bad;
  }
  if (firstBad !== 0) {
    const index = firstBad - 1;
    throw new WhittleError(
      'invalid-tensor',
      `element ${index} is NaN or infinite; quantization needs finite values (fix or exclude this tensor)`,
      { field: `data[${index}]` }
    );
  }
  const { slotCount } = layout;
  const scales = new Float64Array(slotCount);
  const zeroPoints = new Float64Array(slotCount);
  const coding = new ArrayBuffer(slotCount * CODING_BYTES);
  const codingFloats = new Float32Array(coding);
  const codingWords = new Int32Array(coding);
  const fieldsPerSlot = CODING_BYTES / 4;
  for (let slot = 0; slot < slotCount; slot++) {
    let low = 0;
    let high = 0;
    for (let part = 0, entry = slot * parts * fields; part < parts; part++, entry += fields) {
      low = Math.min(low, floats[entry]!);
      high = Math.max(high, floats[entry + 1]!);
    }
    let scale: number;
    if (plan.symmetric && plan.grid === 'signed-extreme') {
      scale = signedExtremeScale(low, high, plan.qmin, plan.scaleDType);
    } else {
      if (plan.symmetric) {
        high = Math.max(-low, high);
        low = -high;
      }
      scale = affineScale(low, high, plan.symmetric, plan.qmin, plan.qmax, plan.scaleDType);
    }
    const magnitude = Math.abs(scale);
    if (!(magnitude >= SMALLEST_SCALE && magnitude <= LARGEST_SCALE)) return undefined;
    scales[slot] = scale;
    zeroPoints[slot] = plan.symmetric ? 0 : affineZeroPoint(low, scale, plan.qmin, plan.qmax);
    const at = slot * fieldsPerSlot;
    // The host kernels' inverse (float32 here, as every scale the kernel takes has one).
    codingFloats[at] = inverseScale(scale);
    codingWords[at + 1] = zeroPoints[slot]!;
  }
  return { scales, zeroPoints, coding };
}

async function gpuCodes(
  device: GpuDevice,
  input: GpuBuffer,
  layout: AffineLayout,
  grouped: boolean,
  windows: readonly GpuWindow[],
  coding: ArrayBuffer,
  codeRange: { readonly qmin: number; readonly qmax: number; readonly bits: number },
  size: number
): Promise<Uint8Array> {
  const { bits, qmin, qmax } = codeRange;
  const byteLength = Math.ceil((size * bits) / 8);
  const codes = storageBuffer(device, byteLength);
  const table = storageBuffer(device, coding.byteLength);
  const pipeline = pipelineFor(device, quantizeShader(grouped, bits));
  const uniforms: GpuBuffer[] = [];
  try {
    device.queue.writeBuffer(table, 0, new Uint8Array(coding));
    const encoder = device.createCommandEncoder();
    for (const window of windows) {
      const { floats, table: slots, codes: packed, words } = codeWindowBindings(window, bits, { floats: input, table, tableEntryBytes: CODING_BYTES, codes });
      uniforms.push(recordDispatch(device, encoder, pipeline, layout, window, { qmin, qmax }, [floats, slots, packed], words));
    }
    device.queue.submit([encoder.finish()]);
    return new Uint8Array(await readBuffer(device, codes, byteLength));
  } finally {
    codes.destroy();
    table.destroy();
    for (const uniform of uniforms) uniform.destroy();
  }
}
