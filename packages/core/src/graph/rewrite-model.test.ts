import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, test } from 'vitest';
import { decode } from '../encoding/decode.ts';
import { denseEncoding } from '../encoding/dense.ts';
import type { Encoding } from '../encoding/types.ts';
import { WhittleError } from '../errors.ts';
import { replaceParams } from '../model/replace-params.ts';
import type { Model } from '../model/types.ts';
import { hostTensor, type HostTensor } from '../tensor/host-tensor.ts';
import { buildSeeded, LAYERS_CASES, loadStockLayers, predictFlat, savedModel } from './layers-models.test-support.ts';
import { rewriteModel } from './rewrite-model.ts';
import type { ChannelGroup } from './types.ts';

const models = new Map<string, Model>();

beforeAll(async () => {
  await tf.setBackend('cpu');
  for (const layersCase of LAYERS_CASES) models.set(layersCase.name, (await savedModel(buildSeeded(layersCase))).model);
});

/** `tensor` with the entries at `indices` along `axis` set to zero, written out plainly. */
function zeroAlongAxis(tensor: HostTensor, axis: number, indices: ReadonlySet<number>): HostTensor {
  const data = Float32Array.from(tensor.data as Float32Array);
  const inner = tensor.shape.slice(axis + 1).reduce((product, size) => product * size, 1);
  const length = tensor.shape[axis]!;
  for (let flat = 0; flat < data.length; flat++) {
    if (indices.has(Math.floor(flat / inner) % length)) data[flat] = 0;
  }
  return hostTensor('float32', tensor.shape, data);
}

/** The model with every weight through which `dropped` channels of `group` are read set to zero. */
function silence(model: Model, group: ChannelGroup, dropped: readonly number[]): Model {
  const updates = new Map<string, HostTensor>();
  for (const entry of group.entries) {
    if (entry.effect !== 'reads') continue;
    const indices = new Set(dropped.flatMap((channel) => entry.indices[channel]!));
    const current = updates.get(entry.param) ?? decode(model.params.get(entry.param)!.value);
    updates.set(entry.param, zeroAlongAxis(current, entry.axis, indices));
  }
  return replaceParams(
    model,
    new Map<string, Encoding>([...updates].map(([name, tensor]) => [name, denseEncoding(tensor)])),
  );
}

function close(actual: Float32Array, expected: Float32Array): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((value, index) =>
    expect(Math.abs(value - expected[index]!)).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(expected[index]!))),
  );
}

function paramCount(model: Model): number {
  return [...model.params.values()].reduce(
    (total, param) => total + param.shape.reduce((product, size) => product * size, 1),
    0,
  );
}

