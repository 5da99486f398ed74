/**
 * Test support: a child process that writes an output, so tests can kill it mid-write or send it
 * a signal. Bundled from source by the test (esbuild) and run with node:
 * `node child.mjs tfjs <directory> <seed>` replaces a TFJS output with the seeded model;
 * `node child.mjs slow-safetensors <path>` starts a safetensors write, prints `ready` once its
 * temporary files exist, and then waits.
 */
import { denseEncoding } from '../encoding/dense.ts';
import type { Param } from '../model/types.ts';
import { hostTensor } from '../tensor/host-tensor.ts';
import { writeSafetensorsFile } from './safetensors-file.ts';
import { KILL_TEST_SHAPE, sequenceModel } from './test-model.test-support.ts';
import { writeTfjsModelFiles } from './tfjs-write.ts';

async function main(): Promise<void> {
  const [mode, target, seed] = process.argv.slice(2);
  if (mode === 'tfjs') {
    const { count, length, shardBytes } = KILL_TEST_SHAPE;
    const model = sequenceModel(count, length, Number(seed));
    // The parent times its kill from here: what came before (start-up, imports) is not the write.
    process.stdout.write('start\n');
    await writeTfjsModelFiles(model, target!, { force: true, shardBytes });
    process.stdout.write('done\n');
    return;
  }
  async function* slow(): AsyncGenerator<Param> {
    yield { name: 'a', role: 'other', shape: [1024], value: denseEncoding(hostTensor('float32', [1024], new Float32Array(1024))) };
    process.stdout.write('ready\n');
    await new Promise((resolve) => setTimeout(resolve, 60_000));
  }
  await writeSafetensorsFile(target!, slow());
}

await main();
