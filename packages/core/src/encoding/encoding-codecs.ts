/**
 * The table of encoding kinds: one codec module per kind. A new kind is a module implementing
 * `EncodingCodec` and one row here; its interface joins the {@link Encoding} union through this
 * table, and every generic function (decode, byte length, validation, serialisation, description)
 * picks it up.
 */
import { affineCodec } from './affine-codec.ts';
import { codebookCodec } from './codebook-codec.ts';
import { denseCodec } from './dense-codec.ts';
import { encodingOperations, type EncodingOperations } from './encoding-operations.ts';
import { entropyCodec } from './entropy-codec.ts';
import { lowRankCodec } from './low-rank-codec.ts';
import { sparseCodec } from './sparse-codec.ts';

/** Every encoding kind's codec, by kind. */
export const ENCODING_CODECS = {
  dense: denseCodec,
  affine: affineCodec,
  codebook: codebookCodec,
  sparse: sparseCodec,
  lowrank: lowRankCodec,
  entropy: entropyCodec,
} as const;

/** The kinds of encoding, in table order: `dense`, `affine`, `codebook`, `sparse`, `lowrank`, `entropy`. */
export const ENCODING_KINDS = Object.freeze(Object.keys(ENCODING_CODECS)) as readonly (keyof typeof ENCODING_CODECS)[];

/** The generic operations over the built-in table, which the exported functions call. */
export const builtInEncodings: EncodingOperations = /* @__PURE__ */ encodingOperations(ENCODING_CODECS);
