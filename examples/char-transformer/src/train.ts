import { readFile, stat } from 'node:fs/promises';
import { manualSeed, nn, noGrad, optim, type Tensor, tensor } from 'kiln';

/** Everything `run` needs; the command line's flags map one to one onto these. */
export interface RunOptions {
  /** The training text (already read). */
  readonly text: string;
  /** Optimisation steps (default 500). */
  readonly steps?: number;
  /** Context length, the block size the model sees (default 64). */
  readonly context?: number;
  /** Width of the embeddings and of the Transformer (default 64). */
  readonly dModel?: number;
  /** Attention heads per layer (default 4). */
  readonly heads?: number;
  /** Transformer encoder layers (default 2). */
  readonly layers?: number;
  /** Sequences per batch (default 16). */
  readonly batchSize?: number;
  /** AdamW's learning rate (default 3e-3). */
  readonly lr?: number;
  /** Log the loss and a generated sample every this many steps (default 100; the last step always). */
  readonly sampleEvery?: number;
  /** Characters generated per sample (default 80). */
  readonly sampleLength?: number;
  /** Sampling temperature; 0 is greedy (default 0.8). */
  readonly temperature?: number;
  /** Seed for initialisation, batches and sampling (default 0). */
  readonly seed?: number;
  /** Where the report lines go (default `console.log`). */
  readonly log?: (line: string) => void;
}

/** A generated sample and the step it was taken at. */
export interface Sample {
  readonly step: number;
  readonly loss: number;
  readonly text: string;
}

/** What `run` did. */
export interface RunResult {
  /** The training loss after every step. */
  readonly losses: readonly number[];
  /** One sample every `sampleEvery` steps (and at the last step). */
  readonly samples: readonly Sample[];
  /** The characters of the vocabulary, in index order. */
  readonly vocab: readonly string[];
  /** The trained model. */
  readonly model: CharTransformer;
}

/** A bad text file: missing, not a file, or too short. */
export class TextFileError extends Error {
  override name = 'TextFileError';
}

/**
 * Reads a UTF-8 text file for training, with a clear error when it cannot.
 *
 * @example
 * ```ts
 * const text = await readText('README.md');
 * ```
 */
export async function readText(path: string): Promise<string> {
  let isFile = false;
  try {
    isFile = (await stat(path)).isFile();
  } catch {
    throw new TextFileError(`cannot read text file '${path}': no such file`);
  }
  if (!isFile) throw new TextFileError(`cannot read text file '${path}': not a regular file`);
  return readFile(path, 'utf8');
}

/**
 * A decoder-only character language model: token and learned position embeddings, a stack of
 * pre-norm Transformer encoder layers run with a causal mask (so position i only sees 0..i),
 * a final LayerNorm and a Linear head to the vocabulary.
 *
 * @example
 * ```ts
 * const model = new CharTransformer({ vocabSize: 30, context: 16, dModel: 32, heads: 4, layers: 2 });
 * model.call(tensor([[1, 2, 3]], { dtype: 'int32' })).shape; // [1, 3, 30]
 * ```
 */
export class CharTransformer extends nn.Module<[Tensor], Tensor> {
  declare tokEmb: nn.Embedding;
  declare posEmb: nn.Embedding;
  declare encoder: nn.TransformerEncoder;
  declare lnF: nn.LayerNorm;
  declare head: nn.Linear;
  readonly context: number;

  constructor(config: { vocabSize: number; context: number; dModel: number; heads: number; layers: number }) {
    super();
    const { vocabSize, context, dModel, heads, layers } = config;
    this.context = context;
    this.registerModule('tokEmb', new nn.Embedding(vocabSize, dModel));
    this.registerModule('posEmb', new nn.Embedding(context, dModel));
    const layer = new nn.TransformerEncoderLayer(dModel, heads, {
      dimFeedforward: 4 * dModel,
      dropout: 0,
      activation: 'gelu',
      batchFirst: true,
      normFirst: true,
    });
    this.registerModule('encoder', new nn.TransformerEncoder(layer, layers));
    this.registerModule('lnF', new nn.LayerNorm(dModel));
    this.registerModule('head', new nn.Linear(dModel, vocabSize));
  }

  /** `idx`: int32 [batch, time] with time ≤ context; returns logits [batch, time, vocab]. */
  forward(idx: Tensor): Tensor {
    const time = idx.shape[1]!;
    const positions = tensor(
      Array.from({ length: time }, (_, i) => i),
      { dtype: 'int32' },
    );
    const x = this.tokEmb.call(idx).add(this.posEmb.call(positions));
    const h = this.encoder.call(x, { isCausal: true });
    return this.head.call(this.lnF.call(h));
  }
}

/** A small seeded PRNG (mulberry32) for batch offsets and sampling. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Continues `prompt` by `length` characters, one at a time: greedy when `temperature` is 0,
 * else sampling from the softmax of logits / temperature.
 *
 * @example
 * ```ts
 * generate(model, vocab, 'The ', 40, 0.8, Math.random);
 * ```
 */
