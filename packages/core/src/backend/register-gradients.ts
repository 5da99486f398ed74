/**
 * Side effect: registers tfjs's gradient functions for every kernel, so `tf.grad`, optimizers and
 * `customGrad` work. tfjs-core's main entry registers none ("gradient function not found for Sum").
 * tfjs keeps its gradient registry in a global, so registering from here serves the user's own
 * tfjs-core too.
 */
import '@tensorflow/tfjs-core/dist/register_all_gradients';
