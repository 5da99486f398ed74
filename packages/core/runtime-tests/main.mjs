// Entry point for one runtime: `node main.mjs`, `deno run -A main.mjs`, `bun main.mjs`.
import { detectRuntime } from '../dist/index.js';
import { run } from './harness.mjs';
import './backends.mjs';
import './encodings.mjs';
import './recipes.mjs';
import './fs.mjs';
import './formats.mjs';
import './runner.mjs';

const failed = await run(detectRuntime().name);
if (failed > 0) {
  if (typeof Deno !== 'undefined') Deno.exit(1);
  process.exit(1);
}
