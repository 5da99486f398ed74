import { encodingShape, validateEncoding } from '../encoding/index.ts';
import type { Encoding } from '../encoding/types.ts';
import { WhittleError } from '../errors.ts';
import { describeValue, shapesEqual } from '../tensor/shape.ts';
import type { Model, Param } from './types.ts';

/**
 * A new model with the values of some params replaced, everything else (order, roles, topology,
 * the other params) shared with `model`, which is left untouched. Each new encoding must decode to
 * the param's shape; shape-changing surgery rebuilds the model with `createModel` instead.
 *
 * Throws an `invalid-argument` WhittleError naming `updates["name"]` for an unknown param or a
 * shape mismatch (`invalid-encoding` for a malformed encoding).
 *
 * @example
 * ```ts
 * const half = replaceParams(model, new Map([['dense/kernel', castDense(kernel, 'float16')]]));
 * ```
 */
export function replaceParams(model: Model, updates: ReadonlyMap<string, Encoding>): Model {
  const checked = new Map<string, Encoding>();
  for (const [name, value] of updates) {
    const field = `updates[${JSON.stringify(name)}]`;
    const param = model.params.get(name);
    if (param === undefined) {
      throw new WhittleError('invalid-argument', `the model has no param named ${describeValue(name)}`, { field });
    }
    const encoding = validateEncoding(value, { field });
    const shape = encodingShape(encoding);
    if (!shapesEqual(shape, param.shape)) {
      throw new WhittleError(
        'invalid-argument',
        `the new encoding has shape [${shape.join(', ')}], the param [${param.shape.join(', ')}]`,
        { field },
      );
    }
    checked.set(name, encoding);
  }
  const params = new Map<string, Param>();
  for (const [name, param] of model.params) {
    const value = checked.get(name);
    params.set(name, value === undefined ? param : { ...param, value });
  }
  return { format: model.format, topology: model.topology, params };
}
