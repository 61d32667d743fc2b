/**
 * Scale-out across app instances: spin jobs through a BullMQ queue on a redis-server the bench starts on a free
 * loopback port, consumed by 1 and 3 local app instances (child processes), two ways: this pool's BullMQ
 * transport (threads booted with Nest DI) and a plain `@nestjs/bullmq` sandboxed processor (child processes
 * without DI), the alternative users have today. The submitting side is this process, an API-only instance.
 * Jobs/s under a window that keeps every slot busy, and the round trip of one job at a time (p50, p99);
 * every result is checked, and so is which instance ran it.
 */
import { execFileSync } from 'node:child_process';
import { redisServerBinary, startRedisServer } from '../../test/fixtures/redis-server';
import { formatNumber } from '../report/number.format';
import { within } from '../stats/deadline.util';
import { BenchIntegrityError, expectResult } from '../stats/integrity.error';
import { elapsedMs, median, percentile } from '../stats/stats.util';
import { spin, type SpinInput } from '../tasks/bench.tasks';
import type { InstanceResult } from './distributed.jobs';
import { startInstance, type Instance } from './instance.launcher';
import type { InstanceKind } from './instance.protocol';
import { startProducer, type Producer, type QueueAddress } from './producers';

export const KINDS: readonly InstanceKind[] = ['poolio', 'sandboxed'];
export const INSTANCE_COUNTS = [1, 3] as const;
/** Distinct spin inputs, cycled: their results are computed here once, before anything is measured. */
const DISTINCT_SEEDS = 8;
/** The heavy job is this many spin jobs long: where a queue's cost per job matters less. */
const HEAVY_FACTOR = 10;
/** A job that does next to nothing, for the round trip: what the queue and the transport cost. */
const ROUND_TRIP_ITERATIONS = 1_000;
const JOB_CAP_MS = 120_000;

export const METRICS = ['jobsPerSecond', 'heavyJobsPerSecond', 'roundTripP50Ms', 'roundTripP99Ms'] as const;
export type DistributedMetric = (typeof METRICS)[number];

export interface DistributedSettings {
  readonly cores: number;
  readonly repeats: number;
  readonly quick: boolean;
  readonly spinIterations: number;
  readonly log: (line: string) => void;
}

export interface DistributedCell {
  readonly kind: InstanceKind;
  readonly instances: number;
  /** Threads (poolio) or sandboxed processes (BullMQ concurrency) per instance. */
  readonly slotsPerInstance: number;
  /** Medians over the repeats. */
  readonly medians: Record<DistributedMetric, number>;
  readonly samples: Record<DistributedMetric, number[]>;
  /** Share of the spin jobs each instance ran, in the last repeat (sums to 1). */
  readonly shares: readonly number[];
}

export interface DistributedResults {
  readonly redis: string;
  /** Spin jobs, heavy jobs and round trips per run. */
  readonly jobs: number;
  readonly heavyJobs: number;
  readonly roundTrips: number;
  readonly spinIterations: number;
  /** What one spin job and one heavy job took on this process's thread, ms. */
  readonly spinMs: number;
  readonly heavyMs: number;
  /** Jobs in flight at once, by instance count: twice the slots. */
  readonly window: Record<number, number>;
  readonly cells: readonly DistributedCell[];
}

/** Why the workload cannot run here, or undefined when it can. */
export function distributedUnavailable(): string | undefined {
  return redisServerBinary()
    ? undefined
    : 'redis-server is not installed (apt-get install redis-server, as .ci/run does, or set REDIS_SERVER)';
}

export function slotsPerInstance(cores: number, instances: number): number {
  return Math.max(1, Math.floor(cores / instances));
}

/** Spin jobs of one size, with their results computed beforehand (which also times one job here). */
interface Batch {
  readonly what: string;
  readonly count: number;
  readonly inputs: readonly SpinInput[];
  readonly expected: readonly number[];
  readonly jobMs: number;
}

