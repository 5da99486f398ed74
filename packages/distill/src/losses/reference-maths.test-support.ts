/**
 * Plain float64 JavaScript versions of the losses, written from the papers' formulas, and central
 * finite differences over them: the independent oracle the losses' tests compare tfjs against.
 */

/** Rows of a row-major `[rows, columns]` array. */
export function rowsOf(values: readonly number[], columns: number): number[][] {
  const rows: number[][] = [];
  for (let start = 0; start < values.length; start += columns) rows.push(values.slice(start, start + columns));
  return rows;
}

/** log σ(row) in float64, shifted by the row's maximum. */
export function logSoftmax(row: readonly number[]): number[] {
  const maximum = Math.max(...row);
  const logSum = Math.log(row.reduce((sum, value) => sum + Math.exp(value - maximum), 0));
  return row.map((value) => value - maximum - logSum);
}

/** α·CE(y, σ(z_s)) + (1 − α)·T²·KL(σ(z_t/T) ‖ σ(z_s/T)), averaged over rows. */
export function referenceHinton(teacher: readonly number[], student: readonly number[], labels: readonly number[], classes: number, temperature: number, alpha: number): number {
  const teacherRows = rowsOf(teacher, classes);
  const studentRows = rowsOf(student, classes);
  let total = 0;
  for (const [row, studentRow] of studentRows.entries()) {
    const logStudent = logSoftmax(studentRow);
    const crossEntropy = -logStudent[labels[row]!]!;
    const logTeacherSoft = logSoftmax(teacherRows[row]!.map((value) => value / temperature));
    const logStudentSoft = logSoftmax(studentRow.map((value) => value / temperature));
    let divergence = 0;
    for (let index = 0; index < classes; index++) divergence += Math.exp(logTeacherSoft[index]!) * (logTeacherSoft[index]! - logStudentSoft[index]!);
    total += alpha * crossEntropy + (1 - alpha) * temperature * temperature * divergence;
  }
  return total / studentRows.length;
}

/** KL(σ(z_t/T) ‖ σ(z_s/T)) averaged over rows, without T². */
export function referenceDivergence(teacher: readonly number[], student: readonly number[], classes: number, temperature: number): number {
  return referenceHinton(teacher, student, new Array(teacher.length / classes).fill(0), classes, temperature, 0) / (temperature * temperature);
}

/** ∂f/∂x_i for every i by central differences of step `step`. */
export function finiteDifferences(f: (x: number[]) => number, x: readonly number[], step = 1e-5): number[] {
  return x.map((_, index) => {
    const plus = [...x];
    const minus = [...x];
    plus[index]! += step;
    minus[index]! -= step;
    return (f(plus) - f(minus)) / (2 * step);
  });
}

/** Largest |a_i − b_i| / (1 + |b_i|). */
export function largestRelativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let largest = 0;
  for (let index = 0; index < expected.length; index++) largest = Math.max(largest, Math.abs(actual[index]! - expected[index]!) / (1 + Math.abs(expected[index]!)));
  return largest;
}
