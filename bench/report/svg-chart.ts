import { advantage, type MetricSummary } from './summary.model';

/**
 * The chart, as a hand-written SVG: (1) grouped bars of every pool's performance relative to the reference
 * pool, one group per metric, oriented so that higher is better (times and memory inverted); (2) scaling
 * efficiency lines, one per pool, over the worker counts of the CPU workload.
 */
export interface ChartInput {
  readonly summaries: readonly MetricSummary[];
  readonly pools: readonly string[];
  readonly reference: string;
  readonly subtitle: string;
}

const WIDTH = 960;
const LEFT = 64;
const RIGHT = 24;
const PLOT_WIDTH = WIDTH - LEFT - RIGHT;
const BARS_TOP = 110;
const BARS_HEIGHT = 280;
const LINES_HEIGHT = 220;
const LINES_WIDTH = 520;
/** Bars are clipped beyond 2^±4 (16×), their labels marked with an ellipsis. */
const MAX_LOG2_SPAN = 4;
const PALETTE = ['#d6336c', '#1c7ed6', '#37b24d', '#f59f00', '#7048e8', '#0ca678', '#e8590c', '#495057'];
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, sans-serif"';

export function renderSvgChart(input: ChartInput): string {
  const colors = new Map(input.pools.map((pool, i) => [pool, PALETTE[i % PALETTE.length]]));
  const bars = input.summaries.filter(
    (metric) => metric.inTable !== false && metric.unit !== '×' && metric.unit !== '%',
  );
  const lines = input.summaries
    .filter((metric) => metric.chart === 'efficiency')
    .sort((a, b) => (a.workers ?? 0) - (b.workers ?? 0));
  const linesTop = BARS_TOP + BARS_HEIGHT + 110;
  const height = lines.length > 0 ? linesTop + LINES_HEIGHT + 70 : linesTop;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" ${FONT}>`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    text(LEFT, 30, 'nestjs-poolio benchmark', { size: 18, weight: 'bold' }),
    text(LEFT, 50, input.subtitle, { size: 11, fill: '#555' }),
    legend(input.pools, colors, 72),
  ];
  if (bars.length > 0) parts.push(barPanel(bars, input, colors));
  if (lines.length > 0) parts.push(linePanel(lines, input.pools, colors, linesTop));
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** Bars grow from the 1× line on a log₂ scale: up where a pool beats the reference, down where it trails. */
function barPanel(metrics: readonly MetricSummary[], input: ChartInput, colors: Map<string, string>): string {
  const values = metrics.map((metric) => input.pools.map((pool) => advantage(metric, pool, input.reference)));
  const widest = Math.max(
    1,
    ...values
      .flat()
      .filter((v) => Number.isFinite(v) && v > 0)
      .map((v) => Math.abs(Math.log2(v))),
  );
  const span = Math.min(MAX_LOG2_SPAN, Math.max(1, Math.ceil(widest)));
  const middle = BARS_TOP + BARS_HEIGHT / 2;
  const y = (value: number): number => {
    const exponent = Math.max(-span, Math.min(span, Math.log2(value)));
    return middle - (exponent / span) * (BARS_HEIGHT / 2);
  };
  const out = [
    text(
      LEFT,
      BARS_TOP - 16,
      `Performance relative to ${input.reference} (higher is better; times and memory inverted)`,
      {
        size: 13,
        weight: 'bold',
      },
    ),
  ];
  for (let exponent = -span; exponent <= span; exponent++) {
    const tick = 2 ** exponent;
    out.push(line(LEFT, y(tick), LEFT + PLOT_WIDTH, y(tick), exponent === 0 ? '#333' : '#e5e5e5'));
    const label = exponent >= 0 ? `${tick}×` : `1/${2 ** -exponent}×`;
    out.push(text(LEFT - 6, y(tick) + 4, label, { size: 10, anchor: 'end', fill: '#555' }));
  }
  const groupWidth = PLOT_WIDTH / metrics.length;
  const barWidth = (groupWidth * 0.8) / input.pools.length;
  metrics.forEach((metric, g) => {
    const groupLeft = LEFT + g * groupWidth + groupWidth * 0.1;
    values[g].forEach((value, p) => {
      if (!Number.isFinite(value) || value <= 0) return;
      const x = groupLeft + p * barWidth;
      const pool = input.pools[p];
      const top = Math.min(y(value), middle);
      const height = Math.max(1, Math.abs(y(value) - middle));
      const clipped = Math.abs(Math.log2(value)) > span;
      out.push(
        `<rect x="${n(x)}" y="${n(top)}" width="${n(barWidth - 2)}" height="${n(height)}" fill="${colors.get(pool)}">` +
          `<title>${escape(`${pool}: ${metric.label}: ${value.toFixed(2)}× ${input.reference}`)}</title></rect>`,
      );
      const labelY = value >= 1 ? y(value) - 4 : y(value) + 11;
      const label = `${clipped ? '…' : ''}${value.toFixed(2)}`;
      out.push(text(x + (barWidth - 2) / 2, labelY, label, { size: 8.5, anchor: 'middle', fill: '#333' }));
    });
    const centre = LEFT + g * groupWidth + groupWidth / 2;
    const label = `${metric.label} (${metric.unit})`;
    wrap(label, Math.max(12, Math.floor(groupWidth / 6.2))).forEach((row, i) => {
      out.push(text(centre, BARS_TOP + BARS_HEIGHT + 22 + i * 13, row, { size: 10.5, anchor: 'middle' }));
    });
  });
  return out.join('\n');
}

