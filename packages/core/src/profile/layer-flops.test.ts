import * as tfl from '@tensorflow/tfjs-layers';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.ts';
import { layerFlops } from './layer-flops.ts';

beforeAll(async () => {
  await useBackend('cpu');
}, 120_000);

// Each expectation is worked out by hand: output positions × work per position.
describe('layerFlops, against hand-computed multiply-adds', () => {
  it('Dense: inputs × units, over every leading axis', () => {
    expect(layerFlops('Dense', { units: 128 }, [[1, 784]]).flops).toBe(784 * 128);
    expect(layerFlops('Dense', { units: 10 }, [[4, 128]]).flops).toBe(4 * 128 * 10);
    expect(layerFlops('Dense', { units: 16 }, [[2, 5, 32]]).flops).toBe(2 * 5 * 32 * 16);
  });

  it('Conv2D: strides, same and valid padding, dilation', () => {
    // 28×28 valid 3×3: 26×26 positions, 9 taps × 1 channel, 8 filters.
    expect(layerFlops('Conv2D', { filters: 8, kernel_size: [3, 3], padding: 'valid' }, [[1, 28, 28, 1]]).flops).toBe(26 * 26 * 8 * 9 * 1);
    // same, stride 2: ceil(28 / 2) = 14 per axis.
    expect(layerFlops('Conv2D', { filters: 16, kernel_size: [3, 3], strides: [2, 2], padding: 'same' }, [[1, 28, 28, 8]]).flops).toBe(14 * 14 * 16 * 9 * 8);
    // valid, stride 2, 5×5: floor((28 - 5) / 2) + 1 = 12.
    expect(layerFlops('Conv2D', { filters: 4, kernel_size: 5, strides: 2, padding: 'valid' }, [[2, 28, 28, 3]]).flops).toBe(2 * 12 * 12 * 4 * 25 * 3);
    // dilation 2 spans 5 inputs with a 3×3 kernel: 32 - 5 + 1 = 28 positions per axis.
    expect(layerFlops('Conv2D', { filters: 6, kernel_size: [3, 3], dilation_rate: [2, 2], padding: 'valid' }, [[1, 32, 32, 2]]).flops).toBe(28 * 28 * 6 * 9 * 2);
    // same padding keeps 32 positions whatever the dilation.
    expect(layerFlops('Conv2D', { filters: 6, kernel_size: [3, 3], dilation_rate: 2, padding: 'same' }, [[1, 32, 32, 2]]).flops).toBe(32 * 32 * 6 * 9 * 2);
    // A rectangular kernel and unequal strides: (20 - 3) / 1 + 1 = 18 rows, (30 - 5) / 5 + 1 = 6 columns.
    expect(layerFlops('Conv2D', { filters: 2, kernel_size: [3, 5], strides: [1, 5], padding: 'valid' }, [[1, 20, 30, 4]]).flops).toBe(18 * 6 * 2 * 15 * 4);
    // channels first: [batch, channels, height, width].
    expect(layerFlops('Conv2D', { filters: 8, kernel_size: [3, 3], data_format: 'channelsFirst' }, [[1, 3, 10, 10]]).flops).toBe(8 * 8 * 8 * 9 * 3);
  });

  it('DepthwiseConv2D: each channel with its own kernels, times the multiplier', () => {
    expect(layerFlops('DepthwiseConv2D', { kernel_size: [3, 3], padding: 'same' }, [[1, 14, 14, 32]]).flops).toBe(14 * 14 * 32 * 9);
    expect(layerFlops('DepthwiseConv2D', { kernel_size: [3, 3], depth_multiplier: 3, padding: 'valid' }, [[1, 14, 14, 4]]).flops).toBe(12 * 12 * 4 * 3 * 9);
    expect(layerFlops('DepthwiseConv2D', { kernel_size: [3, 3], depth_multiplier: 2, strides: [2, 2], padding: 'same' }, [[2, 15, 15, 5]]).flops).toBe(2 * 8 * 8 * 5 * 2 * 9);
  });

  it('SeparableConv2D: the depthwise part plus a 1×1 convolution of its channels', () => {
    // 12×12 positions; depthwise 4 × 2 channels × 9 taps; pointwise 8 channels → 16 filters.
    expect(layerFlops('SeparableConv2D', { filters: 16, kernel_size: [3, 3], depth_multiplier: 2, padding: 'valid' }, [[1, 14, 14, 4]]).flops).toBe(
      12 * 12 * 4 * 2 * 9 + 12 * 12 * 8 * 16,
    );
    expect(layerFlops('SeparableConv2D', { filters: 10, kernel_size: 3, strides: 2, padding: 'same' }, [[1, 28, 28, 3]]).flops).toBe(
      14 * 14 * 3 * 9 + 14 * 14 * 3 * 10,
    );
  });

  it('GRU: three gates over inputs and state per step, whatever reset_after says', () => {
    // 7 steps, 5 features, 6 units: per step 3 × 6 × (5 + 6).
    const expected = 2 * 7 * (5 * 18 + 6 * 18);
    expect(layerFlops('GRU', { units: 6, reset_after: true }, [[2, 7, 5]]).flops).toBe(expected);
    expect(layerFlops('GRU', { units: 6, reset_after: false }, [[2, 7, 5]]).flops).toBe(expected);
  });

  it('LSTM: four gates over inputs and state per step', () => {
    expect(layerFlops('LSTM', { units: 32 }, [[1, 28, 28]]).flops).toBe(28 * (28 * 128 + 32 * 128));
    expect(layerFlops('LSTM', { units: 3 }, [[4, 10, 2]]).flops).toBe(4 * 10 * (2 * 12 + 3 * 12));
  });

  it('counts weightless layers as 0 and says why it cannot count the rest', () => {
    expect(layerFlops('Flatten', {}, [[1, 7, 7, 4]])).toEqual({ flops: 0 });
    expect(layerFlops('Add', {}, [[1, 4], [1, 4]])).toEqual({ flops: 0 });
    expect(layerFlops('BatchNormalization', {}, [[1, 7, 7, 4]])).toEqual({ flops: 196 });
    for (const [op, config, shapes] of [
      ['Bidirectional', {}, [[1, 4, 4]]],
      ['Dense', {}, [[1, 4]]],
      ['Dense', { units: 3 }, [[-1, 4]]],
      ['Conv2D', { filters: 3, kernel_size: [3, 3] }, [[1, 4, 4]]],
      ['Conv2D', { filters: 3, kernel_size: [3, 3], padding: 'reflect' }, [[1, 4, 4, 1]]],
      ['LSTM', { units: 3 }, [[1, 4]]],
      ['Dense', { units: 3 }, [[1, 4], [1, 4]]],
    ] as const) {
      const result = layerFlops(op, config, shapes as unknown as number[][]);
      expect(result.flops, op).toBeNull();
      expect(result.reason, op).toMatch(/\S/);
    }
  });
});

