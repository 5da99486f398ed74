import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import fc from 'fast-check';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { modelFromTensors } from '../model/model-from-tensors.ts';
import { loadRunnable } from '../runner/load-runnable.ts';
import { hostTensor } from '../tensor/host-tensor.ts';
import { installChainedOps } from './chained-ops.ts';
import { useBackend } from './use-backend.ts';

beforeAll(async () => {
  await useBackend('cpu');
}, 120_000);

const prototype = tf.Tensor.prototype as unknown as Record<string, unknown>;
const removed = new Map<string, unknown>();

/** Takes methods off `Tensor.prototype`, as tfjs-core's Node bundle leaves it, until the test ends. */
function remove(...names: string[]): void {
  for (const name of names) {
    if (!removed.has(name)) removed.set(name, prototype[name]);
    delete prototype[name];
  }
}

afterEach(() => {
  for (const [name, method] of removed) {
    if (method === undefined) delete prototype[name];
    else prototype[name] = method;
  }
  removed.clear();
});

/** The chained methods the tests call, as the ES module build of tfjs-core declares them. */
type Method = (...args: unknown[]) => tf.Tensor;
type Chained = tf.Tensor & {
  readonly [name in
    | 'flatten'
    | 'square'
    | 'asType'
    | 'toInt'
    | 'matMul'
    | 'concat'
    | 'stack'
    | 'where'
    | 'sum'
    | 'transpose'
    | 'reshapeAs'
    | 'asScalar']: Method;
};

describe('installChainedOps', () => {
  it('adds only what is missing, and nothing on a second call', () => {
    remove('flatten', 'square', 'asType');
    expect(installChainedOps()).toBe(3);
    expect(installChainedOps()).toBe(0);
  });

  it('gives the same values as the op functions', () => {
    remove('flatten', 'square', 'asType', 'matMul', 'concat', 'stack', 'where', 'sum', 'transpose', 'asScalar', 'toInt', 'reshapeAs');
    installChainedOps();
    fc.assert(
      fc.property(fc.array(fc.float({ noNaN: true, min: -100, max: 100 }), { minLength: 6, maxLength: 6 }), (values) => {
        tf.tidy(() => {
          const x = tf.tensor2d(values, [2, 3]) as Chained;
          const y = tf.tensor2d(
            values.map((value) => value * 2),
            [3, 2],
          );
          expect(Array.from(x.flatten().dataSync())).toEqual(Array.from(tf.reshape(x, [6]).dataSync()));
          expect(Array.from(x.square().dataSync())).toEqual(Array.from(tf.square(x).dataSync()));
          expect(x.asType('int32').dtype).toBe('int32');
          expect(x.toInt().dtype).toBe('int32');
          expect(Array.from(x.matMul(y).dataSync())).toEqual(Array.from(tf.matMul(x, y).dataSync()));
          expect(x.concat(x, 0).shape).toEqual([4, 3]);
          expect(x.concat([x, x], 1).shape).toEqual([2, 9]);
          expect(x.stack(x).shape).toEqual([2, 2, 3]);
          expect(Array.from(x.where(tf.greater(x, 0), tf.zerosLike(x)).dataSync())).toEqual(Array.from(tf.relu(x).dataSync()));
          expect(x.sum().dataSync()[0]).toBeCloseTo(tf.sum(x).dataSync()[0]!, 3);
          expect(x.transpose().shape).toEqual([3, 2]);
          expect(x.reshapeAs(y).shape).toEqual([3, 2]);
          expect(() => x.asScalar()).toThrow('only 1 element');
        });
      }),
      { numRuns: 20 },
    );
  });

  it('refuses a disposed tensor, as tfjs does', () => {
    remove('flatten');
    installChainedOps();
    const x = tf.ones([2, 2]) as Chained;
    x.dispose();
    expect(() => x.flatten()).toThrow(/disposed/);
  });

  it("lets the runner load an LSTM with tfjs-layers' default Orthogonal recurrent initializer", async () => {
    const built = tfl.sequential({
      layers: [tfl.layers.lstm({ units: 3, inputShape: [4, 2], recurrentInitializer: 'zeros' }), tfl.layers.dense({ units: 2 })],
    });
    const topology = JSON.parse(
      JSON.stringify(built.toJSON(null, false)).replace(
        '"recurrent_initializer":{"class_name":"Zeros","config":{}}',
        '"recurrent_initializer":{"class_name":"Orthogonal","config":{"gain":1,"seed":null}}',
      ),
    ) as object;
    expect(JSON.stringify(topology)).toContain('Orthogonal');
    const tensors = Object.fromEntries(
      built
        .getWeights()
        .map((weight, index) => [
          built.weights[index]!.originalName,
          hostTensor('float32', weight.shape, weight.dataSync() as Float32Array),
        ]),
    );
    const inputs = tf.randomNormal([5, 4, 2], 0, 1, 'float32', 3);
    const expected = (built.predict(inputs) as tf.Tensor).dataSync();
    // As in tfjs-core's Node bundle, which lacks the chained methods.
    remove('flatten');
    const runnable = await loadRunnable(modelFromTensors(tensors, { topology }));
    const actual = runnable.predict(inputs);
    const values = (Array.isArray(actual) ? actual[0]! : actual).dataSync();
    for (let index = 0; index < expected.length; index++) expect(values[index]).toBeCloseTo(expected[index]!, 5);
    runnable.dispose();
    built.dispose();
    inputs.dispose();
  });
});
