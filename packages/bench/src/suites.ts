import { WhittleError } from '@whittle/core';
import type { Suite } from './suite.ts';
import { backendsSuite } from './suites/backends.ts';
import { distillationSuite } from './suites/distillation.ts';
import { formatsSuite } from './suites/formats.ts';
import { kernelsSuite } from './suites/kernels.ts';
import { lowrankSuite } from './suites/lowrank.ts';
import { onnxSuite } from './suites/onnx/onnx-suite.ts';
import { pruningSuite } from './suites/pruning.ts';
import { quantizationSuite } from './suites/quantization.ts';
import { searchSuite } from './suites/search.ts';
import { stockUint8Suite } from './suites/stock-uint8.ts';

/** Every benchmark suite, by name. */
export const SUITES: readonly Suite[] = [
  backendsSuite,
  distillationSuite,
  formatsSuite,
  kernelsSuite,
  lowrankSuite,
  onnxSuite,
  pruningSuite,
  quantizationSuite,
  searchSuite,
  stockUint8Suite,
];

/**
 * The suite called `name`, or a WhittleError listing the known ones.
 *
 * @example
 * ```ts
 * const { rows } = await findSuite('backends').run({ quick: true });
 * ```
 */
export function findSuite(name: string): Suite {
  const suite = SUITES.find((candidate) => candidate.name === name);
  if (suite === undefined) {
    throw new WhittleError(
      'invalid-argument',
      `unknown suite ${JSON.stringify(name)}; expected one of ${SUITES.map(({ name }) => name).join(', ')}`,
      { field: 'suite' },
    );
  }
  return suite;
}
