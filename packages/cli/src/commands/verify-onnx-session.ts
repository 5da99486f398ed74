import { WhittleError } from '@whittle/core';
import { decodeModelProto, type ModelProto } from '@whittle/onnx';
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import * as ort from 'onnxruntime-web';

ort.env.wasm.numThreads = 1;

/** One input or output tensor of a run. */
export interface VerifyTensor {
  readonly dims: readonly number[];
  readonly data: Float32Array | BigInt64Array | Int32Array;
}

/** A graph input: its name, element type and dims (a string for a symbolic dim). */
export interface VerifyInput {
  readonly name: string;
  readonly type: number;
  readonly dims: readonly (number | string)[];
}

/** An ONNX model loaded into onnxruntime-web's wasm backend, with its declared inputs. */
export interface VerifySession {
  readonly inputs: readonly VerifyInput[];
  run(feeds: Readonly<Record<string, VerifyTensor>>): Promise<Record<string, VerifyTensor>>;
  release(): Promise<void>;
}

/**
 * Loads the `.onnx` file at `path` (and the external data files it names, which must stay in its
 * directory) into onnxruntime. A file onnxruntime refuses is an `invalid-model` WhittleError
 * naming it: a compressed model the runtime cannot load fails verification.
 *
 * @example
 * ```ts
 * const session = await openVerifySession('model_q4.onnx');
 * ```
 */
export async function openVerifySession(path: string): Promise<VerifySession> {
  const bytes = await readFile(path);
  const proto = decodeModelProto(bytes, path);
  const externalData = await externalFiles(proto, path);
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], ...(externalData.length === 0 ? {} : { externalData }) });
  } catch (error) {
    throw new WhittleError('invalid-model', `onnxruntime refuses the model: ${firstLine(error)}`, { file: path }, { cause: error });
  }
  const initializers = new Set(proto.graph!.initializer.map((tensor) => tensor.name));
  const inputs = proto.graph!.input
    .filter((value) => !initializers.has(value.name))
    .map((value) => {
      const type = value.type?.value.case === 'tensorType' ? value.type.value.value : undefined;
      const dims = (type?.shape?.dim ?? []).map((dim) => (dim.value.case === 'dimValue' ? Number(dim.value.value) : dim.value.case === 'dimParam' ? dim.value.value : '?'));
      return { name: value.name, type: type?.elemType ?? 0, dims };
    });
  return {
    inputs,
    async run(feeds) {
      const tensors: Record<string, ort.Tensor> = {};
      for (const [name, tensor] of Object.entries(feeds)) {
        const type = tensor.data instanceof Float32Array ? 'float32' : tensor.data instanceof BigInt64Array ? 'int64' : 'int32';
        tensors[name] = new ort.Tensor(type, tensor.data, [...tensor.dims]);
      }
      let results: ort.InferenceSession.ReturnType;
      try {
        results = await session.run(tensors);
      } catch (error) {
        throw new WhittleError('invalid-model', `onnxruntime failed to run the model: ${firstLine(error)}`, { file: path }, { cause: error });
      }
      const outputs: Record<string, VerifyTensor> = {};
      for (const [name, tensor] of Object.entries(results)) {
        const data = tensor.type === 'float16' ? Float32Array.from(tensor.data as ArrayLike<number>) : tensor.data;
        outputs[name] = { dims: [...tensor.dims], data: data as Float32Array };
      }
      return outputs;
    },
    release: () => session.release(),
  };
}

async function externalFiles(proto: ModelProto, path: string): Promise<{ path: string; data: Uint8Array }[]> {
  const locations = new Set<string>();
  for (const tensor of proto.graph?.initializer ?? []) {
    const location = tensor.externalData.find((entry) => entry.key === 'location')?.value;
    if (location !== undefined) locations.add(location);
  }
  const files: { path: string; data: Uint8Array }[] = [];
  for (const location of locations) {
    const normalized = normalize(location);
    if (isAbsolute(location) || normalized === '..' || normalized.startsWith(`..${sep}`)) {
      throw new WhittleError('malformed-file', `external data location ${JSON.stringify(location)} leaves the model's directory`, { file: path, field: 'external_data.location' });
    }
    files.push({ path: location, data: await readFile(join(dirname(path), normalized)) });
  }
  return files;
}

function firstLine(error: unknown): string {
  return String(error instanceof Error ? error.message : error).split('\n')[0]!.slice(0, 200);
}
