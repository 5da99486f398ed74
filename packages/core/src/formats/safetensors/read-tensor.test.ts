import { describe, expect, test } from 'vitest';
import type { Param } from '../../model/types.ts';
import { bytesSource, memorySink, type ByteSource } from '../byte-source.ts';
import { readSafetensorsHeader } from './header.ts';
import { iterateSafetensorsParams, readSafetensorsParam } from './read-params.ts';
import { readSafetensorsTensor } from './read-tensor.ts';
import { writeSafetensors } from './write.ts';

/** A source that records every range asked of it. */
function countingSource(bytes: Uint8Array): ByteSource & { reads: [number, number][] } {
  const inner = bytesSource(bytes, 'counted.safetensors');
  const reads: [number, number][] = [];
  return {
    name: inner.name,
    size: inner.size,
    reads,
    read(offset, length) {
      reads.push([offset, length]);
      return inner.read(offset, length);
    },
  };
}

const dense = (name: string, length: number): Param => ({
  name,
  role: 'other',
  shape: [length],
  value: {
    kind: 'dense',
    tensor: { dtype: 'float32', shape: [length], data: Float32Array.from({ length }, (_, i) => i) },
  },
});

const affine: Param = {
  name: 'q',
  role: 'other',
  shape: [1000],
  value: {
    kind: 'affine',
    shape: [1000],
    bits: 4,
    signed: false,
    granularity: { kind: 'tensor' },
    codes: new Uint8Array(500).fill(0x21),
    scales: { dtype: 'float32', shape: [], data: new Float32Array([0.5]) },
  },
};

async function file(params: Param[]): Promise<Uint8Array> {
  const sink = memorySink();
  await writeSafetensors(sink, params);
  return sink.bytes();
}

describe('reading one tensor reads only its range', () => {
  test('the header reads 8 bytes then the header; a tensor reads exactly its bytes', async () => {
    const source = countingSource(await file([dense('a', 1000), dense('b', 2000), dense('c', 3000)]));
    const header = await readSafetensorsHeader(source);
    expect(source.reads).toEqual([
      [0, 8],
      [8, header.headerSize],
    ]);
    source.reads.length = 0;
    const b = await readSafetensorsTensor(source, header, 'b');
    expect(b.data).toEqual(Float32Array.from({ length: 2000 }, (_, i) => i));
    expect(source.reads).toEqual([[header.dataOffset + 4000, 8000]]);
  });

  test('an encoded param reads only its components; iterating reads every byte once', async () => {
    const source = countingSource(await file([dense('a', 1000), affine, dense('c', 10)]));
    const header = await readSafetensorsHeader(source);
    source.reads.length = 0;
    const param = await readSafetensorsParam(source, header, 'q');
    expect(param.value).toEqual(affine.value);
    expect(source.reads.map(([, length]) => length).sort((x, y) => x - y)).toEqual([4, 500]);
    expect(Math.min(...source.reads.map(([offset]) => offset))).toBe(header.dataOffset + 4000);

    source.reads.length = 0;
    const names: string[] = [];
    for await (const each of iterateSafetensorsParams(source, header)) names.push(each.name);
    expect(names).toEqual(['a', 'q', 'c']);
    const total = source.reads.reduce((sum, [, length]) => sum + length, 0);
    expect(total).toBe(source.size - header.dataOffset);
  });
});
