export { shrinkWidth, targetWidth, MAX_WIDTH_MULTIPLE, type ShrinkWidthOptions } from './shrink-width.ts';
export { separable, separableFactors } from './separable.ts';
export { gruForLstm, type GruForLstmOptions } from './gru-for-lstm.ts';
export { lowRankDense, MAX_DENSE_RANK, type LowRankDenseOptions } from './low-rank-dense.ts';
export { compareCost, modelCost, MAX_INPUT_ELEMENTS, type LayerCost, type ModelCost, type ModelCostOptions } from './model-cost.ts';
export { buildStudent } from './build-student.ts';
export { validateStudentSpec, STUDENT_SPEC_FIELDS, MAX_STUDENT_SPEC_LENGTH, type StudentSpec } from './student-spec.ts';
