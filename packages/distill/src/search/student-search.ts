/**
 * Architecture search over students: a few student specs (width factors, separable convolutions,
 * low-rank Dense layers) built from the teacher, each distilled and evaluated, within a time
 * bound; the result is the Pareto front of size against accuracy.
 */
import {
  WhittleError,
  compress,
  countParams,
  createRecipeRegistry,
  isWhittleError,
  measureModel,
  modelByteLength,
  paretoFlags,
  TRAINING_RESOURCE,
  type Model,
  type SearchData,
  type TrainingData,
} from '@whittle/core';
import { distillHandler } from '../recipes/distill-handler.ts';
import { distillStep, type DistillStepSettings } from '../recipes/distill-step.ts';
import type { StudentSpec } from '../students/student-spec.ts';

/** The student specs tried by default, before the seeded shuffle. */
export const STUDENT_SEARCH_SPECS: readonly StudentSpec[] = [
  { width: 0.75 },
  { width: 0.5 },
  { width: 0.25 },
  { width: 0.5, separable: true },
  { lowRankBudget: 0.5 },
  { lowRankBudget: 0.25 },
  { width: 0.5, lowRankBudget: 0.5 },
];

/** Options of {@link searchStudents}. */
export interface StudentSearchOptions {
  /** What the students learn from (the `distill` step's `training` resource). */
  readonly training: TrainingData;
  /** Labelled held-out batches the students are scored on (accuracy by default). */
  readonly evaluation: SearchData;
  /** The specs to try; {@link STUDENT_SEARCH_SPECS} by default. */
  readonly specs?: readonly StudentSpec[];
  /** Orders the specs (a seeded shuffle) and seeds each student's training; default 0. */
  readonly seed?: number;
  /** Stops starting new students after this many milliseconds; default 60,000. At least one student is trained. */
  readonly timeLimitMs?: number;
  /** At most this many students; default every spec. */
  readonly maxStudents?: number;
  /** The distill step's settings besides the student; default one epoch. */
  readonly distill?: Omit<DistillStepSettings, 'student' | 'seed'>;
  readonly signal?: AbortSignal;
  /** Called after each student is scored (or skipped). */
  readonly onStudent?: (progress: { readonly done: number; readonly total: number; readonly spec: StudentSpec; readonly skipped?: string }) => void;
}

/** One student evaluated. */
export interface StudentCandidate {
  /** The spec the student was built from. */
  readonly spec: StudentSpec;
  /** The one-step recipe that builds and trains it: `whittle compress --recipe` runs it. */
  readonly recipe: readonly [ReturnType<typeof distillStep>];
  /** The trained student's stored bytes and parameter count. */
  readonly bytes: number;
  /** Parameters of the student (see `countParams`). */
  readonly params: number;
  /** The metric on the evaluation data. */
  readonly metric: number;
  /** Seconds to build and distill it. */
  readonly seconds: number;
  /** True when no other student (nor the teacher) is smaller with no lower metric, or as small with a higher one. */
  readonly pareto: boolean;
}

/** What {@link searchStudents} returns. */
export interface StudentSearchResult {
  /** The teacher's figures, for comparison. */
  readonly teacher: { readonly bytes: number; readonly params: number; readonly metric: number };
  readonly candidates: readonly StudentCandidate[];
  /** Specs left out: not applicable to this teacher, or not reached within the time limit. */
  readonly skipped: readonly { readonly spec: StudentSpec; readonly reason: string }[];
}

/**
 * Builds, distills and scores students of `teacher`, in a seeded order, until the specs or the
 * time run out; marks the Pareto front of bytes against the metric. Specs a teacher cannot take
 * (separable convolutions in a model without Conv2D) are skipped with the reason. The same seed
 * gives the same order and the same training; the time bound alone can shorten the list.
 *
 * @example
 * ```ts
 * const { candidates } = await searchStudents(teacher, { training, evaluation: { batches: heldOut }, timeLimitMs: 30_000 });
 * console.table(candidates.filter(({ pareto }) => pareto).map(({ spec, bytes, metric }) => ({ spec: JSON.stringify(spec), bytes, metric })));
 * ```
 */
