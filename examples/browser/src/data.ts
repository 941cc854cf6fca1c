import { parseIdx } from '@kiln/data';
import testImagesUrl from '../../fashion-mnist/data/t10k-images-idx3-ubyte.gz?url';
import testLabelsUrl from '../../fashion-mnist/data/t10k-labels-idx1-ubyte.gz?url';
import trainImagesUrl from '../../fashion-mnist/data/train-images-idx3-ubyte.gz?url';
import trainLabelsUrl from '../../fashion-mnist/data/train-labels-idx1-ubyte.gz?url';

/** One split: `images` holds `n` normalised 28×28 images, row-major; `labels` their classes 0–9. */
export interface Split {
  readonly n: number;
  readonly images: Float32Array;
  readonly labels: Int32Array;
}

// NOTE: the training set's pixel mean and standard deviation (torchvision's usual values).
const MEAN = 0.286;
const STD = 0.353;

/** Fetches a file and gunzips it with the browser's own `DecompressionStream`. */
async function fetchGunzipped(url: string): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok || response.body === null) {
    throw new Error(`cannot fetch ${url}: HTTP ${response.status}`);
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  // NOTE: a server may already have undone the gzip (Content-Encoding); only gunzip real gzip bytes.
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function loadSplit(imagesUrl: string, labelsUrl: string, name: string): Promise<Split> {
  const [imageBytes, labelBytes] = await Promise.all([fetchGunzipped(imagesUrl), fetchGunzipped(labelsUrl)]);
  const images = parseIdx(imageBytes, `${name} images`);
  const labels = parseIdx(labelBytes, `${name} labels`);
  const [n = 0, h, w] = images.dims;
  if (h !== 28 || w !== 28 || labels.dims[0] !== n) {
    throw new Error(
      `${name}: expected [n, 28, 28] images and n labels, got [${images.dims}] and [${labels.dims}]`,
    );
  }
  const pixels = new Float32Array(images.data.length);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (images.data[i]! / 255 - MEAN) / STD;
  return { n, images: pixels, labels: Int32Array.from(labels.data) };
}

/**
 * Loads the Fashion-MNIST subset shipped with the `fashion-mnist` example (3,000 training and
 * 1,000 test images); Vite serves the four IDX gzip files as assets.
 *
 * @example
 * ```ts
 * const { train, test } = await loadFashionMnist();
 * train.n; // 3000
 * ```
 */
export async function loadFashionMnist(): Promise<{ train: Split; test: Split }> {
  const [train, test] = await Promise.all([
    loadSplit(trainImagesUrl, trainLabelsUrl, 'training'),
    loadSplit(testImagesUrl, testLabelsUrl, 'test'),
  ]);
  return { train, test };
}
