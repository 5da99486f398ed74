import { describe, expect, test } from 'vitest';
import { WhittleError } from '../../errors.ts';
import type { Param } from '../../model/types.ts';
import { bytesSource, memorySink, type ByteSink } from '../byte-source.ts';
import { readSafetensorsHeader } from './header.ts';
import { readSafetensorsModel } from './read-params.ts';
import { safetensorsParamLayout } from './plan.ts';
import { memorySpill, type SpillStore } from './spill.ts';
import { writeSafetensors } from './write.ts';

const TENSOR_BYTES = 4096;

const param = (index: number): Param => ({
  name: `layers.${index}.weight`,
  role: 'other',
  shape: [TENSOR_BYTES / 4],
  value: {
    kind: 'dense',
    tensor: { dtype: 'float32', shape: [TENSOR_BYTES / 4], data: new Float32Array(TENSOR_BYTES / 4).fill(index) },
  },
});

/** A sink that records what it received, and whether it was closed or aborted. */
function recordingSink() {
  const inner = memorySink();
  const state = { received: 0, largestWrite: 0, closed: false, aborted: false };
  const sink: ByteSink = {
    async write(chunk) {
      state.received += chunk.byteLength;
      state.largestWrite = Math.max(state.largestWrite, chunk.byteLength);
      await inner.write(chunk);
    },
    async close() {
      state.closed = true;
      await inner.close();
    },
    async abort(reason) {
      state.aborted = true;
      await inner.abort(reason);
    },
  };
  return { sink, state, bytes: () => inner.bytes() };
}

const COUNT = 64;

describe('writeSafetensors streams', () => {
  test('with a layout, each param reaches the sink before the next is produced', async () => {
    const { sink, state, bytes } = recordingSink();
    const seenBeforeProducing: number[] = [];
    async function* produce(): AsyncGenerator<Param> {
      for (let index = 0; index < COUNT; index++) {
        seenBeforeProducing.push(state.received);
        yield param(index);
      }
    }
    const layout = Array.from({ length: COUNT }, (_, index) => safetensorsParamLayout(param(index)));
    await writeSafetensors(sink, produce(), { layout });
    const headerBytes = seenBeforeProducing[0]!;
    expect(headerBytes).toBeGreaterThan(0);
    // When param k is asked for, the header and params 0..k-1 are in the sink already.
    expect(seenBeforeProducing).toEqual(
      Array.from({ length: COUNT }, (_, index) => headerBytes + index * TENSOR_BYTES)
    );
    expect(state.largestWrite).toBeLessThanOrEqual(Math.max(TENSOR_BYTES, headerBytes));
    expect(state.closed).toBe(true);
    const model = await readSafetensorsModel(bytesSource(bytes()));
    expect(model.params.size).toBe(COUNT);
    expect(model.params.get('layers.63.weight')?.value).toEqual(param(63).value);
  });

  test('without a layout, params go to the spill as they arrive, then header and data to the sink', async () => {
    const { sink, state, bytes } = recordingSink();
    const spilled: number[] = [];
    const inner = memorySpill();
    let total = 0;
    const spill: SpillStore = {
      write: async (chunk) => {
        total += chunk.byteLength;
        await inner.write(chunk);
      },
      drain: () => inner.drain(),
      dispose: () => inner.dispose(),
    };
    async function* produce(): AsyncGenerator<Param> {
      for (let index = 0; index < COUNT; index++) {
        spilled.push(total);
        yield param(index);
      }
    }
    await writeSafetensors(sink, produce(), { spill });
    expect(spilled).toEqual(Array.from({ length: COUNT }, (_, index) => index * TENSOR_BYTES));
    expect(state.largestWrite).toBeLessThanOrEqual(TENSOR_BYTES * 2);
    expect((await readSafetensorsModel(bytesSource(bytes()))).params.size).toBe(COUNT);
  });

  test('takes a map of params, as a model holds them', async () => {
    const { sink, bytes } = recordingSink();
    await writeSafetensors(sink, new Map([[param(3).name, param(3)]]));
    expect([...(await readSafetensorsHeader(bytesSource(bytes()))).params.keys()]).toEqual(['layers.3.weight']);
  });

  test('writes an empty model as a valid, aligned file', async () => {
    const { sink, bytes } = recordingSink();
    await writeSafetensors(sink, []);
    expect(bytes().byteLength % 8).toBe(0);
    expect((await readSafetensorsHeader(bytesSource(bytes()))).params.size).toBe(0);
  });
});

