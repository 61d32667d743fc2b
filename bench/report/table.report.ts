import { formatNumber, formatRatio } from './number.format';
import type { MetricSummary } from './summary.model';

const ARROW = { higher: '↑', lower: '↓' } as const;

/**
 * The console report: the medians of every pool, "ours ÷ reference", then "ours ÷ each peer". Ratios follow
 * the metric: above 1 is good for ↑ metrics (throughput), below 1 is good for ↓ ones (time, memory).
 */
export function renderTables(
  summaries: readonly MetricSummary[],
  pools: readonly string[],
  ours: string,
  reference: string,
  repeats: number,
): string {
  const rows = summaries.filter((metric) => metric.inTable !== false);
  const labels = rows.map((metric) => `${metric.label} (${metric.unit} ${ARROW[metric.better]})`);
  const labelWidth = Math.max(28, ...labels.map((label) => label.length));
  const peers = pools.filter((pool) => pool !== ours);
  const withReference = pools.includes(ours) && pools.includes(reference);
  const refHeader = `${ours}÷${reference}`;

  const medianHeader = [
    `Medians of ${repeats} repeat${repeats === 1 ? '' : 's'}`.padEnd(labelWidth),
    ...pools.map((pool) => cell(pool)),
  ];
  if (withReference) medianHeader.push(cell(refHeader));
  const lines = [medianHeader.join(' '), rule(medianHeader)];
  rows.forEach((metric, i) => {
    const cells = [labels[i].padEnd(labelWidth), ...pools.map((pool) => cell(formatNumber(metric.median[pool])))];
    if (withReference) cells.push(cell(formatRatio(metric.ratios[reference]), refHeader.length));
    lines.push(cells.join(' '));
  });

  if (pools.includes(ours) && peers.length > 0) {
    const header = [`${ours} ÷ each peer`.padEnd(labelWidth), ...peers.map((peer) => cell(peer))];
    lines.push('', header.join(' '), rule(header));
    rows.forEach((metric, i) => {
      lines.push(
        [labels[i].padEnd(labelWidth), ...peers.map((peer) => cell(formatRatio(metric.ratios[peer])))].join(' '),
      );
    });
    lines.push('', 'Ratios are ours ÷ peer: above 1× is better for ↑ metrics, below 1× is better for ↓ metrics.');
  }
  return lines.join('\n');
}

function cell(text: string, width = 10): string {
  return text.padStart(Math.max(width, text.length));
}

function rule(header: string[]): string {
  return '-'.repeat(header.join(' ').length);
}