export function generate(
  model: CharTransformer,
  vocab: readonly string[],
  prompt: readonly number[],
  length: number,
  temperature: number,
  random: () => number,
): string {
  const ids = [...prompt];
  model.eval();
  noGrad(() => {
    for (let n = 0; n < length; n++) {
      const window = ids.slice(-model.context);
      const logits = model.call(tensor([window], { dtype: 'int32' }));
      const last = logits.select(1, window.length - 1).reshape([-1]);
      const values = Array.from(last.dataSync() as Float32Array);
      logits.dispose();
      last.dispose();
      let next = 0;
      if (temperature <= 0) {
        for (let i = 1; i < values.length; i++) if (values[i]! > values[next]!) next = i;
      } else {
        const max = Math.max(...values);
        const weights = values.map((v) => Math.exp((v - max) / temperature));
        let r = random() * weights.reduce((s, w) => s + w, 0);
        next = weights.length - 1;
        for (let i = 0; i < weights.length; i++) {
          r -= weights[i]!;
          if (r <= 0) {
            next = i;
            break;
          }
        }
      }
      ids.push(next);
    }
  });
  model.train();
  return ids
    .slice(prompt.length)
    .map((i) => vocab[i]!)
    .join('');
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Trains a tiny character-level Transformer on `text` with AdamW and cross-entropy on the next
 * character, logging the loss and a generated sample every `sampleEvery` steps.
 *
 * @example
 * ```ts
 * const { losses, samples } = await run({ text: 'hello world. '.repeat(100), steps: 60, context: 16, dModel: 32 });
 * ```
 */
export async function run(options: RunOptions): Promise<RunResult> {
  const {
    text,
    steps = 500,
    context = 64,
    dModel = 64,
    heads = 4,
    layers = 2,
    batchSize = 16,
    lr = 3e-3,
    sampleEvery = 100,
    sampleLength = 80,
    temperature = 0.8,
    seed = 0,
  } = options;
  const log = options.log ?? ((line: string) => console.log(line));
  if (dModel % heads !== 0) throw new RangeError(`d-model (${dModel}) must be divisible by heads (${heads})`);
  const chars = Array.from(text);
  if (chars.length < context + 2) {
    throw new TextFileError(
      `the text has ${chars.length} characters; it needs more than context + 1 (${context + 1})`,
    );
  }
  manualSeed(seed);
  const random = prng(seed);

  const vocab = [...new Set(chars)].sort();
  const index = new Map(vocab.map((c, i) => [c, i]));
  const ids = Int32Array.from(chars, (c) => index.get(c)!);

  const model = new CharTransformer({ vocabSize: vocab.length, context, dModel, heads, layers });
  const optimizer = new optim.AdamW(model.parameters(), { lr, weightDecay: 0.01 });
  const params = model.parameters().reduce((n, p) => n + p.numel(), 0);
  log(
    `char-transformer: ${chars.length.toLocaleString('en-US')} characters, vocabulary ${vocab.length}, ` +
      `${params.toLocaleString('en-US')} parameters (context ${context}, d-model ${dModel}, ${heads} heads, ${layers} layers)`,
  );

  const batch = (): { x: Tensor; y: Tensor } => {
    const xs: number[][] = [];
    const ys: number[][] = [];
    for (let b = 0; b < batchSize; b++) {
      const start = Math.floor(random() * (ids.length - context - 1));
      xs.push(Array.from(ids.subarray(start, start + context)));
      ys.push(Array.from(ids.subarray(start + 1, start + context + 1)));
    }
    return { x: tensor(xs, { dtype: 'int32' }), y: tensor(ys, { dtype: 'int32' }) };
  };

  const promptLength = Math.min(8, context);
  const losses: number[] = [];
  const samples: Sample[] = [];
  for (let step = 1; step <= steps; step++) {
    const { x, y } = batch();
    optimizer.zeroGrad();
    const logits = model.call(x);
    const loss = nn.crossEntropy(logits.reshape([-1, vocab.length]), y.reshape([-1]));
    loss.backward();
    optimizer.step();
    const value = Number(loss.item());
    losses.push(value);
    for (const t of [x, y, logits, loss]) t.dispose();
    if (step % sampleEvery === 0 || step === steps) {
      const start = Math.floor(random() * (ids.length - promptLength));
      const prompt = Array.from(ids.subarray(start, start + promptLength));
      const sample = generate(model, vocab, prompt, sampleLength, temperature, random);
      const promptText = prompt.map((i) => vocab[i]!).join('');
      samples.push({ step, loss: value, text: sample });
      log(`step ${String(step).padStart(5)}  loss ${value.toFixed(4)}`);
      log(`  ${JSON.stringify(promptText)} → ${JSON.stringify(sample)}`);
    }
    await yieldToEventLoop();
  }
  return { losses, samples, vocab, model };
}