function batch(what: string, count: number, iterations: number): Batch {
  const inputs = Array.from({ length: DISTINCT_SEEDS }, (_, i) => ({ iterations, seed: i + 1 }));
  const start = performance.now();
  const expected = inputs.map(spin);
  return { what, count, inputs, expected, jobMs: elapsedMs(start) / inputs.length };
}

export async function runDistributedBench(settings: DistributedSettings): Promise<DistributedResults> {
  const { cores, repeats, quick, spinIterations, log } = settings;
  const light = batch('spin job', quick ? 300 : 1_000, spinIterations);
  const heavy = batch('heavy spin job', quick ? 24 : 80, spinIterations * HEAVY_FACTOR);
  const roundTrips = quick ? 50 : 200;
  const server = await startRedisServer();
  // "Redis server v=7.0.15 sha=… malloc=… bits=64 build=…"
  const version = execFileSync(redisServerBinary()!, ['--version'], { encoding: 'utf8' });
  const redis = /v=(\S+)/.exec(version)?.[1] ?? version.trim();
  const window: Record<number, number> = {};
  const samples = new Map<string, { values: Record<DistributedMetric, number[]>; shares: number[] }>();
  try {
    for (let repeat = 1; repeat <= repeats; repeat++) {
      for (const instances of INSTANCE_COUNTS) {
        const slots = slotsPerInstance(cores, instances);
        // Twice the slots in flight: every slot stays busy, and jobs wait in Redis, as under real load.
        window[instances] = 2 * slots * instances;
        for (const kind of KINDS) {
          const address = { host: server.host, port: server.port, prefix: `bench-${kind}-${instances}-r${repeat}` };
          const load = { light, heavy, window: window[instances], roundTrips, log };
          const run = await measure(kind, instances, slots, address, load);
          const key = `${kind}/${instances}`;
          const entry = samples.get(key) ?? {
            values: Object.fromEntries(METRICS.map((metric) => [metric, []])) as never,
            shares: [],
          };
          for (const metric of METRICS) entry.values[metric].push(run[metric]);
          entry.shares = run.shares;
          samples.set(key, entry);
          log(
            `distributed r${repeat}/${repeats}  ${kind.padEnd(9)} ×${instances} (${slots} each)  ` +
              `${formatNumber(run.jobsPerSecond).padStart(6)} jobs/s, heavy ${formatNumber(run.heavyJobsPerSecond)}; ` +
              `round trip p50 ${formatNumber(run.roundTripP50Ms)} ms, p99 ${formatNumber(run.roundTripP99Ms)} ms; ` +
              `by instance ${run.shares.map(percent).join(' ')}`,
          );
        }
      }
    }
  } finally {
    await server.stop();
  }
  const cells = INSTANCE_COUNTS.flatMap((instances) =>
    KINDS.map((kind): DistributedCell => {
      const { values, shares } = samples.get(`${kind}/${instances}`)!;
      const medians = Object.fromEntries(METRICS.map((metric) => [metric, median(values[metric])]));
      return {
        kind,
        instances,
        slotsPerInstance: slotsPerInstance(cores, instances),
        medians: medians as Record<DistributedMetric, number>,
        samples: values,
        shares,
      };
    }),
  );
  return {
    redis,
    jobs: light.count,
    heavyJobs: heavy.count,
    roundTrips,
    spinIterations,
    spinMs: light.jobMs,
    heavyMs: heavy.jobMs,
    window,
    cells,
  };
}

interface Load {
  readonly light: Batch;
  readonly heavy: Batch;
  readonly window: number;
  readonly roundTrips: number;
  readonly log: (line: string) => void;
}

type Run = Record<DistributedMetric, number> & { readonly shares: number[] };

