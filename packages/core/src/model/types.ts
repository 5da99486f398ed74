import type { Encoding } from '../encoding/types.ts';
import type { MODEL_FORMATS } from './create-model.ts';
import type { PARAM_ROLES } from './param-roles.ts';

/**
 * What a parameter is, read off the topology (or off names and shapes for bare checkpoints), so
 * per-channel axes and structural surgery know which axis is which.
 *
 * - `dense-kernel`: Keras Dense kernel `[in, out]`
 * - `linear-weight`: PyTorch-style Linear weight `[out, in]`
 * - `conv2d-kernel`: `[kh, kw, in, out]` (Conv1D `[k, in, out]` and Conv3D kernels too: output last)
 * - `conv2d-transpose-kernel`: Conv2DTranspose `[kh, kw, out, in]` (output second to last)
 * - `depthwise-kernel`: `[kh, kw, in, multiplier]`
 * - `pointwise-kernel`: SeparableConv2D pointwise `[1, 1, in * multiplier, out]`
 * - `embedding`: `[vocabulary, dimension]`
 * - `bias`: `[out]`
 * - `norm-gamma`, `norm-beta`, `norm-mean`, `norm-variance`: normalization parameters `[channels]`
 * - `other`: anything else (kept exact by default)
 */
export type ParamRole = (typeof PARAM_ROLES)[number];

/** Where a model came from; decides how `topology` is read and written. One of {@link MODEL_FORMATS}. */
export type ModelFormat = (typeof MODEL_FORMATS)[number];

/** One named parameter. */
export interface Param {
  readonly name: string;
  readonly role: ParamRole;
  /** The logical shape (equal to the shape its encoding decodes to). */
  readonly shape: readonly number[];
  readonly value: Encoding;
  /** The layer (or module) that owns the param, where the topology says. */
  readonly layer?: string;
}

/**
 * A model as data: the topology kept verbatim (Keras JSON of a LayersModel, a GraphModel's
 * graph, or null for a bare checkpoint) and an ordered map of named params. Techniques are pure:
 * they take a Model and return a new one.
 */
export interface Model {
  readonly format: ModelFormat;
  readonly topology: unknown;
  readonly params: ReadonlyMap<string, Param>;
}
