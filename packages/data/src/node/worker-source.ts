/**
 * @internal The bootstrap each loader worker runs (`new Worker(source, { eval: true })`). It is
 * plain JavaScript kept in a string so that it needs no file beside the bundle and works the same
 * from `src/` (tests), ESM and CJS builds. It re-creates the data set from its spec, then answers
 * `load` requests with samples whose tensors are flattened into host arrays.
 */
export const WORKER_SOURCE = String.raw`
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { pathToFileURL } = require('node:url');
const nodePath = require('node:path');

globalThis[workerData.infoKey] = Object.freeze({ id: workerData.id, numWorkers: workerData.numWorkers, seed: workerData.seed });

function toUrl(spec) {
  if (/^[a-zA-Z][a-zA-Z0-9+.-]+:/.test(spec)) return spec;
  if (spec.startsWith('.') || nodePath.isAbsolute(spec)) return pathToFileURL(nodePath.resolve(spec)).href;
  return spec;
}

async function instantiate(ref) {
  const mod = await import(toUrl(ref.module));
  const name = ref.exportName === undefined ? 'default' : ref.exportName;
  const target = mod[name];
  if (target === undefined) throw new Error("module '" + ref.module + "' has no export '" + name + "'");
  const args = ref.args === undefined ? [] : ref.args;
  if (typeof target !== 'function') return target;
  if (/^class[\s{]/.test(Function.prototype.toString.call(target))) {
    return typeof target.create === 'function' ? await target.create(...args) : new target(...args);
  }
  return await target(...args);
}

function encode(v) {
  if (v === null || typeof v !== 'object') return v;
  if (ArrayBuffer.isView(v)) {
    // A view into a big buffer would otherwise be cloned with the whole buffer.
    return v.byteOffset === 0 && v.byteLength === v.buffer.byteLength ? v : v.slice();
  }
  if (typeof v.dataSync === 'function' && Array.isArray(v.shape) && typeof v.dtype === 'string') {
    const data = v.dataSync();
    return { __kilnHostTensor: 1, data: data.slice(), shape: Array.from(v.shape), dtype: v.dtype };
  }
  if (Array.isArray(v)) return v.map(encode);
  const out = {};
  for (const k of Object.keys(v)) out[k] = encode(v[k]);
  return out;
}

function describe(e) {
  if (e instanceof Error) return { name: e.name, message: e.message, stack: e.stack };
  return { name: 'Error', message: String(e), stack: undefined };
}

const ready = (async () => {
  for (const p of workerData.preload) await instantiate(p);
  const ds = await instantiate(workerData.spec);
  if (ds === null || typeof ds !== 'object') throw new Error('the export did not give an object');
  if (workerData.iterable) return ds;
  if (typeof ds.get !== 'function') {
    throw new Error("export '" + (workerData.spec.exportName || 'default') + "' of '" + workerData.spec.module + "' did not give a data set with get(index)");
  }
  return ds;
})();
ready.catch(() => undefined);

const streams = new Map();
const stoppedBeforeStart = new Set();

async function iterate(msg, ds) {
  const state = { outstanding: 0, stopped: stoppedBeforeStart.delete(msg.id), wake: null };
  streams.set(msg.id, state);
  const send = async (samples) => {
    while (state.outstanding >= msg.prefetch && !state.stopped) {
      await new Promise((resolve) => {
        state.wake = resolve;
      });
    }
    if (state.stopped) return false;
    state.outstanding++;
    parentPort.postMessage({ type: 'chunk', id: msg.id, samples });
    return true;
  };
  let count = 0;
  try {
    const source = typeof ds[Symbol.asyncIterator] === 'function' ? ds : typeof ds[Symbol.iterator] === 'function' ? ds : null;
    if (source === null) throw new Error('the data set is not iterable');
    let chunk = [];
    for await (const sample of source) {
      chunk.push(encode(sample));
      count++;
      if (chunk.length === msg.chunkSize) {
        if (!(await send(chunk))) return;
        chunk = [];
      }
    }
    if (chunk.length > 0 && !msg.dropLast && !(await send(chunk))) return;
    parentPort.postMessage({ type: 'end', id: msg.id });
  } catch (e) {
    parentPort.postMessage({ type: 'error', id: msg.id, index: count, error: describe(e) });
  } finally {
    streams.delete(msg.id);
  }
}

function wake(id, stop) {
  const state = streams.get(id);
  if (state === undefined) {
    if (stop) stoppedBeforeStart.add(id);
    return;
  }
  if (stop) state.stopped = true;
  else state.outstanding--;
  const w = state.wake;
  state.wake = null;
  if (w !== null) w();
}

let queue = Promise.resolve();
parentPort.on('message', (msg) => {
  if (msg.type === 'ack' || msg.type === 'stop') {
    wake(msg.id, msg.type === 'stop');
    return;
  }
  if (msg.type === 'iterate') {
    queue = queue.then(async () => {
      let ds;
      try {
        ds = await ready;
      } catch (e) {
        parentPort.postMessage({ type: 'init-error', id: msg.id, error: describe(e) });
        return;
      }
      await iterate(msg, ds);
    });
    return;
  }
  if (msg.type !== 'load') return;
  queue = queue.then(async () => {
    let ds;
    try {
      ds = await ready;
    } catch (e) {
      parentPort.postMessage({ type: 'init-error', id: msg.id, error: describe(e) });
      return;
    }
    if (msg.batched && typeof ds.getBatch === 'function') {
      let batch;
      try {
        batch = await ds.getBatch(msg.indices);
      } catch (e) {
        parentPort.postMessage({ type: 'error', id: msg.id, index: null, error: describe(e) });
        return;
      }
      if (batch !== undefined) {
        parentPort.postMessage({ type: 'result', id: msg.id, batch: encode(batch) });
        return;
      }
    }
    const samples = [];
    for (const index of msg.indices) {
      try {
        samples.push(encode(await ds.get(index)));
      } catch (e) {
        parentPort.postMessage({ type: 'error', id: msg.id, index, error: describe(e) });
        return;
      }
    }
    try {
      parentPort.postMessage({ type: 'result', id: msg.id, samples });
    } catch (e) {
      // Only on this error path: find which sample cannot be sent (e.g. it holds a function).
      let index = msg.indices[0];
      for (let k = 0; k < samples.length; k++) {
        try {
          structuredClone(samples[k]);
        } catch {
          index = msg.indices[k];
          break;
        }
      }
      const error = describe(e);
      error.message = 'cannot send the sample to the main thread: ' + error.message;
      parentPort.postMessage({ type: 'error', id: msg.id, index, error });
    }
  });
});
`;
