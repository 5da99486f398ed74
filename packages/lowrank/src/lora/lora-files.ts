/**
 * LoRA adapters alone as safetensors, named as PEFT names them where the orientation maps: as
 * bytes anywhere, as files in Node, Deno and Bun.
 */
import { WhittleError, denseEncoding, hostTensor, memorySink, toFloat32, type ByteSink, type ByteSource, type HostTensor, type Model, type Param } from '@whittle/core';
import type * as CoreFiles from '@whittle/core/fs';
import { readSafetensorsHeader, readSafetensorsTensor, writeSafetensors } from '@whittle/core/safetensors';
import { checkLoraScale } from './check-adapters.ts';
import type { LoraAdapters, LoraLayerAdapter } from './lora-types.ts';

/** The most adapted layers a file may hold (a header could otherwise list millions of names). */
const MAX_ADAPTED_LAYERS = 100_000;

const TENSOR_NAME = /^(.+)\.lora_([AB])\.weight$/su;

/**
 * Writes `adapters` as safetensors to `sink` (then closes it): per layer `<layer>.lora_A.weight`
 * `[r, in]` and `<layer>.lora_B.weight` `[out, r]` (PEFT's names and its PyTorch orientation), and
 * `r` and `alpha` in `__metadata__`. A Keras Dense kernel is `[in, out]` (the transpose of a
 * PyTorch Linear weight `[out, in]`), and its update is A·B with A `[in, r]` and B `[r, out]`; so
 * the file's `lora_A` is Aᵀ and `lora_B` is Bᵀ, and PEFT's B_pt·A_pt is the transpose of that update.
 *
 * @example
 * ```ts
 * const sink = memorySink();
 * await writeLoraAdapters(sink, await lora.adapters());
 * const bytes = sink.bytes();
 * ```
 */
export async function writeLoraAdapters(sink: ByteSink, adapters: LoraAdapters): Promise<void> {
  let params: Param[];
  try {
    params = adapterParams(adapters);
  } catch (error) {
    // writeSafetensors aborts the sink on its own failures; these come before it starts.
    await sink.abort(error);
    throw error;
  }
  await writeSafetensors(sink, params, { metadata: { format: 'pt', r: String(adapters.rank), alpha: String(adapters.alpha) } });
}

function adapterParams(adapters: LoraAdapters): Param[] {
  checkLoraScale(adapters.rank, adapters.alpha, 'adapters');
  const params: Param[] = [];
  for (const [index, adapter] of adapters.layers.entries()) {
    for (const [letter, tensor] of [['A', adapter.a], ['B', adapter.b]] as const) {
      if (tensor.dtype !== 'float32' || tensor.shape.length !== 2) {
        throw new WhittleError('invalid-argument', `expected a float32 matrix, got ${tensor.dtype} [${tensor.shape.join(', ')}]`, { field: `adapters.layers[${index}].${letter.toLowerCase()}` });
      }
      const value = transpose(tensor as HostTensor<'float32'>);
      params.push({ name: `${adapter.layer}.lora_${letter}.weight`, role: 'linear-weight', shape: value.shape, value: denseEncoding(value) });
    }
  }
  return params;
}

/**
 * `adapters` as the bytes of a safetensors file (see {@link writeLoraAdapters}).
 *
 * @example
 * ```ts
 * const bytes = await encodeLoraAdapters(await lora.adapters());
 * ```
 */
export async function encodeLoraAdapters(adapters: LoraAdapters): Promise<Uint8Array> {
  const sink = memorySink();
  await writeLoraAdapters(sink, adapters);
  return sink.bytes();
}

/**
 * Writes `adapters` to the file `path` atomically (see {@link writeLoraAdapters}); Node, Deno and Bun.
 *
 * @example
 * ```ts
 * await saveLoraAdapters('adapter.safetensors', await lora.adapters());
 * ```
 */
export async function saveLoraAdapters(path: string, adapters: LoraAdapters, options: CoreFiles.WriteOptions = {}): Promise<void> {
  const files = await coreFiles();
  const sink = await files.atomicFileSink(path, options);
  await writeLoraAdapters(sink, adapters);
}

/**
 * Reads adapters written by {@link writeLoraAdapters} (or PEFT tensors of Dense-shaped layers with
 * `r` and `alpha` in the metadata) from `source`, transposed back to Keras orientation; only the
 * header and the adapters' bytes are read. Given `model`, each adapter's shapes are checked against
 * its layer's kernel before any tensor is read. Every fault is a `malformed-file` WhittleError naming the source and the
 * tensor: a missing `lora_A` or `lora_B`, a shape that does not match r or the model, a NaN or
 * infinity, a tensor that is not LoRA's.
 *
 * @example
 * ```ts
 * const adapters = await readLoraAdapters(bytesSource(bytes, 'adapter.safetensors'), model);
 * ```
 */
