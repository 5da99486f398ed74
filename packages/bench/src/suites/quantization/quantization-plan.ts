/** How big one run of the quantization suite is. */
export interface QuantizationPlan {
  /** Side of the synthetic square kernels. */
  readonly syntheticSide: number;
  /** Input rows GPTQ calibrates the synthetic layer on. */
  readonly calibrationSamples: number;
  /** Held-out input rows the synthetic layer's output error is measured on. */
  readonly heldOutSamples: number;
  /** The MNIST MLP: its hidden widths and training. */
  readonly mlp: {
    readonly hiddenSizes: readonly number[];
    readonly train: number;
    readonly test: number;
    readonly epochs: number;
    readonly batchSize: number;
    readonly learningRate: number;
    /** Training digits whose layer inputs calibrate GPTQ. */
    readonly calibrationSamples: number;
  };
}

/** 1024 × 1024 synthetic kernels; a 784 → 128 → 10 MLP on 8,000 / 2,000 MNIST digits, 5 epochs. */
export const FULL_QUANTIZATION_PLAN: QuantizationPlan = {
  syntheticSide: 1024,
  calibrationSamples: 2048,
  heldOutSamples: 512,
  mlp: { hiddenSizes: [128], train: 8000, test: 2000, epochs: 5, batchSize: 128, learningRate: 0.002, calibrationSamples: 256 },
};

/** Everything shrunk to a few seconds: a smoke run, not figures to publish. */
export const QUICK_QUANTIZATION_PLAN: QuantizationPlan = {
  syntheticSide: 256,
  calibrationSamples: 512,
  heldOutSamples: 128,
  mlp: { hiddenSizes: [64], train: 2000, test: 1000, epochs: 1, batchSize: 100, learningRate: 0.003, calibrationSamples: 128 },
};
