/**
 * Test fixture: a small model with every role the handlers treat differently.
 */
import { hostTensor, modelFromTensors, type HostTensor, type Model } from '@whittle/core';
import { seededRandom } from '../primitives/seeded-random.ts';

function randomTensor(shape: number[], seed: number): HostTensor<'float32'> {
  const random = seededRandom(seed);
  const size = shape.reduce((product, dimension) => product * dimension, 1);
  return hostTensor('float32', shape, Float32Array.from({ length: size }, () => random() * 2 - 1));
}

/**
 * Dense kernel `[64, 32]`, linear weight `[32, 64]`, conv kernel, depthwise kernel, embedding,
 * bias, norm gamma and an integer tensor.
 *
 * @example
 * ```ts
 * const model = testModel();
 * ```
 */
export function testModel(): Model {
  return modelFromTensors({
    'dense/kernel': randomTensor([64, 32], 1),
    'dense/bias': randomTensor([32], 2),
    'fc.weight': randomTensor([32, 64], 3),
    'conv/kernel': randomTensor([3, 3, 4, 8], 4),
    'depthwise/depthwise_kernel': randomTensor([3, 3, 8, 1], 5),
    'embedding/embeddings': randomTensor([40, 16], 6),
    'layer_norm/gamma': randomTensor([32], 7),
    'ids/kernel': hostTensor('int32', [2, 2]),
  });
}
