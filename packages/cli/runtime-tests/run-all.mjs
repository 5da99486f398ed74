// The CLI's runtime tests, run after the build: `node runtime-tests/run-all.mjs [name filter]`.
import { run } from './harness.mjs';
import './install.mjs';
import './optional-bench.mjs';
import './readme-examples.mjs';
import './deno-and-bun.mjs';

process.exitCode = (await run(process.argv[2])) > 0 ? 1 : 0;
