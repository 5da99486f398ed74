import * as tf from '@tensorflow/tfjs-core';
import { useBackend, WhittleError } from '@whittle/core';
import { readTfjsModelFile } from '@whittle/core/fs';
import type * as Runner from '@whittle/core/runner';
import { Option, type Command } from 'commander';
import type { CliIo } from '../cli-io.ts';
import { locateModel } from '../model-files/model-location.ts';
import { createProgressReporter } from '../progress/progress-reporter.ts';
import { classifierMetrics, EMPTY_TALLY, tallyBatch, type ClassifierMetrics } from '../verbs/classifier-tally.ts';
import { INPUTS_TENSOR, LABELS_TENSOR, mnistEvalData, readEvalDataFile, type EvalData } from '../verbs/eval-data.ts';
import { CLI_BACKENDS, type CliBackend } from './backend-option.ts';

/** Options of `whittle eval`. */
export interface EvalCommandOptions {
  /** `mnist`, or a safetensors data file. */
  readonly data: string;
  readonly json?: boolean;
  readonly backend?: CliBackend;
}

/** What `whittle eval` prints (`--json` prints it as it is). */
export interface EvalReport extends ClassifierMetrics {
  readonly model: string;
  readonly data: { readonly name: string; readonly description: string };
}

/**
 * Scores the classifier at `path` (TFJS artifacts, any whittle encoding decoded as core's
 * runner loads it) on labelled examples: `--data mnist` (the demo's held-out digits) or a
 * safetensors data file (see `readEvalDataFile`). Checks the data against the model's input
 * and output before scoring, and prints top-1 accuracy, mean cross-entropy and the number of
 * examples: a table, or JSON with `json`.
 *
 * @example
 * ```ts
 * const report = await runEval('model/', { data: 'mnist' }, processIo());
 * report.accuracy; // about 95
 * ```
 */
export async function runEval(path: string, options: EvalCommandOptions, io: CliIo): Promise<EvalReport> {
  const location = await locateModel(path);
  if (location.format !== 'tfjs') {
    throw new WhittleError('invalid-argument', `eval runs a TFJS model (model.json with its layers); a ${location.format} file has no graph whittle runs`, { file: path });
  }
  const data = options.data === 'mnist' ? await mnistEvalData() : await readEvalDataFile(options.data);
  const model = await readTfjsModelFile((location as typeof location & { readonly modelJson: string }).modelJson);
  await useBackend(options.backend ?? 'wasm');
  const specifier = '@whittle/core/runner';
  const { loadRunnable } = (await import(specifier)) as typeof Runner;
  const runnable = await loadRunnable(model);
  const progress = createProgressReporter(io, { prefix: 'eval' });
  let tally = EMPTY_TALLY;
  try {
    const inputShape = modelInputShape(runnable.inputs, data, path);
    let classes: number | undefined;
    for await (const batch of data.batches()) {
      const outputs = tf.tidy(() => {
        const result = runnable.predict(tf.tensor(batch.inputs, [batch.rows, ...inputShape], 'float32'));
        if (Array.isArray(result)) {
          throw new WhittleError('invalid-model', `eval scores a classifier with one output; this one has ${result.length}`, { file: path });
        }
        return result;
      });
      let values: Float32Array;
      try {
        if (outputs.rank !== 2 || outputs.shape[0] !== batch.rows) {
          throw new WhittleError('invalid-model', `eval scores a classifier whose output is [batch, classes]; this one's is [${outputs.shape.join(', ')}]`, { file: path });
        }
        values = (await outputs.data()) as Float32Array;
      } finally {
        outputs.dispose();
      }
      classes ??= checkClasses(outputs.shape[1]!, data, path);
      tally = tallyBatch(tally, values, classes, batch.labels);
      progress.update(tally.examples, data.examples, 'examples');
    }
  } finally {
    progress.close();
    runnable.dispose();
  }
  const report: EvalReport = { model: path, data: { name: data.name, description: data.description }, ...classifierMetrics(tally) };
  io.stdout(options.json === true ? `${JSON.stringify(report, null, 2)}\n` : formatEvalReport(report));
  return report;
}

/**
 * The shape each batch is fed as, batch axis left out: the data's own when the model's input
 * agrees with it (a `null` size takes any), or for MNIST any input shape of 784 values.
 */
