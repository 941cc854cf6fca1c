import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fromTypedArray, KilnError, type Tensor } from '@kiln/tensor';
import { HostTensor } from '../collate/host-tensor.js';
import { Dataset } from '../dataset/dataset.js';
import { checkIndex } from '../internal/checks.js';
import { Image } from '../transforms/image.js';
import { affineFor, imageInto, pointwiseOf } from '../transforms/pointwise.js';
import { hostStepOf, type Transform } from '../transforms/transform.js';
import { downloadFile, sha256File } from './download.js';
import { readIdxFile } from './idx-file.js';

/**
 * Options of `MNIST.create` and `FashionMNIST.create` (torchvision's arguments).
 *
 * @example
 * ```ts
 * import type { MnistOptions } from '@kiln/data/node';
 * const o: MnistOptions = { root: 'data/fashion-mnist', train: false, download: true };
 * ```
 */
export interface MnistOptions<S = Image, L = number> {
  /** Folder holding the four IDX files (`train-images-idx3-ubyte.gz`, …), gzipped or not. */
  root: string;
  /** Training split (60,000 samples) or test split (10,000) (default true). */
  train?: boolean;
  /** Applied to each image (an `Image`, 28×28×1 uint8), e.g. `compose([toTensor(), normalize(…)])`. */
  transform?: Transform<Image, S>;
  /** Applied to each label (a number 0–9). */
  targetTransform?: Transform<number, L>;
  /** Fetch missing or invalid files from the mirrors into `root` (default false). */
  download?: boolean;
  /** Base URL(s) to download from, tried in order (default: the data set's public mirrors). */
  mirror?: string | readonly string[];
  /** Expected SHA-256 per file name (default: the published files'); `false` skips verification. */
  checksums?: Readonly<Record<string, string>> | false;
}

/** @internal What distinguishes one data set of the MNIST family from another. */
interface FamilySpec {
  readonly name: string;
  readonly mirrors: readonly string[];
  readonly sha256: Readonly<Record<string, string>>;
  readonly classes: readonly string[];
}

const FILES = {
  train: ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz'],
  test: ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'],
} as const;

const MNIST_SPEC: FamilySpec = {
  name: 'MNIST',
  mirrors: [
    'https://ossci-datasets.s3.amazonaws.com/mnist/',
    'https://storage.googleapis.com/cvdf-datasets/mnist/',
  ],
  sha256: {
    'train-images-idx3-ubyte.gz': '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609',
    'train-labels-idx1-ubyte.gz': '3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c',
    't10k-images-idx3-ubyte.gz': '8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6',
    't10k-labels-idx1-ubyte.gz': 'f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6',
  },
  classes: [
    '0 - zero',
    '1 - one',
    '2 - two',
    '3 - three',
    '4 - four',
    '5 - five',
    '6 - six',
    '7 - seven',
    '8 - eight',
    '9 - nine',
  ],
};

const FASHION_SPEC: FamilySpec = {
  name: 'FashionMNIST',
  mirrors: ['http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/'],
  sha256: {
    'train-images-idx3-ubyte.gz': '3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84',
    'train-labels-idx1-ubyte.gz': 'a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845',
    't10k-images-idx3-ubyte.gz': '346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073',
    't10k-labels-idx1-ubyte.gz': '67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5',
  },
  classes: [
    'T-shirt/top',
    'Trouser',
    'Pullover',
    'Dress',
    'Coat',
    'Sandal',
    'Shirt',
    'Sneaker',
    'Bag',
    'Ankle boot',
  ],
};

/** @internal The arrays a family member is built from. */
interface MnistParts {
  readonly data: Uint8Array;
  readonly targets: Int32Array;
  readonly rows: number;
  readonly cols: number;
}

/**
 * The MNIST handwritten digits, read from the four standard IDX files in `root`
 * (torchvision's `MNIST`). Samples are `[image, label]`: an `Image` (28×28×1, uint8) and a number,
 * after `transform` and `targetTransform`. `data` and `targets` hold the whole split.
 *
 * Create it with `await MNIST.create(options)` (reading is asynchronous). With a built-in
 * transform chain (`toTensor`, `normalize`, …), a `DataLoader` builds each batch in one pass with
 * no per-sample tensor.
 *
 * @example
 * ```ts
 * import { DataLoader, compose, normalize, toTensor } from '@kiln/data';
 * import { MNIST } from '@kiln/data/node';
 * const train = await MNIST.create({
 *   root: 'data/mnist',
 *   download: true,
 *   transform: compose([toTensor(), normalize([0.1307], [0.3081])]),
 * });
 * const loader = new DataLoader(train, { batchSize: 64, shuffle: true });
 * ```
 */
