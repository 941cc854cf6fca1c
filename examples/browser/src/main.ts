import { LossChart } from './chart.js';
import { type DemoState, parseOptions, type TrainEvent } from './protocol.js';
import { train } from './train.js';

declare global {
  interface Window {
    kilnDemo: DemoState;
  }
}

const $ = (id: string): HTMLElement => {
  const node = document.getElementById(id);
  if (node === null) throw new Error(`index.html lacks #${id}`);
  return node;
};

const options = parseOptions(location.search);
// `?mode=main` trains on the page's own thread (one wasm thread; the page stays live because the
// loop yields after every step); the default trains in a Web Worker, where threads can run.
const mode = new URLSearchParams(location.search).get('mode') === 'main' ? 'main' : 'worker';
const chart = new LossChart($('chart'), options.epochs * Math.ceil(3000 / options.batchSize));
const state: DemoState = {
  mode,
  crossOriginIsolated: globalThis.crossOriginIsolated === true,
  threads: null,
  notes: [],
  losses: chart.points,
  accuracies: [],
  accuracy: null,
  seconds: null,
  done: false,
  error: null,
};
window.kilnDemo = state;
document.body.dataset.state = 'loading';
$('status').textContent = 'Loading Fashion-MNIST and compiling the wasm kernels…';

function onEvent(event: TrainEvent): void {
  switch (event.type) {
    case 'start': {
      state.threads = event.threads;
      state.notes = event.notes;
      chart.setTotalSteps(event.steps);
      document.body.dataset.state = 'training';
      $('backend').textContent =
        `wasm backend, ${event.threads} thread${event.threads === 1 ? '' : 's'} (${mode === 'worker' ? 'in a Web Worker' : 'on the main thread'}` +
        `${state.crossOriginIsolated ? ', cross-origin isolated' : ''}); MLP 784→${options.hidden}→10, ` +
        `${event.parameters.toLocaleString('en-US')} parameters; ${event.trainSize} training and ${event.testSize} test images` +
        (event.notes.length > 0 ? `. ${event.notes.join('; ')}` : '');
      $('status').textContent =
        `Training: ${options.epochs} epochs of ${Math.ceil(event.steps / options.epochs)} steps…`;
      break;
    }
    case 'loss':
      chart.add(event.step, event.loss);
      $('loss').textContent = `step ${event.step}: loss ${event.loss.toFixed(4)}`;
      break;
    case 'epoch': {
      state.accuracies.push(event.accuracy);
      const item = document.createElement('li');
      item.textContent = `epoch ${event.epoch}: test accuracy ${(event.accuracy * 100).toFixed(1)}% (${event.seconds.toFixed(2)} s)`;
      $('epochs').append(item);
      break;
    }
    case 'done':
      state.accuracy = event.accuracy;
      state.seconds = event.seconds;
      state.done = true;
      $('status').textContent = `Done in ${event.seconds.toFixed(1)} s.`;
      $('accuracy').textContent = `Test accuracy: ${(event.accuracy * 100).toFixed(1)}%`;
      document.body.dataset.state = 'done';
      document.body.dataset.done = 'true';
      break;
    case 'error':
      state.error = event.message;
      $('status').textContent = `Training failed: ${event.message}`;
      document.body.dataset.state = 'error';
      document.body.dataset.error = event.message;
      break;
  }
}

if (mode === 'worker') {
  const worker = new Worker(new URL('./train.worker.ts', import.meta.url), { type: 'module' });
  worker.addEventListener('message', (e: MessageEvent<TrainEvent>) => {
    onEvent(e.data);
    if (e.data.type === 'done' || e.data.type === 'error') worker.terminate();
  });
  worker.addEventListener('error', (e) =>
    onEvent({ type: 'error', message: `the worker failed: ${e.message}` }),
  );
  worker.postMessage(options);
} else {
  train(options, onEvent).catch((error: unknown) =>
    onEvent({ type: 'error', message: error instanceof Error ? error.message : String(error) }),
  );
}