describe('slicing channel groups', () => {
  test('slicing channels whose outgoing weights are zero leaves stock tfjs predictions unchanged', async () => {
    const candidates = LAYERS_CASES.flatMap((layersCase) =>
      rewriteModel(models.get(layersCase.name)!)
        .groups()
        .filter((group) => group.prunable && group.caveats.length === 0 && group.channels > 1)
        .map((group) => ({ layersCase, group: group.id })),
    );
    // Every case but the residual one (its groups pass a LayerNormalization) has such groups.
    expect(new Set(candidates.map((candidate) => candidate.layersCase.name)).size).toBe(LAYERS_CASES.length - 1);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...candidates),
        fc.array(fc.boolean(), { minLength: 16, maxLength: 16 }),
        fc.nat(1000),
        async (candidate, mask, seed) => {
          const model = models.get(candidate.layersCase.name)!;
          const group = rewriteModel(model).groups()[candidate.group]!;
          const all = Array.from({ length: group.channels }, (_, channel) => channel);
          let keep = all.filter((channel) => mask[channel % mask.length]);
          if (keep.length === 0 || keep.length === all.length) keep = [seed % group.channels];
          const dropped = all.filter((channel) => !keep.includes(channel));
          const silent = silence(model, group, dropped);
          const sliced = rewriteModel(silent).sliceChannels(group, keep).build();
          const inputs = candidate.layersCase.inputs(seed);
          const before = await predictFlat(await loadStockLayers(silent), inputs);
          const after = await predictFlat(await loadStockLayers(sliced), inputs);
          close(after, before);
          tf.dispose(inputs);
        },
      ),
      { numRuns: 30 },
    );
  });

  test('params drop by exactly what the removed channels held', async () => {
    const mlp = models.get('mlp')!;
    const hidden = rewriteModel(mlp)
      .groups()
      .find((group) => group.entries.some((entry) => entry.param === 'hidden_1/bias'))!;
    // Each hidden_1 unit: 5 kernel inputs + 1 bias + 6 hidden_2 kernel rows.
    expect(paramCount(mlp) - paramCount(rewriteModel(mlp).sliceChannels(hidden, [0, 3, 4, 7]).build())).toBe(
      4 * (5 + 1 + 6),
    );

    const gru = models.get('embedding-gru')!;
    const units = rewriteModel(gru)
      .groups()
      .find((group) => group.entries.some((entry) => entry.param === 'gru/bias'))!;
    // Each GRU unit: 3 gate columns of the 4-row kernel, 3 columns of the 6-row recurrent kernel
    // plus its own row (of the 3 × 5 remaining columns), 3 biases, 2 head weights.
    const slicedGru = rewriteModel(gru).sliceChannels(units, [1, 2, 5]).build();
    const before = paramCount(gru);
    const after = paramCount(slicedGru);
    expect(slicedGru.params.get('gru/recurrent_kernel')!.shape).toEqual([3, 9]);
    expect(before - after).toBe(3 * 4 * 3 + (6 * 18 - 3 * 9) + 3 * 3 + 3 * 2);

    const cnn = models.get('cnn')!;
    const filters = rewriteModel(cnn)
      .groups()
      .find((group) => group.entries.some((entry) => entry.param === 'conv/bias'))!;
    // Each conv filter: 3×3×3 kernel + bias, 4 norm params, 3×3 depthwise + bias, 3×3 separable depthwise, 5 pointwise.
    const slicedCnn = rewriteModel(cnn).sliceChannels(filters, [0, 5]).build();
    expect(paramCount(cnn) - paramCount(slicedCnn)).toBe(4 * (27 + 1 + 4 + 9 + 1 + 9 + 5));
    expect(
      (
        slicedCnn.topology as {
          modelTopology: { config: { layers: Array<{ name: string; config: { filters?: number } }> } };
        }
      ).modelTopology.config.layers.find((layer) => layer.name === 'conv')!.config.filters,
    ).toBe(2);

    const flat = models.get('flatten-dense')!;
    const convGroup = rewriteModel(flat)
      .groups()
      .find((group) => group.entries.some((entry) => entry.param === 'conv/bias'))!;
    const slicedFlat = rewriteModel(flat).sliceChannels(convGroup, [2]).build();
    expect(slicedFlat.params.get('head/kernel')!.shape).toEqual([9, 2]);
    expect(paramCount(flat) - paramCount(slicedFlat)).toBe(2 * (2 * 2 * 2 + 1 + 9 * 2));
  });

  test('a residual group slices both branches together and still loads', async () => {
    const residual = models.get('residual')!;
    const group = rewriteModel(residual)
      .groups()
      .find((candidate) => candidate.entries.some((entry) => entry.param === 'a/kernel' && entry.axis === 1))!;
    const sliced = rewriteModel(residual).sliceChannels(group, [1, 2]).build();
    expect(sliced.params.get('a/kernel')!.shape).toEqual([6, 2]);
    expect(sliced.params.get('b/kernel')!.shape).toEqual([2, 2]);
    expect(sliced.params.get('layer_norm/gamma')!.shape).toEqual([2]);
    const loaded = await loadStockLayers(sliced);
    expect(loaded.outputs[0]!.shape).toEqual([null, 3]);
  });

  test('refuses an unprunable group, a stale group and bad channel lists, naming the field', () => {
    const rewrite = rewriteModel(models.get('mlp')!);
    const groups = rewrite.groups();
    const head = groups.find((group) => !group.prunable)!;
    expect(() => rewrite.sliceChannels(head, [0])).toThrow(/not prunable: .*model/);
    const hidden = groups.find((group) => group.prunable)!;
    for (const keep of [[], [0, 0], [-1], [hidden.channels], [0.5], 'all' as never]) {
      expect(() => rewrite.sliceChannels(hidden, keep)).toThrow(WhittleError);
    }
    const smaller = rewrite.sliceChannels(hidden, [0, 1]);
    expect(() => smaller.sliceChannels(hidden, [0, 1])).toThrow(/index \d+ is outside|does not fit/);
  });
});