async function measure(
  kind: InstanceKind,
  count: number,
  size: number,
  address: QueueAddress,
  load: Load,
): Promise<Run> {
  const started = await Promise.allSettled(
    Array.from({ length: count }, () => startInstance({ kind, ...address, size }, load.log)),
  );
  const instances = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  let producer: Producer | undefined;
  try {
    const failure = started.find((result) => result.status === 'rejected');
    if (failure) throw failure.reason;
    producer = await startProducer(kind, address);
    const pids = instances.map((instance) => instance.pid);
    const check = checker(kind, pids);
    // Warm-up, not measured: every thread or sandboxed process is up and has run the job before the clock runs.
    await runWindow(producer, { ...load.light, count: load.window * 2 }, load.window, check);

    const ran = new Map(pids.map((pid) => [pid, 0]));
    const jobsPerSecond = await throughput(producer, load.light, load.window, (batch, index, result) => {
      check(batch, index, result);
      ran.set(result.instance, ran.get(result.instance)! + 1);
    });
    const idle = pids.filter((pid) => ran.get(pid) === 0);
    if (idle.length > 0) {
      throw new BenchIntegrityError(`${kind}: instance ${idle.join(', ')} ran none of ${load.light.count} jobs`);
    }
    const heavyJobsPerSecond = await throughput(producer, load.heavy, load.window, check);

    const times: number[] = [];
    const tiny = { iterations: ROUND_TRIP_ITERATIONS, seed: 7 };
    const tinyExpected = spin(tiny);
    for (let i = 0; i < load.roundTrips; i++) {
      const begin = performance.now();
      const result = await within(producer.run(tiny), JOB_CAP_MS, `${kind} round trip`);
      times.push(elapsedMs(begin));
      expectResult(kind, 'a round-trip spin job', result.value, tinyExpected);
    }
    return {
      jobsPerSecond,
      heavyJobsPerSecond,
      roundTripP50Ms: percentile(times, 50),
      roundTripP99Ms: percentile(times, 99),
      shares: pids.map((pid) => ran.get(pid)! / load.light.count),
    };
  } finally {
    await producer?.close();
    await stopAll(instances);
  }
}

async function throughput(producer: Producer, batch: Batch, window: number, onResult: OnResult): Promise<number> {
  const start = performance.now();
  await runWindow(producer, batch, window, onResult);
  return batch.count / (elapsedMs(start) / 1000);
}

type OnResult = (batch: Batch, index: number, result: InstanceResult) => void;

/** Checks a job's result against the one computed beforehand, and that it names one of the instances. */
function checker(kind: InstanceKind, pids: readonly number[]): OnResult {
  return (batch, index, result) => {
    const seed = index % batch.inputs.length;
    expectResult(kind, `${batch.what} seed ${seed + 1}`, result?.value, batch.expected[seed]);
    if (!pids.includes(result.instance)) {
      throw new BenchIntegrityError(`${kind}: job ${index} names instance ${result.instance}, not one of ${pids}`);
    }
  };
}

/** Runs the batch's jobs (its inputs cycled), `window` in flight at a time, handing each result to `onResult`. */
async function runWindow(producer: Producer, batch: Batch, window: number, onResult: OnResult): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < batch.count) {
      const index = next++;
      const input = batch.inputs[index % batch.inputs.length];
      onResult(batch, index, await within(producer.run(input), JOB_CAP_MS, `${batch.what} ${index}`));
    }
  };
  await Promise.all(Array.from({ length: Math.min(window, batch.count) }, lane));
}

/** Stops every instance, even when one fails to; then reports the first failure. */
async function stopAll(instances: readonly Instance[]): Promise<void> {
  const stopped = await Promise.allSettled(instances.map((instance) => instance.stop()));
  instances.forEach((instance) => instance.kill());
  const failure = stopped.find((result) => result.status === 'rejected');
  if (failure) throw failure.reason;
}

/** A share as a whole percentage. */
export function percent(share: number): string {
  return `${Math.round(share * 100)}%`;
}