export async function readLoraAdapters(source: ByteSource, model?: Model): Promise<LoraAdapters> {
  const path = source.name;
  const fail = (message: string, field: string): never => {
    throw new WhittleError('malformed-file', message, { file: path, field });
  };
  const header = await readSafetensorsHeader(source);
  const { metadata, tensors } = header;
  const rank = Number(metadata.r);
  const alpha = Number(metadata.alpha);
  if (metadata.r === undefined || !/^[1-9][0-9]{0,8}$/u.test(metadata.r)) fail(`r must be a positive integer, got ${String(metadata.r)}`, '__metadata__.r');
  if (metadata.alpha === undefined || !(Number.isFinite(alpha) && alpha > 0)) fail(`alpha must be a positive number, got ${String(metadata.alpha)}`, '__metadata__.alpha');
  const pairs = new Map<string, { A?: string; B?: string }>();
  for (const name of tensors.keys()) {
    const match = TENSOR_NAME.exec(name);
    if (match === null) fail('not a LoRA tensor (expected <layer>.lora_A.weight or <layer>.lora_B.weight)', name);
    const pair = pairs.get(match![1]!) ?? {};
    pair[match![2] as 'A' | 'B'] = name;
    pairs.set(match![1]!, pair);
    if (pairs.size > MAX_ADAPTED_LAYERS) fail(`more than ${MAX_ADAPTED_LAYERS} adapted layers`, name);
  }
  if (pairs.size === 0) fail('holds no LoRA tensors', 'tensors');
  const kernels = model === undefined ? undefined : denseKernelShapes(model);
  // Every shape is checked from the header, against r and the model, before any tensor is read.
  for (const [layer, pair] of pairs) {
    if (pair.A === undefined) fail(`layer ${layer} has lora_B but no lora_A`, `${layer}.lora_A.weight`);
    if (pair.B === undefined) fail(`layer ${layer} has lora_A but no lora_B`, `${layer}.lora_B.weight`);
    const a = tensors.get(pair.A!)!;
    const b = tensors.get(pair.B!)!;
    if (a.shape.length !== 2 || a.shape[0] !== rank) fail(`expected [r = ${rank}, in], got [${a.shape.join(', ')}]`, pair.A!);
    if (b.shape.length !== 2 || b.shape[1] !== rank) fail(`expected [out, r = ${rank}], got [${b.shape.join(', ')}]`, pair.B!);
    if (kernels !== undefined) {
      const kernel = kernels.get(layer);
      if (kernel === undefined) fail(`the model has no Dense kernel in layer ${JSON.stringify(layer)}`, pair.A!);
      const [inputs, outputs] = kernel!.shape;
      if (a.shape[1] !== inputs) fail(`expected [${rank}, ${inputs}] for ${kernel!.name} [${inputs}, ${outputs}], got [${a.shape.join(', ')}]`, pair.A!);
      if (b.shape[0] !== outputs) fail(`expected [${outputs}, ${rank}] for ${kernel!.name} [${inputs}, ${outputs}], got [${b.shape.join(', ')}]`, pair.B!);
    }
  }
  const read = (name: string): Promise<HostTensor> => readSafetensorsTensor(source, header, name);
  const layers: LoraLayerAdapter[] = [];
  for (const [layer, pair] of pairs) {
    layers.push({ layer, a: transpose(await readFinite(read, pair.A!, fail)), b: transpose(await readFinite(read, pair.B!, fail)) });
  }
  const adapters: LoraAdapters = { rank, alpha, layers };
  return adapters;
}

/**
 * Reads adapters from the file `path` (see {@link readLoraAdapters}); Node, Deno and Bun.
 *
 * @example
 * ```ts
 * const adapters = await loadLoraAdapters('adapter.safetensors', model);
 * const lora = await addLora(model, { adapters });
 * ```
 */
export async function loadLoraAdapters(path: string, model?: Model): Promise<LoraAdapters> {
  const files = await coreFiles();
  const source = await files.fileSource(path);
  try {
    return await readLoraAdapters(source, model);
  } finally {
    await source.close();
  }
}

/** `@whittle/core/fs`, loaded only when a file is asked for, so the rest of this package runs in browsers. */
async function coreFiles(): Promise<typeof CoreFiles> {
  const specifier = '@whittle/core/fs';
  return (await import(/* @vite-ignore */ specifier)) as typeof CoreFiles;
}

async function readFinite(read: (name: string) => Promise<HostTensor>, name: string, fail: (message: string, field: string) => never): Promise<HostTensor<'float32'>> {
  const tensor = await read(name);
  if (tensor.dtype !== 'float32' && tensor.dtype !== 'float16' && tensor.dtype !== 'bfloat16') fail(`expected a float tensor, got ${tensor.dtype}`, name);
  const values = toFloat32(tensor);
  if (!values.data.every(Number.isFinite)) fail('holds NaN or an infinity', name);
  return values;
}

/** Each Dense layer's kernel name and `[in, out]` shape, by layer name. */
function denseKernelShapes(model: Model): Map<string, { name: string; shape: readonly [number, number] }> {
  const kernels = new Map<string, { name: string; shape: readonly [number, number] }>();
  for (const param of model.params.values()) {
    if (param.role !== 'dense-kernel' || param.shape.length !== 2) continue;
    kernels.set(param.layer ?? param.name.slice(0, param.name.lastIndexOf('/')), { name: param.name, shape: param.shape as [number, number] });
  }
  return kernels;
}

function transpose(tensor: HostTensor<'float32'>): HostTensor<'float32'> {
  const [rows, columns] = tensor.shape as [number, number];
  const result = new Float32Array(rows * columns);
  for (let row = 0; row < rows; row++) {
    for (let column = 0; column < columns; column++) result[column * rows + row] = tensor.data[row * columns + column]!;
  }
  return hostTensor('float32', [columns, rows], result);
}
