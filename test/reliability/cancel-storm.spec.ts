/**
 * Issue 14, item 1: storms of queued jobs cancelled every way a caller can (AbortSignal, queueTimeout,
 * unsubscribing), at every moment: while queued behind held workers, while being taken by a worker, while
 * running, after the end. Every job must end exactly once (or not at all once unsubscribed from), run at most
 * once, the queue must count down to 0, `stats().jobs` must add up to the jobs submitted, and `app.close()` must
 * end every job without a shutdown timeout.
 *
 * Reproduce a failure with its seed: STORM_SEED=<seed> npx jest test/reliability/cancel-storm.spec.ts
 */
import { JobCancelledError, JobQueueTimeoutError, PanicSwitch } from '../../lib';
import { ChaosJobs, ChaosModule, prng, raise, started } from '../fixtures/chaos.jobs';
import { startPoolApp } from '../fixtures/pool-app';
import { record, shapeOf, type Recording } from '../fixtures/record';

const SEEDS = process.env.STORM_SEED ? [Number(process.env.STORM_SEED)] : [0x5707_0001, 0x5707_0002, 0x5707_0003];
const SIZE = 2;
const STORM_JOBS = 3_000;
/** Far longer than the storm needs: a job still unsettled when close() returns shows as a shutdown timeout. */
const SHUTDOWN_TIMEOUT = 60_000;
/** How long to wait for the storm to settle before calling jobs lost: generous, it takes a second or two. */
const CAP_MS = 30_000;

type StormKind =
  | 'ok'
  | 'abortNow'
  | 'abortQueued'
  | 'abortLater'
  | 'queueTimeout'
  | 'queueTimeoutAborted'
  | 'unsubscribeQueued'
  | 'unsubscribeLater';

const WEIGHTS: readonly (readonly [StormKind, number])[] = [
  ['ok', 40],
  ['abortNow', 8],
  ['abortQueued', 12],
  ['abortLater', 10],
  ['queueTimeout', 12],
  ['queueTimeoutAborted', 6],
  ['unsubscribeQueued', 6],
  ['unsubscribeLater', 6],
];

/** Kinds whose caller may have unsubscribed before any outcome: they get one outcome or none. */
const MAY_BE_SILENT: ReadonlySet<StormKind> = new Set<StormKind>(['unsubscribeQueued', 'unsubscribeLater']);

/** Resolves true once `promise` has, or false after `ms`. */
async function withCap(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const cap = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true), cap]);
  } finally {
    clearTimeout(timer);
  }
}

interface StormJob {
  readonly kind: StormKind;
  readonly rec: Recording<unknown>;
  readonly controller: AbortController | undefined;
  readonly queueTimeout: number | undefined;
}

