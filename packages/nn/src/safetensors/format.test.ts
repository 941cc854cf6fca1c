import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasBackend, KilnError, registerBackend, tensor } from '@kiln/autograd';
import { createCpuBackend } from '@kiln/backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { Linear } from '../layers/linear.js';
import { load, save } from './files.js';
import { deserialize, serialize } from './format.js';

const goldenBytes = new Uint8Array(
  readFileSync(new URL('../../../tensor/testdata/mlp.safetensors', import.meta.url)),
);
const goldenValues = JSON.parse(
  readFileSync(new URL('../../../tensor/testdata/mlp.safetensors.json', import.meta.url), 'utf8'),
) as {
  state_dict: Record<string, { shape: number[]; dtype: string; data: number[] }>;
};

beforeAll(() => {
  if (!hasBackend('cpu')) registerBackend(createCpuBackend());
});

function header(obj: unknown, data: Uint8Array = new Uint8Array(0), lengthOverride?: bigint): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(obj));
  const out = new Uint8Array(8 + json.byteLength + data.byteLength);
  new DataView(out.buffer).setBigUint64(0, lengthOverride ?? BigInt(json.byteLength), true);
  out.set(json, 8);
  out.set(data, 8 + json.byteLength);
  return out;
}

function expectBad(bytes: Uint8Array, pattern: RegExp): void {
  let caught: unknown = null;
  try {
    deserialize(bytes);
  } catch (e) {
    caught = e;
  }
  expect(KilnError.isInstance(caught), String(caught)).toBe(true);
  expect((caught as Error).message).toMatch(pattern);
}

describe('safetensors', () => {
  it('reads the PyTorch reference file, I64 included, with the values PyTorch wrote', () => {
    const file = deserialize(goldenBytes);
    expect(file.metadata).toEqual({ format: 'pt' });
    expect([...file.keys()].sort()).toEqual(Object.keys(goldenValues.state_dict).sort());
    for (const [k, g] of Object.entries(goldenValues.state_dict)) {
      const t = file.get(k)!;
      expect(t.shape).toEqual(g.shape);
      expect(t.dtype).toBe(g.dtype === 'int64' ? 'int32' : g.dtype);
      expect(Array.from(t.dataSync(), Number)).toEqual(g.data.map((v) => Math.fround(v)));
    }
    expect(file.storedDTypes.get('3.num_batches_tracked')).toBe('I64');
  });
  it('round-trips the PyTorch file to identical bytes', () => {
    const again = serialize(deserialize(goldenBytes));
    expect(Buffer.from(again).equals(Buffer.from(goldenBytes))).toBe(true);
  });
  it('round-trips every dtype', () => {
    const t = {
      f64: tensor([1.5, -2, 1e300], { dtype: 'float64' }),
      f32: tensor([
        [0.1, 2],
        [3, -4],
      ]),
      i32: tensor([7, -8]),
      b: tensor([true, false, true]),
      scalar: tensor(3.25),
    };
    const back = deserialize(serialize(t));
    for (const [k, v] of Object.entries(t)) {
      expect(back.get(k)!.dtype).toBe(v.dtype);
      expect(back.get(k)!.toArray()).toEqual(v.toArray());
    }
    const half = deserialize(serialize({ h: tensor([1, 0.5, -2, 65504]) }, { dtypes: { h: 'F16' } }));
    expect(half.get('h')!.toArray()).toEqual([1, 0.5, -2, 65504]);
    const bf = deserialize(serialize({ h: tensor([1, 0.5, -2]) }, { dtypes: { h: 'BF16' } }));
    expect(bf.get('h')!.toArray()).toEqual([1, 0.5, -2]);
  });
  it('refuses malformed files with a clear KilnError and no partial result', () => {
    expectBad(new Uint8Array(4), /file too short/);
    expectBad(header({}, new Uint8Array(0), 1000n), /header length 1000 is larger than the file/);
    expectBad(header({}, new Uint8Array(0), 1n << 40n), /exceeds the limit/);
    const notJson = header({});
    notJson[8] = 0x7b;
    notJson[9] = 0x7b;
    expectBad(notJson, /not valid UTF-8 JSON/);
    expectBad(header([1, 2]), /header must be a JSON object/);
    expectBad(
      header({ a: { dtype: 'Q8', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1)),
      /unknown dtype "Q8"/,
    );
    expectBad(
      header({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, new Uint8Array(4)),
      /needs 8 bytes \(data_offsets give 4\)/,
    );
    expectBad(
      header({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, new Uint8Array(4)),
      /run past the end/,
    );
    expectBad(
      header({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 0] } }, new Uint8Array(8)),
      /end before they begin/,
    );
    expectBad(
      header(
        {
          a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
          b: { dtype: 'F32', shape: [1], data_offsets: [2, 6] },
        },
        new Uint8Array(8),
      ),
      /overlaps/,
    );
    expectBad(
      header({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, new Uint8Array(8)),
      /hole before tensor 'a'/,
    );
    expectBad(
      header({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, new Uint8Array(12)),
      /cover 4 \(truncated or trailing bytes\)/,
    );
    expectBad(
      header({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, new Uint8Array(4)),
      /invalid shape/,
    );
    expectBad(
      goldenBytes.subarray(0, goldenBytes.byteLength - 3),
      /tensor '3.weight' data_offsets \[824, 836\] run past the end of the data/,
    );
    const big = new Uint8Array(8);
    new DataView(big.buffer).setBigInt64(0, 1n << 40n, true);
    expectBad(
      header({ a: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, big),
      /does not fit Kiln's int32/,
    );
  });
  it('loads into a module all-or-nothing', () => {
    const fc = new Linear(3, 2);
    const before = fc.weight.toArray();
    const wrong = serialize({ weight: tensor([[1, 2, 3]]), bias: tensor([1, 2]).float() });
    expect(() => fc.loadStateDict(deserialize(wrong))).toThrow(
      /size mismatch for weight: copying a param with shape \[1, 3\]/,
    );
    expect(fc.weight.toArray()).toEqual(before);
    const missing = serialize({
      weight: tensor([
        [1, 2, 3],
        [4, 5, 6],
      ]).float(),
    });
    expect(() => fc.loadStateDict(deserialize(missing))).toThrow(/Missing key\(s\) in state_dict: "bias"/);
    expect(fc.weight.toArray()).toEqual(before);
  });
  it('saves atomically and loads from disk', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-st-'));
    const path = join(dir, 'm.safetensors');
    const fc = new Linear(4, 3);
    await save(fc.stateDict(), path);
    expect(readdirSync(dir)).toEqual(['m.safetensors']);
    const other = new Linear(4, 3);
    other.loadStateDict(await load(path));
    expect(other.weight.toArray()).toEqual(fc.weight.toArray());
    writeFileSync(path, goldenBytes.subarray(0, 20));
    await expect(load(path)).rejects.toThrow(
      /load: '.*m.safetensors': safetensors: header length 624 is larger than the file/,
    );
    await expect(load(join(dir, 'nope.safetensors'))).rejects.toThrow(/load: could not read/);
    await expect(save(fc.stateDict(), join(dir, 'missing-dir', 'x.safetensors'))).rejects.toThrow(
      /save: could not write/,
    );
    expect(readdirSync(dir)).toEqual(['m.safetensors']);
  });
});
