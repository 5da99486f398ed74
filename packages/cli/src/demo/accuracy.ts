import * as tf from '@tensorflow/tfjs-core';

/**
 * Share of rows whose highest logit is the true class, in percent.
 *
 * @example
 * ```ts
 * await top1Accuracy(logits, test.labels); // 94.3
 * ```
 */
export async function top1Accuracy(logits: tf.Tensor2D, labels: Uint8Array): Promise<number> {
  const predicted = tf.argMax(logits, 1);
  try {
    const classes = await predicted.data();
    let correct = 0;
    for (let row = 0; row < labels.length; row++) if (classes[row] === labels[row]) correct++;
    return (100 * correct) / labels.length;
  } finally {
    predicted.dispose();
  }
}
