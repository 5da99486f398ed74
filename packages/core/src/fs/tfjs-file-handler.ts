/**
 * A tfjs IOHandler for whittle output on disk.
 */
import type { io } from '@tensorflow/tfjs-core';
import { whittleIOHandler } from '../formats/tfjs/io-handler.ts';
import { readTfjsModelFile } from './tfjs-read.ts';

/**
 * A tfjs `IOHandler` that reads whittle (or stock) TFJS artifacts from disk and hands tfjs
 * every weight decoded, so plain tfjs runs any whittle output.
 *
 * @example
 * ```ts
 * const model = await tf.loadLayersModel(whittleFileHandler('out/model.json'));
 * ```
 */
export function whittleFileHandler(path: string): io.IOHandler {
  return whittleIOHandler(() => readTfjsModelFile(path));
}
