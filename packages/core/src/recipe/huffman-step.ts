import { byteLength } from '../encoding/byte-length.ts';
import { huffmanWhereSmaller, huffmanWhereSmallerByteLength } from '../encoding/entropy.ts';
import { symbolStreams } from '../encoding/symbol-streams.ts';
import { PARAM_ROLES } from '../model/param-roles.ts';
import type { Param } from '../model/types.ts';
import { FILTER_FIELDS, copyFilter, readFilter, rejectUnknownFields } from './field-readers.ts';
import { estimateParams, mapParams } from './map-params.ts';
import type { ParamFilter, RecipeHandler, RecipeStep } from './types.ts';

/**
 * Core's lossless last step (Deep Compression's third stage): Huffman-code the integer symbol
 * streams of every selected param (codebook indices, affine codes, CSR gaps, N:M positions,
 * bitmask bytes), each stream only where its code table plus coded bits are smaller than its
 * packed form. Params with no such stream (dense tensors) or none that shrinks are left alone.
 * Selects params of every role unless `roles` says otherwise: it only ever touches params an
 * earlier step quantized or pruned.
 */
export interface HuffmanStep extends RecipeStep, ParamFilter {
  readonly kind: 'encode.huffman';
}

/**
 * An `encode.huffman` step: plain, JSON-serialisable data. It goes last in a recipe.
 *
 * @example
 * ```ts
 * const result = await compress(model, [{ kind: 'prune.magnitude', sparsity: 0.9 }, { kind: 'quantize.kmeans', bits: 5 }, huffman()]);
 * ```
 */
export function huffman(filter: ParamFilter = {}): HuffmanStep {
  return { kind: 'encode.huffman', ...copyFilter(filter) };
}

/** The handler for `encode.huffman` steps; in `defaultRegistry`. */
export const huffmanHandler: RecipeHandler<HuffmanStep> = {
  kind: 'encode.huffman',
  description: 'Huffman-code the indices, codes and sparse gaps of quantized or pruned params (lossless; put it last)',
  example: { kind: 'encode.huffman' },
  defaultRoles: PARAM_ROLES,
  perParam: true,
  // One code per tensor: blocks of rows would each carry their own table.
  wholeTensors: true,
  validate(step, context) {
    rejectUnknownFields(step, FILTER_FIELDS, context);
    return { kind: 'encode.huffman', ...readFilter(step, context) };
  },
  effect: 're-encodes-params',
  encodeParam: (param) => codedOrUndefined(param),
  // Exact: the symbol counts of each stream fix its code and so its bytes (data is read, no bits written).
  estimate: (model, config, context) =>
    estimateParams(model, config, PARAM_ROLES, context, (param) => huffmanWhereSmallerByteLength(param.value, byteLength(param.value))),
  apply(model, config, context) {
    return mapParams(model, config, PARAM_ROLES, context, (param) => {
      const coded = codedOrUndefined(param);
      if (coded === undefined) context.note?.(`${param.name}: left alone: ${leftAloneReason(param)}`);
      return coded;
    });
  },
};

function codedOrUndefined(param: Param) {
  const coded = huffmanWhereSmaller(param.value);
  return coded === param.value ? undefined : coded;
}

function leftAloneReason(param: Param): string {
  if (param.value.kind === 'entropy') return 'already entropy-coded';
  return symbolStreams(param.value).length === 0
    ? `a ${param.value.kind} encoding has no index or code streams`
    : 'Huffman coding would not make its streams smaller';
}