export class MNIST<S = Image, L = number> extends Dataset<[S, L]> {
  /** Base URLs the files are downloaded from by default, tried in order. */
  static readonly mirrors: readonly string[] = MNIST_SPEC.mirrors;
  /** Class names, indexed by label. */
  static readonly classes: readonly string[] = MNIST_SPEC.classes;
  /** Published SHA-256 of each file. */
  static readonly sha256: Readonly<Record<string, string>> = MNIST_SPEC.sha256;

  /** All images of the split, `length × 28 × 28` bytes, row-major. */
  readonly data: Uint8Array;
  /** All labels of the split. */
  readonly targets: Int32Array;
  /** Whether this is the training split. */
  readonly train: boolean;
  /** Class names, indexed by label. */
  readonly classes: readonly string[];
  /** The image transform, if any. */
  readonly transform: Transform<Image, S> | undefined;
  /** The label transform, if any. */
  readonly targetTransform: Transform<number, L> | undefined;
  private readonly rows: number;
  private readonly cols: number;

  /** @internal Use `create`. */
  constructor(parts: MnistParts, options: MnistOptions<S, L>, classes: readonly string[]) {
    super();
    this.data = parts.data;
    this.targets = parts.targets;
    this.rows = parts.rows;
    this.cols = parts.cols;
    this.train = options.train ?? true;
    this.classes = classes;
    this.transform = options.transform;
    this.targetTransform = options.targetTransform;
  }

  /** Reads (and with `download: true`, first fetches) the split. */
  static async create<S = Image, L = number>(options: MnistOptions<S, L>): Promise<MNIST<S, L>> {
    return new MNIST(await loadFamily(MNIST_SPEC, options), options, MNIST_SPEC.classes);
  }

  get length(): number {
    return this.targets.length;
  }

  get(index: number): [S, L] {
    const i = checkIndex(`${this.constructor.name}.get`, index, this.targets.length);
    const size = this.rows * this.cols;
    const image = new Image(this.data.subarray(i * size, (i + 1) * size), this.rows, this.cols, 1);
    const label = this.targets[i]!;
    return [
      this.transform === undefined ? (image as S) : this.transform(image),
      this.targetTransform === undefined ? (label as L) : this.targetTransform(label),
    ];
  }

  /**
   * A whole batch `[images, labels]` in one pass, when the transform is a chain of built-ins that
   * ends in a tensor and there is no label transform; otherwise `undefined` (the loader then
   * reads sample by sample).
   */
  override getBatch(indices: readonly number[]): [Tensor, Tensor] | undefined {
    const step = hostStepOf(this.transform);
    if (step === undefined || this.targetTransform !== undefined || indices.length === 0) return undefined;
    const size = this.rows * this.cols;
    const labels = new Int32Array(indices.length);
    const pointwise = pointwiseOf(this.transform);
    const ab = pointwise?.fromImage === true ? affineFor(pointwise, 1, true) : undefined;
    if (ab !== undefined) {
      const out = new Float32Array(indices.length * size);
      for (let k = 0; k < indices.length; k++) {
        const i = checkIndex(`${this.constructor.name}.getBatch`, indices[k]!, this.targets.length);
        imageInto(
          new Image(this.data.subarray(i * size, (i + 1) * size), this.rows, this.cols, 1),
          ab.a,
          ab.b,
          out,
          k * size,
        );
        labels[k] = this.targets[i]!;
      }
      return [
        fromTypedArray(out, [indices.length, 1, this.rows, this.cols]),
        fromTypedArray(labels, [indices.length]),
      ];
    }
    let out: Float32Array | Float64Array | null = null;
    let shape: readonly number[] = [];
    for (let k = 0; k < indices.length; k++) {
      const i = checkIndex(`${this.constructor.name}.getBatch`, indices[k]!, this.targets.length);
      const image = new Image(this.data.subarray(i * size, (i + 1) * size), this.rows, this.cols, 1);
      const x = step(image);
      if (!HostTensor.isInstance(x) || (x.dtype !== 'float32' && x.dtype !== 'float64')) return undefined;
      if (out === null) {
        shape = x.shape;
        out =
          x.dtype === 'float64'
            ? new Float64Array(indices.length * x.data.length)
            : new Float32Array(indices.length * x.data.length);
      } else if (x.data.length * indices.length !== out.length) {
        return undefined;
      }
      out.set(x.data, k * x.data.length);
      labels[k] = this.targets[i]!;
    }
    return [fromTypedArray(out!, [indices.length, ...shape]), fromTypedArray(labels, [indices.length])];
  }
}

