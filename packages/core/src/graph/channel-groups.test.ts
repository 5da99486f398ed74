import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, test } from 'vitest';
import { modelFromTensors } from '../model/model-from-tensors.ts';
import type { Model } from '../model/types.ts';
import { hostTensor } from '../tensor/host-tensor.ts';
import { channelGroups } from './channel-groups.ts';
import { buildSeeded, LAYERS_CASES, savedModel } from './layers-models.test-support.ts';
import { groupWith } from './group-queries.test-support.ts';
import { readModelGraph } from './read-model-graph.ts';
import type { ChannelGroup } from './types.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

async function groupsOf(name: string): Promise<{ model: Model; groups: readonly ChannelGroup[] }> {
  const layersCase = LAYERS_CASES.find((entry) => entry.name === name)!;
  const { model } = await savedModel(buildSeeded(layersCase));
  return { model, groups: channelGroups(readModelGraph(model), model) };
}

function summary(group: ChannelGroup): Record<string, string> {
  return Object.fromEntries(group.entries.map((entry) => [`${entry.param}@${entry.axis}`, entry.effect]));
}

function indicesOf(group: ChannelGroup, param: string, axis: number): readonly (readonly number[])[] {
  return group.entries.find((entry) => entry.param === param && entry.axis === axis)!.indices;
}

const identity = (count: number): number[][] => Array.from({ length: count }, (_, index) => [index]);

