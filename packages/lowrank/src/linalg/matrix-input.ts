/**
 * The dense matrix every linear-algebra primitive takes: row-major values and their shape, checked
 * once so the kernels can assume finite numbers of the right count.
 */
import { WhittleError } from '@whittle/core';

/** The shape of a dense row-major matrix. */
export interface MatrixShape {
  /** Number of rows (the first index). */
  readonly rows: number;
  /** Number of columns (the second index). */
  readonly columns: number;
}

/** Row-major matrix values as {@link svd} and {@link randomizedSvd} accept them. */
export type MatrixValues = Float32Array | Float64Array;

/**
 * Throws an `invalid-argument` WhittleError unless `shape` holds two positive safe integers,
 * `values` is a Float32Array or Float64Array of exactly `rows · columns` elements, and every value
 * is finite. `operation` names the caller in the message.
 *
 * @example
 * ```ts
 * validateMatrix('svd', new Float32Array(6), { rows: 2, columns: 3 }); // passes
 * validateMatrix('svd', new Float32Array(5), { rows: 2, columns: 3 }); // throws
 * ```
 */
export function validateMatrix(operation: string, values: unknown, shape: unknown): asserts values is MatrixValues {
  if (typeof shape !== 'object' || shape === null) {
    throw new WhittleError('invalid-argument', `${operation} needs a shape { rows, columns }`, { field: 'shape' });
  }
  const { rows, columns } = shape as { rows?: unknown; columns?: unknown };
  checkDimension(operation, 'rows', rows);
  checkDimension(operation, 'columns', columns);
  if (!(values instanceof Float32Array) && !(values instanceof Float64Array)) {
    throw new WhittleError('invalid-argument', `${operation} needs a Float32Array or Float64Array of values`, {
      field: 'values',
    });
  }
  const expected = (rows as number) * (columns as number);
  if (values.length !== expected) {
    throw new WhittleError(
      'invalid-argument',
      `${operation} got ${values.length} values for a ${rows as number}×${columns as number} matrix (${expected} expected)`,
      { field: 'values' },
    );
  }
  for (let index = 0; index < values.length; index++) {
    // `x - x` is NaN exactly when x is NaN or ±Infinity, and costs one subtraction.
    const value = values[index]!;
    if (value - value !== 0) {
      throw new WhittleError('invalid-argument', `${operation} needs finite values; element ${index} is ${value}`, {
        field: `values[${index}]`,
      });
    }
  }
}

function checkDimension(operation: string, name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new WhittleError('invalid-argument', `${operation} needs ${name} to be a positive integer`, {
      field: `shape.${name}`,
    });
  }
}
