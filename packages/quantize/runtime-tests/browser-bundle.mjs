// A browser app's bundle of core + quantize, built with esbuild (platform browser) as users
// build theirs, with no plugins or flags beyond the one that makes the optional WebGPU packages
// unresolvable (as when they are not installed). The bundle must build, must carry neither the
// WebGPU backend nor tfjs's gradients, and must run; its size is printed (see BENCHMARKS.md).
// An app that imports both does get them: that proves the check below can see them.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const OPTIONAL_PACKAGES = /^(@tensorflow\/tfjs-backend-webgpu|webgpu)(\/.*)?$/;
/** Inputs that hold the WebGPU backend or tfjs's gradient functions. */
const WEBGPU_INPUT = /node_modules\/@tensorflow\/tfjs-backend-webgpu\//;
const GRADIENT_INPUT = /register[-_]all[-_]gradients|register-gradients|tfjs-core\/dist\/gradients\//;

const notInstalled = {
  name: 'optional-packages-not-installed',
  setup(builder) {
    builder.onResolve({ filter: OPTIONAL_PACKAGES }, ({ path }) => ({ errors: [{ text: `${path} is not installed` }] }));
  },
};

async function bundle(entry, plugins) {
  const result = await build({
    entryPoints: [join(fixtures, entry)],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    minify: true,
    write: false,
    metafile: true,
    outfile: 'bundle.js',
    logLevel: 'silent',
    plugins,
  });
  const [output] = result.outputFiles;
  const inputs = Object.keys(result.metafile.outputs[Object.keys(result.metafile.outputs)[0]].inputs);
  return { code: output.contents, inputs, warnings: result.warnings };
}

/** Runs `body` with a page's globals (`window`, `document`) and without Node's `process`. */
async function asInAPage(body) {
  const descriptor = Object.getOwnPropertyDescriptor(globalThis, 'process');
  delete globalThis.process;
  globalThis.window = globalThis;
  globalThis.document = {};
  try {
    return await body();
  } finally {
    delete globalThis.window;
    delete globalThis.document;
    Object.defineProperty(globalThis, 'process', descriptor);
  }
}

let failed = 0;
async function test(name, body) {
  try {
    await body();
    console.log(`ok   ${name}`);
  } catch (error) {
    failed++;
    console.log(`FAIL ${name}\n     ${error?.stack ?? error}`);
  }
}
function assert(condition, message) {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}

let inference;
await test('core + quantize bundle for the browser without the WebGPU packages installed', async () => {
  inference = await bundle('inference-entry.js', [notInstalled]);
  assert(inference.inputs.some((input) => input.includes('tfjs-backend-wasm')), 'the default wasm backend is in the bundle');
  const webgpu = inference.inputs.filter((input) => WEBGPU_INPUT.test(input));
  assert(webgpu.length === 0, `no WebGPU backend code: ${webgpu.slice(0, 3).join(', ')}`);
  const gradients = inference.inputs.filter((input) => GRADIENT_INPUT.test(input));
  assert(gradients.length === 0, `no gradient code: ${gradients.slice(0, 3).join(', ')}`);
  const bytes = inference.code.byteLength;
  console.log(`     browser bundle of core + quantize (esbuild, minified): ${bytes} bytes, ${gzipSync(inference.code).byteLength} gzipped`);
});

await test('an app that imports the WebGPU backend and the gradients gets both', async () => {
  const training = await bundle('training-entry.js', []);
  assert(training.inputs.some((input) => WEBGPU_INPUT.test(input)), 'WebGPU backend code is in the bundle');
  assert(training.inputs.some((input) => GRADIENT_INPUT.test(input)), 'gradient code is in the bundle');
  console.log(`     with WebGPU and gradients imported: ${training.code.byteLength} bytes`);
});

await test('the bundle runs, and names the import to add for what it left out', async () => {
  assert(inference !== undefined, 'the bundle was built');
  // Outside the repository nothing resolves the optional packages, as in a browser.
  const directory = mkdtempSync(join(tmpdir(), 'whittle-bundle-'));
  try {
    const file = join(directory, 'bundle.mjs');
    writeFileSync(file, inference.code);
    // tfjs takes any global `process` for Node and would reach for the Node modules a browser
    // bundle leaves out; with a page's globals instead, the bundle runs here as in a page.
    await asInAPage(async () => {
      const app = await import(pathToFileURL(file).href);
      const { kernel, groupedKind, values } = await app.run('cpu');
      assert(groupedKind === 'affine', `int4 groups give an affine encoding, got ${groupedKind}`);
      // int8 per channel: every value within half a step (max |w| / 127 / 2) of the original.
      const worst = Math.max(...kernel.map((value, index) => Math.abs(value - values[index])));
      assert(worst <= 1 / 127 / 2 + 1e-6, `int8 round trip error ${worst}`);
      const rejection = async (promise) => promise.then(() => undefined, (error) => error);
      const gpu = { requestAdapter: async () => ({}) };
      const webgpu = await rejection(app.useBackend('webgpu', { gpu }));
      assert(webgpu?.code === 'backend-unavailable' && webgpu.message.includes('import it once'), `webgpu: ${webgpu?.message}`);
      const gradients = await rejection(app.useBackend('cpu', { gradients: true }));
      assert(
        gradients?.code === 'backend-unavailable' && gradients.message.includes("import '@whittle/core/register-gradients'"),
        `gradients: ${gradients?.message}`,
      );
      // Nothing serves the .wasm files beside this bundle. A page that is not cross-origin
      // isolated has no SharedArrayBuffer, so tfjs loads the single-threaded binary.
      const logged = [];
      const { warn, error } = console;
      const sharedArrayBuffer = globalThis.SharedArrayBuffer;
      delete globalThis.SharedArrayBuffer;
      console.warn = console.error = (...parts) => logged.push(parts.join(' '));
      const wasm = await rejection(app.useBackend('wasm')).finally(() => {
        Object.assign(console, { warn, error });
        globalThis.SharedArrayBuffer = sharedArrayBuffer;
      });
      assert(logged.some((line) => /wasm/.test(line) && /fetch|URL|not found|Failed/i.test(line)), `tfjs could not fetch the binary: ${logged.join(' | ')}`);
      assert(wasm?.code === 'backend-unavailable' && wasm.message.includes('set wasmPaths'), `wasm: ${wasm?.message}`);
    });
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

console.log(`browser bundle: ${3 - failed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
