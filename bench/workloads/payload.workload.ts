import type { PoolAdapter } from '../pools/pool.adapter';
import { formatNumber } from '../report/number.format';
import { BenchIntegrityError } from '../stats/integrity.error';
import { median } from '../stats/stats.util';
import { rotation, warmUp, withPool } from './pool-session.util';
import { newMetric, type Metric, type Workload, type WorkloadContext } from './workload.types';

const PAYLOAD_BYTES = 16 * 1024 * 1024;
/** Bytes a round trip carries: the payload there and back. */
const TRIP_BYTES = 2 * PAYLOAD_BYTES;

type Way = 'moved' | 'copied';
/**
 * Round trips per way. A moved one takes tens of microseconds, and its first few hundred run slower while both
 * ends compile the path (this pool's: 75 µs over its first 1,000 here, 25 µs after), so it gets the latency
 * workload's 1,000 warm-up trips; a copied one takes tens of milliseconds.
 */
const TRIPS = {
  moved: { warmUp: 1_000, quick: 200, full: 1_000 },
  copied: { warmUp: 5, quick: 10, full: 40 },
} as const;
const tripCount = (context: WorkloadContext, way: Way): number => TRIPS[way][context.quick ? 'quick' : 'full'];

const TASK = { moved: 'moveBytes', copied: 'copyBytes' } as const;

/**
 * Payloads: a 16 MiB Uint8Array to a worker and back, one job at a time, on an idle pool of `cores` workers.
 * Moved: sent and returned with the pool's own transfer mechanism (poolifier can only send it so: its result
 * comes back copied). Copied: sent and returned by structured clone. The worker bumps the first byte; what
 * comes back is the next trip's payload. A repeat's figure is MB/s (10^6 bytes) carried, 2 × 16 MiB per round
 * trip, over the median round trip. No collection is forced between trips (see job-control.bench.ts).
 */
export const payload: Workload = {
  name: 'payload',
  title: '16 MiB payload round trip',
  parameters: (context) => ({
    payloadMiB: PAYLOAD_BYTES / 1024 / 1024,
    movedTrips: `${tripCount(context, 'moved')} after ${TRIPS.moved.warmUp}`,
    copiedTrips: `${tripCount(context, 'copied')} after ${TRIPS.copied.warmUp}`,
    workers: context.cores,
    counted: '2 × 16 MiB per round trip, MB = 10^6 bytes',
  }),
  async run(context) {
    const common = {
      workload: 'payload',
      unit: 'MB/s',
      better: 'higher',
      chart: 'throughput',
      workers: context.cores,
    } as const;
    const metrics: Record<Way, Metric> = {
      moved: newMetric({ ...common, id: 'payload.moved', label: '16 MiB round trip, moved' }, context.pools),
      copied: newMetric({ ...common, id: 'payload.copied', label: '16 MiB round trip, copied' }, context.pools),
    };
    for (let repeat = 0; repeat < context.repeats; repeat++) {
      for (const entry of rotation(context.pools, repeat)) {
        // Alternate which way runs first, so that neither always meets the fresher pool.
        const ways: Way[] = repeat % 2 === 0 ? ['moved', 'copied'] : ['copied', 'moved'];
        const rates = await withPool(entry, context.cores, async (pool) => {
          await warmUp(entry.name, pool, context.cores * 2);
          const measured: Partial<Record<Way, number>> = {};
          for (const way of ways) {
            const times = await roundTrips(entry.name, pool, way, TRIPS[way].warmUp, tripCount(context, way));
            measured[way] = TRIP_BYTES / 1e6 / (median(times) / 1000);
          }
          return measured as Record<Way, number>;
        });
        for (const way of ways) metrics[way].samples[entry.name].push(rates[way]);
        context.log(
          `payload  r${repeat + 1}/${context.repeats}  ${entry.name.padEnd(10)} moved ` +
            `${formatNumber(rates.moved).padStart(8)} MB/s, copied ${formatNumber(rates.copied).padStart(7)} MB/s`,
        );
      }
    }
    return [metrics.moved, metrics.copied];
  },
};

/** Milliseconds of each measured round trip, after `warm` unmeasured ones; every result checked. */
async function roundTrips(name: string, pool: PoolAdapter, way: Way, warm: number, trips: number): Promise<number[]> {
  const times: number[] = [];
  let bytes: Uint8Array = new Uint8Array(PAYLOAD_BYTES);
  for (let trip = 0; trip < warm + trips; trip++) {
    const sent = bytes;
    const expected = (sent[0] + 1) & 0xff;
    const start = performance.now();
    const back = await pool.run(TASK[way], sent);
    const took = performance.now() - start;
    bytes = checked(name, way, sent, back, expected);
    if (trip >= warm) times.push(took);
  }
  return times;
}

/**
 * The bytes that came back, once they are whole and bumped; moved ones must have left the main thread (the
 * sent buffer detached), copied ones must not have.
 */
function checked(name: string, way: Way, sent: Uint8Array, back: unknown, expected: number): Uint8Array {
  const fail = (what: string): never => {
    throw new BenchIntegrityError(`${name} returned a wrong result for the ${way} 16 MiB payload: ${what}`);
  };
  if (!(back instanceof Uint8Array)) return fail(`expected a Uint8Array, got ${typeof back}`);
  if (back.length !== PAYLOAD_BYTES) return fail(`expected ${PAYLOAD_BYTES} bytes, got ${back.length}`);
  if (back[0] !== expected) return fail(`expected its first byte to be ${expected}, got ${back[0]}`);
  if (way === 'moved' && sent.byteLength !== 0) return fail('the sent buffer is still here: it was copied, not moved');
  if (way === 'copied' && sent.byteLength !== PAYLOAD_BYTES) return fail('the sent buffer was moved, not copied');
  return back;
}
