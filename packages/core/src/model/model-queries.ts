import { byteLength, encodingParamCount } from '../encoding/index.ts';
import { WhittleError } from '../errors.ts';
import { describeValue } from '../tensor/shape.ts';
import type { Model, Param } from './types.ts';

/**
 * The number of parameters a model stands for: the elements of every param's logical tensor
 * (`encodingParamCount`, zeros of a pruned param included), so it changes only when structural
 * surgery changes shapes. Compare bytes (`modelByteLength`) for what compression saves.
 *
 * @example
 * ```ts
 * countParams(modelFromTensors({ w: hostTensor('float32', [4, 8]) })); // 32
 * ```
 */
export function countParams(model: Model): number {
  let total = 0;
  for (const param of model.params.values()) total += encodingParamCount(param.value);
  return total;
}

/**
 * The exact bytes of all param encodings (topology and file headers excluded).
 *
 * @example
 * ```ts
 * modelByteLength(modelFromTensors({ w: hostTensor('float32', [4, 8]) })); // 128
 * ```
 */
export function modelByteLength(model: Model): number {
  let total = 0;
  for (const param of model.params.values()) total += byteLength(param.value);
  return total;
}

/**
 * The param called `name`, or an `invalid-argument` WhittleError that says which names exist.
 *
 * @example
 * ```ts
 * getParam(model, 'dense/kernel').shape; // [784, 128]
 * ```
 */
export function getParam(model: Model, name: string): Param {
  const param = model.params.get(name);
  if (param === undefined) {
    const names = [...model.params.keys()];
    const shown = names.slice(0, 10).join(', ') + (names.length > 10 ? `, … (${names.length} in all)` : '');
    throw new WhittleError(
      'invalid-argument',
      `no param named ${describeValue(name)}; the model has ${names.length === 0 ? 'none' : shown}`,
      { field: 'name' },
    );
  }
  return param;
}