describe('writeSafetensors refuses bad input and aborts the sink', () => {
  async function refused(
    params: Parameters<typeof writeSafetensors>[1],
    options: Parameters<typeof writeSafetensors>[2] = {}
  ) {
    const { sink, state } = recordingSink();
    const error: unknown = await writeSafetensors(sink, params, options).then(
      () => undefined,
      (caught: unknown) => caught
    );
    expect(error).toBeInstanceOf(WhittleError);
    expect(state).toMatchObject({ aborted: true, closed: false });
    return error as WhittleError;
  }
  const codes: Param = {
    name: 'a',
    role: 'other',
    shape: [2],
    value: {
      kind: 'codebook',
      shape: [2],
      bits: 1,
      centroids: { dtype: 'float32', shape: [2], data: new Float32Array([0, 1]) },
      indices: new Uint8Array([2]),
    },
  };

  test('a plain tensor named like a component of another param', async () => {
    const clash = { ...param(0), name: 'a#indices' };
    expect(await refused([codes, clash])).toMatchObject({ code: 'invalid-argument', field: 'params[1].name' });
  });

  test('two params of one name, an empty name, or __metadata__ as a name', async () => {
    expect(await refused([param(0), param(0)])).toMatchObject({ code: 'invalid-argument', field: 'params[1].name' });
    expect(await refused([{ ...param(0), name: '' }])).toMatchObject({ field: 'params[0].name' });
    expect(await refused([{ ...param(0), name: '__metadata__' }])).toMatchObject({ field: 'params[0].name' });
    expect(await refused([{ ...param(0), name: 'lone\ud800' }])).toMatchObject({ field: 'params[0].name' });
  });

  test("metadata under whittle's reserved prefix, or not strings", async () => {
    expect(await refused([], { metadata: { 'whittle:a': '{}' } })).toMatchObject({ field: 'metadata["whittle:a"]' });
    expect(await refused([], { metadata: { epoch: 3 as unknown as string } })).toMatchObject({
      field: 'metadata["epoch"]',
    });
  });

  test('an invalid encoding', async () => {
    const broken = { ...codes, value: { ...codes.value, indices: new Uint8Array(5) } } as Param;
    expect(await refused([broken])).toMatchObject({ code: 'invalid-encoding', field: 'params[0].value.indices' });
    expect(await refused([42 as unknown as Param])).toMatchObject({ field: 'params[0]' });
    expect(await refused(42 as unknown as Param[])).toMatchObject({ field: 'params' });
  });

  test('a stream that differs from its layout', async () => {
    const layout = [safetensorsParamLayout(param(0)), safetensorsParamLayout(param(1))];
    async function* only(...indices: number[]): AsyncGenerator<Param> {
      for (const index of indices) yield param(index);
    }
    expect(await refused(only(0), { layout })).toMatchObject({ field: 'params' });
    expect(await refused(only(0, 1, 2), { layout })).toMatchObject({ field: 'params[2]' });
    expect(await refused(only(1, 0), { layout })).toMatchObject({ field: 'params[0]' });
    const half = {
      ...param(1),
      value: { kind: 'dense', tensor: { dtype: 'float16', shape: [1024], data: new Uint16Array(1024) } },
    } as Param;
    expect(
      await refused(
        (async function* () {
          yield param(0);
          yield half;
        })(),
        { layout }
      )
    ).toMatchObject({ field: 'params[1]' });
  });

  test('a stream that throws, and the spill is disposed', async () => {
    let disposed = false;
    const inner = memorySpill();
    const spill: SpillStore = {
      ...inner,
      dispose: async () => {
        disposed = true;
        await inner.dispose();
      },
    };
    const { sink, state } = recordingSink();
    async function* failing(): AsyncGenerator<Param> {
      yield param(0);
      throw new Error('transform failed');
    }
    await expect(writeSafetensors(sink, failing(), { spill })).rejects.toThrow('transform failed');
    expect(state).toMatchObject({ aborted: true, received: 0 });
    expect(disposed).toBe(true);
  });
});