// tfjs-layers' own output shapes are an independent oracle for the output positions.
describe('layerFlops, properties over random configs', () => {
  const convolution = fc.record({
    batch: fc.integer({ min: 1, max: 3 }),
    height: fc.integer({ min: 1, max: 24 }),
    width: fc.integer({ min: 1, max: 24 }),
    channels: fc.integer({ min: 1, max: 6 }),
    filters: fc.integer({ min: 1, max: 6 }),
    kernel: fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 })),
    strides: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
    dilation: fc.integer({ min: 1, max: 3 }),
    padding: fc.constantFrom('valid' as const, 'same' as const),
    multiplier: fc.integer({ min: 1, max: 3 }),
  });

  it('Conv2D is output elements × kernel taps × input channels, with tfjs-layers output shapes', () => {
    fc.assert(
      fc.property(convolution, (c) => {
        // tfjs refuses strides above 1 combined with dilation above 1.
        const strides = c.dilation > 1 ? [1, 1] : c.strides;
        const config = { filters: c.filters, kernelSize: c.kernel, strides, dilationRate: c.dilation, padding: c.padding };
        const output = tfl.layers.conv2d(config).computeOutputShape([c.batch, c.height, c.width, c.channels]) as number[];
        fc.pre(output.every((extent) => extent > 0));
        const keras = { filters: c.filters, kernel_size: c.kernel, strides, dilation_rate: c.dilation, padding: c.padding };
        const flops = layerFlops('Conv2D', keras, [[c.batch, c.height, c.width, c.channels]]).flops;
        expect(flops).toBe(c.batch * output[1]! * output[2]! * c.filters * c.kernel[0] * c.kernel[1] * c.channels);
      }),
      { numRuns: 200 },
    );
  });

  it('SeparableConv2D is DepthwiseConv2D plus a 1×1 Conv2D over its output', () => {
    fc.assert(
      fc.property(convolution, (c) => {
        const strides = c.dilation > 1 ? [1, 1] : c.strides;
        const base = { kernel_size: c.kernel, strides, dilation_rate: c.dilation, padding: c.padding, depth_multiplier: c.multiplier };
        const input = [c.batch, c.height, c.width, c.channels];
        const depthwise = layerFlops('DepthwiseConv2D', base, [input]).flops!;
        // Positions as a Conv2D of the same geometry has them (tfjs's DepthwiseConv2D shape leaves out the dilation).
        const output = tfl.layers.conv2d({ filters: c.channels * c.multiplier, kernelSize: c.kernel, strides, dilationRate: c.dilation, padding: c.padding })
          .computeOutputShape(input) as number[];
        fc.pre(output.every((extent) => extent > 0));
        expect(depthwise).toBe(output.reduce((a, b) => a * b, 1) * c.kernel[0] * c.kernel[1]);
        const pointwise = layerFlops('Conv2D', { filters: c.filters, kernel_size: [1, 1] }, [output]).flops!;
        expect(layerFlops('SeparableConv2D', { ...base, filters: c.filters }, [input]).flops).toBe(depthwise + pointwise);
      }),
      { numRuns: 200 },
    );
  });

  it('Dense, LSTM and GRU grow linearly with the batch', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('Dense', 'LSTM', 'GRU', 'SimpleRNN'),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: 1, max: 64 }),
        (op, batch, steps, features, units) => {
          const one = layerFlops(op, { units }, [[1, steps, features]]).flops!;
          expect(layerFlops(op, { units }, [[batch, steps, features]]).flops).toBe(batch * one);
          // An RNN step is a Dense layer of gates × units over the inputs and the state together.
          if (op !== 'Dense') {
            const gates = { LSTM: 4, GRU: 3, SimpleRNN: 1 }[op]!;
            expect(one).toBe(steps * layerFlops('Dense', { units: gates * units }, [[1, features + units]]).flops!);
          }
        },
      ),
    );
  });
});
