/**
 * End-to-end test of the sample app: runs the BUILT app (dist/sample/main.js, from `nest build`) as a child
 * process, as `npm start` would, and talks to it over HTTP. No timing thresholds: it checks results and the
 * order in which responses arrive.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { startSampleApp, type SampleApp } from './sample-app.harness';

/** Number of primes below n. */
const PI = { 100_000: 9_592, 1_000_000: 78_498, 3_000_000: 216_816 } as const;

interface PrimeCount {
  below: number;
  count: number;
  threadId: number;
  instance: string;
}

let app: SampleApp | undefined;
let base = '';

async function get<T>(path: string): Promise<{ status: number; body: T }> {
  const response = await fetch(base + path);
  return { status: response.status, body: (await response.json()) as T };
}

beforeAll(async () => {
  app = await startSampleApp();
  base = app.base;
});

// Whatever happened, leave no app process behind.
afterAll(() => app?.kill());

test('GET /ping answers', async () => {
  const { status, body } = await get<{ pong: boolean }>('/ping');
  expect(status).toBe(200);
  expect(body.pong).toBe(true);
});

test('GET /primes counts on a worker thread, /primes/blocking on the main thread', async () => {
  const pooled = await get<PrimeCount>('/primes?below=1000000');
  expect(pooled.status).toBe(200);
  expect(pooled.body).toEqual({
    below: 1_000_000,
    count: PI[1_000_000],
    threadId: expect.any(Number),
    instance: expect.any(String),
  });
  expect(pooled.body.threadId).not.toBe(0);

  const blocking = await get<PrimeCount>('/primes/blocking?below=100000');
  expect(blocking.body).toEqual({ below: 100_000, count: PI[100_000], threadId: 0, instance: pooled.body.instance });
});

test.each([
  ['/primes?below=abc', /below must be a whole number from 2 to/],
  ['/primes?below=1', /below must be a whole number/],
  ['/primes/blocking?below=2.5', /below must be a whole number/],
  ['/demo/responsiveness?jobs=0', /jobs must be a whole number from 1 to/],
  ['/demo/responsiveness?mode=fast', /mode must be "pool" or "blocking"/],
])('bad input %s is a 400 with a clear message', async (path, message) => {
  const { status, body } = await get<{ message: string }>(path);
  expect(status).toBe(400);
  expect(body.message).toMatch(message);
});

test('GET /pool/status reports the running pool', async () => {
  const { body } = await get<{ state: string; size: number }>('/pool/status');
  expect(body).toMatchObject({ state: 'running', size: 2 });
});

test('GET /demo/responsiveness: /ping answers while the pool jobs run', async () => {
  const order: string[] = [];
  const demo = get<{ mode: string; jobs: number; results: PrimeCount[]; wallMs: number; eventLoopDelayP99Ms: number }>(
    '/demo/responsiveness?jobs=2&below=3000000',
  ).finally(() => order.push('demo'));

  // Wait until a worker is busy with one of the demo's jobs (or the demo is over, which fails below).
  let busy = 0;
  while (busy === 0 && order.length === 0) {
    busy = (await get<{ busy: number }>('/pool/status')).body.busy;
    if (busy === 0) await sleep(10);
  }
  expect(order).toEqual([]);
  const ping = await get<{ pong: boolean }>('/ping');
  order.push('ping');
  expect(ping.body.pong).toBe(true);

  const report = await demo;
  // The main thread answered /ping while the jobs were still running on the workers.
  expect(order).toEqual(['ping', 'demo']);
  expect(report.status).toBe(200);
  expect(report.body).toMatchObject({ mode: 'pool', jobs: 2 });
  expect(report.body.results).toHaveLength(2);
  for (const result of report.body.results) {
    expect(result).toMatchObject({ below: 3_000_000, count: PI[3_000_000] });
    expect(result.threadId).not.toBe(0);
  }
  // Sanity only, no thresholds: the measurements are there and are numbers.
  expect(report.body.wallMs).toBeGreaterThan(0);
  expect(report.body.eventLoopDelayP99Ms).toBeGreaterThanOrEqual(0);
});

test('GET /demo/responsiveness?mode=blocking gives the same counts, computed on the main thread', async () => {
  const { status, body } = await get<{ mode: string; results: PrimeCount[] }>(
    '/demo/responsiveness?mode=blocking&jobs=2&below=100000',
  );
  expect(status).toBe(200);
  expect(body.mode).toBe('blocking');
  expect(body.results).toEqual([
    { below: 100_000, count: PI[100_000], threadId: 0, instance: expect.any(String) },
    { below: 100_000, count: PI[100_000], threadId: 0, instance: expect.any(String) },
  ]);
});

