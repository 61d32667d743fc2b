import { median } from '../stats/stats.util';
import { spin } from './bench.tasks';

const WARM_UP_MS = 150;
const START_ITERATIONS = 200_000;

/**
 * The `spin` iterations that take about `targetMs` on this thread once compiled. Warms the JIT first, then
 * re-times until the estimate holds (within 15%), so that a noisy moment at start does not skew it.
 */
export function calibrateSpin(targetMs: number): number {
  const warmUntil = performance.now() + WARM_UP_MS;
  for (let seed = 1; performance.now() < warmUntil; seed++) spin({ iterations: START_ITERATIONS, seed });
  let iterations = START_ITERATIONS;
  for (let attempt = 0; attempt < 6; attempt++) {
    const times: number[] = [];
    for (let i = 0; i < 9; i++) {
      const start = performance.now();
      spin({ iterations, seed: i + 1 });
      times.push(performance.now() - start);
    }
    const next = Math.max(1_000, Math.round((iterations * targetMs) / Math.max(median(times), 1e-3)));
    const settled = Math.abs(next / iterations - 1) < 0.15;
    iterations = next;
    if (settled) break;
  }
  // Two significant digits, so the value reads plainly in the report.
  const magnitude = 10 ** Math.max(0, Math.floor(Math.log10(iterations)) - 1);
  return Math.round(iterations / magnitude) * magnitude;
}
