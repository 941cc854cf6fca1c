import { Generator, KilnError, tensor } from '@kiln/tensor';
import { describe, expect, it } from 'vitest';
import { useCpu } from '../test/setup.js';
import { compose } from './compose.js';
import { Image } from './image.js';
import { normalize } from './normalize.js';
import { randomCrop } from './random-crop.js';
import { randomHorizontalFlip } from './random-horizontal-flip.js';
import { toTensor } from './to-tensor.js';

useCpu();

const rgb = new Image(new Uint8Array([0, 51, 102, 255, 204, 153]), 1, 2, 3);

describe('toTensor', () => {
  it('scales to [0, 1] and moves channels first', () => {
    const t = toTensor()(rgb);
    expect(t.shape).toEqual([3, 1, 2]);
    expect(t.dtype).toBe('float32');
    const v = Array.from(t.dataSync());
    const want = [0, 1, 0.2, 0.8, 0.4, 0.6];
    for (let i = 0; i < want.length; i++) expect(v[i]).toBeCloseTo(want[i]!, 6);
  });
});

describe('normalize', () => {
  it('normalises each channel', () => {
    const t = normalize(
      [0.5, 0, 1],
      [0.5, 2, 1],
    )(tensor([[[1, 0]], [[4, 2]], [[1, 3]]], { dtype: 'float32' }));
    expect(t.toArray()).toEqual([[[1, -1]], [[2, 1]], [[0, 2]]]);
  });

  it('refuses images, zero std and a wrong channel count', () => {
    expect(() => normalize([0.5], [0.5])(rgb)).toThrow(/help: apply toTensor\(\) before normalize\(\)/);
    expect(() => normalize([0.5], [0])).toThrow(/division by zero/);
    expect(() => normalize([0, 0], [1, 1])(toTensor()(rgb))).toThrow(/2 means for an image with 3 channels/);
  });
});

describe('randomHorizontalFlip', () => {
  it('flips with p = 1, keeps with p = 0, for images and tensors', () => {
    const img = randomHorizontalFlip(1)(rgb) as Image;
    expect(Array.from(img.data)).toEqual([255, 204, 153, 0, 51, 102]);
    expect((randomHorizontalFlip(0)(rgb) as Image).data).toBe(rgb.data);
    const t = randomHorizontalFlip(1)(
      tensor(
        [
          [
            [1, 2, 3],
            [4, 5, 6],
          ],
        ],
        { dtype: 'float32' },
      ),
    );
    expect(t).not.toBeInstanceOf(Image);
    expect((t as ReturnType<typeof tensor>).toArray()).toEqual([
      [
        [3, 2, 1],
        [6, 5, 4],
      ],
    ]);
  });

  it('flips about half the time, reproducibly with a seeded generator', () => {
    const run = (): number => {
      const f = randomHorizontalFlip(0.5, { generator: new Generator().manualSeed(9) });
      let flips = 0;
      for (let i = 0; i < 400; i++) if ((f(rgb) as Image).data !== rgb.data) flips++;
      return flips;
    };
    const n = run();
    expect(n).toBe(run());
    expect(n).toBeGreaterThan(160);
    expect(n).toBeLessThan(240);
  });
});

describe('randomCrop', () => {
  const img = new Image(
    Uint8Array.from({ length: 9 }, (_, i) => i + 1),
    3,
    3,
    1,
  );

  it('crops a window that exists in the padded image', () => {
    const crop = randomCrop(2, { generator: new Generator().manualSeed(0) });
    const windows = new Set<string>();
    for (let k = 0; k < 50; k++) windows.add(Array.from((crop(img) as Image).data).join(','));
    expect([...windows].sort()).toEqual(['1,2,4,5', '2,3,5,6', '4,5,7,8', '5,6,8,9']);
  });

  it('pads with a constant or by reflection', () => {
    const full = randomCrop(5, { padding: 1, fill: 0 })(img) as Image;
    expect(Array.from(full.data)).toEqual([
      0, 0, 0, 0, 0, 0, 1, 2, 3, 0, 0, 4, 5, 6, 0, 0, 7, 8, 9, 0, 0, 0, 0, 0, 0,
    ]);
    const reflect = randomCrop(5, { padding: 1, paddingMode: 'reflect' })(img) as Image;
    expect(Array.from(reflect.data.subarray(0, 5))).toEqual([5, 4, 5, 6, 5]);
    const edge = randomCrop(5, { padding: 1, paddingMode: 'edge' })(img) as Image;
    expect(Array.from(edge.data.subarray(0, 5))).toEqual([1, 1, 2, 3, 3]);
  });

  it('crops tensors [C, H, W] and rejects crops larger than the image', () => {
    const t = randomCrop([1, 3])(tensor([[[1, 2, 3]], [[4, 5, 6]]], { dtype: 'float32' }));
    expect((t as ReturnType<typeof tensor>).toArray()).toEqual([[[1, 2, 3]], [[4, 5, 6]]]);
    expect(() => randomCrop(4)(img)).toThrow(KilnError);
    expect(() => randomCrop(4)(img)).toThrow(
      /required crop size \(4, 4\) is larger than input image size \(3, 3\)/,
    );
    expect((randomCrop(4, { padIfNeeded: true })(img) as Image).height).toBe(4);
  });
});

describe('compose', () => {
  it('fuses toTensor + normalize into one pass that matches applying them in turn', () => {
    const img = new Image(
      Uint8Array.from({ length: 16 }, (_, i) => i * 16),
      4,
      4,
      1,
    );
    const fused = compose([toTensor(), normalize([0.5], [0.25])])(img);
    const manual = normalize([0.5], [0.25])(toTensor()(img));
    expect(fused.shape).toEqual([1, 4, 4]);
    // NOTE: the fused pass rounds to float32 once, the two-step path twice: equal to ~1 ulp.
    const f = Array.from(fused.dataSync());
    const m = Array.from(manual.dataSync());
    for (let i = 0; i < 16; i++) {
      expect(Math.abs(f[i]! - m[i]!)).toBeLessThan(1e-6);
      expect(f[i]).toBeCloseTo((i * 16) / 255 / 0.25 - 2, 6);
    }
  });

  it('chains arbitrary functions', () => {
    const t = compose<number, string>([(x: number) => x + 1, (x: number) => `v${x}`]);
    expect(t(1)).toBe('v2');
  });
});
