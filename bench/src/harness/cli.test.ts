import { describe, expect, it } from 'vitest';
import { matchesFilter, parseCli } from './cli.js';

describe('parseCli', () => {
  it('reads the filter and quick flags, dropping a leading --', () => {
    const o = parseCli(['--', '--filter', 'matmul', '--quick']);
    expect(o.filter).toBe('matmul');
    expect(o.quick).toBe(true);
    expect(o.torchThreads).toEqual([1, 2]);
  });
  it('refuses unknown options and bad thread lists', () => {
    expect(() => parseCli(['--nope'])).toThrow();
    expect(() => parseCli(['--torch-threads', '0'])).toThrow(TypeError);
  });
});

describe('matchesFilter', () => {
  it('matches any comma-separated part against the name or group, ignoring case', () => {
    expect(matchesFilter('matmul 64', 'matmul', null)).toBe(true);
    expect(matchesFilter('matmul 64', 'matmul', 'MATMUL')).toBe(true);
    expect(matchesFilter('add 1M', 'elementwise', 'conv, element')).toBe(true);
    expect(matchesFilter('add 1M', 'elementwise', 'conv')).toBe(false);
  });
});
