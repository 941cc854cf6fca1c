const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 560;
const HEIGHT = 300;
const PAD = { left: 52, right: 16, top: 16, bottom: 36 };

function el<K extends keyof SVGElementTagNameMap>(
  name: K,
  attrs: Record<string, string | number>,
  text?: string,
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Up to 5 round values covering [min, max]: steps of 1, 2 or 5 × 10ⁿ. */
function ticks(min: number, max: number): number[] {
  const span = max > min ? max - min : 1;
  const base = 10 ** Math.floor(Math.log10(span / 4));
  const step = [1, 2, 5, 10].map((m) => m * base).find((s) => span / s <= 6) ?? 10 * base;
  const out: number[] = [];
  for (let v = Math.ceil(min / step - 1e-9) * step; v <= max + 1e-9; v += step) {
    out.push(Number(v.toPrecision(10)));
  }
  return out;
}

/**
 * A hand-written SVG line chart of the training loss against the step, redrawn as points arrive.
 * The polyline (`.loss-line`) carries one point per reported loss.
 *
 * @example
 * ```ts
 * const chart = new LossChart(document.querySelector('#chart')!, 120);
 * chart.add(2, 2.1);
 * ```
 */
export class LossChart {
  readonly points: [number, number][] = [];
  private readonly svg: SVGSVGElement;

  constructor(
    container: Element,
    private totalSteps: number,
  ) {
    this.svg = el('svg', {
      viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
      width: WIDTH,
      height: HEIGHT,
      role: 'img',
      'aria-label': 'training loss per step',
    });
    container.replaceChildren(this.svg);
    this.draw();
  }

  /** Sets the x axis' extent (the run's total number of steps). */
  setTotalSteps(steps: number): void {
    this.totalSteps = Math.max(1, steps);
    this.draw();
  }

  /** Adds the mean loss reported at `step` and redraws. */
  add(step: number, loss: number): void {
    this.points.push([step, loss]);
    this.draw();
  }

  private draw(): void {
    const maxX = Math.max(1, this.totalSteps, ...this.points.map(([s]) => s));
    const losses = this.points.map(([, l]) => l);
    const maxY = losses.length > 0 ? Math.max(...losses) * 1.05 : 2.5;
    const x = (s: number): number => PAD.left + (s / maxX) * (WIDTH - PAD.left - PAD.right);
    const y = (l: number): number => HEIGHT - PAD.bottom - (l / maxY) * (HEIGHT - PAD.top - PAD.bottom);

    const nodes: SVGElement[] = [el('rect', { x: 0, y: 0, width: WIDTH, height: HEIGHT, fill: '#fff' })];
    for (const t of ticks(0, maxY)) {
      nodes.push(el('line', { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(t), y2: y(t), stroke: '#e5e7eb' }));
      nodes.push(
        el('text', { x: PAD.left - 6, y: y(t) + 4, 'text-anchor': 'end', 'font-size': 11 }, String(t)),
      );
    }
    for (const t of ticks(0, maxX)) {
      nodes.push(
        el(
          'text',
          { x: x(t), y: HEIGHT - PAD.bottom + 16, 'text-anchor': 'middle', 'font-size': 11 },
          String(t),
        ),
      );
    }
    nodes.push(
      el('line', { x1: PAD.left, x2: PAD.left, y1: PAD.top, y2: HEIGHT - PAD.bottom, stroke: '#111' }),
      el('line', {
        x1: PAD.left,
        x2: WIDTH - PAD.right,
        y1: HEIGHT - PAD.bottom,
        y2: HEIGHT - PAD.bottom,
        stroke: '#111',
      }),
      el(
        'text',
        { x: (PAD.left + WIDTH - PAD.right) / 2, y: HEIGHT - 6, 'text-anchor': 'middle', 'font-size': 12 },
        'step',
      ),
      el(
        'text',
        {
          x: 14,
          y: (PAD.top + HEIGHT - PAD.bottom) / 2,
          'font-size': 12,
          transform: `rotate(-90 14 ${(PAD.top + HEIGHT - PAD.bottom) / 2})`,
          'text-anchor': 'middle',
        },
        'loss',
      ),
      el('polyline', {
        class: 'loss-line',
        fill: 'none',
        stroke: '#2563eb',
        'stroke-width': 2,
        points: this.points.map(([s, l]) => `${x(s).toFixed(1)},${y(l).toFixed(1)}`).join(' '),
      }),
    );
    this.svg.replaceChildren(...nodes);
  }
}
