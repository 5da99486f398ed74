import { countParams, modelByteLength, type Model } from '@whittle/core';
import type { ResultRow } from '../../result-row.ts';
import { MNIST_CLASSES, MNIST_IMAGE_SIZE, loadMnistDigits, splitDigits } from './mnist-digits.ts';
import { digitBatches, trainMnistMlp } from './mnist-mlp.ts';
import type { QuantizationMethod } from './quantization-methods.ts';
import type { QuantizationPlan } from './quantization-plan.ts';

/**
 * The trained-model half of the quantization suite: an MLP trained on real MNIST digits on the
 * current backend, then every method applied to its Dense kernels (biases stay float32) and the
 * result run by core's runner (every encoding as what it decodes to). Per method: top-1
 * accuracy on held-out test digits (case `float32` is the model before quantization), the
 * model's bytes, and its bits per parameter. GPTQ calibrates on the first training digits: it
 * runs the float model on them and captures each layer's inputs.
 *
 * @example
 * ```ts
 * const rows = await mlpRows(QUANTIZATION_METHODS, QUICK_QUANTIZATION_PLAN, 'wasm', console.log);
 * ```
 */
export async function mlpRows(
  methods: readonly QuantizationMethod[],
  plan: QuantizationPlan,
  backend: string,
  progress: (message: string) => void,
): Promise<ResultRow[]> {
  const settings = plan.mlp;
  const size = `mnist mlp ${[MNIST_IMAGE_SIZE, ...settings.hiddenSizes, MNIST_CLASSES].join('-')}`;
  progress(`load MNIST digits; train ${size} on ${settings.train} for ${settings.epochs} epoch(s) on ${backend}`);
  const { train, test } = splitDigits(await loadMnistDigits(), { train: settings.train, test: settings.test, seed: 1 });
  const mlp = await trainMnistMlp(train, { ...settings, seed: 1 });
  try {
    // GPTQ runs each candidate's float model on these digits to see what every layer sees.
    const calibration = digitBatches(train, settings.calibrationSamples);
    const rows: ResultRow[] = [];
    const measureModel = async (name: string, model: Model): Promise<void> => {
      const row = (metric: string, value: number, unit: string, rowBackend = 'js'): ResultRow => ({
        suite: 'quantization',
        case: name,
        backend: rowBackend,
        size,
        metric,
        value,
        unit,
      });
      const bytes = modelByteLength(model);
      rows.push(
        row('top1-accuracy', await mlp.accuracy(model, test), '%', backend),
        row('model-size', bytes / 1000, 'kB'),
        row('bits-per-weight', (8 * bytes) / countParams(model), 'bits'),
      );
    };
    await measureModel('float32', mlp.model);
    for (const method of methods) {
      progress(`${method.name} on ${size}`);
      await measureModel(method.name, await method.quantize(mlp.model, calibration));
    }
    return rows;
  } finally {
    mlp.dispose();
  }
}