test.each([
  ['/pool/demo-load?count=abc', /count must be a whole number from 1 to 200, got "abc"/],
  ['/pool/demo-load?count=0', /count must be a whole number from 1 to 200/],
  ['/pool/demo-load?count=1000', /count must be a whole number from 1 to 200/],
  ['/pool/demo-load?below=x', /below must be a whole number from 2 to/],
])('bad input POST %s is a 400 with a clear message', async (path, message) => {
  const response = await fetch(base + path, { method: 'POST' });
  expect(response.status).toBe(400);
  expect(((await response.json()) as { message: string }).message).toMatch(message);
});

test('GET /pool/stats reports the pool.stats() snapshot', async () => {
  const { status, body } = await get<Record<string, unknown>>('/pool/stats');
  expect(status).toBe(200);
  expect(body).toMatchObject({
    pool: null,
    state: 'running',
    size: 2,
    workers: { busy: expect.any(Number), idle: expect.any(Number), starting: expect.any(Number) },
    queued: expect.any(Number),
    jobs: { completed: expect.any(Number), failed: 0 },
    waitMs: { p50: expect.any(Number), p99: expect.any(Number) },
    runMs: { p50: expect.any(Number), p99: expect.any(Number) },
  });
});

test('GET /dashboard serves the page from the build, with nothing from elsewhere', async () => {
  const response = await fetch(`${base}/dashboard`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/html/);
  const html = await response.text();
  expect(html).toContain('id="start-load"');
  expect(html).toContain("new EventSource('/pool/stream')");
  expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
});

test('POST /pool/demo-load answers at once (202) and runs the burst in the background', async () => {
  const response = await fetch(`${base}/pool/demo-load?count=4&below=100000`, { method: 'POST' });
  expect(response.status).toBe(202);
  const receipt = (await response.json()) as { burst: number; submitted: number; below: number };
  expect(receipt).toMatchObject({ submitted: 4, below: 100_000 });
  await app!.logged(new RegExp(`Demo load #${receipt.burst}: 4 of 4 prime counts done`));
});

/** Reads server-sent events from GET /pool/stream. */
async function openStream(signal?: AbortSignal): Promise<() => Promise<{ type: string; data: string } | undefined>> {
  const response = await fetch(`${base}/pool/stream`, { signal });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  return async () => {
    for (;;) {
      const end = buffered.indexOf('\n\n');
      if (end >= 0) {
        const block = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const field = (name: string): string =>
          block
            .split('\n')
            .filter((line) => line.startsWith(`${name}:`))
            .map((line) => line.slice(name.length + 1).trimStart())
            .join('\n');
        if (field('event') || field('data')) return { type: field('event') || 'message', data: field('data') };
        continue; // a comment
      }
      const { done, value } = await reader.read();
      if (done) return undefined;
      buffered += value;
    }
  };
}

const closedStreams = (): number => app!.output().match(/Dashboard stream closed/g)?.length ?? 0;

test('GET /pool/stream sends a snapshot at once, and stops when the client leaves', async () => {
  const closedBefore = closedStreams();
  const leave = new AbortController();
  const next = await openStream(leave.signal);
  const first = await next();
  expect(first?.type).toBe('snapshot');
  const snapshot = JSON.parse(first!.data) as { stats: { size: number }; lastMinute: { seconds: unknown[] } };
  expect(snapshot.stats.size).toBe(2);
  expect(snapshot.lastMinute.seconds).toHaveLength(60);

  leave.abort();
  // Nest unsubscribes from the stream when the connection closes; the service logs it.
  const until = Date.now() + 15_000;
  while (closedStreams() === closedBefore && Date.now() < until) await sleep(20);
  expect(closedStreams()).toBe(closedBefore + 1);
  expect(app!.output()).toMatch(/Dashboard stream closed \(0 open\)/);
});

test('SIGTERM shuts the app down cleanly (exit code 0), ending the open streams and cancelling a demo load', async () => {
  const next = await openStream();
  expect((await next())?.type).toBe('snapshot');
  // Some seconds of work: it is still going when the signal comes, and is cancelled rather than waited for.
  const load = await fetch(`${base}/pool/demo-load?count=20&below=2000000`, { method: 'POST' });
  expect(load.status).toBe(202);

  app!.child.kill('SIGTERM');
  // The stream says why it ends, then ends, so that the HTTP server can close.
  let event = await next();
  while (event && event.type !== 'closing') event = await next();
  expect(event?.type).toBe('closing');
  expect(await next()).toBeUndefined();
  await expect(app!.exited).resolves.toEqual({ code: 0, signal: null });
  expect(app!.output()).toMatch(/Cancelling \d+ demo-load job\(s\): the app is shutting down/);
});
