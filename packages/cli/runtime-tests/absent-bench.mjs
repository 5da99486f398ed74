// `node --import ./absent-bench.mjs …`: registers absent-bench-hooks.mjs before the program loads.
import { register } from 'node:module';

register('./absent-bench-hooks.mjs', import.meta.url);
