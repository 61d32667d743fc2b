/**
 * The sample app scaled out: the BUILT app (dist/sample/main.js) run as three processes against one real
 * redis-server (test/fixtures/redis-server.ts), as the README shows: two consuming instances (REDIS_URL set)
 * and an API-only one (CONSUME=false). It shows, from the results themselves (each names the instance that
 * ran it), that jobs taken by one instance are answered by the others too. No timing thresholds.
 */
import { startRedisServer, type RedisServer } from '../fixtures/redis-server';
import { startSampleApp, type SampleApp } from './sample-app.harness';

/** Number of primes below 300 000. */
const PI_300K = 25_997;
/** Requests sent at once to one instance per round; rounds until both consumers have answered, at most MAX_ROUNDS. */
const PER_ROUND = 6;
const MAX_ROUNDS = 20;

interface PrimeCount {
  below: number;
  count: number;
  threadId: number;
  instance: string;
}

let redis: RedisServer | undefined;
const apps: Record<'a' | 'b' | 'api', SampleApp | undefined> = { a: undefined, b: undefined, api: undefined };

async function get<T>(app: SampleApp, path: string): Promise<{ status: number; body: T }> {
  const response = await fetch(app.base + path);
  return { status: response.status, body: (await response.json()) as T };
}

/** Prime counts sent to `app` in rounds of PER_ROUND concurrent requests, until `enough` says so. */
async function countsVia(app: SampleApp, enough: (seen: Set<string>) => boolean): Promise<PrimeCount[]> {
  const results: PrimeCount[] = [];
  for (let round = 0; round < MAX_ROUNDS && !enough(new Set(results.map((r) => r.instance))); round++) {
    const answers = await Promise.all(
      Array.from({ length: PER_ROUND }, () => get<PrimeCount>(app, '/primes?below=300000')),
    );
    for (const { status, body } of answers) {
      expect(status).toBe(200);
      results.push(body);
    }
  }
  return results;
}

beforeAll(async () => {
  redis = await startRedisServer();
  // Each test file has a server of its own; the prefix only shows that REDIS_PREFIX reaches the transport.
  const shared = { REDIS_URL: redis.url, REDIS_PREFIX: 'sample-test', POOL_SIZE: '1' };
  [apps.a, apps.b, apps.api] = await Promise.all([
    startSampleApp({ ...shared, INSTANCE: 'a' }),
    startSampleApp({ ...shared, INSTANCE: 'b' }),
    startSampleApp({ ...shared, INSTANCE: 'api', CONSUME: 'false' }),
  ]);
});

// Whatever happened, leave no app process and no redis-server behind.
afterAll(async () => {
  for (const app of Object.values(apps)) app?.kill();
  await redis?.stop();
});

test('requests to one consuming instance are answered by both consuming instances, every count right', async () => {
  const results = await countsVia(apps.a!, (seen) => seen.has('a') && seen.has('b'));
  expect(new Set(results.map((r) => r.instance))).toEqual(new Set(['a', 'b']));
  for (const result of results) {
    expect(result).toEqual({ below: 300_000, count: PI_300K, threadId: expect.any(Number), instance: result.instance });
    expect(result.threadId).not.toBe(0);
  }
});

test('an API-only instance (CONSUME=false) runs nothing itself: the consuming instances answer its requests', async () => {
  const results = await countsVia(apps.api!, (seen) => seen.has('a') && seen.has('b'));
  expect(new Set(results.map((r) => r.instance))).toEqual(new Set(['a', 'b']));
  expect(results.map((r) => r.count)).toEqual(results.map(() => PI_300K));
});

test('GET /pool/stats shows the shared queue read from Redis', async () => {
  const { status, body } = await get<{ queue?: Record<string, number> }>(apps.a!, '/pool/stats');
  expect(status).toBe(200);
  expect(body.queue).toMatchObject({
    waiting: expect.any(Number),
    active: expect.any(Number),
    delayed: expect.any(Number),
    failed: 0,
  });
});

test("the dashboard's snapshot names this instance and the instances that ran its demo-load jobs", async () => {
  const api = apps.api!;
  const response = await fetch(`${api.base}/pool/demo-load?count=6&below=100000`, { method: 'POST' });
  expect(response.status).toBe(202);
  const { burst } = (await response.json()) as { burst: number };
  await api.logged(new RegExp(`Demo load #${burst}: 6 of 6 prime counts done`));

  const snapshot = await firstSnapshot(api);
  expect(snapshot.instance).toBe('api');
  const ranBy = snapshot.ranBy.filter(({ instance }) => instance !== 'api');
  expect(ranBy).toEqual(snapshot.ranBy);
  expect(ranBy.reduce((sum, { jobs }) => sum + jobs, 0)).toBe(6);
  for (const { instance } of ranBy) expect(['a', 'b']).toContain(instance);
});

test('SIGTERM ends every instance cleanly (exit code 0)', async () => {
  const running = Object.values(apps).filter((app): app is SampleApp => app !== undefined);
  for (const app of running) app.child.kill('SIGTERM');
  const exits = await Promise.all(running.map((app) => app.exited));
  expect(exits).toEqual(running.map(() => ({ code: 0, signal: null })));
});

/** The first `snapshot` event of GET /pool/stream, then the connection is closed. */
async function firstSnapshot(
  app: SampleApp,
): Promise<{ instance: string; ranBy: { instance: string; jobs: number }[] }> {
  const leave = new AbortController();
  const response = await fetch(`${app.base}/pool/stream`, { signal: leave.signal });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  try {
    for (;;) {
      const end = buffered.indexOf('\n\n');
      if (end >= 0) {
        const lines = buffered.slice(0, end).split('\n');
        buffered = buffered.slice(end + 2);
        if (!lines.some((line) => /^event:\s*snapshot$/.test(line))) continue;
        const data = lines.filter((line) => line.startsWith('data:')).map((line) => line.slice(5).trimStart());
        return JSON.parse(data.join('\n')) as { instance: string; ranBy: { instance: string; jobs: number }[] };
      }
      const { done, value } = await reader.read();
      if (done) throw new Error('the stream ended before its first snapshot');
      buffered += value;
    }
  } finally {
    leave.abort();
  }
}
