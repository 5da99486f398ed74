import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { decode } from '../../encoding/decode.ts';
import { WhittleError } from '../../errors.ts';
import { createModel } from '../../model/create-model.ts';
import { modelFromTensors } from '../../model/model-from-tensors.ts';
import { tensorBits } from '../../testing/bits.ts';
import { encodingArbitrary } from '../../testing/encoding-arbitraries.ts';
import { readTfjsModel } from './read-tfjs-model.ts';
import { readArtifacts } from './stock-loader.test-support.ts';
import { writeTfjsArtifacts } from './write-tfjs-artifacts.ts';

const names = fc.uniqueArray(fc.stringMatching(/^[a-z0-9_/.#:]{1,10}$/), { minLength: 0, maxLength: 4 });

describe('read(write(model))', () => {
  test('decodes bit-identically for arbitrary encodings, names and shard sizes, in order', async () => {
    await fc.assert(
      fc.asyncProperty(
        names.chain((list) =>
          fc.tuple(fc.constant(list), fc.array(encodingArbitrary(), { minLength: list.length, maxLength: list.length }))
        ),
        fc.integer({ min: 1, max: 64 }),
        async ([list, encodings], shardBytes) => {
          const model = createModel({
            format: 'checkpoint',
            params: list.map((name, index) => ({ name, role: 'other', value: encodings[index]! })),
          });
          let artifacts;
          try {
            artifacts = writeTfjsArtifacts(model, { shardBytes });
          } catch (error) {
            // A whittle component `<param>#<buffer>` may collide with another param's name.
            expect(error).toBeInstanceOf(WhittleError);
            expect((error as WhittleError).code).toBe('invalid-argument');
            return;
          }
          for (const shard of artifacts.shards) expect(shard.bytes.byteLength).toBeLessThanOrEqual(shardBytes);
          const back = await readArtifacts(artifacts);
          expect([...back.params.keys()]).toEqual(list);
          for (const [name, param] of model.params) {
            expect(tensorBits(decode(back.params.get(name)!.value))).toEqual(tensorBits(decode(param.value)));
          }
        }
      ),
      { numRuns: 150 }
    );
  });

  test('a weight spans shards, and the bytes are the groups’ shards laid end to end', async () => {
    const kernel = {
      dtype: 'float32',
      shape: [3, 5],
      data: Float32Array.from({ length: 15 }, (_, index) => index / 7),
    } as const;
    const model = modelFromTensors({
      'dense/kernel': kernel,
      'dense/bias': { dtype: 'float32', shape: [5], data: new Float32Array(5).fill(0.5) },
    });
    const artifacts = writeTfjsArtifacts(model, { shardBytes: 16, weightPathPrefix: 'weights/' });
    expect(artifacts.modelJson.weightsManifest[0]!.paths).toEqual(
      Array.from({ length: 5 }, (_, index) => `weights/group1-shard${index + 1}of5.bin`)
    );
    // Regroup the same bytes into two manifest groups, split at other points: the reader follows.
    const all = new Uint8Array(80);
    artifacts.shards.forEach((shard, index) => all.set(shard.bytes, index * 16));
    const [first, second] = [
      { ...artifacts.modelJson.weightsManifest[0]!.weights[0]! },
      { ...artifacts.modelJson.weightsManifest[0]!.weights[1]! },
    ];
    const regrouped = {
      weightsManifest: [
        { paths: ['a', 'b'], weights: [first] },
        { paths: ['c'], weights: [second] },
      ],
    };
    const shards: Record<string, Uint8Array> = { a: all.subarray(0, 7), b: all.subarray(7, 60), c: all.subarray(60) };
    const back = await readTfjsModel(regrouped, async (path) => shards[path]!);
    expect(Array.from(decode(back.params.get('dense/kernel')!.value).data)).toEqual(Array.from(kernel.data));
    expect(back.params.get('dense/kernel')!.role).toBe('dense-kernel');
  });

  test('top-level fields are kept verbatim; whittle’s section is not part of the topology', async () => {
    const topology = {
      modelTopology: { class_name: 'Sequential', config: { name: 's', layers: [] } },
      format: 'layers-model',
      generatedBy: 'TensorFlow.js tfjs-layers v4.22.0',
      convertedBy: null,
      signature: { inputs: { x: { name: 'x:0' } } },
      userDefinedMetadata: { owner: 'me' },
      modelInitializer: { node: [] },
      trainingConfig: { loss: 'mse', optimizer_config: {} },
      somethingNew: [1, 2, 3],
    };
    const model = createModel({ format: 'tfjs-layers', topology, params: [] });
    const artifacts = writeTfjsArtifacts(model);
    const { weightsManifest, ...rest } = artifacts.modelJson;
    expect(rest).toEqual(topology);
    expect(weightsManifest).toEqual([{ paths: [], weights: [] }]);
    const back = await readArtifacts(artifacts);
    expect(back.topology).toEqual(topology);
    expect(back.format).toBe('tfjs-layers');
  });

  test('bad options are typed errors', () => {
    const model = createModel({ format: 'checkpoint', params: [] });
    for (const options of [
      { shardBytes: 0 },
      { shardBytes: 1.5 },
      { weightPathPrefix: '../' },
      { weightPathPrefix: '/abs/' },
      { weightPathPrefix: 'C:' },
    ]) {
      expect(() => writeTfjsArtifacts(model, options)).toThrow(WhittleError);
    }
  });
});
