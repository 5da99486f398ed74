import type { DemoModelName } from './lenet-models.ts';

/** How one network is trained and compressed in the demo. */
export interface DemoModelConfig {
  /** Baseline training: epochs of Adam over the training digits. */
  readonly epochs: number;
  /** Train (and fine-tune) on the first this many training digits only; absent: all of them. */
  readonly trainSubset?: number;
  /** Digits per optimizer step, in training and in every step that trains. */
  readonly batchSize: number;
  /** Adam's learning rate for the baseline. */
  readonly learningRate: number;
  /** Deep Compression's pipeline. */
  readonly deepCompression: {
    /** Share of each layer's kernel weights pruned, by layer name (Deep Compression's per-layer thresholds). */
    readonly sparsities: Readonly<Record<string, number>>;
    /** Epochs of training while the masks grow; they reach `finalSparsity` after 3/4 of them. */
    readonly epochs: number;
    /** Adam's learning rate while pruning. */
    readonly learningRate: number;
    /** Bits of the k-means codebook index per kept weight. */
    readonly weightBits: number;
    /** Bits per relative index of the CSR storage. */
    readonly indexBits: number;
    /** Epochs of training the shared centroids after k-means (where `quantize.kmeans` offers it). */
    readonly centroidEpochs: number;
    /** `deep-compression-searched`: the same schedule at per-layer sparsities and bits chosen by a byte-budget search. */
    readonly search: DeepCompressionSearch;
  };
  /** Epochs of fine-tuning after structured pruning and after factorization. */
  readonly fineTuneEpochs: number;
  /** The distilled student: hidden widths scaled by `width`, trained for `epochs`. */
  readonly student: { readonly width: number; readonly epochs: number };
  /** Rows of test digits in one timed batch, and the timed runs per model (after 2 warm-ups). */
  readonly latency: { readonly batch: number; readonly runs: number };
}

/** How `deep-compression-searched` chooses each layer's sparsity and weight bits. */
export interface DeepCompressionSearch {
  /** The budget: the float32 model's bytes on disk over this ratio. */
  readonly ratio: number;
  /** The last this many training digits, on which each candidate's damage is measured (never test digits). */
  readonly selectionDigits: number;
  /** Sparsities each kernel may take. */
  readonly sparsities: readonly number[];
  /** k-means weight bits each kernel may take. */
  readonly bits: readonly number[];
  /** Share of the budget kept back for what retraining changes in the entropy-coded sizes. */
  readonly margin: number;
}

/** What the demo trains on and how. */
export interface DemoConfig {
  /** Training digits, then held-out test digits, of the `mnist` package's 10,000. */
  readonly trainDigits: number;
  /** Held-out digits every model is tested on. */
  readonly testDigits: number;
  /** Seed of the shuffle that splits training from test digits. */
  readonly splitSeed: number;
  /** Seed of the weight initialisation. */
  readonly seed: number;
  /** How each network is trained and compressed. */
  readonly models: Readonly<Record<DemoModelName, DemoModelConfig>>;
}

/**
 * The full demo: long enough training for the baselines to be real classifiers and for pruning
 * with retraining to recover.
 */
export const DEMO_CONFIG: DemoConfig = {
  trainDigits: 8000,
  testDigits: 2000,
  splitSeed: 7,
  seed: 42,
  models: {
    'lenet-300-100': {
      epochs: 6,
      batchSize: 100,
      learningRate: 1e-3,
      deepCompression: {
        sparsities: { ip1: 0.97, ip2: 0.93, ip3: 0.7 },
        epochs: 12,
        learningRate: 5e-4,
        weightBits: 5,
        indexBits: 5,
        centroidEpochs: 2,
        search: { ratio: 50, selectionDigits: 500, sparsities: [0.9, 0.95, 0.97, 0.98], bits: [4, 5, 6], margin: 0.03 },
      },
      fineTuneEpochs: 2,
      student: { width: 0.1, epochs: 6 },
      latency: { batch: 500, runs: 9 },
    },
    'lenet-5': {
      epochs: 3,
      batchSize: 100,
      learningRate: 1e-3,
      deepCompression: {
        sparsities: { conv1: 0.34, conv2: 0.8, ip1: 0.97, ip2: 0.5 },
        epochs: 5,
        learningRate: 1e-3,
        weightBits: 5,
        indexBits: 5,
        centroidEpochs: 1,
        search: { ratio: 50, selectionDigits: 300, sparsities: [0.5, 0.8, 0.9, 0.95, 0.97, 0.98], bits: [4, 5, 6], margin: 0.03 },
      },
      fineTuneEpochs: 1,
      student: { width: 0.25, epochs: 2 },
      latency: { batch: 250, runs: 7 },
    },
  },
};

/**
 * `--quick`: the same rows with shorter schedules, for a first look and for tests.
 */
export const QUICK_DEMO_CONFIG: DemoConfig = {
  ...DEMO_CONFIG,
  models: {
    'lenet-300-100': {
      ...DEMO_CONFIG.models['lenet-300-100'],
      epochs: 3,
      deepCompression: { ...DEMO_CONFIG.models['lenet-300-100'].deepCompression, epochs: 4, centroidEpochs: 1 },
      fineTuneEpochs: 1,
      student: { width: 0.1, epochs: 2 },
      latency: { batch: 250, runs: 3 },
    },
    'lenet-5': {
      ...DEMO_CONFIG.models['lenet-5'],
      epochs: 1,
      trainSubset: 2000,
      deepCompression: { ...DEMO_CONFIG.models['lenet-5'].deepCompression, epochs: 2 },
      fineTuneEpochs: 1,
      student: { width: 0.25, epochs: 1 },
      latency: { batch: 100, runs: 3 },
    },
  },
};
