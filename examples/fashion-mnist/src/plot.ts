/** What the plot shows: the training loss of every batch and the test accuracy of every epoch. */
export interface PlotData {
  /** Title above both charts. */
  readonly title: string;
  /** Training loss per batch, in order. */
  readonly batchLosses: readonly number[];
  /** Batches per epoch, to label the loss chart's x axis in epochs. */
  readonly batchesPerEpoch: number;
  /** Test accuracy (0–1) after each epoch. */
  readonly accuracies: readonly number[];
}

const WIDTH = 420;
const HEIGHT = 300;
const PAD = { left: 56, right: 16, top: 40, bottom: 44 };

interface Chart {
  readonly title: string;
  readonly xLabel: string;
  readonly points: readonly (readonly [number, number])[];
  readonly xTicks: readonly number[];
  readonly yTicks: readonly number[];
  readonly color: string;
  readonly markers: boolean;
}

/** Round tick values from `min` to at least `max`, at most 6 of them, a step of 1, 2, 2.5 or 5 × 10ⁿ. */
function niceTicks(min: number, max: number): number[] {
  const span = max > min ? max - min : 1;
  const base = 10 ** Math.floor(Math.log10(span / 5));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * base).find((s) => span / s <= 5) ?? 10 * base;
  const first = Math.floor(min / step + 1e-9) * step;
  const ticks: number[] = [];
  for (let v = first; v < max + step - 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toFixed(3)));
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c] ?? c);
}

/** One chart, its origin at `offsetX`: axes, 5 ticks per axis, the line and optional markers. */
function chart(c: Chart, offsetX: number): string {
  const w = WIDTH - PAD.left - PAD.right;
  const h = HEIGHT - PAD.top - PAD.bottom;
  const x0 = offsetX + PAD.left;
  const y0 = PAD.top + h;
  const xMax = c.xTicks[c.xTicks.length - 1] ?? 1;
  const yMin = c.yTicks[0] ?? 0;
  const yMax = c.yTicks[c.yTicks.length - 1] ?? 1;
  const sx = (x: number): number => x0 + (xMax > 0 ? (x / xMax) * w : 0);
  const sy = (y: number): number => y0 - ((y - yMin) / (yMax - yMin || 1)) * h;
  const parts: string[] = [
    `<text x="${x0 + w / 2}" y="${PAD.top - 12}" text-anchor="middle" font-size="14">${escapeXml(c.title)}</text>`,
    `<rect x="${x0}" y="${PAD.top}" width="${w}" height="${h}" fill="none" stroke="#999"/>`,
  ];
  for (const yv of c.yTicks) {
    const y = sy(yv).toFixed(1);
    parts.push(
      `<line x1="${x0}" x2="${x0 + w}" y1="${y}" y2="${y}" stroke="#eee"/>`,
      `<text x="${x0 - 6}" y="${(sy(yv) + 4).toFixed(1)}" text-anchor="end" font-size="11">${fmt(yv)}</text>`,
    );
  }
  for (const xv of c.xTicks) {
    parts.push(
      `<text x="${sx(xv).toFixed(1)}" y="${y0 + 16}" text-anchor="middle" font-size="11">${fmt(xv)}</text>`,
    );
  }
  parts.push(
    `<text x="${x0 + w / 2}" y="${y0 + 34}" text-anchor="middle" font-size="12">${escapeXml(c.xLabel)}</text>`,
  );
  if (c.points.length > 0) {
    const d = c.points
      .map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`)
      .join(' ');
    parts.push(`<path d="${d}" fill="none" stroke="${c.color}" stroke-width="1.5"/>`);
    if (c.markers) {
      for (const [x, y] of c.points) {
        parts.push(`<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="3" fill="${c.color}"/>`);
      }
    }
  }
  return parts.join('\n');
}

/**
 * An SVG image with two charts: the training loss per batch (x in epochs) and the test accuracy
 * per epoch.
 *
 * @example
 * ```ts
 * const svg = plotSvg({ title: 'MLP', batchLosses: [2.3, 1.1, 0.8], batchesPerEpoch: 3, accuracies: [0.7] });
 * svg.startsWith('<svg'); // true
 * ```
 */
export function plotSvg(data: PlotData): string {
  const finite = data.batchLosses.filter(Number.isFinite);
  const lossMax = finite.length > 0 ? Math.max(...finite) : 1;
  const per = Math.max(1, data.batchesPerEpoch);
  const loss: Chart = {
    title: 'training loss',
    xLabel: 'epoch',
    points: data.batchLosses.map((l, i) => [(i + 1) / per, Number.isFinite(l) ? l : lossMax] as const),
    xTicks: niceTicks(0, Math.max(1, data.batchLosses.length / per)),
    yTicks: niceTicks(0, lossMax),
    color: '#d9480f',
    markers: false,
  };
  const accMin = Math.min(...data.accuracies.filter(Number.isFinite), 0.5);
  const accuracy: Chart = {
    title: 'test accuracy',
    xLabel: 'epoch',
    points: data.accuracies.map((a, i) => [i + 1, a] as const),
    xTicks: niceTicks(0, Math.max(1, data.accuracies.length)),
    yTicks: niceTicks(Math.floor(accMin * 10) / 10, 1),
    color: '#1c7ed6',
    markers: true,
  };
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * WIDTH}" height="${HEIGHT + 24}" viewBox="0 0 ${2 * WIDTH} ${HEIGHT + 24}" font-family="sans-serif">`,
    '<rect width="100%" height="100%" fill="white"/>',
    `<text x="${WIDTH}" y="18" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(data.title)}</text>`,
    `<g transform="translate(0, 10)">`,
    chart(loss, 0),
    chart(accuracy, WIDTH),
    '</g>',
    '</svg>',
    '',
  ].join('\n');
}
