import type * as Layers from '@tensorflow/tfjs-layers';

/** The demo's networks: the two LeNets of Deep Compression's Table 1. */
export const DEMO_MODEL_NAMES = ['lenet-300-100', 'lenet-5'] as const;

/** One of {@link DEMO_MODEL_NAMES}. */
export type DemoModelName = (typeof DEMO_MODEL_NAMES)[number];

/** The weight layers of each network, named as the paper's tables name them. */
export const DEMO_MODEL_LAYERS: Readonly<Record<DemoModelName, readonly string[]>> = {
  'lenet-300-100': ['ip1', 'ip2', 'ip3'],
  'lenet-5': ['conv1', 'conv2', 'ip1', 'ip2'],
};

/**
 * An untrained LeNet taking flat 784-pixel digits and giving 10 logits, He-normal kernels seeded
 * by `seed`. LeNet-300-100: Dense 300 and 100 with ReLU, then 10 (266,610 params). LeNet-5 as
 * Caffe's example defines it: Conv 20@5×5 valid, max-pool 2, Conv 50@5×5, max-pool 2, Dense 500
 * with ReLU, Dense 10 (431,080 params; no activation after the convolutions). tfjs-layers is
 * loaded when called (it comes with `@whittle/bench`, which the demo needs anyway).
 *
 * @example
 * ```ts
 * const layers = await buildLenet('lenet-5', 42);
 * layers.countParams(); // 431080
 * ```
 */
export async function buildLenet(name: DemoModelName, seed: number): Promise<Layers.Sequential> {
  const specifier = '@tensorflow/tfjs-layers';
  const tfl = (await import(specifier)) as typeof Layers;
  const init = (offset: number) => tfl.initializers.heNormal({ seed: seed + offset });
  const layers =
    name === 'lenet-300-100'
      ? [
          tfl.layers.dense({ name: 'ip1', units: 300, activation: 'relu', kernelInitializer: init(0), inputShape: [784] }),
          tfl.layers.dense({ name: 'ip2', units: 100, activation: 'relu', kernelInitializer: init(1) }),
          tfl.layers.dense({ name: 'ip3', units: 10, kernelInitializer: init(2) }),
        ]
      : [
          tfl.layers.reshape({ name: 'image', targetShape: [28, 28, 1], inputShape: [784] }),
          tfl.layers.conv2d({ name: 'conv1', filters: 20, kernelSize: 5, kernelInitializer: init(0) }),
          tfl.layers.maxPooling2d({ name: 'pool1', poolSize: 2 }),
          tfl.layers.conv2d({ name: 'conv2', filters: 50, kernelSize: 5, kernelInitializer: init(1) }),
          tfl.layers.maxPooling2d({ name: 'pool2', poolSize: 2 }),
          tfl.layers.flatten({ name: 'flatten' }),
          tfl.layers.dense({ name: 'ip1', units: 500, activation: 'relu', kernelInitializer: init(2) }),
          tfl.layers.dense({ name: 'ip2', units: 10, kernelInitializer: init(3) }),
        ];
  return tfl.sequential({ name: name.replaceAll('-', '_'), layers });
}