describe('replacing and inserting nodes', () => {
  test('a Dense replaced by an exact two-layer factorization predicts the same in stock tfjs', async () => {
    const mlp = models.get('mlp')!;
    const kernel = decode(mlp.params.get('hidden_2/kernel')!.value);
    const bias = decode(mlp.params.get('hidden_2/bias')!.value);
    const identity = hostTensor(
      'float32',
      [6, 6],
      Float32Array.from({ length: 36 }, (_, index) => (index % 7 === 0 ? 1 : 0)),
    );
    const factored = rewriteModel(mlp)
      .replaceNode('hidden_2', [
        {
          name: 'hidden_2_down',
          op: 'Dense',
          attributes: { units: 6, use_bias: false, activation: 'linear' },
          params: { kernel },
        },
        {
          name: 'hidden_2_up',
          op: 'Dense',
          attributes: { units: 6, activation: 'tanh' },
          params: { kernel: identity, bias },
        },
      ])
      .build();
    expect([...factored.params.keys()]).toEqual([
      'hidden_1/kernel',
      'hidden_1/bias',
      'hidden_2_down/kernel',
      'hidden_2_up/kernel',
      'hidden_2_up/bias',
      'head/kernel',
      'head/bias',
    ]);
    const inputs = LAYERS_CASES[0]!.inputs(5);
    close(
      await predictFlat(await loadStockLayers(factored), inputs),
      await predictFlat(await loadStockLayers(mlp), inputs),
    );
  });

  test('replacing a Sequential model’s first layer keeps its input shape; inserting after a shared producer feeds every consumer', async () => {
    const mlp = models.get('mlp')!;
    const kernel = decode(mlp.params.get('hidden_1/kernel')!.value);
    const bias = decode(mlp.params.get('hidden_1/bias')!.value);
    const replaced = rewriteModel(mlp)
      .replaceNode('hidden_1', [
        { name: 'first', op: 'Dense', attributes: { units: 8, activation: 'relu' }, params: { kernel, bias } },
      ])
      .build();
    const inputs = LAYERS_CASES[0]!.inputs(9);
    close(
      await predictFlat(await loadStockLayers(replaced), inputs),
      await predictFlat(await loadStockLayers(mlp), inputs),
    );

    const residual = models.get('residual')!;
    const identity = hostTensor(
      'float32',
      [4, 4],
      Float32Array.from({ length: 16 }, (_, index) => (index % 5 === 0 ? 1 : 0)),
    );
    const rewrite = rewriteModel(residual).insertNode('a', {
      name: 'through',
      op: 'Dense',
      attributes: { units: 4 },
      params: { kernel: identity, bias: hostTensor('float32', [4]) },
    });
    expect(
      rewrite.graph.edges
        .filter((edge) => edge.from === 'through')
        .map((edge) => edge.to)
        .sort(),
    ).toEqual(['b', 'sum']);
    const residualInputs = LAYERS_CASES.find((entry) => entry.name === 'residual')!.inputs(2);
    close(
      await predictFlat(await loadStockLayers(rewrite.build()), residualInputs),
      await predictFlat(await loadStockLayers(residual), residualInputs),
    );
  });

  test('refuses unknown nodes, taken names, missing or misshapen params and unknown slots', () => {
    const rewrite = rewriteModel(models.get('mlp')!);
    const kernel = hostTensor('float32', [8, 6]);
    const cases: Array<[() => unknown, RegExp]> = [
      [() => rewrite.replaceNode('nope', [{ name: 'x', op: 'Dense', params: { kernel } }]), /no node named "nope"/],
      [() => rewrite.replaceNode('hidden_2', []), /non-empty array/],
      [
        () =>
          rewrite.replaceNode('hidden_2', [
            { name: 'head', op: 'Dense', attributes: { use_bias: false }, params: { kernel } },
          ]),
        /already has a node named "head"/,
      ],
      [() => rewrite.replaceNode('hidden_2', [{ name: 'x', op: 'Dense', params: { kernel } }]), /needs its bias/],
      [
        () =>
          rewrite.replaceNode('hidden_2', [
            {
              name: 'x',
              op: 'Dense',
              attributes: { use_bias: false },
              params: { kernel: hostTensor('float32', [48]) },
            },
          ]),
        /cannot have shape \[48\]/,
      ],
      [
        () =>
          rewrite.replaceNode('hidden_2', [
            { name: 'x', op: 'Dense', attributes: { use_bias: false }, params: { kernel, gamma: kernel } },
          ]),
        /no param slot "gamma"/,
      ],
      [
        () => rewrite.replaceNode('hidden_2', [{ name: 'x', op: 'MysteryLayer', params: { kernel } }]),
        /does not know the weights of MysteryLayer/,
      ],
      [() => rewrite.insertNode('hidden_1_input', { name: 'y', op: 'InputLayer' }), /cannot add a model input/],
      [() => rewrite.replaceNode('hidden_1_input', [{ name: 'y', op: 'Dropout' }]), /model input/],
    ];
    for (const [call, message] of cases) {
      expect(call).toThrow(WhittleError);
      expect(call).toThrow(message);
    }
  });

  test('a build whose new node does not fit its input or its declared units is refused, naming the node', () => {
    const rewrite = rewriteModel(models.get('mlp')!);
    const narrow = rewrite.insertNode('hidden_1', {
      name: 'extra',
      op: 'Dense',
      attributes: { units: 8, use_bias: false },
      params: { kernel: hostTensor('float32', [3, 8]) },
    });
    expect(() => narrow.build()).toThrow(/Dense "extra": extra\/kernel axis 0 has 3 channels where its input has 8/);
    const miscounted = rewrite.insertNode('hidden_1', {
      name: 'extra',
      op: 'Dense',
      attributes: { units: 5, use_bias: false },
      params: { kernel: hostTensor('float32', [8, 8]) },
    });
    expect(() => miscounted.build()).toThrow(/Dense "extra" declares units 5, its kernel has 8/);
  });
});
