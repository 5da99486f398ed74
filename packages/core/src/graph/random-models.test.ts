import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import fc from 'fast-check';
import { beforeAll, expect, test } from 'vitest';
import { decode } from '../encoding/decode.ts';
import { denseEncoding } from '../encoding/dense.ts';
import type { Encoding } from '../encoding/types.ts';
import { replaceParams } from '../model/replace-params.ts';
import type { Model } from '../model/types.ts';
import { hostTensor } from '../tensor/host-tensor.ts';
import { channelGroups } from './channel-groups.ts';
import { loadStockLayers, predictFlat, savedModel } from './layers-models.test-support.ts';
import { readModelGraph } from './read-model-graph.ts';
import { rewriteModel } from './rewrite-model.ts';
import type { ChannelGroup } from './types.ts';
import { writeKerasTopology } from './write-keras-topology.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const layerSpec = fc.record({
  units: fc.integer({ min: 2, max: 4 }),
  activation: fc.constantFrom('relu', 'tanh', 'linear', 'sigmoid'),
  merge: fc.constantFrom('none', 'add', 'concatenate', 'norm'),
  partner: fc.nat(),
});
const modelSpec = fc.record({
  inputWidth: fc.integer({ min: 2, max: 4 }),
  layers: fc.array(layerSpec, { minLength: 1, maxLength: 5 }),
  seed: fc.nat(1000),
});

type Spec = typeof modelSpec extends fc.Arbitrary<infer T> ? T : never;

/** A random functional model of Dense layers with residual Adds, Concatenates and norms, and the Adds' branch layers. */
function buildRandom(spec: Spec): { model: tfl.LayersModel; adds: Array<[string, string]> } {
  const input = tfl.input({ shape: [spec.inputWidth], name: 'features' });
  // Each tensor so far, its width, and the Dense layer whose output channels it carries.
  const tensors: Array<{ tensor: tfl.SymbolicTensor; width: number; dense: string }> = [];
  let last: tfl.SymbolicTensor = input;
  const adds: Array<[string, string]> = [];
  spec.layers.forEach((layer, index) => {
    const name = `d${index}`;
    let x = tfl.layers
      .dense({ units: layer.units, activation: layer.activation as 'relu', name })
      .apply(last) as tfl.SymbolicTensor;
    let width = layer.units;
    const same = tensors.filter((entry) => entry.width === layer.units);
    if (layer.merge === 'add' && same.length > 0) {
      const partner = same[layer.partner % same.length]!;
      x = tfl.layers.add({ name: `add${index}` }).apply([x, partner.tensor]) as tfl.SymbolicTensor;
      adds.push([name, partner.dense]);
    } else if (layer.merge === 'concatenate' && tensors.length > 0) {
      const partner = tensors[layer.partner % tensors.length]!;
      x = tfl.layers.concatenate({ name: `cat${index}` }).apply([x, partner.tensor]) as tfl.SymbolicTensor;
      width += partner.width;
    } else if (layer.merge === 'norm') {
      x = tfl.layers.batchNormalization({ name: `norm${index}` }).apply(x) as tfl.SymbolicTensor;
    }
    if (layer.merge !== 'concatenate' || tensors.length === 0) tensors.push({ tensor: x, width, dense: name });
    last = x;
  });
  const output = tfl.layers.dense({ units: 2, name: 'head' }).apply(last) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: output });
  model.layers.forEach((layer, layerIndex) =>
    layer.setWeights(
      layer.weights.map((weight, index) =>
        tf.randomUniform(
          weight.shape as number[],
          weight.originalName.endsWith('variance') ? 0.5 : -1,
          1.5,
          'float32',
          spec.seed + layerIndex * 10 + index,
        ),
      ),
    ),
  );
  return { model, adds };
}

function groupOf(groups: readonly ChannelGroup[], param: string): ChannelGroup | undefined {
  return groups.find((group) =>
    group.entries.some((entry) => entry.param === param && entry.axis === 1 && entry.effect === 'produces'),
  );
}

function size(shape: readonly number[]): number {
  return shape.reduce((product, dimension) => product * dimension, 1);
}

function silence(model: Model, group: ChannelGroup, dropped: readonly number[]): Model {
  const updates = new Map<string, Encoding>();
  for (const entry of group.entries) {
    if (entry.effect !== 'reads') continue;
    const tensor = decode(updates.get(entry.param) ?? model.params.get(entry.param)!.value);
    const data = Float32Array.from(tensor.data as Float32Array);
    const inner = size(tensor.shape.slice(entry.axis + 1));
    const zero = new Set(dropped.flatMap((channel) => entry.indices[channel]!));
    for (let flat = 0; flat < data.length; flat++)
      if (zero.has(Math.floor(flat / inner) % tensor.shape[entry.axis]!)) data[flat] = 0;
    updates.set(entry.param, denseEncoding(hostTensor('float32', tensor.shape, data)));
  }
  return replaceParams(model, updates);
}

test('random residual models: read → write is the identity, Add branches share a group, slices keep predictions and drop what the group lists', async () => {
  await fc.assert(
    fc.asyncProperty(
      modelSpec,
      fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
      fc.nat(),
      async (spec, mask, pick) => {
        const { model: built, adds } = buildRandom(spec);
        const { model, artifacts } = await savedModel(built);
        const graph = readModelGraph(model);
        expect(writeKerasTopology(graph)).toEqual(artifacts.modelTopology);
        const groups = channelGroups(graph, model);
        for (const [branch, partner] of adds)
          expect(groupOf(groups, `${branch}/kernel`)).toBe(groupOf(groups, `${partner}/kernel`));

        const prunable = groups.filter((group) => group.prunable && group.channels > 1);
        if (prunable.length === 0) return;
        const group = prunable[pick % prunable.length]!;
        const all = Array.from({ length: group.channels }, (_, channel) => channel);
        let keep = all.filter((channel) => mask[channel]);
        if (keep.length === 0 || keep.length === all.length) keep = [pick % group.channels];
        const dropped = all.filter((channel) => !keep.includes(channel));
        const silent = silence(model, group, dropped);
        const sliced = rewriteModel(silent).sliceChannels(group, keep).build();

        // What the group lists: every param loses the listed indices of the dropped channels on each listed axis.
        const removed = new Map<string, Map<number, Set<number>>>();
        for (const entry of group.entries) {
          const axes = removed.get(entry.param) ?? new Map<number, Set<number>>();
          removed.set(entry.param, axes);
          const set = axes.get(entry.axis) ?? new Set<number>();
          axes.set(entry.axis, set);
          for (const channel of dropped) for (const index of entry.indices[channel]!) set.add(index);
        }
        for (const [param, axes] of removed) {
          const shape = [...model.params.get(param)!.shape];
          for (const [axis, set] of axes) shape[axis]! -= set.size;
          expect(sliced.params.get(param)!.shape).toEqual(shape);
        }
        for (const [name, param] of model.params)
          if (!removed.has(name)) expect(sliced.params.get(name)!.shape).toEqual(param.shape);

        const inputs = tf.randomNormal([4, spec.inputWidth], 0, 1, 'float32', spec.seed);
        const before = await predictFlat(await loadStockLayers(silent), [inputs]);
        const after = await predictFlat(await loadStockLayers(sliced), [inputs]);
        inputs.dispose();
        after.forEach((value, index) =>
          expect(Math.abs(value - before[index]!)).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(before[index]!))),
        );
      },
    ),
    { numRuns: 25 },
  );
});
