import { hostTensor, modelFromTensors, useBackend } from '../dist/index.js';
import { assert, assertClose, assertRejects, test } from './harness.mjs';

test('@whittle/core/runner predicts, captures and evaluates a Keras model', async () => {
  await useBackend('cpu');
  const tf = await import('@tensorflow/tfjs-core');
  const { loadRunnable } = await import('../dist/runner.js');
  const topology = {
    class_name: 'Sequential',
    config: { layers: [{ class_name: 'Dense', config: { name: 'dense', units: 2, activation: 'relu', batch_input_shape: [null, 3] } }] },
  };
  // relu(x · K + b) with K = [[1, -1], [2, 0], [0, 1]] and b = [0, 0.5].
  const model = modelFromTensors(
    { 'dense/kernel': hostTensor('float32', [3, 2], Float32Array.of(1, -1, 2, 0, 0, 1)), 'dense/bias': hostTensor('float32', [2], Float32Array.of(0, 0.5)) },
    { topology },
  );
  const before = tf.memory().numTensors;
  const runnable = await loadRunnable(model);
  try {
    const inputs = hostTensor('float32', [2, 3], Float32Array.of(1, 1, 1, -1, 0, 2));
    const output = runnable.predict(inputs);
    assertClose(Array.from(await output.data()), [3, 0.5, 0, 3.5], 1e-6, 'outputs');
    output.dispose();
    const captured = await runnable.captureInputs(['dense/kernel'], [{ inputs }]);
    assertClose(Array.from(captured.get('dense/kernel').data), Array.from(inputs.data), 0, 'captured inputs');
    const accuracy = await runnable.evaluate([{ inputs, targets: hostTensor('int32', [2], Int32Array.of(0, 1)) }], 'accuracy');
    assert(accuracy === 1, `accuracy ${accuracy}`);
  } finally {
    runnable.dispose();
  }
  assert(tf.memory().numTensors === before, 'no tensor left behind');
  await assertRejects(() => loadRunnable(modelFromTensors({ w: hostTensor('float32', [2]) })), 'invalid-model');
});
