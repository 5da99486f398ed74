export { attentionMap, attentionTransfer, type AttentionTransferOptions } from './attention-transfer.ts';
export { pickOutput, type DistillationLoss, type ModelOutputs, type OutputChoice } from './distillation-loss.ts';
export { hintLoss, type HintLossOptions } from './hint-loss.ts';
export { crossEntropy, hintonLoss, softTargetDivergence, type HintonLossOptions } from './hinton-loss.ts';
export { logitMse, type LogitMseOptions } from './logit-mse.ts';
