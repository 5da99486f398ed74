/**
 * The models of the gradual-pruning bench part, built untrained (seeded) with tfjs-layers and
 * handed over as whittle Models: LeNet-300-100 and a small CNN, both taking flat 784-pixel digits
 * and giving 10 logits.
 */
import { hostTensor, type Model } from '@whittle/core';
import type { Batch } from '@whittle/core/runner';
import { MNIST_CLASSES, MNIST_IMAGE_SIZE, type Digits } from '../quantization/mnist-digits.ts';

/** The architectures the part prunes. */
export const GRADUAL_ARCHITECTURES = ['lenet-300-100', 'cnn'] as const;

/** One of {@link GRADUAL_ARCHITECTURES}. */
export type GradualArchitecture = (typeof GRADUAL_ARCHITECTURES)[number];

/** How an architecture is described in rows. */
export const ARCHITECTURE_SIZES: Readonly<Record<GradualArchitecture, string>> = {
  'lenet-300-100': 'mnist lenet-300-100 (784-300-100-10)',
  cnn: 'mnist cnn (conv 3x3/2 8, conv 3x3/2 16, dense 10)',
};

/**
 * An untrained classifier of flat MNIST digits with He-normal kernels seeded by `seed`:
 * LeNet-300-100 (Dense 300, 100 with ReLU, then 10 logits; Han et al. 2015's MLP) or a small CNN
 * (two 3 × 3 stride-2 ReLU convolutions of 8 and 16 filters, then 10 logits from the 576
 * features). The CNN's convolutions are Conv3D layers over a depth of 1 (the same 2-D
 * convolution, kernels `[3, 3, 1, in, out]`): tfjs's wasm backend has the filter-gradient kernel
 * of Conv3D but not of Conv2D, and its cpu backend trains Conv2D about 20 times slower.
 *
 * @example
 * ```ts
 * const model = await untrainedClassifier('lenet-300-100', 1);
 * ```
 */
export async function untrainedClassifier(architecture: GradualArchitecture, seed: number): Promise<Model> {
  const tfl = await import('@tensorflow/tfjs-layers');
  const { fromLayersModel } = await import('@whittle/core/runner');
  const init = (offset: number) => tfl.initializers.heNormal({ seed: seed + offset });
  const layers =
    architecture === 'lenet-300-100'
      ? [
          tfl.layers.dense({ name: 'fc1', units: 300, activation: 'relu', kernelInitializer: init(0), inputShape: [MNIST_IMAGE_SIZE] }),
          tfl.layers.dense({ name: 'fc2', units: 100, activation: 'relu', kernelInitializer: init(1) }),
          tfl.layers.dense({ name: 'fc3', units: MNIST_CLASSES, kernelInitializer: init(2) }),
        ]
      : [
          tfl.layers.reshape({ name: 'image', targetShape: [28, 28, 1, 1], inputShape: [MNIST_IMAGE_SIZE] }),
          tfl.layers.conv3d({ name: 'conv1', filters: 8, kernelSize: [3, 3, 1], strides: [2, 2, 1], activation: 'relu', kernelInitializer: init(0) }),
          tfl.layers.conv3d({ name: 'conv2', filters: 16, kernelSize: [3, 3, 1], strides: [2, 2, 1], activation: 'relu', kernelInitializer: init(1) }),
          tfl.layers.flatten({ name: 'flatten' }),
          tfl.layers.dense({ name: 'fc', units: MNIST_CLASSES, kernelInitializer: init(2) }),
        ];
  const sequential = tfl.sequential({ name: architecture.replaceAll('-', '_'), layers });
  try {
    return await fromLayersModel(sequential);
  } finally {
    sequential.dispose();
  }
}

/**
 * Training batches of `digits`: `[rows, 784]` images with one-hot `[rows, 10]` targets, up to
 * `batchSize` rows each, in order (views of the images; the targets are built once).
 *
 * @example
 * ```ts
 * const batches = oneHotBatches(train, 100);
 * ```
 */
export function oneHotBatches(digits: Digits, batchSize: number): Batch[] {
  const targets = new Float32Array(digits.count * MNIST_CLASSES);
  digits.labels.forEach((label, row) => {
    targets[row * MNIST_CLASSES + label] = 1;
  });
  const batches: Batch[] = [];
  for (let start = 0; start < digits.count; start += batchSize) {
    const rows = Math.min(batchSize, digits.count - start);
    batches.push({
      inputs: hostTensor('float32', [rows, MNIST_IMAGE_SIZE], digits.images.subarray(start * MNIST_IMAGE_SIZE, (start + rows) * MNIST_IMAGE_SIZE)),
      targets: hostTensor('float32', [rows, MNIST_CLASSES], targets.subarray(start * MNIST_CLASSES, (start + rows) * MNIST_CLASSES)),
    });
  }
  return batches;
}