function modelInputShape(inputs: readonly Runner.ModelInputInfo[], data: EvalData, path: string): readonly number[] {
  if (inputs.length !== 1) throw new WhittleError('invalid-model', `eval feeds a model with one input; this one has ${inputs.length}`, { file: path });
  const shape = inputs[0]!.shape;
  const example = data.exampleShape;
  if (shape === undefined) return example;
  const wanted = shape.slice(1);
  const fits = wanted.length === example.length && wanted.every((size, axis) => size === null || size === example[axis]);
  if (fits) return example;
  const values = example.reduce((product, size) => product * size, 1);
  if (data.reshapes && wanted.every((size) => size !== null) && (wanted as number[]).reduce((product, size) => product * size, 1) === values) {
    return wanted as number[];
  }
  throw new WhittleError(
    'invalid-argument',
    `the model takes inputs [${shape.map((size) => size ?? 'n').join(', ')}], the data gives [n, ${example.join(', ')}]`,
    data.name === 'mnist' ? { field: 'mnist' } : { file: data.name, field: INPUTS_TENSOR },
  );
}

/** The number of classes, checked against the data's labels before any example is scored. */
function checkClasses(classes: number, data: EvalData, path: string): number {
  if (data.classes !== undefined && data.classes !== classes) {
    throw new WhittleError('invalid-argument', `one-hot labels have ${data.classes} classes, the model outputs ${classes}`, { file: data.name, field: LABELS_TENSOR });
  }
  if (data.largestLabel !== undefined && data.largestLabel >= classes) {
    throw new WhittleError('invalid-argument', `class index ${data.largestLabel} is out of range: the model ${path} has ${classes} classes (0–${classes - 1})`, {
      file: data.name,
      field: LABELS_TENSOR,
    });
  }
  return classes;
}

/**
 * The table `whittle eval` prints.
 *
 * @example
 * ```ts
 * formatEvalReport(report); // "model     model/\ndata      mnist: …\n…"
 * ```
 */
export function formatEvalReport(report: EvalReport): string {
  const rows: [string, string][] = [
    ['model', report.model],
    ['data', report.data.name === report.data.description ? report.data.name : `${report.data.name}: ${report.data.description}`],
    ['examples', report.examples.toLocaleString('en-US')],
    ['accuracy', `${report.accuracy.toFixed(2)} % top-1 (${report.correct.toLocaleString('en-US')} correct)`],
    ['loss', `${report.loss.toFixed(4)} mean cross-entropy (outputs read as ${report.outputs})`],
  ];
  return `${rows.map(([name, value]) => `${name.padEnd(9)} ${value}`).join('\n')}\n`;
}

/** The data file format, as `whittle eval --help` and the README describe it. */
export const EVAL_DATA_HELP: readonly string[] = [
  'Data (--data):',
  "  mnist   the demo's 2,000 held-out MNIST test digits (the same seeded split of the mnist",
  '          package\'s 10,000), flat 784-pixel rows in 0–1; needs @whittle/bench',
  '  FILE    a safetensors file holding exactly two tensors:',
  `            "${INPUTS_TENSOR}"  float32 [n, ...]: n examples, each of the model's input shape`,
  `            "${LABELS_TENSOR}"  [n] class indices (U8, I8, U16, I16, U32, I32, U64 or I64), or`,
  '                      float32 [n, classes] one-hot rows',
  'The model is a TFJS classifier with one input and an output [batch, classes]: logits, or',
  'probabilities from a softmax (read as such when every row is a distribution).',
];

/** Command lines shown at the end of `whittle eval --help`. */
export const EVAL_EXAMPLES: readonly string[] = [
  'whittle eval model/ --data mnist',
  'whittle eval model-int8/ --data mnist --json > eval.json',
  'whittle eval model/ --data test.safetensors',
];

/** Adds `whittle eval` to a commander program. */
export function addEvalCommand(program: Command, io: CliIo): void {
  program
    .command('eval')
    .description("a classifier's top-1 accuracy and mean cross-entropy loss on MNIST's held-out digits or a labelled data file")
    .argument('<model>', 'a model.json or a directory holding one (any whittle output)')
    .requiredOption('--data <mnist|file>', 'mnist, or a safetensors file of inputs and labels (below)')
    .option('--json', 'print the result as JSON')
    .addOption(new Option('--backend <name>', 'the tfjs backend to run on').choices(CLI_BACKENDS).default('wasm'))
    .addHelpText('after', ['', ...EVAL_DATA_HELP, '', 'Examples:', ...EVAL_EXAMPLES.map((line) => `  ${line}`)].join('\n'))
    .action(async (path: string, options: EvalCommandOptions) => {
      await runEval(path, options, io);
    });
}
