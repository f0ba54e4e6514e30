import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

export { tf };

let ready: Promise<void> | undefined;

/**
 * TensorFlow.js on its WASM backend (XNNPACK; tfjs-node cannot install here). Single-threaded and deterministic:
 * with our seeded initialization and shuffling, the same seed gives bit-identical weights.
 */
export function readyTensorflow(): Promise<void> {
  ready ??= (async () => {
    await tf.setBackend('wasm');
    await tf.ready();
  })();
  return ready;
}
