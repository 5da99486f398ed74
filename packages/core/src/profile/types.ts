import type { BackendName } from '../backend/use-backend.ts';
import type { ModelFormat } from '../model/types.ts';

/** Options of `profile`. */
export interface ProfileOptions {
  /**
   * The shape of the model's input, batch axis first (`[1, 28, 28, 1]`). By default the model's
   * declared input shape with a batch of 1; a model that leaves another axis open needs it.
   */
  readonly inputShape?: readonly number[];
  /** The tfjs backend to time on (default `wasm`); it is made current for the whole process. */
  readonly backend?: BackendName;
  /** Timed runs per layer and for the whole model, of which the median is kept (default 10). */
  readonly runs?: number;
  /** Untimed runs before the timed ones (default 2), so compilation and allocation are not timed. */
  readonly warmup?: number;
  /** Whether to time anything (default true); without, nothing runs but shape inference. */
  readonly latency?: boolean;
}

/** Each quantity's part of the model's total, between 0 and 1; null where it is not known. */
export interface ProfileShares {
  readonly params: number | null;
  readonly bytes: number | null;
  readonly flops: number | null;
  readonly time: number | null;
}

/** One layer (graph node) of a profile, or a group of a checkpoint's params. */
export interface LayerProfile {
  /** The layer's (node's) name; for a bare checkpoint, the common prefix of its params' names. */
  readonly name: string;
  /** The layer class (`Dense`) or op (`MatMul`); `params` for a checkpoint's group. */
  readonly type: string;
  /** Elements of the params the layer uses (zeros of a pruned param included). */
  readonly params: number;
  /** Bytes of those params as stored, by their encodings. */
  readonly bytes: number;
  /** How its params are stored (`dense float32`, `affine int4 group 32`), without repeats. */
  readonly encodings: readonly string[];
  /** The shapes of its outputs for the profiled input; null where not known. */
  readonly outputShapes: readonly (readonly number[])[] | null;
  /** Multiply-adds for the profiled input (see `layerFlops`); null where not counted. */
  readonly flops: number | null;
  /** Bytes of its outputs as float32; null where the shapes are not known. */
  readonly activationBytes: number | null;
  /** Median milliseconds of the layer run alone on a tensor of its input shape; null where not timed. */
  readonly milliseconds: number | null;
  readonly shares: ProfileShares;
  /** Why a quantity is null (`flops: …`, `milliseconds: …`); empty when all are known. */
  readonly notes: readonly string[];
}

/** The totals of a profile. */
export interface ProfileTotals {
  readonly params: number;
  readonly bytes: number;
  /** Sum over the layers; null when no layer's multiply-adds are known. */
  readonly flops: number | null;
  /** Sum of every layer's output bytes; null when no shape is known. */
  readonly activationBytes: number | null;
  /**
   * The most activation bytes alive at once when the layers run in topological order (a layer's
   * output lives until its last consumer has run; model outputs to the end); null where unknown.
   */
  readonly peakActivationBytes: number | null;
  /** Sum of the layers' isolated medians; compare with `modelMilliseconds`. */
  readonly layerMilliseconds: number | null;
  /** Median milliseconds of the whole model run through the runner; null where not timed. */
  readonly modelMilliseconds: number | null;
}

/** Where a model spends its parameters, bytes, multiply-adds and time, layer by layer. */
export interface ModelProfile {
  readonly format: ModelFormat;
  /** The backend the times were taken on; null when nothing was timed. */
  readonly backend: BackendName | null;
  /** The shape of each model input profiled (batch first); null where nothing ran. */
  readonly inputShapes: readonly (readonly number[])[] | null;
  readonly runs: number;
  readonly warmup: number;
  readonly layers: readonly LayerProfile[];
  readonly totals: ProfileTotals;
  /** Why whole-model quantities are missing (a bare checkpoint has no layers to run). */
  readonly notes: readonly string[];
}