export async function searchStudents(teacher: Model, options: StudentSearchOptions): Promise<StudentSearchResult> {
  const { training, evaluation, seed = 0, timeLimitMs = 60_000, signal, onStudent } = options;
  if (!Number.isFinite(timeLimitMs) || timeLimitMs < 0) throw new WhittleError('invalid-argument', 'timeLimitMs must be a finite number ≥ 0', { field: 'timeLimitMs' });
  if (!Number.isSafeInteger(seed) || seed < 0) throw new WhittleError('invalid-argument', 'seed must be a whole number ≥ 0', { field: 'seed' });
  if (options.maxStudents !== undefined && (!Number.isSafeInteger(options.maxStudents) || options.maxStudents < 1)) {
    throw new WhittleError('invalid-argument', 'maxStudents must be a whole number ≥ 1', { field: 'maxStudents' });
  }
  const specs = shuffled(options.specs ?? STUDENT_SEARCH_SPECS, seed).slice(0, options.maxStudents ?? Number.POSITIVE_INFINITY);
  const registry = createRecipeRegistry([distillHandler as never]);
  const started = performance.now();
  const reference = await measureModel(teacher, evaluation, { latency: false });
  if (reference.measurement.metric === undefined) {
    throw new WhittleError('invalid-argument', 'a student search scores students on labelled data: give evaluation batches with targets', { field: 'evaluation' });
  }
  const measured: Omit<StudentCandidate, 'pareto'>[] = [];
  const skipped: { spec: StudentSpec; reason: string }[] = [];
  for (const [index, spec] of specs.entries()) {
    signal?.throwIfAborted();
    if (measured.length > 0 && performance.now() - started > timeLimitMs) {
      skipped.push({ spec, reason: 'not reached within the time limit' });
      continue;
    }
    const step = distillStep({ epochs: 1, ...options.distill, student: spec, seed });
    const begun = performance.now();
    let student: Model;
    try {
      student = (await compress(teacher, [step], { registry, resources: { [TRAINING_RESOURCE]: training }, ...(signal === undefined ? {} : { signal }) })).model;
    } catch (error) {
      if (!isWhittleError(error) || signal?.aborted === true) throw error;
      skipped.push({ spec, reason: error.detail });
      onStudent?.({ done: index + 1, total: specs.length, spec, skipped: error.detail });
      continue;
    }
    const { measurement } = await measureModel(student, evaluation, { latency: false });
    measured.push({
      spec,
      recipe: [step],
      bytes: modelByteLength(student),
      params: countParams(student),
      metric: measurement.metric!,
      seconds: (performance.now() - begun) / 1000,
    });
    onStudent?.({ done: index + 1, total: specs.length, spec });
  }
  const teacherFigures = { bytes: modelByteLength(teacher), params: countParams(teacher), metric: reference.measurement.metric };
  const lossOf = (metric: number): number => (evaluation.metric === 'mean-squared-error' ? metric : -metric);
  const flags = paretoFlags([...measured.map(({ bytes, metric }) => ({ bytes, loss: lossOf(metric) })), { bytes: teacherFigures.bytes, loss: lossOf(teacherFigures.metric) }]);
  return { teacher: teacherFigures, candidates: measured.map((candidate, index) => ({ ...candidate, pareto: flags[index]! })), skipped };
}

/** A Fisher–Yates shuffle driven by a small seeded generator (mulberry32). */
function shuffled<Item>(items: readonly Item[], seed: number): Item[] {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 2 ** 32;
  };
  const out = [...items];
  for (let index = out.length - 1; index > 0; index--) {
    const other = Math.floor(next() * (index + 1));
    [out[index], out[other]] = [out[other]!, out[index]!];
  }
  return out;
}
