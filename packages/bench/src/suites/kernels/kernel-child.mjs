// One case of the `kernels` suite, run in a Node process of its own so that no JIT state of
// another case (a deoptimised loop, a warmed inline cache) reaches it. Plain JavaScript that
// imports the built packages only, so the suite runs it as it is, from src or from dist.
//
// Usage: node --expose-gc kernel-child.mjs '<spec as JSON>'; prints one line, the marker and a
// JSON object: { samples: { [task]: seconds[] }, extra: { ... } } or { error } (tfjs prints a
// banner of its own to stdout, hence the marker).
//
// Each case is one small function that takes its prepared inputs and the outputs it reuses and
// returns its tasks: the whittle one first, then peers doing the same work, timed in rotated
// order within the process. A case that allocates its output today says so; giving it the
// caller's buffer is a one-line change to its task.

const spec = JSON.parse(process.argv[2] ?? '{}');
const RESULT_MARKER = 'kernel-child-result ';

/** The seeded source the bench uses everywhere (mulberry32 uniforms, Box–Muller normals). */
function seededRandom(seed) {
  let state = seed >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  return { uniform, normal };
}

function normalWeights(count, seed, deviation) {
  const random = seededRandom(seed);
  const values = new Float32Array(count);
  for (let index = 0; index < count; index++) values[index] = deviation * random.normal();
  return values;
}

function laplaceWeights(count, seed, spread) {
  const random = seededRandom(seed);
  const values = new Float32Array(count);
  for (let index = 0; index < count; index++) {
    const centred = random.uniform() - 0.5;
    values[index] = -spread * Math.sign(centred) * Math.log(1 - 2 * Math.abs(centred));
  }
  return values;
}

const INT8_CHANNEL = { bits: 8, granularity: { kind: 'axis', axis: 1 } };
// The same weights read as a channel-first [out, in] kernel (ONNX and PyTorch lay out Linear
// weights so): a scale per row, each channel's weights contiguous.
const INT8_CHANNEL_ROWS = { bits: 8, granularity: { kind: 'axis', axis: 0 } };
/** Floats per copy of the two-pass floor: the chunk the WebAssembly kernels copy weights in by. */
const CHUNK_FLOATS = 65536;
const INT4_GROUP32 = { bits: 4, granularity: { kind: 'group', axis: 0, size: 32 } };
const INT4_GROUP32_ASYMMETRIC = { bits: 4, symmetric: false, granularity: { kind: 'group', axis: 0, size: 32 } };

function quantizeTasks(quantize, kernel, options) {
  const destination = quantize.quantizeAffineDestination(kernel.shape, options);
  return {
    tasks: {
      whittle: () => quantize.quantizeAffine(kernel, options, destination),
      'whittle, fresh outputs': () => quantize.quantizeAffine(kernel, options),
    },
  };
}

/**
 * Quantizing weights that live in the quantize kernel's memory (`affineKernelInput`), which it
 * reads where they are, against the same weights in a plain array, into one reused destination.
 */
function quantizeInPlaceTasks(quantize, kernel, options) {
  const count = kernel.data.length;
  const destination = quantize.quantizeAffineDestination(kernel.shape, options);
  const input = quantize.affineKernelInput(count);
  if (input === undefined) throw new Error('no WebAssembly SIMD here: no input region to quantize from');
  input.set(kernel.data);
  return {
    tasks: {
      // Asked for again before each run, as the view would be stale had memory grown.
      whittle: () => quantize.quantizeAffine({ ...kernel, data: quantize.affineKernelInput(count) }, options, destination),
      'whittle, plain array': () => quantize.quantizeAffine(kernel, options, destination),
    },
  };
}

/**
 * Decoding into the decode kernels' output region (`decodeKernelOutput`), which they fill in
 * place, against the same decode into a reused plain array, in the same process.
 */
function decodeInPlaceTasks(core, encoding) {
  const count = encoding.shape.reduce((product, side) => product * side, 1);
  const plain = new Float32Array(count);
  if (core.decodeKernelOutput(count) === undefined) throw new Error('no WebAssembly SIMD here: no output region to decode into');
  return {
    tasks: {
      whittle: () => core.decodeToFloat32(encoding, core.decodeKernelOutput(count)),
      'whittle, reused array': () => core.decodeToFloat32(encoding, plain),
    },
  };
}

function decodeTasks(core, encoding) {
  const destination = new Float32Array(encoding.shape.reduce((product, side) => product * side, 1));
  return {
    tasks: {
      whittle: () => core.decodeToFloat32(encoding, destination),
      'whittle, fresh output': () => core.decodeToFloat32(encoding),
    },
  };
}

