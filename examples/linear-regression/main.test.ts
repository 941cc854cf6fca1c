import { describe, expect, it } from 'vitest';
import { run } from './main.js';

describe('linear-regression example', () => {
  it('learns y = 2x + 1 from noisy samples', () => {
    const lines: string[] = [];
    const { weight, bias, losses } = run({ epochs: 100, log: (line) => lines.push(line) });
    expect(weight).toBeCloseTo(2, 1);
    expect(bias).toBeCloseTo(1, 1);
    expect(losses[losses.length - 1]!).toBeLessThan(0.02); // about the noise variance, 0.01
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]! / 10);
    // The loss every 10 epochs, then the learned line.
    expect(lines.filter((l) => l.startsWith('epoch'))).toHaveLength(10);
    expect(lines.at(-1)).toMatch(/^learned: y = [\d.]+ x \+ [\d.]+ /);
  });
});
