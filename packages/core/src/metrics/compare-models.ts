import { byteLength, decode, encodingParamCount } from '../encoding/index.ts';
import { describeEncoding } from '../model/describe-encoding.ts';
import { countParams, modelByteLength } from '../model/model-queries.ts';
import type { Model, ParamRole } from '../model/types.ts';
import { shapesEqual } from '../tensor/shape.ts';
import { bitsPerWeight } from './bits-per-weight.ts';
import { compareTensors, type TensorComparison } from './tensor-metrics.ts';

/** One param of {@link compareModels}: its storage before and after, and the error it picked up. */
export interface ParamComparison extends TensorComparison {
  readonly name: string;
  readonly role: ParamRole;
  readonly shape: readonly number[];
  /** How the candidate stores it, e.g. `affine int4 group 32`. */
  readonly encoding: string;
  /** Elements of the param's tensor. */
  readonly params: number;
  readonly bytesBefore: number;
  readonly bytesAfter: number;
  /** The candidate's bits per logical weight. */
  readonly bitsPerWeight: number;
}

/** A param present in only one model, or reshaped (structural pruning): not compared value by value. */
export interface UnmatchedParam {
  readonly name: string;
  readonly reason: 'missing' | 'added' | 'reshaped';
}

/** What {@link compareModels} returns. */
export interface ModelComparison {
  readonly rows: readonly ParamComparison[];
  readonly unmatched: readonly UnmatchedParam[];
  readonly totals: {
    readonly paramsBefore: number;
    readonly paramsAfter: number;
    readonly bytesBefore: number;
    readonly bytesAfter: number;
    /** bytesBefore / bytesAfter: how many times smaller the candidate is. */
    readonly ratio: number;
  };
}

/**
 * Compares a compressed model with its original param by param (decoding each) and in total.
 * Params with the same name and shape in both are compared; the rest are listed as unmatched.
 * Totals cover every param of each model.
 *
 * @example
 * ```ts
 * const { rows, totals } = compareModels(model, (await compress(model, [cast('float16')])).model);
 * console.log(totals.ratio, rows.map((row) => row.sqnr));
 * ```
 */
export function compareModels(reference: Model, candidate: Model): ModelComparison {
  const rows: ParamComparison[] = [];
  const unmatched: UnmatchedParam[] = [];
  for (const [name, before] of reference.params) {
    const after = candidate.params.get(name);
    if (after === undefined) {
      unmatched.push({ name, reason: 'missing' });
      continue;
    }
    if (!shapesEqual(before.shape, after.shape)) {
      unmatched.push({ name, reason: 'reshaped' });
      continue;
    }
    const bytesAfter = byteLength(after.value);
    const params = encodingParamCount(after.value);
    rows.push({
      name,
      role: before.role,
      shape: before.shape,
      encoding: describeEncoding(after.value),
      params,
      bytesBefore: byteLength(before.value),
      bytesAfter,
      bitsPerWeight: bitsPerWeight(bytesAfter, params),
      ...compareTensors(decode(before.value), decode(after.value)),
    });
  }
  for (const name of candidate.params.keys()) {
    if (!reference.params.has(name)) unmatched.push({ name, reason: 'added' });
  }
  const bytesBefore = modelByteLength(reference);
  const bytesAfter = modelByteLength(candidate);
  return {
    rows,
    unmatched,
    totals: {
      paramsBefore: countParams(reference),
      paramsAfter: countParams(candidate),
      bytesBefore,
      bytesAfter,
      ratio: bytesAfter === 0 ? (bytesBefore === 0 ? 1 : Infinity) : bytesBefore / bytesAfter,
    },
  };
}
