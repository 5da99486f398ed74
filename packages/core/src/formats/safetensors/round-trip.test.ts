import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { encodingShape } from '../../encoding/byte-length.ts';
import { encodingParts } from '../../encoding/serialize.ts';
import type { Encoding } from '../../encoding/types.ts';
import { createModel } from '../../model/create-model.ts';
import type { Param } from '../../model/types.ts';
import { DTYPES } from '../../tensor/dtype.ts';
import type { HostTensor } from '../../tensor/host-tensor.ts';
import { encodingArbitrary, hostTensorArbitrary } from '../../testing/arbitraries.ts';
import { bytesSource, memorySink } from '../byte-source.ts';
import { readSafetensorsHeader } from './header.ts';
import { readSafetensorsModel } from './read-params.ts';
import { readSafetensorsTensor } from './read-tensor.ts';
import { planSafetensors, safetensorsParamLayout } from './plan.ts';
import { writeSafetensors, type WriteSafetensorsOptions } from './write.ts';

const FILE = 'round-trip.safetensors';

function rawBytes(data: ArrayBufferView): number[] {
  return Array.from(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

/** Everything about an encoding, bit for bit: its metadata and the raw bytes of every component. */
function encodingBits(encoding: Encoding) {
  const { metadata, buffers } = encodingParts(encoding);
  return { metadata, buffers: buffers.map((buffer) => ({ ...buffer, bytes: rawBytes(buffer.bytes) })) };
}

async function* stream<T>(items: readonly T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}

type Mode = 'model' | 'stream-with-layout' | 'stream-spilled';

async function written(
  params: readonly Param[],
  mode: Mode,
  options: WriteSafetensorsOptions = {}
): Promise<Uint8Array> {
  const sink = memorySink();
  if (mode === 'model') await writeSafetensors(sink, createModel({ format: 'safetensors', params }), options);
  else if (mode === 'stream-spilled') await writeSafetensors(sink, stream(params), options);
  else await writeSafetensors(sink, stream(params), { ...options, layout: params.map(safetensorsParamLayout) });
  return sink.bytes();
}

const modes = fc.constantFrom<Mode>('model', 'stream-with-layout', 'stream-spilled');

describe('safetensors round trip', () => {
  test('tensors of every dtype come back bit for bit', async () => {
    const tensors = fc.array(
      fc.constantFrom(...DTYPES).chain((dtype) => hostTensorArbitrary(dtype) as fc.Arbitrary<HostTensor>),
      { minLength: 0, maxLength: 6 }
    );
    await fc.assert(
      fc.asyncProperty(tensors, modes, async (list, mode) => {
        const params = list.map(
          (tensor, index): Param => ({
            name: `layer.${index}.weight`,
            role: 'other',
            shape: tensor.shape,
            value: { kind: 'dense', tensor },
          })
        );
        const source = bytesSource(await written(params, mode), FILE);
        const header = await readSafetensorsHeader(source);
        expect([...header.tensors.keys()]).toEqual(params.map((param) => param.name));
        for (const [index, tensor] of list.entries()) {
          const read = await readSafetensorsTensor(source, header, `layer.${index}.weight`);
          expect({ ...read, data: rawBytes(read.data) }).toEqual({ ...tensor, data: rawBytes(tensor.data) });
          expect(read.data.constructor).toBe(tensor.data.constructor);
        }
      }),
      { numRuns: 150 }
    );
  });

  test('encodings of every kind come back bit for bit, in order, with metadata', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(encodingArbitrary({ maxDepth: 2 }), encodingArbitrary({ kinds: ['entropy'], maxDepth: 1 })), { maxLength: 4 }),
        modes,
        async (encodings, mode) => {
          const params = encodings.map(
            (value, index): Param => ({ name: `p${index}.weight`, role: 'other', shape: encodingShape(value), value })
          );
          const model = createModel({ format: 'safetensors', params });
          const bytes = await written([...model.params.values()], mode, { metadata: { format: 'pt', note: 'ü' } });
          const source = bytesSource(bytes, FILE);
          const read = await readSafetensorsModel(source);
          expect([...read.params.keys()]).toEqual([...model.params.keys()]);
          for (const [name, param] of model.params) {
            const again = read.params.get(name)!;
            expect(again.shape).toEqual(param.shape);
            expect(encodingBits(again.value)).toEqual(encodingBits(param.value));
          }
          expect((await readSafetensorsHeader(source)).metadata).toEqual({ format: 'pt', note: 'ü' });
        }
      ),
      { numRuns: 150 }
    );
  });

  test('the layout is the format: 8-byte LE size, aligned data, contiguous offsets, plan = file', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(encodingArbitrary({ maxDepth: 1 }), { maxLength: 5 }), async (encodings) => {
        const params = encodings.map(
          (value, index): Param => ({ name: String(index), role: 'other', shape: encodingShape(value), value })
        );
        const bytes = await written(params, 'model');
        const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        const headerSize = Number(view.getBigUint64(0, true));
        expect((8 + headerSize) % 8).toBe(0);
        const text = new TextDecoder().decode(bytes.subarray(8, 8 + headerSize));
        expect(text.trimEnd().endsWith('}')).toBe(true);
        expect(/^ *$/.test(text.slice(text.trimEnd().length))).toBe(true);
        const header = await readSafetensorsHeader(bytesSource(bytes, FILE));
        let offset = 0;
        for (const tensor of header.tensors.values()) {
          expect(tensor.dataOffsets[0]).toBe(offset);
          offset = tensor.dataOffsets[1];
        }
        expect(bytes.byteLength).toBe(8 + headerSize + offset);
        const plan = planSafetensors(params.map(safetensorsParamLayout));
        expect(rawBytes(plan.header)).toEqual(rawBytes(bytes.subarray(0, 8 + headerSize)));
        expect(plan.byteLength).toBe(bytes.byteLength);
      }),
      { numRuns: 100 }
    );
  });

  test('stores an encoding as real component tensors a Python reader can load', async () => {
    const value: Encoding = {
      kind: 'affine',
      shape: [2, 3],
      bits: 8,
      signed: true,
      granularity: { kind: 'axis', axis: 0 },
      codes: new Uint8Array([1, 2, 3, 253, 254, 255]),
      scales: { dtype: 'float16', shape: [2], data: new Uint16Array([0x3c00, 0x4000]) },
    };
    const bias: HostTensor = { dtype: 'float32', shape: [2], data: new Float32Array([0.5, -1]) };
    const params: Param[] = [
      { name: 'fc.weight', role: 'linear-weight', shape: [2, 3], value },
      { name: 'fc.bias', role: 'bias', shape: [2], value: { kind: 'dense', tensor: bias } },
    ];
    const source = bytesSource(await written(params, 'model'), FILE);
    const header = await readSafetensorsHeader(source);
    // Widest component first, then the param's other parts; plain params keep their own names.
    expect([...header.tensors.values()].map(({ name, dtype, shape }) => [name, dtype, shape])).toEqual([
      ['fc.weight#scales', 'F16', [2]],
      ['fc.weight#codes', 'U8', [6]],
      ['fc.bias', 'F32', [2]],
    ]);
    const sourceText = new TextDecoder().decode(await source.read(8, header.headerSize));
    const metadata = (JSON.parse(sourceText) as { __metadata__: Record<string, string> }).__metadata__;
    expect(Object.keys(metadata)).toEqual(['whittle:fc.weight']);
    const encoding = JSON.parse(metadata['whittle:fc.weight']!) as { codes: { buffer: string } };
    expect(encoding).toMatchObject({ kind: 'affine', bits: 8, granularity: { kind: 'axis', axis: 0 } });
    const codes = await readSafetensorsTensor(source, header, `fc.weight#${encoding.codes.buffer}`);
    expect(codes).toEqual({ dtype: 'uint8', shape: [6], data: new Uint8Array([1, 2, 3, 253, 254, 255]) });
    const model = await readSafetensorsModel(source);
    expect(model.params.get('fc.weight')).toMatchObject({
      role: 'linear-weight',
      shape: [2, 3],
      value: { kind: 'affine' },
    });
    expect(model.params.get('fc.bias')).toMatchObject({ role: 'bias', value: { kind: 'dense', tensor: bias } });
  });
});