/** The cases, by name: `(inputs, libraries) => ({ tasks, quality? })`. */
const CASES = {
  // The bound: read and write every byte once, into memory already written (no page faults).
  'copy-into-reused-buffer': ({ kernel }) => {
    const destination = new Float32Array(kernel.data.length);
    return { tasks: { whittle: () => destination.set(kernel.data) } };
  },
  // The same copy into memory fresh from the allocator: what any call that allocates its output pays.
  'copy-into-fresh-memory': ({ kernel }) => ({ tasks: { whittle: () => new Float32Array(kernel.data) } }),
  // The reused-buffer copy made 64 Ki floats at a time, as a kernel that computes its output a
  // cache-sized chunk at a time writes it: one large copy may use the CPU's non-temporal stores
  // (glibc's memcpy does past a size near the last-level cache's), which chunks never do.
  'copy-by-chunks-into-reused-buffer': ({ kernel }) => {
    const destination = new Float32Array(kernel.data.length);
    const data = kernel.data;
    const copyByChunks = () => {
      for (let start = 0; start < data.length; start += CHUNK_FLOATS) destination.set(data.subarray(start, Math.min(start + CHUNK_FLOATS, data.length)), start);
    };
    return { tasks: { whittle: copyByChunks } };
  },
  // Two passes over the weights, each copying them a cache-sized chunk at a time into one buffer
  // (as the WebAssembly kernels copy weights that live outside their memory), nothing computed:
  // the least a kernel pays that must see every weight before coding any (one scale per column
  // of an [in, out] kernel).
  'read-twice-through-cache': ({ kernel }) => {
    const chunk = new Float32Array(CHUNK_FLOATS);
    const data = kernel.data;
    const readTwice = () => {
      for (let pass = 0; pass < 2; pass++) {
        for (let start = 0; start < data.length; start += CHUNK_FLOATS) chunk.set(data.subarray(start, Math.min(start + CHUNK_FLOATS, data.length)));
      }
    };
    return { tasks: { whittle: readTwice } };
  },
  // Into the caller's reused buffers (what a pipeline does), and into fresh outputs.
  'quantize-int8-channel': ({ kernel }, { quantize }) => quantizeTasks(quantize, kernel, INT8_CHANNEL),
  'quantize-int8-channel-rows': ({ kernel }, { quantize }) => quantizeTasks(quantize, kernel, INT8_CHANNEL_ROWS),
  'quantize-int4-group32': ({ kernel }, { quantize }) => quantizeTasks(quantize, kernel, INT4_GROUP32),
  'quantize-int4-group32-asymmetric': ({ kernel }, { quantize }) => quantizeTasks(quantize, kernel, INT4_GROUP32_ASYMMETRIC),
  'dequantize-int8-channel': ({ kernel }, { quantize, core }) => decodeTasks(core, quantize.quantizeAffine(kernel, INT8_CHANNEL)),
  'dequantize-int4-group32': ({ kernel }, { quantize, core }) => decodeTasks(core, quantize.quantizeAffine(kernel, INT4_GROUP32)),
  // Stock uint8 (tfjs-converter's format): whittle's decoder against tfjs's own weight loader
  // on the same bytes; both make a fresh float32 array.
  'dequantize-uint8-stock': ({ kernel }, { quantize, core, tf }) => {
    const encoding = quantize.quantizeTfjsStock(kernel, 'uint8');
    const buffer = encoding.codes.slice().buffer;
    const quantization = { dtype: 'uint8', min: encoding.offsets.data[0], scale: encoding.scales.data[0] };
    const specs = [{ name: 'kernel', shape: [...kernel.shape], dtype: 'float32', quantization }];
    // whittle decodes into the caller's reused array; tfjs's loader always makes a fresh one.
    const destination = new Float32Array(kernel.data.length);
    return {
      tasks: {
        whittle: () => core.decodeToFloat32(encoding, destination),
        'tf.io.decodeWeights': () => tf.dispose(Object.values(tf.io.decodeWeights(buffer, specs))),
      },
    };
  },
  // The per-channel quantizations from weights in the kernel's input region.
  'quantize-int8-channel-in-place': ({ kernel }, { quantize }) => quantizeInPlaceTasks(quantize, kernel, INT8_CHANNEL),
  'quantize-int8-channel-rows-in-place': ({ kernel }, { quantize }) => quantizeInPlaceTasks(quantize, kernel, INT8_CHANNEL_ROWS),
  // The three decodes into the kernels' output region, each against itself into a plain array.
  'dequantize-int8-channel-in-place': ({ kernel }, { quantize, core }) => decodeInPlaceTasks(core, quantize.quantizeAffine(kernel, INT8_CHANNEL)),
  'dequantize-int4-group32-in-place': ({ kernel }, { quantize, core }) => decodeInPlaceTasks(core, quantize.quantizeAffine(kernel, INT4_GROUP32)),
  'dequantize-uint8-stock-in-place': ({ kernel }, { quantize, core }) => decodeInPlaceTasks(core, quantize.quantizeTfjsStock(kernel, 'uint8')),
  // 4-bit k-means on 1-D weights: whittle's kmeansQuantize (from the optimal clustering, then
  // Lloyd) against ml-kmeans and skmeans (k-means++), each to convergence; the quality of each
  // is its squared error over that of the optimal 1-D clustering (simple-statistics' ckmeans).
  'kmeans-4bit': ({ values }, { quantize, core, peers }) => {
    const tensor = core.hostTensor('float32', [values.length], values);
    const points = Array.from(values, (value) => [value]);
    const plain = Array.from(values);
    const results = {};
    return {
      tasks: {
        whittle: () => (results.whittle = quantize.kmeansQuantize(tensor, { bits: 4 })),
        'ml-kmeans': () => (results['ml-kmeans'] = peers.mlKmeans(points, 16, { initialization: 'kmeans++', seed: 1, maxIterations: 300 })),
        skmeans: () => (results.skmeans = peers.skmeans(plain, 16, 'kmpp', 300)),
      },
      quality: () => {
        const optimal = peers.ckmeans(plain, 16).reduce((total, cluster) => {
          const mean = cluster.reduce((sum, value) => sum + value, 0) / cluster.length;
          return total + cluster.reduce((sum, value) => sum + (value - mean) ** 2, 0);
        }, 0);
        const decoded = core.decodeToFloat32(results.whittle).data;
        const squared = (approximation) => values.reduce((sum, value, index) => sum + (value - approximation(index)) ** 2, 0);
        const machine = results['ml-kmeans'];
        return {
          optimalSse: optimal,
          sse: {
            whittle: squared((index) => decoded[index]),
            'ml-kmeans': squared((index) => machine.centroids[machine.clusters[index]][0]),
            skmeans: squared((index) => results.skmeans.centroids[results.skmeans.idxs[index]]),
          },
        };
      },
    };
  },
};

