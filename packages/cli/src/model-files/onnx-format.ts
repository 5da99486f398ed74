import { compress, decompress, isWhittleError, listParams, locateError, WhittleError } from '@whittle/core';
import { formatOnnxInspection, inspectOnnx, readOnnxFile, writeOnnxFile } from '@whittle/onnx';
import { stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { compressReport, gzipByteLength, sizeOf } from '../compress/compress-report.ts';
import { listingOf } from './inspect-model.ts';
import type { ModelFormat, ModelLocation } from './model-format.ts';

/** One .onnx file (with any external data files beside it). */
export interface OnnxLocation extends ModelLocation {
  readonly format: 'onnx';
}

/**
 * An ONNX model: a file named `.onnx`; written as one `.onnx` file (inside `-o` when that is a
 * directory), with the weights in `<name>.onnx_data` beside it when they are over 2 GiB.
 */
export const onnxFormat: ModelFormat<OnnxLocation> = {
  name: 'onnx',
  writesShards: false,
  detect: async ({ path, isDirectory }) => (!isDirectory && path.toLowerCase().endsWith('.onnx') ? { format: 'onnx', path } : undefined),
  inputs: (location) => [location.path],
  async outputPath(location, output) {
    const target = (await isDirectory(output)) ? join(output, basename(location.path)) : output;
    if (!target.toLowerCase().endsWith('.onnx')) {
      throw new WhittleError('invalid-argument', 'an ONNX model is written as a .onnx file; give -o a .onnx name or a directory', { file: output });
    }
    return { target, existing: target };
  },
  writtenPath: (target) => target,
  async inspect(location) {
    const model = await readOnnxFile(location.path);
    const rows = listParams(model).map(({ name, role, shape, encoding, params, bytes }) => ({ name, role, shape: [...shape], encoding, params, bytes }));
    const listing = listingOf({
      format: model.format,
      params: rows.reduce((total, row) => total + row.params, 0),
      bytes: rows.reduce((total, row) => total + row.bytes, 0),
      tensors: rows,
    });
    return { ...listing, details: formatOnnxInspection(inspectOnnx(model)) };
  },
  async compress(location, target, steps, options) {
    const model = await readOnnxFile(location.path);
    let result;
    try {
      result = await compress(model, steps, {
        onStep: options.onStep,
        onProgress: options.onProgress,
        ...(options.resources === undefined ? {} : { resources: options.resources }),
      });
    } catch (error) {
      throw isWhittleError(error, 'invalid-recipe') ? error : locateError(error, { file: location.path });
    }
    const written = await writeOnnxFile(target, result.model, { force: options.force, inputs: [location.path] });
    const gzipBytes = await gzipByteLength([written.model, ...(written.data === undefined ? [] : [written.data])]);
    // Params in encodings ONNX has no form for are written decoded: report the file's own sizes.
    let output = sizeOf(result.model);
    if (written.decoded.length > 0) {
      options.note(`${written.decoded.length} params written decoded, as dense float32: an ONNX file has no form for their encoding (${written.decoded.slice(0, 3).join(', ')}${written.decoded.length > 3 ? ', …' : ''})`);
      output = sizeOf(await readOnnxFile(target));
    }
    return compressReport(sizeOf(model), { ...output, gzipBytes }, result.steps);
  },
  async decompress(location, target, { dtype, force }) {
    if (dtype === 'uint8') {
      throw new WhittleError('invalid-argument', 'uint8 is a TFJS stock form; an ONNX model decompresses to float32 or float16', { field: '--dtype' });
    }
    const model = await readOnnxFile(location.path);
    const plain = decompress(model, { dtype });
    await writeOnnxFile(target, plain, { force, inputs: [location.path] });
    return { input: sizeOf(model), output: sizeOf(plain), dtype };
  },
};

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
