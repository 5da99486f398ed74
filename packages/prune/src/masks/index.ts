export { applyMask, countPruned } from './apply-mask.ts';
export { magnitudeScores } from './magnitude-scores.ts';
export { nmMask, type NmPattern } from './nm-mask.ts';
export { pruneLowest, pruneLowestAcross } from './prune-lowest.ts';
