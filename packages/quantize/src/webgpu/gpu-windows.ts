/**
 * Splitting a tensor into windows that each fit one storage binding: software adapters (and the
 * WebGPU defaults) bind at most 128 MiB, so larger tensors are processed a window at a time.
 */
import { WhittleError } from '@whittle/core';
import type { AffineLayout } from '../primitives/affine-layout.ts';
import type { GpuBuffer, GpuBufferBinding, GpuLimits } from './gpu-interfaces.ts';

/** One dispatch's share of the tensor: elements [base, base + count) and the slots they use. */
export interface GpuWindow {
  readonly base: number;
  readonly count: number;
  /** First slot bound (aligned down so its table offset is a legal binding offset). */
  readonly slotLow: number;
  /** One past the last slot the window's elements use. */
  readonly slotHigh: number;
}

/** Bytes per slot of the largest per-slot table (the ranges: low, high, first bad index, padding). */
export const SLOT_ENTRY_BYTES = 16;

/**
 * Windows covering `size` elements of `layout`. Every base is a multiple of 8 × the binding
 * offset alignment, so float32 values and codes of any width 1–8 start on a legal offset;
 * `windowElements` (rounded to that multiple) caps a window below the adapter's limit, which
 * tests use to cross window edges with small tensors. Grouped layouts bind only the slots a
 * window uses; ungrouped ones bind all of theirs.
 *
 * @example
 * ```ts
 * for (const window of gpuWindows(layout, size, true, device.limits)) dispatchOver(window);
 * ```
 */
export function gpuWindows(
  layout: AffineLayout,
  size: number,
  grouped: boolean,
  limits: GpuLimits,
  windowElements?: number,
): GpuWindow[] {
  const alignment = elementAlignment(limits);
  const bindingBytes = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  let largest = Math.floor(bindingBytes / 4 / alignment) * alignment;
  if (windowElements !== undefined) largest = Math.min(largest, Math.max(alignment, Math.floor(windowElements / alignment) * alignment));
  if (largest < alignment) throw tooLarge(`a storage binding of ${bindingBytes} bytes`);
  if (!grouped && layout.slotCount * SLOT_ENTRY_BYTES > bindingBytes) {
    throw tooLarge(`${layout.slotCount} scales in a storage binding of ${bindingBytes} bytes`);
  }
  const slotAlignment = limits.minStorageBufferOffsetAlignment / 8;
  const windows: GpuWindow[] = [];
  for (let base = 0; base < size; ) {
    let count = Math.min(largest, size - base);
    let slots = slotRange(layout, base, base + count, grouped, slotAlignment);
    // A window of strided groups touches whole rows of slots; narrow it until its slots fit.
    while ((slots.slotHigh - slots.slotLow) * SLOT_ENTRY_BYTES > bindingBytes && count > alignment) {
      count = Math.max(alignment, Math.floor(count / 2 / alignment) * alignment);
      slots = slotRange(layout, base, base + count, grouped, slotAlignment);
    }
    if ((slots.slotHigh - slots.slotLow) * SLOT_ENTRY_BYTES > bindingBytes) {
      throw tooLarge(`the scales of ${alignment} elements in a storage binding of ${bindingBytes} bytes`);
    }
    windows.push({ base, count, ...slots });
    base += count;
  }
  return windows;
}

/** Elements per alignment step: 8 × the offset alignment keeps 1-bit codes aligned too. */
export function elementAlignment(limits: GpuLimits): number {
  return 8 * limits.minStorageBufferOffsetAlignment;
}

/** The slots elements [start, end) use, the first aligned down. */
function slotRange(
  layout: AffineLayout,
  start: number,
  end: number,
  grouped: boolean,
  slotAlignment: number,
): { slotLow: number; slotHigh: number } {
  if (!grouped) return { slotLow: 0, slotHigh: layout.slotCount };
  const { length, inner, groupSize, groupCount } = layout;
  const groupRow = (index: number): number => {
    const row = Math.floor(index / inner);
    return Math.floor(row / length) * groupCount + Math.floor((row % length) / groupSize);
  };
  const low = groupRow(start) * inner;
  const high = (groupRow(end - 1) + 1) * inner;
  return { slotLow: Math.floor(low / slotAlignment) * slotAlignment, slotHigh: high };
}

function tooLarge(what: string): WhittleError {
  return new WhittleError('invalid-argument', `the WebGPU affine kernels cannot fit ${what}; use the CPU path`, {
    field: 'shape',
  });
}

/** A window's share of the three buffers a code kernel binds, and the 32-bit code words it covers. */
export interface CodeWindowBindings {
  /** The window's float32 values. */
  readonly floats: GpuBufferBinding;
  /** The window's slots of a per-slot table. */
  readonly table: GpuBufferBinding;
  /** The window's packed codes, whole 32-bit words (the last one cut at the buffer's end). */
  readonly codes: GpuBufferBinding;
  /** Code words in the window: one thread each. */
  readonly words: number;
}

/**
 * The bindings of `window` for a kernel that turns floats into `bits`-wide packed codes or back,
 * with a per-slot table of `tableEntryBytes` per slot: what the quantize and the dequantize
 * kernels both bind, in their own order.
 *
 * @example
 * ```ts
 * const { floats, table, codes, words } = codeWindowBindings(window, 4, { floats: input, table: scales, tableEntryBytes: 8, codes: packed });
 * recordDispatch(device, encoder, pipeline, layout, window, {}, [codes, table, floats], words);
 * ```
 */
export function codeWindowBindings(
  window: GpuWindow,
  bits: number,
  buffers: { readonly floats: GpuBuffer; readonly table: GpuBuffer; readonly tableEntryBytes: number; readonly codes: GpuBuffer },
): CodeWindowBindings {
  const { floats, table, tableEntryBytes, codes } = buffers;
  const words = Math.ceil(window.count / (32 / bits));
  const codeOffset = (window.base * bits) / 8;
  return {
    floats: { buffer: floats, offset: window.base * 4, size: window.count * 4 },
    table: { buffer: table, offset: window.slotLow * tableEntryBytes, size: (window.slotHigh - window.slotLow) * tableEntryBytes },
    codes: { buffer: codes, offset: codeOffset, size: Math.min(words * 4, codes.size - codeOffset) },
    words,
  };
}
