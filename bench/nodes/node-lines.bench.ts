/**
 * Start-up per Node line: the start-up probe (a fresh process: create a pool, await its first result) run on
 * each Node line Nest 12 supports, for this pool with the workers' module compile cache on (warmed by one
 * discarded run) and off (NODE_DISABLE_COMPILE_CACHE=1), beside piscina, the fastest peer to start. Node
 * binaries come from scripts/node-line.sh (npm packages that ship them); a line that cannot be had is
 * reported and skipped.
 */
import { execFileSync, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../bench.paths';
import { formatNumber } from '../report/number.format';
import { BenchIntegrityError } from '../stats/integrity.error';
import { median } from '../stats/stats.util';
import type { ProbeReport } from '../workloads/startup.probe';

const PROBE_FILE = join(__dirname, '..', 'workloads', 'startup.probe.js');
const PROBE_TIMEOUT_MS = 60_000;
/** The lines measured besides the one running the bench; BENCH_NODE_LINES="22.23.5 24.22.3" overrides. */
const DEFAULT_LINES = ['22.23.5', '24.22.3', '26.12.1'];

export const VARIANTS = [
  'poolio, compile cache',
  'poolio, no compile cache',
  'poolio, no worker bundle',
  'piscina',
] as const;
type Variant = (typeof VARIANTS)[number];

export interface NodeLineResult {
  readonly node: string;
  /** False on lines without a module compile cache (before 22.1): both poolio variants are then the same. */
  readonly compileCache: boolean;
  /** Medians of start-up to first result, ms, by variant. */
  readonly firstResultMs: Record<Variant, number>;
  readonly samples: Record<Variant, number[]>;
}

export async function runNodeLinesBench(
  workers: number,
  repeats: number,
  spinIterations: number,
  log: (line: string) => void,
): Promise<NodeLineResult[]> {
  const lines = process.env.BENCH_NODE_LINES?.split(/\s+/).filter(Boolean) ?? DEFAULT_LINES;
  const binaries: { node: string; execPath: string }[] = [{ node: process.version, execPath: process.execPath }];
  const hasCompileCache = (execPath: string): boolean =>
    execFileSync(execPath, ['-p', "typeof require('node:module').enableCompileCache"], { encoding: 'utf8' }).trim() ===
    'function';
  for (const version of lines) {
    try {
      const bin = execFileSync(join(REPO_ROOT, 'scripts', 'node-line.sh'), [version], { encoding: 'utf8' }).trim();
      binaries.push({ node: `v${version}`, execPath: join(bin, 'node') });
    } catch (error) {
      log(`node ${version}: not available (${(error as Error).message.split('\n')[0]}); skipped`);
    }
  }
  const results: NodeLineResult[] = [];
  for (const { node, execPath } of binaries) {
    // A cache folder of its own, so that the warm run fills it and no earlier run's cache counts.
    const temp = mkdtempSync(join(tmpdir(), 'poolio-node-lines-'));
    try {
      const samples = Object.fromEntries(VARIANTS.map((v) => [v, []])) as unknown as Record<Variant, number[]>;
      await probe(execPath, 'poolio', workers, spinIterations, { TMPDIR: temp });
      for (let repeat = 0; repeat < repeats; repeat++) {
        for (const variant of VARIANTS) {
          const env: NodeJS.ProcessEnv = { TMPDIR: temp };
          if (variant === 'poolio, no compile cache') env.NODE_DISABLE_COMPILE_CACHE = '1';
          // Nest's files one by one, as on a Node without in-thread module hooks (before 22.15).
          if (variant === 'poolio, no worker bundle') env.NESTJS_POOLIO_WORKER_BUNDLE = '0';
          const pool = variant === 'piscina' ? 'piscina' : 'poolio';
          const report = await probe(execPath, pool, workers, spinIterations, env);
          samples[variant].push(report.firstResultMs);
          log(
            `nodes  ${node.padEnd(9)} r${repeat + 1}/${repeats}  ${variant.padEnd(25)} ${formatNumber(report.firstResultMs).padStart(7)} ms`,
          );
        }
      }
      const firstResultMs = Object.fromEntries(VARIANTS.map((v) => [v, median(samples[v])])) as Record<Variant, number>;
      results.push({ node, compileCache: hasCompileCache(execPath), firstResultMs, samples });
    } finally {
      rmSync(temp, { recursive: true, force: true });
    }
  }
  return results;
}

export function renderNodeLinesTable(results: readonly NodeLineResult[], workers: number): string {
  const header =
    `Start-up to first result per Node line (${workers} workers), ms, medians; cache ÷ no cache; ` +
    'bundle ÷ no bundle (both with the cache); poolio ÷ piscina';
  const rows = results.map(({ node, compileCache, firstResultMs: ms }) => {
    const cached = ms['poolio, compile cache'];
    const uncached = ms['poolio, no compile cache'];
    const cells = [node.padEnd(10), ...VARIANTS.map((v) => formatNumber(ms[v]).padStart(10))];
    // Without a compile cache in that Node, the two poolio columns run the same code: their gap is noise.
    const ratio = compileCache ? `${(cached / uncached).toFixed(2).padStart(5)}×` : '  n/a ';
    const bundled = `${(cached / ms['poolio, no worker bundle']).toFixed(2).padStart(5)}×`;
    return `${cells.join(' ')}   ${ratio}      ${bundled}   ${(cached / ms.piscina).toFixed(2).padStart(5)}×`;
  });
  const names = ['cache', 'no cache', 'no bundle', 'piscina'];
  const columns = ['node'.padEnd(10), ...names.map((name) => name.padStart(10))];
  return [header, `${columns.join(' ')}   cache÷off   bundle÷none   ÷piscina`, ...rows].join('\n');
}

function probe(
  execPath: string,
  pool: string,
  size: number,
  spinIterations: number,
  env: NodeJS.ProcessEnv,
): Promise<ProbeReport> {
  return new Promise((resolve, reject) => {
    const child = fork(PROBE_FILE, [pool, String(size), String(spinIterations)], {
      execPath,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let report: ProbeReport | undefined;
    const timer = setTimeout(() => child.kill('SIGKILL'), PROBE_TIMEOUT_MS);
    child.once('message', (message) => (report = message as ProbeReport));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (report && code === 0) return resolve(report);
      reject(
        new BenchIntegrityError(
          `the start-up probe for ${pool} on ${execPath} ended (${signal ?? code}) without a report`,
        ),
      );
    });
  });
}