describe('channel groups of tfjs-layers models', () => {
  test('an MLP: each hidden layer is one prunable group; the input and the head are not prunable', async () => {
    const { groups } = await groupsOf('mlp');
    const first = groupWith(groups, 'hidden_1/kernel', 1);
    expect(first).toMatchObject({ channels: 8, prunable: true, resizes: [{ node: 'hidden_1', attribute: 'units' }] });
    expect(summary(first)).toEqual({
      'hidden_1/kernel@1': 'produces',
      'hidden_1/bias@0': 'produces',
      'hidden_2/kernel@0': 'reads',
    });
    for (const entry of first.entries) expect(entry.indices).toEqual(identity(8));
    expect(summary(groupWith(groups, 'hidden_2/kernel', 1))).toEqual({
      'hidden_2/kernel@1': 'produces',
      'hidden_2/bias@0': 'produces',
      'head/kernel@0': 'reads',
    });
    const input = groupWith(groups, 'hidden_1/kernel', 0, 'reads');
    expect(input.prunable).toBe(false);
    expect(input.reasons.join(' ')).toMatch(/model input/);
    const head = groupWith(groups, 'head/kernel', 1);
    expect(head.prunable).toBe(false);
    expect(head.reasons).toEqual(['"head" is a model output']);
  });

  test('a residual Add puts both branches in one group, carried through LayerNormalization with a caveat', async () => {
    const { groups } = await groupsOf('residual');
    const group = groupWith(groups, 'a/kernel', 1);
    expect(group).toBe(groupWith(groups, 'b/kernel', 1));
    expect(summary(group)).toEqual({
      'a/kernel@1': 'produces',
      'a/bias@0': 'produces',
      'b/kernel@0': 'reads',
      'b/kernel@1': 'produces',
      'b/bias@0': 'produces',
      'layer_norm/gamma@0': 'carries',
      'layer_norm/beta@0': 'carries',
      'head/kernel@0': 'reads',
    });
    expect(group.prunable).toBe(true);
    expect(group.caveats.join(' ')).toMatch(/LayerNormalization/);
    expect(group.resizes.map((resize) => resize.node).sort()).toEqual(['a', 'b']);
  });

  test('Concatenate maps each input’s channels to its range of the consumer’s rows', async () => {
    const { groups } = await groupsOf('concatenate');
    expect(indicesOf(groupWith(groups, 'p/kernel', 1), 'head/kernel', 0)).toEqual([[0], [1], [2]]);
    expect(indicesOf(groupWith(groups, 'q/kernel', 1), 'head/kernel', 0)).toEqual([[3], [4], [5], [6]]);
  });

  test('Flatten maps a channel to its position in every block of the flattened rows', async () => {
    const { groups } = await groupsOf('flatten-dense');
    const group = groupWith(groups, 'conv/kernel', 3);
    // conv: 4×4 input, 2×2 kernel, valid → 3×3 positions of 3 channels, flattened channels-last.
    const expected = Array.from({ length: 3 }, (_, channel) =>
      Array.from({ length: 9 }, (_, position) => position * 3 + channel),
    );
    expect(indicesOf(group, 'head/kernel', 0)).toEqual(expected);
    expect(group.prunable).toBe(true);
  });

  test('a CNN: conv filters carry through BatchNormalization and DepthwiseConv2D into a SeparableConv2D', async () => {
    const { groups } = await groupsOf('cnn');
    const group = groupWith(groups, 'conv/kernel', 3);
    expect(summary(group)).toEqual({
      'conv/kernel@3': 'produces',
      'conv/bias@0': 'produces',
      'norm/gamma@0': 'carries',
      'norm/beta@0': 'carries',
      'norm/moving_mean@0': 'carries',
      'norm/moving_variance@0': 'carries',
      'dw/depthwise_kernel@2': 'carries',
      'dw/bias@0': 'carries',
      'sep/depthwise_kernel@2': 'reads',
      'sep/pointwise_kernel@2': 'reads',
    });
    expect(group.prunable).toBe(true);
    expect(summary(groupWith(groups, 'sep/pointwise_kernel', 3))).toEqual({
      'sep/pointwise_kernel@3': 'produces',
      'sep/bias@0': 'produces',
      'head/kernel@0': 'reads',
    });
  });

  test('a depth multiplier repeats each channel contiguously', async () => {
    const { groups } = await groupsOf('depthwise-multiplier');
    const group = groupWith(groups, 'conv/kernel', 3);
    expect(indicesOf(group, 'dw/depthwise_kernel', 2)).toEqual([[0], [1], [2]]);
    expect(indicesOf(group, 'dw/bias', 0)).toEqual([
      [0, 1],
      [2, 3],
      [4, 5],
    ]);
    expect(indicesOf(group, 'mix/kernel', 2)).toEqual([
      [0, 1],
      [2, 3],
      [4, 5],
    ]);
  });

  test('recurrent units own a column in every gate block and a recurrent row', async () => {
    const { groups } = await groupsOf('embedding-gru');
    const units = groupWith(groups, 'gru/kernel', 1);
    const gates = Array.from({ length: 6 }, (_, unit) => [unit, 6 + unit, 12 + unit]);
    expect(indicesOf(units, 'gru/kernel', 1)).toEqual(gates);
    expect(indicesOf(units, 'gru/bias', 0)).toEqual(gates);
    expect(
      units.entries
        .filter((entry) => entry.param === 'gru/recurrent_kernel')
        .map((entry) => [entry.axis, entry.effect, entry.indices]),
    ).toEqual([
      [0, 'reads', identity(6)],
      [1, 'produces', gates],
    ]);
    expect(summary(groupWith(groups, 'embed/embeddings', 1))).toEqual({
      'embed/embeddings@1': 'produces',
      'gru/kernel@0': 'reads',
    });
    const lstm = await groupsOf('lstm');
    expect(indicesOf(groupWith(lstm.groups, 'lstm_1/kernel', 1), 'lstm_1/kernel', 1)).toEqual(
      Array.from({ length: 4 }, (_, unit) => [unit, 4 + unit, 8 + unit, 12 + unit]),
    );
    expect(groupWith(lstm.groups, 'lstm_1/kernel', 1).prunable).toBe(true);
  });

  test('a Keras GRU with reset_after (a bias of two rows) couples each unit’s column in both rows', () => {
    const topology = {
      class_name: 'Sequential',
      config: {
        name: 'keras',
        layers: [
          { class_name: 'GRU', config: { name: 'gru', units: 2, reset_after: true, batch_input_shape: [null, 5, 3] } },
          { class_name: 'Dense', config: { name: 'head', units: 1 } },
        ],
      },
    };
    const model = modelFromTensors(
      {
        'gru/kernel': hostTensor('float32', [3, 6]),
        'gru/recurrent_kernel': hostTensor('float32', [2, 6]),
        'gru/bias': hostTensor('float32', [2, 6]),
        'head/kernel': hostTensor('float32', [2, 1]),
        'head/bias': hostTensor('float32', [1]),
      },
      { topology },
    );
    const units = groupWith(channelGroups(readModelGraph(model), model), 'gru/bias', 1);
    expect(indicesOf(units, 'gru/bias', 1)).toEqual([
      [0, 2, 4],
      [1, 3, 5],
    ]);
    expect(units.prunable).toBe(true);
  });

  test('a softmax activation and a layer that is not understood make their groups not prunable, with reasons', async () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.dense({ units: 4, inputShape: [3], activation: 'softmax', name: 'soft' }),
        tfl.layers.dense({ units: 6, name: 'wide' }),
        tfl.layers.reshape({ targetShape: [2, 3], name: 'shape' }),
        tfl.layers.flatten({ name: 'flat' }),
        tfl.layers.dense({ units: 2, name: 'head' }),
      ],
    });
    const { model: saved } = await savedModel(model);
    const groups = channelGroups(readModelGraph(saved), saved);
    const soft = groupWith(groups, 'soft/kernel', 1);
    expect(soft.prunable).toBe(false);
    expect(soft.reasons.join(' ')).toMatch(/Dense "soft": its activation "softmax" mixes channels/);
    const wide = groupWith(groups, 'wide/kernel', 1);
    expect(wide.prunable).toBe(false);
    expect(wide.reasons.join(' ')).toMatch(/Reshape "shape": Reshape layers are not understood/);
  });
});
