import {
  fromTypedArray,
  getBackend,
  hasBackend,
  manualSeed,
  noGrad,
  registerBackend,
  setDefaultDevice,
} from '@kiln/autograd';
import { createWasmBackend } from '@kiln/backend-wasm';
import * as nn from '@kiln/nn';
import * as optim from '@kiln/optim';
import { loadFashionMnist, type Split } from './data.js';
import type { TrainEvent, TrainOptions } from './protocol.js';

const PIXELS = 28 * 28;

/**
 * Lets the event loop turn: the page repaints and handles input, worker messages go out, and the
 * tensor core's finalizers free what the last step dropped.
 */
const nextTurn = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/** A small seeded generator (mulberry32) for the shuffling, so a seed reproduces a run. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled(n: number, random: () => number): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}

/** Copies the images and labels at `order[start..end)` into one batch. */
function batchOf(split: Split, order: Int32Array, start: number, end: number) {
  const size = end - start;
  const x = new Float32Array(size * PIXELS);
  const y = new Int32Array(size);
  for (let i = 0; i < size; i++) {
    const k = order[start + i]!;
    x.set(split.images.subarray(k * PIXELS, (k + 1) * PIXELS), i * PIXELS);
    y[i] = split.labels[k]!;
  }
  return { x: fromTypedArray(x, [size, PIXELS]), y: fromTypedArray(y, [size]) };
}

/** Fraction of `split` that `model` classifies correctly. */
async function accuracy(model: nn.Sequential, split: Split): Promise<number> {
  model.eval();
  const all = Int32Array.from({ length: split.n }, (_, i) => i);
  let correct = 0;
  for (let start = 0; start < split.n; start += 500) {
    const { x, y } = batchOf(split, all, start, Math.min(split.n, start + 500));
    correct += noGrad(() => Number(model.forward(x).argmax(1).eq(y).sum().item()));
    await nextTurn();
  }
  model.train();
  return split.n === 0 ? 0 : correct / split.n;
}

/**
 * Trains a 784 → hidden → 10 MLP on the shipped Fashion-MNIST subset with Adam on the wasm
 * backend, calling `emit` with the loss every `reportEvery` steps and the test accuracy after
 * every epoch. Runs the same on a page's main thread and in a Web Worker (where threads can run);
 * it yields to the event loop after every step.
 *
 * @example
 * ```ts
 * await train(parseOptions('?epochs=1'), (event) => console.log(event));
 * ```
 */
export async function train(options: TrainOptions, emit: (event: TrainEvent) => void): Promise<void> {
  const started = performance.now();
  const [{ train: trainSet, test }, backend] = await Promise.all([
    loadFashionMnist(),
    hasBackend('wasm')
      ? Promise.resolve(getBackend('wasm'))
      : createWasmBackend({ threads: options.threads }),
  ]);
  if (!hasBackend('wasm')) registerBackend(backend);
  setDefaultDevice('wasm');
  manualSeed(options.seed);

  const model = new nn.Sequential(
    new nn.Linear(PIXELS, options.hidden),
    new nn.ReLU(),
    new nn.Linear(options.hidden, 10),
  );
  const optimizer = new optim.Adam(model.parameters(), { lr: options.lr });
  const lossFn = new nn.CrossEntropyLoss();
  const n = Math.min(trainSet.n, options.maxTrain);
  const stepsPerEpoch = Math.ceil(n / options.batchSize);
  const info = backend.info();
  emit({
    type: 'start',
    trainSize: n,
    testSize: test.n,
    parameters: model.parameters().reduce((total, p) => total + p.numel(), 0),
    steps: stepsPerEpoch * options.epochs,
    threads: info.threads,
    notes: info.notes,
  });

  const random = rng(options.seed);
  let step = 0;
  let sum = 0;
  let count = 0;
  let last = 0;
  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    const epochStart = performance.now();
    const order = shuffled(trainSet.n, random).subarray(0, n);
    for (let start = 0; start < n; start += options.batchSize) {
      const { x, y } = batchOf(trainSet, order, start, Math.min(n, start + options.batchSize));
      optimizer.zeroGrad();
      const loss = lossFn.forward(model.forward(x), y);
      loss.backward();
      optimizer.step();
      sum += Number(loss.item());
      count++;
      step++;
      if (count === options.reportEvery || step === stepsPerEpoch * options.epochs) {
        emit({ type: 'loss', step, loss: sum / count });
        sum = 0;
        count = 0;
      }
      await nextTurn();
    }
    const seconds = (performance.now() - epochStart) / 1000;
    last = await accuracy(model, test);
    emit({ type: 'epoch', epoch, accuracy: last, seconds });
  }
  emit({ type: 'done', accuracy: last, seconds: (performance.now() - started) / 1000 });
}
