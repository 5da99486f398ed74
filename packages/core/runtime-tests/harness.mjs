// A tiny test harness that runs unchanged in Node, Deno and Bun: vitest does not run in Deno,
// so this subset of core's tests exercises the built package the way users load it.
const cases = [];

/** Registers a named test. */
export function test(name, body) {
  cases.push({ name, body });
}

/** Throws when `condition` is false. */
export function assert(condition, message) {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}

/** Asserts that `body` throws (or rejects with) an error whose `code` is `code`. */
export async function assertRejects(body, code) {
  try {
    await body();
  } catch (error) {
    assert(error?.code === code, `expected error code ${code}, got ${error?.code}: ${error?.message}`);
    return;
  }
  throw new Error(`expected an error with code ${code}`);
}

/** Asserts two numeric arrays agree within `tolerance` (relative to magnitude, at least absolute). */
export function assertClose(actual, expected, tolerance, message) {
  assert(actual.length === expected.length, `${message}: lengths ${actual.length} vs ${expected.length}`);
  for (let index = 0; index < actual.length; index++) {
    const bound = tolerance * Math.max(1, Math.abs(expected[index]));
    assert(Math.abs(actual[index] - expected[index]) <= bound, `${message}: index ${index}: ${actual[index]} vs ${expected[index]}`);
  }
}

/** Runs every registered test and prints one line per test and a closing summary line. */
export async function run(runtime) {
  let passed = 0;
  let failed = 0;
  for (const { name, body } of cases) {
    try {
      await body();
      passed++;
      console.log(`ok   ${runtime}: ${name}`);
    } catch (error) {
      failed++;
      console.log(`FAIL ${runtime}: ${name}\n     ${error?.stack ?? error}`);
    }
  }
  console.log(`${runtime}: ${passed} passed, ${failed} failed`);
  return failed;
}