/**
 * Fashion-MNIST (Zalando's clothing images), read from the four standard IDX files in `root`
 * (torchvision's `FashionMNIST`); the same interface as `MNIST`.
 *
 * @example
 * ```ts
 * import { compose, normalize, toTensor } from '@kiln/data';
 * import { FashionMNIST } from '@kiln/data/node';
 * const test = await FashionMNIST.create({
 *   root: 'data/fashion-mnist',
 *   train: false,
 *   transform: compose([toTensor(), normalize([0.286], [0.353])]),
 * });
 * test.length; // 10000
 * ```
 */
export class FashionMNIST<S = Image, L = number> extends MNIST<S, L> {
  static override readonly mirrors: readonly string[] = FASHION_SPEC.mirrors;
  static override readonly classes: readonly string[] = FASHION_SPEC.classes;
  static override readonly sha256: Readonly<Record<string, string>> = FASHION_SPEC.sha256;

  /** Reads (and with `download: true`, first fetches) the split. */
  static override async create<S = Image, L = number>(
    options: MnistOptions<S, L>,
  ): Promise<FashionMNIST<S, L>> {
    return new FashionMNIST(await loadFamily(FASHION_SPEC, options), options, FASHION_SPEC.classes);
  }
}

async function loadFamily(spec: FamilySpec, options: MnistOptions<unknown, unknown>): Promise<MnistParts> {
  const root = options.root;
  if (options.download === true) await downloadAll(spec, options);
  const [imagesName, labelsName] = FILES[(options.train ?? true) ? 'train' : 'test'];
  const imagesPath = await findFile(root, imagesName, spec);
  const labelsPath = await findFile(root, labelsName, spec);
  const [images, labels] = await Promise.all([readIdxFile(imagesPath), readIdxFile(labelsPath)]);
  if (images.type !== 'uint8' || images.dims.length !== 3) {
    throw new KilnError(
      `${spec.name}: ${imagesPath} is not an image file: expected uint8 dims [N, rows, cols] (got ${images.type} [${images.dims.join(', ')}])`,
    );
  }
  if (labels.type !== 'uint8' || labels.dims.length !== 1) {
    throw new KilnError(
      `${spec.name}: ${labelsPath} is not a label file: expected uint8 dims [N] (got ${labels.type} [${labels.dims.join(', ')}])`,
    );
  }
  if (images.dims[0] !== labels.dims[0]) {
    throw new KilnError(
      `${spec.name}: image and label counts disagree: ${imagesPath} has ${images.dims[0]} images, ${labelsPath} has ${labels.dims[0]} labels`,
    );
  }
  return {
    data: images.data as Uint8Array,
    targets: Int32Array.from(labels.data as Uint8Array),
    rows: images.dims[1]!,
    cols: images.dims[2]!,
  };
}

async function findFile(root: string, name: string, spec: FamilySpec): Promise<string> {
  const bare = name.replace(/\.gz$/, '');
  const candidates = [
    join(root, name),
    join(root, bare),
    join(root, spec.name, 'raw', name),
    join(root, spec.name, 'raw', bare),
  ];
  for (const c of candidates) {
    if (await isFile(c)) return c;
  }
  throw new KilnError(
    `${spec.name}: ${name} not found in ${root} (looked for ${candidates.join(', ')})\nhelp: pass download: true to fetch it, or point root at the folder holding the IDX files`,
  );
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function downloadAll(spec: FamilySpec, options: MnistOptions<unknown, unknown>): Promise<void> {
  const mirrors =
    options.mirror === undefined
      ? spec.mirrors
      : typeof options.mirror === 'string'
        ? [options.mirror]
        : options.mirror;
  const sums = options.checksums === false ? null : (options.checksums ?? spec.sha256);
  for (const name of [...FILES.train, ...FILES.test]) {
    const dest = join(options.root, name);
    const expected = sums?.[name];
    if (await isFile(dest)) {
      if (expected === undefined) continue;
      if ((await sha256File(dest)) === expected.toLowerCase()) continue;
    }
    const failures: string[] = [];
    let done = false;
    for (const mirror of mirrors) {
      const url = new URL(name, mirror.endsWith('/') ? mirror : `${mirror}/`).href;
      try {
        await downloadFile(url, dest, expected === undefined ? {} : { sha256: expected });
        done = true;
        break;
      } catch (e) {
        failures.push((e as Error).message);
      }
    }
    if (!done) {
      throw new KilnError(
        `${spec.name}: cannot download ${name} into ${options.root}:\n  ${failures.join('\n  ')}`,
      );
    }
  }
}
