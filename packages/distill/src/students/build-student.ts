/**
 * A student from a teacher and a {@link StudentSpec}: each change the spec asks for, applied in
 * one fixed order.
 */
import type { Model } from '@whittle/core';
import { gruForLstm } from './gru-for-lstm.ts';
import { lowRankDense } from './low-rank-dense.ts';
import { separable } from './separable.ts';
import { shrinkWidth } from './shrink-width.ts';
import { validateStudentSpec, type StudentSpec } from './student-spec.ts';

/**
 * Builds the student `spec` names from `teacher` (the teacher is not changed). The spec is
 * checked first (`validateStudentSpec`: a value or JSON text), then applied in this order:
 *
 * 1. `gru`: LSTMs become GRUs (random kernels), so a later width change slices the GRU.
 * 2. `width` (and `multipleOf`): hidden widths shrink, channels ranked on the teacher's own
 *    full-width kernels.
 * 3. `separable`: each Conv2D over 1×1 becomes depthwise + pointwise, factored from the
 *    already narrowed kernel.
 * 4. `rank` or `lowRankBudget`: Dense layers become low-rank pairs last, so the width step
 *    never mistakes a pair's bottleneck for a hidden width.
 *
 * A step that finds nothing to change (`separable` on a model without Conv2D) throws its
 * `invalid-argument` WhittleError.
 *
 * @example
 * ```ts
 * const student = await buildStudent(teacher, { width: 0.25, multipleOf: 8, rank: 16 });
 * const layers = await tf.loadLayersModel(whittleIOHandler(student));
 * ```
 */
export async function buildStudent(teacher: Model, spec: StudentSpec | string): Promise<Model> {
  const checked = validateStudentSpec(spec);
  let student = teacher;
  if (checked.gru === true) student = gruForLstm(student, { seed: checked.seed ?? 0 });
  if (checked.width !== undefined) student = shrinkWidth(student, { factor: checked.width, multipleOf: checked.multipleOf ?? 1 });
  if (checked.separable === true) student = separable(student);
  if (checked.rank !== undefined) student = await lowRankDense(student, { rank: checked.rank });
  if (checked.lowRankBudget !== undefined) student = await lowRankDense(student, { budget: checked.lowRankBudget });
  return student;
}
