import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WhittleError } from '../errors.ts';
import { lookupKerasRole, rolesFromKerasTopology } from './keras-roles.ts';

/** What tfjs `model.toJSON(null, false)` gives for a small Sequential (initializers trimmed). */
const sequential = {
  class_name: 'Sequential',
  config: {
    name: 'sequential_1',
    layers: [
      {
        class_name: 'Embedding',
        config: { input_dim: 100, output_dim: 8, name: 'embedding_Embedding1', trainable: true, batch_input_shape: [null, 16] },
      },
      { class_name: 'Reshape', config: { target_shape: [4, 4, 8], name: 'reshape_Reshape1', trainable: true } },
      {
        class_name: 'Conv2D',
        config: { filters: 16, kernel_size: [3, 3], use_bias: true, name: 'conv2d_Conv2D1', trainable: true },
      },
      {
        class_name: 'BatchNormalization',
        config: { axis: -1, momentum: 0.99, center: true, scale: true, name: 'batch_normalization_BatchNormalization1' },
      },
      {
        class_name: 'SeparableConv2D',
        config: { filters: 8, kernel_size: [3, 3], depth_multiplier: 1, use_bias: true, name: 'separable_conv2d_SeparableConv2D1' },
      },
      { class_name: 'DepthwiseConv2D', config: { kernel_size: [3, 3], use_bias: false, name: 'depthwise' } },
      { class_name: 'Conv2DTranspose', config: { filters: 4, kernel_size: [2, 2], name: 'conv2d_transpose' } },
      { class_name: 'Conv1D', config: { filters: 4, kernel_size: 3, name: 'conv1d' } },
      { class_name: 'Flatten', config: { name: 'flatten_Flatten1', trainable: true } },
      { class_name: 'Dense', config: { units: 10, activation: 'softmax', use_bias: true, name: 'dense_Dense1' } },
      { class_name: 'MyCustomLayer', config: { name: 'custom', whatever: [1, 2] } },
    ],
  },
  keras_version: 'tfjs-layers 4.22.0',
  backend: 'tensor_flow.js',
};

/** A functional model as tfjs writes it: names beside the configs, inbound nodes, a nested model. */
const functional = {
  class_name: 'Model',
  config: {
    name: 'model1',
    layers: [
      { name: 'input1', class_name: 'InputLayer', config: { batch_input_shape: [null, 8], dtype: 'float32', name: 'input1' }, inbound_nodes: [] },
      { name: 'dense_1', class_name: 'Dense', config: { units: 16, name: 'dense_1' }, inbound_nodes: [[['input1', 0, 0, {}]]] },
      { name: 'layer_normalization', class_name: 'LayerNormalization', config: { name: 'layer_normalization', center: false }, inbound_nodes: [] },
      {
        name: 'encoder',
        class_name: 'Sequential',
        // Keras before 2.2.3 wrote a Sequential's config as the bare list of layers.
        config: [{ class_name: 'Dense', config: { name: 'inner_dense', use_bias: false } }],
        inbound_nodes: [],
      },
      {
        name: 'head',
        class_name: 'Functional',
        config: { name: 'head', layers: [{ class_name: 'Dense', name: 'head_dense', config: { name: 'head_dense' } }] },
      },
      { name: 'lstm', class_name: 'LSTM', config: { name: 'lstm', units: 4 } },
      {
        name: 'bidirectional',
        class_name: 'Bidirectional',
        config: { name: 'bidirectional', layer: { class_name: 'GRU', config: { name: 'gru', units: 4 } } },
      },
    ],
    input_layers: [['input1', 0, 0]],
    output_layers: [['head', 0, 0]],
  },
};

