const cache = new Map<string, Float32Array>();

function mulberry32(seed: number): () => number {
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
 * `n` standard-normal float32 values from a fixed seed, the same every run and for every library
 * (cached, so Kiln and its peers time the same inputs). Treat the result as read-only.
 *
 * @example
 * ```ts
 * normalData(4, 1).length; // 4
 * ```
 */
export function normalData(n: number, seed: number): Float32Array {
  const key = `${n}:${seed}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const rand = mulberry32(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = Math.max(rand(), 1e-12);
    const v = rand();
    const r = Math.sqrt(-2 * Math.log(u));
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  if (n >= 1 << 20) cache.clear(); // keep at most one large array around
  cache.set(key, out);
  return out;
}

/**
 * `n` labels in [0, classes) from a fixed seed, and their one-hot float32 encoding.
 *
 * @example
 * ```ts
 * const { labels, oneHot } = labelData(128, 10, 7);
 * ```
 */
export function labelData(
  n: number,
  classes: number,
  seed: number,
): { labels: Int32Array; oneHot: Float32Array } {
  const rand = mulberry32(seed);
  const labels = new Int32Array(n);
  const oneHot = new Float32Array(n * classes);
  for (let i = 0; i < n; i++) {
    const c = Math.floor(rand() * classes);
    labels[i] = c;
    oneHot[i * classes + c] = 1;
  }
  return { labels, oneHot };
}

/**
 * Scales data in place by `scale` (used for weight initialisation) and returns it. Copies first.
 *
 * @example
 * ```ts
 * scaled(normalData(4, 1), 0.1);
 * ```
 */
export function scaled(data: Float32Array, scale: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i]! * scale;
  return out;
}
