/**
 * Where `whittle compress --transformers-js` reads and writes: transformers.js loads the file of
 * dtype `d` of a model from `<model>/onnx/<name><suffix(d)>.onnx`, beside `<model>/config.json`,
 * so the output goes into the same `onnx/` folder as its input, under the name that dtype asks for.
 */
import { WhittleError } from '@whittle/core';
import { stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * transformers.js's file name suffix for each of its dtypes that a preset writes (its
 * `DEFAULT_DTYPE_SUFFIX_MAPPING`): `q8` is `model_quantized.onnx`, the others carry their own
 * name. A preset's name is the dtype it writes.
 */
export const TRANSFORMERS_JS_SUFFIXES = {
  fp16: '_fp16',
  q4: '_q4',
  q4f16: '_q4f16',
  q8: '_quantized',
  uint8: '_uint8',
} as const satisfies Readonly<Record<string, string>>;

/** A preset with a transformers.js file name. */
export type TransformersJsPreset = keyof typeof TRANSFORMERS_JS_SUFFIXES;

/** The model to read and the file to write for `--transformers-js`. */
export interface TransformersJsPaths {
  /** The `.onnx` file read. */
  readonly input: string;
  /** `<model>/onnx/<name><suffix>.onnx`. */
  readonly output: string;
}

/**
 * The input and output of `whittle compress <path> --preset <preset> --transformers-js`. `path`
 * is a transformers.js model directory (holding `config.json` and `onnx/model.onnx`), or an
 * `.onnx` file in such a model's `onnx/` folder (`onnx/decoder_model_merged.onnx` gives
 * `onnx/decoder_model_merged_q4.onnx`). The output's existence is checked later, with `-o`'s
 * rules; here only the layout: an input that is already a dtype variant (`model_q4.onnx`), a
 * folder without `config.json` or a preset without a transformers.js dtype is an
 * `invalid-argument` WhittleError naming the path.
 *
 * @example
 * ```ts
 * const { input, output } = await transformersJsPaths('models/bert', 'q4');
 * // input 'models/bert/onnx/model.onnx', output 'models/bert/onnx/model_q4.onnx'
 * ```
 */
export async function transformersJsPaths(path: string, preset: string | undefined): Promise<TransformersJsPaths> {
  if (preset === undefined || !Object.hasOwn(TRANSFORMERS_JS_SUFFIXES, preset)) {
    const names = Object.keys(TRANSFORMERS_JS_SUFFIXES).join(', ');
    throw new WhittleError('invalid-argument', `--transformers-js names the output after the preset's dtype: pass --preset ${names}`, { field: '--transformers-js' });
  }
  const suffix = TRANSFORMERS_JS_SUFFIXES[preset as TransformersJsPreset];
  const input = (await isDirectory(path)) ? join(path, 'onnx', 'model.onnx') : path;
  if (!input.toLowerCase().endsWith('.onnx')) {
    throw new WhittleError('invalid-argument', '--transformers-js reads a transformers.js model folder or an .onnx file in its onnx/ folder', { file: path });
  }
  const folder = dirname(input);
  if (basename(folder) !== 'onnx' || !(await isFile(join(dirname(folder), 'config.json')))) {
    throw new WhittleError('invalid-argument', "--transformers-js needs the model's onnx/ folder beside its config.json (or pass -o instead)", { file: input });
  }
  const name = basename(input).slice(0, -'.onnx'.length);
  const variant = Object.values(TRANSFORMERS_JS_SUFFIXES).find((ending) => name.endsWith(ending));
  if (variant !== undefined) {
    throw new WhittleError('invalid-argument', `${basename(input)} is already a compressed variant (${variant}); compress the float32 model`, { file: input });
  }
  return { input, output: join(folder, `${name}${suffix}.onnx`) };
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * The model to read and the output to write for `whittle compress`: `-o` as given, or, with
 * `--transformers-js`, the transformers.js file name of the preset. Neither (or both) is an
 * `invalid-argument` WhittleError.
 *
 * @example
 * ```ts
 * await compressPaths('models/bert', { preset: 'q8', transformersJs: true }); // output 'models/bert/onnx/model_quantized.onnx'
 * await compressPaths('model/', { output: 'out/' }); // { input: 'model/', output: 'out/' }
 * ```
 */
export async function compressPaths(
  path: string,
  options: { readonly output?: string | undefined; readonly preset?: string | undefined; readonly transformersJs?: boolean | undefined },
): Promise<TransformersJsPaths> {
  if (options.transformersJs === true) {
    if (options.output !== undefined) throw new WhittleError('invalid-argument', '--transformers-js chooses the output itself; drop -o', { field: '--output' });
    return transformersJsPaths(path, options.preset);
  }
  if (options.output === undefined) throw new WhittleError('invalid-argument', 'pass -o <path> (or --transformers-js for an ONNX model of transformers.js)', { field: '--output' });
  return { input: path, output: options.output };
}
