import { byteLength, encodingParamCount } from '../encoding/index.ts';
import { bitsPerWeight } from '../metrics/bits-per-weight.ts';
import { describeEncoding } from './describe-encoding.ts';
import type { Model, ParamRole } from './types.ts';

/** One row of {@link listParams}. */
export interface ParamRow {
  readonly name: string;
  readonly role: ParamRole;
  readonly layer: string | undefined;
  readonly shape: readonly number[];
  /** How the param is stored, e.g. `dense float32`, `affine int4 group 32`. */
  readonly encoding: string;
  /** Elements of the logical tensor (`encodingParamCount`). */
  readonly params: number;
  /** Exact bytes of the encoding. */
  readonly bytes: number;
  /** 8 · bytes / params: 32 for float32, about 4.25 for int4 with float16 group scales. */
  readonly bitsPerWeight: number;
}

/**
 * One row per param, in model order: what `whittle inspect` prints.
 *
 * @example
 * ```ts
 * for (const row of listParams(model)) console.log(row.name, row.encoding, row.bitsPerWeight);
 * ```
 */
export function listParams(model: Model): ParamRow[] {
  return [...model.params.values()].map((param) => {
    const bytes = byteLength(param.value);
    const params = encodingParamCount(param.value);
    return {
      name: param.name,
      role: param.role,
      layer: param.layer,
      shape: param.shape,
      encoding: describeEncoding(param.value),
      params,
      bytes,
      bitsPerWeight: bitsPerWeight(bytes, params),
    };
  });
}