function linePanel(
  metrics: readonly MetricSummary[],
  pools: readonly string[],
  colors: Map<string, string>,
  top: number,
): string {
  const workers = metrics.map((metric) => metric.workers ?? 1);
  const all = metrics.flatMap((metric) => pools.map((pool) => metric.median[pool])).filter(Number.isFinite);
  const ceiling = Math.max(120, Math.ceil(Math.max(...all, 0) / 20) * 20 + 20);
  const y = (value: number): number => top + LINES_HEIGHT - (value / ceiling) * LINES_HEIGHT;
  const x = (i: number): number =>
    workers.length === 1 ? LEFT + LINES_WIDTH / 2 : LEFT + 30 + (i / (workers.length - 1)) * (LINES_WIDTH - 60);
  const out = [
    text(LEFT, top - 16, 'CPU-bound scaling efficiency (speedup ÷ workers; 100% is perfect)', {
      size: 13,
      weight: 'bold',
    }),
    ...axis(ceiling, y, LEFT, LEFT + LINES_WIDTH, (tick) => `${trim(tick)}%`),
    line(LEFT, y(100), LEFT + LINES_WIDTH, y(100), '#333', '4 3'),
  ];
  workers.forEach((count, i) => {
    out.push(
      text(x(i), top + LINES_HEIGHT + 18, `${count} worker${count === 1 ? '' : 's'}`, { size: 10.5, anchor: 'middle' }),
    );
  });
  pools.forEach((pool, p) => {
    const color = colors.get(pool) ?? '#000';
    const points = metrics
      .map((metric, i) => [x(i), metric.median[pool]] as const)
      .filter(([, value]) => Number.isFinite(value))
      .map(([px, value]) => [px, y(value), value] as const);
    if (points.length > 1) {
      out.push(
        `<polyline points="${points.map(([px, py]) => `${n(px)},${n(py)}`).join(' ')}" fill="none" stroke="${color}" stroke-width="2"/>`,
      );
    }
    for (const [px, py, value] of points) {
      out.push(
        `<circle cx="${n(px)}" cy="${n(py)}" r="4" fill="${color}"><title>${escape(`${pool}: ${value.toFixed(1)}%`)}</title></circle>`,
      );
    }
    // The last point's value, beside the line; nudged down per pool so that close values stay readable.
    const last = points.at(-1);
    if (last) {
      out.push(
        text(LEFT + LINES_WIDTH + 12, top + 14 + p * 16, `${pool}: ${last[2].toFixed(1)}%`, { size: 11, fill: color }),
      );
    }
  });
  return out.join('\n');
}

function legend(pools: readonly string[], colors: Map<string, string>, top: number): string {
  let x = LEFT;
  return pools
    .map((pool) => {
      const item = `<rect x="${x}" y="${top - 10}" width="12" height="12" fill="${colors.get(pool)}"/>${text(x + 17, top, pool, { size: 12 })}`;
      x += 30 + pool.length * 7.5;
      return item;
    })
    .join('\n');
}

/** Horizontal grid lines with labels, from 0 to `top`. */
function axis(
  top: number,
  y: (value: number) => number,
  from: number,
  to: number,
  label: (tick: number) => string,
): string[] {
  const step = niceStep(top / 5);
  const out: string[] = [];
  for (let tick = 0; tick <= top + 1e-9; tick += step) {
    out.push(line(from, y(tick), to, y(tick), '#e5e5e5'));
    out.push(text(from - 6, y(tick) + 4, label(tick), { size: 10, anchor: 'end', fill: '#555' }));
  }
  return out;
}

function niceStep(raw: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const scaled = raw / magnitude;
  return (scaled <= 1 ? 1 : scaled <= 2 ? 2 : scaled <= 2.5 ? 2.5 : scaled <= 5 ? 5 : 10) * magnitude;
}

function wrap(label: string, width: number): string[] {
  const rows: string[] = [];
  let row = '';
  for (const word of label.split(' ')) {
    if (row && row.length + word.length + 1 > width) {
      rows.push(row);
      row = word;
    } else {
      row = row ? `${row} ${word}` : word;
    }
  }
  if (row) rows.push(row);
  return rows;
}

interface TextStyle {
  readonly size: number;
  readonly anchor?: 'start' | 'middle' | 'end';
  readonly weight?: 'bold';
  readonly fill?: string;
}

function text(x: number, y: number, content: string, style: TextStyle): string {
  const attributes = [
    `x="${n(x)}"`,
    `y="${n(y)}"`,
    `font-size="${style.size}"`,
    style.anchor ? `text-anchor="${style.anchor}"` : '',
    style.weight ? `font-weight="${style.weight}"` : '',
    `fill="${style.fill ?? '#111'}"`,
  ].filter(Boolean);
  return `<text ${attributes.join(' ')}>${escape(content)}</text>`;
}

function line(x1: number, y1: number, x2: number, y2: number, stroke: string, dash?: string): string {
  const dashed = dash ? ` stroke-dasharray="${dash}"` : '';
  return `<line x1="${n(x1)}" y1="${n(y1)}" x2="${n(x2)}" y2="${n(y2)}" stroke="${stroke}"${dashed}/>`;
}

function escape(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A coordinate with at most one decimal. */
function n(value: number): string {
  return String(Math.round(value * 10) / 10);
}

function trim(value: number): string {
  return String(Math.round(value * 100) / 100);
}