async function libraries(needsPeers) {
  const [core, quantize, tf] = await Promise.all([import('@whittle/core'), import('@whittle/quantize'), import('@tensorflow/tfjs-core')]);
  let peers;
  if (needsPeers) {
    const [mlKmeans, skmeans, simpleStatistics] = await Promise.all([import('ml-kmeans'), import('skmeans'), import('simple-statistics')]);
    peers = { mlKmeans: mlKmeans.kmeans, skmeans: skmeans.default ?? skmeans, ckmeans: simpleStatistics.ckmeans };
  }
  return { core, quantize, tf, peers };
}

function inputs() {
  if (spec.case === 'kmeans-4bit') {
    const values =
      spec.distribution === 'laplacian'
        ? laplaceWeights(spec.count, spec.seed, 0.02 / Math.SQRT2)
        : normalWeights(spec.count, spec.seed, 0.02);
    return { values };
  }
  return { kernel: { dtype: 'float32', shape: [spec.side, spec.side], data: normalWeights(spec.side * spec.side, spec.side, 0.05) } };
}

const collect = typeof globalThis.gc === 'function' ? globalThis.gc : () => {};

/**
 * Quiet before a timed run: a full collection, one turn of the event loop so that work the
 * collection handed to background threads (freeing a fresh-output twin's 64 MiB, say) finishes,
 * and a second collection. Without the turn, a run right after its fresh-output twin paid for
 * that freeing on the other core: every other sample 1.5-2x slower.
 */
async function settle() {
  collect();
  await new Promise((resolve) => setTimeout(resolve, 0));
  collect();
}

try {
  const libs = await libraries(spec.case === 'kmeans-4bit');
  await libs.core.useBackend('cpu');
  const prepared = inputs();
  const make = CASES[spec.case];
  if (make === undefined) throw new Error(`unknown case ${JSON.stringify(spec.case)}`);
  // A case run after another in the same process: the other's task first, as often as a
  // timed case runs, so that whatever it leaves in the JIT is there.
  for (const before of spec.before ?? []) {
    const { tasks } = CASES[before](prepared, libs);
    for (let run = 0; run < spec.warmup + spec.runs; run++) {
      await settle();
      tasks.whittle();
    }
  }
  const { tasks, quality } = make(prepared, libs);
  // Back to back (as the native peer times itself): whittle's task alone, which allocates
  // nothing, one run after another with the same weights and buffers, one collection before
  // the first. Otherwise every task, rotated, each run after a collection.
  const names = spec.backToBack === true ? ['whittle'] : Object.keys(tasks);
  const samples = Object.fromEntries(names.map((name) => [name, []]));
  if (spec.backToBack === true) await settle();
  for (let round = 0; round < spec.warmup + spec.runs; round++) {
    for (let turn = 0; turn < names.length; turn++) {
      const name = names[(round + turn) % names.length];
      if (spec.backToBack !== true) await settle();
      const start = performance.now();
      tasks[name]();
      const seconds = (performance.now() - start) / 1000;
      if (round >= spec.warmup) samples[name].push(seconds);
    }
  }
  // The same weights for a peer outside this process (the native block quantizer), written
  // after the timed runs so the writing disturbs none of them.
  if (spec.weightsOut !== undefined) {
    const { writeFileSync } = await import('node:fs');
    const data = prepared.kernel.data;
    writeFileSync(spec.weightsOut, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  process.stdout.write(`\n${RESULT_MARKER}${JSON.stringify({ samples, extra: quality === undefined ? {} : quality() })}\n`);
} catch (error) {
  process.stdout.write(`\n${RESULT_MARKER}${JSON.stringify({ error: String(error instanceof Error ? error.message : error) })}\n`);
  process.exitCode = 1;
}
