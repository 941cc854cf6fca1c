import type { TrainEvent, TrainOptions } from './protocol.js';
import { train } from './train.js';

// Training in a dedicated Web Worker: the page's main thread only draws, and the wasm backend may
// run its own thread pool here (a browser's main thread may not block in Atomics.wait, so threads
// only run off it, and only in a cross-origin-isolated page).

/** The parts of a dedicated worker's global scope used here (the project type-checks with DOM types). */
interface WorkerScope {
  postMessage(message: TrainEvent): void;
  addEventListener(type: 'message', listener: (e: MessageEvent<TrainOptions>) => void): void;
}
const scope = globalThis as unknown as WorkerScope;
const post = (event: TrainEvent): void => scope.postMessage(event);

scope.addEventListener('message', (e) => {
  train(e.data, post).catch((error: unknown) => {
    post({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  });
});
