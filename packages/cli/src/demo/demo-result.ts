/**
 * The shape `whittle demo --json` prints and `report.html` is drawn from. Scripts read it: fields
 * are only added, never renamed. Every figure is a number, or null where it has no value (an
 * unpruned layer's index bits, a ratio with nothing to divide); never a string like "Infinity".
 * Accuracies are in percent of the test digits (so a change of 0.1 is a tenth of a point).
 */
export interface DemoResult {
  readonly dataset: DemoDataset;
  readonly models: readonly DemoModelResult[];
}

/** The digits every model is trained and tested on: a seeded split of the `mnist` package's 10,000. */
export interface DemoDataset {
  readonly name: 'mnist';
  /** Training digits. */
  readonly train: number;
  /** Held-out test digits. */
  readonly test: number;
}

/** One demo model: its float32 baseline and every compressed row. */
export interface DemoModelResult {
  /** `lenet-300-100` or `lenet-5`. */
  readonly name: string;
  readonly baseline: {
    readonly params: number;
    /** Bytes on disk of the saved float32 model (weights and topology). */
    readonly bytes: number;
    readonly accuracy: number;
    /** The saved files gzip-compressed. */
    readonly gzipBytes?: number;
    /** Median wasm inference time of one batch of test digits, over the rounds interleaved with the rows. */
    readonly latencyMs?: number | null;
  };
  readonly rows: readonly DemoRow[];
  /** How the baseline was trained: on how many digits (fewer than the dataset's under `--quick` for LeNet-5), and in how many seconds. */
  readonly training?: { readonly digits: number; readonly epochs: number; readonly seconds: number };
}

/** One compressed model, as saved under `--out` and re-loaded from disk before it was tested. */
export interface DemoRow {
  /** `deep-compression`, `int8`, `float16`, … */
  readonly name: string;
  /** The plain-data recipe that made it from the baseline (what `compress --recipe` takes). */
  readonly recipe: unknown;
  /** Stored parameters of the written model (fewer than the baseline's after structured pruning or factorization). */
  readonly params: number;
  /** Parameters that are not zero. */
  readonly nonzero: number;
  /** Every byte on disk: weights, codebooks, indices, headers and topology. */
  readonly bytes: number;
  /** The same files gzip-compressed (what a browser downloads). */
  readonly gzipBytes: number;
  /** Baseline bytes over `bytes`. */
  readonly ratio: number | null;
  readonly accuracy: number;
  /** `accuracy` minus the baseline's, in points. */
  readonly accuracyChange: number;
  /** Median wasm inference time of one batch of the test digits, in milliseconds. */
  readonly latencyMs: number | null;
  /** Baseline latency over this row's, measured in the same run. */
  readonly speedup: number | null;
  /** Per weight layer, in the paper's format (empty where a row has no per-layer breakdown). */
  readonly layers: readonly DemoLayerRow[];
  /** The bytes on disk a searched row was chosen to fit (the baseline's over the target ratio); absent on other rows. */
  readonly budgetBytes?: number;
}

/** One weight layer of a row, in the format of Deep Compression's Tables 2 and 3. */
export interface DemoLayerRow {
  /** The layer's name in the model (`dense_1`, `conv2d_2`, …). */
  readonly layer: string;
  /** Weights of the baseline layer (kernel and bias). */
  readonly weights: number;
  /** Share of `weights` kept nonzero, in percent. */
  readonly keptPercent: number;
  /** Bits per stored weight value (codebook index or code width); null when stored as floats. */
  readonly weightBits: number | null;
  /** Bits per relative index of sparse storage; null when stored dense. */
  readonly indexBits: number | null;
  /** Bytes of the layer's params on disk. */
  readonly bytes: number;
  /** `bytes` as a share of the baseline layer's float32 bytes, in percent. */
  readonly sharePercent: number;
  /** The paper's row for the same layer, where the model is one of the paper's. */
  readonly paper: PaperLayerRow | null;
}

/** A layer row of Han et al. 2016 (Deep Compression), Tables 2 and 3. */
export interface PaperLayerRow {
  readonly layer: string;
  readonly weights: number;
  readonly keptPercent: number;
  readonly weightBits: number;
  readonly indexBits: number;
}

/** The paper's whole-model result for one of its LeNets (Table 1), for plots and tables. */
export interface PaperModelResult {
  readonly model: string;
  readonly baselineBytes: number;
  readonly compressedBytes: number;
  readonly ratio: number;
  /** Top-1 error in percent before and after compression. */
  readonly errorBefore: number;
  readonly errorAfter: number;
  readonly layers: readonly PaperLayerRow[];
}

/**
 * Han, Mao and Dally, "Deep Compression", ICLR 2016: Table 1 (whole models) with Tables 2 and 3
 * (per layer). Kilobytes as the paper gives them, times 1,000.
 */
export const DEEP_COMPRESSION_PAPER: Readonly<Record<'lenet-300-100' | 'lenet-5', PaperModelResult>> = {
  'lenet-300-100': {
    model: 'lenet-300-100',
    baselineBytes: 1_070_000,
    compressedBytes: 27_000,
    ratio: 40,
    errorBefore: 1.64,
    errorAfter: 1.58,
    layers: [
      { layer: 'ip1', weights: 235_000, keptPercent: 8, weightBits: 6, indexBits: 5 },
      { layer: 'ip2', weights: 30_000, keptPercent: 9, weightBits: 6, indexBits: 5 },
      { layer: 'ip3', weights: 1_000, keptPercent: 26, weightBits: 6, indexBits: 5 },
    ],
  },
  'lenet-5': {
    model: 'lenet-5',
    baselineBytes: 1_720_000,
    compressedBytes: 44_000,
    ratio: 39,
    errorBefore: 0.8,
    errorAfter: 0.74,
    layers: [
      { layer: 'conv1', weights: 500, keptPercent: 66, weightBits: 8, indexBits: 5 },
      { layer: 'conv2', weights: 25_000, keptPercent: 12, weightBits: 8, indexBits: 5 },
      { layer: 'ip1', weights: 400_000, keptPercent: 8, weightBits: 5, indexBits: 5 },
      { layer: 'ip2', weights: 5_000, keptPercent: 19, weightBits: 5, indexBits: 5 },
    ],
  },
};
