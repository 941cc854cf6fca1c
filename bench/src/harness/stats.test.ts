import { describe, expect, it } from 'vitest';
import { giga, median, ratio } from './stats.js';

describe('median', () => {
  it('takes the middle of an odd-length list, unsorted input', () => {
    expect(median([5, 1, 3])).toBe(3);
  });
  it('averages the two middle values of an even-length list', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
  it('does not reorder its input', () => {
    const xs = [3, 1, 2];
    median(xs);
    expect(xs).toEqual([3, 1, 2]);
  });
  it('refuses an empty list', () => {
    expect(() => median([])).toThrow(RangeError);
  });
});

describe('ratio', () => {
  it('divides Kiln by the peer', () => {
    expect(ratio(2, 8)).toBe(0.25);
  });
  it('is null when a side is missing or the peer is zero', () => {
    expect(ratio(null, 1)).toBeNull();
    expect(ratio(1, null)).toBeNull();
    expect(ratio(1, 0)).toBeNull();
    expect(ratio(Number.NaN, 1)).toBeNull();
  });
});

describe('giga', () => {
  it('turns an amount per millisecond into giga-units per second', () => {
    expect(giga(2e9, 1000)).toBe(2);
    expect(giga(1e6, 1)).toBe(1);
  });
});