describe('rolesFromKerasTopology', () => {
  it('reads a Sequential model as tfjs writes it', () => {
    const roles = rolesFromKerasTopology(sequential);
    const role = (name: string) => roles.get(name)?.role;
    expect(role('embedding_Embedding1/embeddings')).toBe('embedding');
    expect(role('conv2d_Conv2D1/kernel')).toBe('conv2d-kernel');
    expect(role('conv2d_Conv2D1/bias')).toBe('bias');
    expect(role('batch_normalization_BatchNormalization1/gamma')).toBe('norm-gamma');
    expect(role('batch_normalization_BatchNormalization1/beta')).toBe('norm-beta');
    expect(role('batch_normalization_BatchNormalization1/moving_mean')).toBe('norm-mean');
    expect(role('batch_normalization_BatchNormalization1/moving_variance')).toBe('norm-variance');
    expect(role('separable_conv2d_SeparableConv2D1/depthwise_kernel')).toBe('depthwise-kernel');
    expect(role('separable_conv2d_SeparableConv2D1/pointwise_kernel')).toBe('pointwise-kernel');
    expect(role('separable_conv2d_SeparableConv2D1/bias')).toBe('bias');
    expect(role('depthwise/depthwise_kernel')).toBe('depthwise-kernel');
    expect(roles.has('depthwise/bias')).toBe(false);
    expect(role('conv2d_transpose/kernel')).toBe('conv2d-transpose-kernel');
    expect(role('conv1d/kernel')).toBe('conv2d-kernel');
    expect(role('dense_Dense1/kernel')).toBe('dense-kernel');
    expect(roles.get('dense_Dense1/bias')).toEqual({ role: 'bias', layer: 'dense_Dense1' });
    expect(lookupKerasRole(roles, 'custom/weight')).toEqual({ role: 'other', layer: 'custom' });
  });

  it('reads a functional model with nested models, norms without beta, RNNs and wrappers', () => {
    const roles = rolesFromKerasTopology({ modelTopology: functional, weightsManifest: [] });
    const role = (name: string) => lookupKerasRole(roles, name).role;
    expect(role('dense_1/kernel')).toBe('dense-kernel');
    expect(role('layer_normalization/gamma')).toBe('norm-gamma');
    expect(roles.has('layer_normalization/beta')).toBe(false);
    expect(role('inner_dense/kernel')).toBe('dense-kernel');
    expect(roles.has('inner_dense/bias')).toBe(false);
    expect(role('head_dense/kernel')).toBe('dense-kernel');
    expect(role('head_dense/bias')).toBe('bias');
    expect(role('lstm/recurrent_kernel')).toBe('dense-kernel');
    expect(lookupKerasRole(roles, 'bidirectional/forward_gru/kernel')).toEqual({ role: 'dense-kernel', layer: 'bidirectional' });
    expect(role('backward_gru/bias')).toBe('bias');
  });

  it('tolerates converter scopes and `:0` suffixes when looking weights up', () => {
    const roles = rolesFromKerasTopology({ model_config: functional });
    expect(lookupKerasRole(roles, 'model1/encoder/inner_dense/kernel:0')).toEqual({ role: 'dense-kernel', layer: 'inner_dense' });
    expect(lookupKerasRole(roles, 'lstm/lstm_cell/kernel')).toEqual({ role: 'dense-kernel', layer: 'lstm' });
    expect(lookupKerasRole(roles, 'unscoped')).toEqual({ role: 'other', layer: 'unscoped' });
  });

  it.each([
    [null, 'topology'],
    [[], 'topology'],
    [{ class_name: 3 }, 'topology.class_name'],
    [{ class_name: 'Dense', config: {} }, 'topology.class_name'],
    [{ class_name: 'Sequential' }, 'topology.config'],
    [{ class_name: 'Sequential', config: { layers: 'dense' } }, 'topology.config.layers'],
    [{ class_name: 'Model', config: { layers: [1] } }, 'topology.config.layers[0]'],
    [{ class_name: 'Model', config: { layers: [{ config: {} }] } }, 'topology.config.layers[0].class_name'],
    [{ class_name: 'Model', config: { layers: [{ class_name: 'Dense', config: {} }] } }, 'topology.config.layers[0].config.name'],
    [{ class_name: 'Model', config: { layers: [{ class_name: 'Dense' }] } }, 'topology.config.layers[0].config'],
    [
      { class_name: 'Model', config: { layers: [{ class_name: 'Sequential', config: { layers: [null] } }] } },
      'topology.config.layers[0].config.layers[0]',
    ],
    [{ modelTopology: { model_config: 'x' } }, 'topology.modelTopology.model_config'],
  ])('rejects %j naming %s', (topology, field) => {
    expect(() => rolesFromKerasTopology(topology)).toThrow(expect.objectContaining({ code: 'invalid-model', field }));
  });

  it('rejects models nested absurdly deep instead of overflowing the stack', () => {
    let topology: unknown = { class_name: 'Sequential', config: { layers: [] } };
    for (let depth = 0; depth < 10_000; depth++) topology = { class_name: 'Sequential', config: { name: 'm', layers: [topology] } };
    expect(() => rolesFromKerasTopology(topology)).toThrow(WhittleError);
  });

  it('answers any input with a map or a WhittleError naming a field', () => {
    const layer = fc.record({
      class_name: fc.oneof(fc.constantFrom('Dense', 'Conv2D', 'Sequential', 'Bidirectional', 'Unknown'), fc.anything()),
      config: fc.oneof(fc.record({ name: fc.oneof(fc.string(), fc.anything()) }), fc.anything()),
    });
    const topology = fc.oneof(
      fc.anything(),
      fc.record({ class_name: fc.constantFrom('Sequential', 'Model'), config: fc.record({ layers: fc.array(layer) }) }),
      fc.record({ class_name: fc.constantFrom('Sequential'), config: fc.oneof(fc.array(layer), fc.anything()) }),
    );
    fc.assert(
      fc.property(topology, (value) => {
        try {
          expect(rolesFromKerasTopology(value)).toBeInstanceOf(Map);
        } catch (error) {
          expect(error).toBeInstanceOf(WhittleError);
          expect((error as WhittleError).message.length).toBeGreaterThan(0);
          expect((error as WhittleError).field).toMatch(/^topology/);
        }
      }),
      { numRuns: 500 },
    );
  });
});
