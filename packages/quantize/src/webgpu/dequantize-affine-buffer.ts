/**
 * Dequantizing an affine encoding on the GPU: its packed codes and per-slot scales go up, the
 * float32 values stay in a GPU buffer.
 */
import {
  WhittleError,
  describeValue,
  float16ArrayToFloat32,
  validateEncoding,
  type AffineEncoding,
} from '@whittle/core';
import { affineLayout } from '../primitives/affine-layout.ts';
import { dequantizeShader } from './affine-shaders.ts';
import type { GpuBuffer, GpuDevice } from './gpu-interfaces.ts';
import { pipelineFor, recordDispatch, storageBuffer, withGpuErrors, writeBytes } from './gpu-dispatch.ts';
import { codeWindowBindings, gpuWindows } from './gpu-windows.ts';
import { GPU_CODE_BITS, type GpuKernelTuning } from './quantize-affine-buffer.ts';

/** Bytes per slot of the scale table: a float32 scale and an int32 zero point. */
const SCALE_TABLE_BYTES = 8;

/**
 * Whether the WebGPU kernel decodes `encoding` exactly as core's `decode` does: an affine
 * encoding with 1-, 2-, 4- or 8-bit codes, float32 or float16 scales and integer (or no) zero
 * points. Float64 scales and real offsets are decoded in float64 by core, which float32 GPU
 * maths cannot match, so they stay on the host.
 *
 * @example
 * ```ts
 * if (gpuDecodes(encoding)) await dequantizeOnGpu(encoding);
 * ```
 */
export function gpuDecodes(encoding: AffineEncoding): boolean {
  // Read defensively: this runs before the encoding is validated, to pick a path.
  const scaleDType = (encoding as { scales?: { dtype?: unknown } } | null)?.scales?.dtype;
  return (
    encoding?.kind === 'affine' &&
    GPU_CODE_BITS.includes(encoding.bits) &&
    encoding.offsets === undefined &&
    (scaleDType === 'float32' || scaleDType === 'float16')
  );
}

/**
 * Decodes `encoding` into a new GPU buffer of float32 values (storage, copy source and copy
 * destination usage), bit for bit what core's `decode` gives. Checks the encoding as `decode`
 * does; an encoding outside {@link gpuDecodes} is an `invalid-argument` error. The caller owns
 * (and destroys) the buffer.
 *
 * @example
 * ```ts
 * const values = await dequantizeAffineBuffer(device, quantizeAffine(tensor, { bits: 4, granularity: { kind: 'group', axis: 0, size: 32 } }));
 * ```
 */
export async function dequantizeAffineBuffer(
  device: GpuDevice,
  encoding: AffineEncoding,
  tuning: GpuKernelTuning = {},
): Promise<GpuBuffer> {
  const kind = (encoding as { kind?: unknown } | null)?.kind;
  if (kind !== 'affine') {
    throw new WhittleError('invalid-encoding', `expected an affine encoding, got kind ${describeValue(kind)}`, { field: 'kind' });
  }
  validateEncoding(encoding);
  if (!gpuDecodes(encoding)) {
    throw new WhittleError(
      'invalid-argument',
      `affine ${encoding.bits}-bit codes with ${encoding.scales.dtype} scales${encoding.offsets === undefined ? '' : ' and offsets'} have no WebGPU kernel; use decode`,
      { field: 'encoding' },
    );
  }
  const { shape, bits, signed, granularity } = encoding;
  const size = shape.reduce((product, dimension) => product * dimension, 1);
  const layout = affineLayout(shape, granularity);
  const grouped = granularity.kind === 'group';
  const windows = gpuWindows(layout, size, grouped, device.limits, tuning.windowElements);
  const values = storageBuffer(device, size * 4);
  return await withGpuErrors(device, 'affine dequantize', async () => {
    const codes = storageBuffer(device, encoding.codes.length);
    const table = storageBuffer(device, layout.slotCount * SCALE_TABLE_BYTES);
    const uniforms: GpuBuffer[] = [];
    try {
      writeBytes(device, codes, encoding.codes);
      device.queue.writeBuffer(table, 0, new Uint8Array(scaleTable(encoding, layout.slotCount)));
      const pipeline = pipelineFor(device, dequantizeShader(grouped, bits, signed));
      const encoder = device.createCommandEncoder();
      for (const window of windows) {
        const { floats, table: slots, codes: packed, words } = codeWindowBindings(window, bits, { floats: values, table, tableEntryBytes: SCALE_TABLE_BYTES, codes });
        uniforms.push(recordDispatch(device, encoder, pipeline, layout, window, {}, [packed, slots, floats], words));
      }
      device.queue.submit([encoder.finish()]);
      // Errors surface through the scope only once the device has run the work.
      return values;
    } catch (error) {
      values.destroy();
      throw error;
    } finally {
      // Destroying a buffer after submitting work that reads it is legal: the work still runs.
      codes.destroy();
      table.destroy();
      for (const uniform of uniforms) uniform.destroy();
    }
  });
}

/** Per slot: the scale as float32, then the zero point as int32. */
function scaleTable(encoding: AffineEncoding, slotCount: number): ArrayBuffer {
  const table = new ArrayBuffer(slotCount * SCALE_TABLE_BYTES);
  const scales = new Float32Array(table);
  const zeroPoints = new Int32Array(table);
  const source = encoding.scales.dtype === 'float16' ? float16ArrayToFloat32(encoding.scales.data as Uint16Array) : (encoding.scales.data as Float32Array);
  const points = encoding.zeroPoints?.data;
  for (let slot = 0; slot < slotCount; slot++) {
    scales[slot * 2] = source[slot]!;
    zeroPoints[slot * 2 + 1] = points === undefined ? 0 : points[slot]!;
  }
  return table;
}