describe.each(SEEDS)('Cancel storm of queued jobs (seed %i)', (seed) => {
  it('ends every job exactly once, runs none twice, counts the queue down to 0 and closes without a timeout', async () => {
    const { app, pool } = await startPoolApp(
      { size: SIZE, panicSwitch: PanicSwitch.Respawn, shutdownTimeout: SHUTDOWN_TIMEOUT },
      [ChaosModule],
    );
    const random = prng(seed);
    const total = WEIGHTS.reduce((sum, [, weight]) => sum + weight, 0);
    const pick = (): StormKind => {
      let at = random() * total;
      return WEIGHTS.find(([, weight]) => (at -= weight) < 0)?.[0] ?? 'ok';
    };
    const runs = new Int32Array(new SharedArrayBuffer(4 * (STORM_JOBS + SIZE)));
    const gate = new Int32Array(new SharedArrayBuffer(4));
    // Both workers held, so the storm queues up behind them.
    const holds = Array.from({ length: SIZE }, (_, w) =>
      record(pool.execute(ChaosJobs, 'awaitSignal', runs, STORM_JOBS + w, gate, 0, 60_000)),
    );
    await Promise.all(holds.map((_, w) => started(runs, STORM_JOBS + w)));

    const jobs: StormJob[] = [];
    /** Cancellations due after the job with that index is submitted: they land on jobs still queued. */
    const due = new Map<number, (() => void)[]>();
    const later: (() => void)[] = [];
    const submitOne = (i: number): StormJob => {
      const kind = pick();
      const controller = kind.startsWith('abort') || kind === 'queueTimeoutAborted' ? new AbortController() : undefined;
      const queueTimeout = kind.startsWith('queueTimeout') ? 1 + Math.floor(random() * 20) : undefined;
      const executor = controller || queueTimeout ? pool.with({ signal: controller?.signal, queueTimeout }) : pool;
      const rec = record(executor.execute(ChaosJobs, 'ok', runs, i, i));
      const cancel =
        controller !== undefined
          ? () => controller.abort(new Error(`storm job ${i} aborted`))
          : () => rec.subscription.unsubscribe();
      if (kind === 'abortNow') cancel();
      if (kind === 'abortQueued' || kind === 'unsubscribeQueued' || kind === 'queueTimeoutAborted') {
        const at = i + Math.floor(random() * 50);
        due.set(at, [...(due.get(at) ?? []), cancel]);
      }
      if (kind === 'abortLater' || kind === 'unsubscribeLater') later.push(cancel);
      return { kind, rec, controller, queueTimeout };
    };
    for (let i = 0; i < STORM_JOBS; i++) {
      jobs.push(submitOne(i));
      for (const cancel of due.get(i) ?? []) cancel();
      due.delete(i);
    }
    for (const cancels of due.values()) for (const cancel of cancels) cancel();
    // Some queue timeouts run out while the workers are still held; the rest race the workers taking them.
    await new Promise((resolve) => setTimeout(resolve, 10));
    raise(gate);
    // Late cancellations land on jobs queued, sent ahead to a worker, running or already ended.
    const lateCancels = later.map(
      (cancel) =>
        new Promise<void>((resolve) =>
          setTimeout(
            () => {
              cancel();
              resolve();
            },
            Math.floor(random() * 30),
          ),
        ),
    );
    const outstanding = (): number =>
      jobs.filter(({ kind, rec }) => !MAY_BE_SILENT.has(kind) && shapeOf(rec) === 'none').length;
    const settled = Promise.all([
      ...lateCancels,
      ...jobs.filter(({ kind }) => !MAY_BE_SILENT.has(kind)).map(({ rec }) => rec.ended),
    ]);
    // Caps, not timing assertions: a job lost by the queue never ends, and the pool never drains.
    const ended = await withCap(settled, CAP_MS);
    const lost = outstanding();
    const drained = ended && (await withCap(pool.join(), CAP_MS));
    const { queued, busy } = pool.status();
    expect({ seed, ended, lost, drained, queued, busy }).toEqual({
      seed,
      ended: true,
      lost: 0,
      drained: true,
      queued: 0,
      busy: 0,
    });
    // Drained: close() has nothing to wait for, so no job can meet the shutdown timeout.
    await app.close();

    const problems: string[] = [];
    let completed = 0;
    let failed = 0;
    let cancelled = 0;
    jobs.forEach(({ kind, rec, queueTimeout }, i) => {
      const shape = shapeOf(rec);
      const ran = Atomics.load(runs, i);
      const error = rec.errors[0];
      const wrong = (what: string): void =>
        void problems.push(`#${i} ${kind}: ${what} (shape ${shape}, runs ${ran}, error ${String(error)})`);
      if (ran > 1) wrong('ran more than once');
      if (shape === 'value') {
        completed++;
        if (rec.values[0] !== i) wrong('got another job’s value');
        if (ran !== 1) wrong('has a value but did not run');
      } else if (shape === 'error') {
        if (error instanceof JobCancelledError && kind !== 'ok' && kind !== 'queueTimeout') cancelled++;
        else if (error instanceof JobQueueTimeoutError && kind.startsWith('queueTimeout')) {
          failed++;
          // Timers may fire a millisecond early by Date.now(): the supervisor waits out the rest.
          if (error.waitedMs < (queueTimeout ?? 0)) wrong(`timed out after ${error.waitedMs} ms of ${queueTimeout}`);
        } else wrong('failed with an error its kind cannot get');
      } else if (shape === 'none') {
        if (MAY_BE_SILENT.has(kind)) cancelled++;
        else wrong('got no outcome');
      } else {
        wrong('ended more than once');
      }
    });
    const holdShapes = holds.map(shapeOf);
    const stats = pool.stats();
    expect({ seed, problems: problems.slice(0, 20), count: problems.length }).toEqual({ seed, problems: [], count: 0 });
    expect({ seed, holdShapes, queued: pool.status().queued }).toEqual({
      seed,
      holdShapes: ['value', 'value'],
      queued: 0,
    });
    // Aborted and unsubscribed jobs count as cancelled, queue timeouts as failed: one counter per job submitted.
    expect({ seed, jobs: stats.jobs }).toEqual({
      seed,
      jobs: { completed: completed + SIZE, failed, panicked: 0, cancelled, refused: 0 },
    });
    expect(Object.values(stats.jobs).reduce((sum, n) => sum + n, 0)).toBe(STORM_JOBS + SIZE);
    expect(jobs.filter((job) => job.kind === 'abortNow').length).toBeGreaterThan(0);
  }, 120_000);
});
