/**
 * End-to-end test of the sample app: runs the BUILT app (dist/sample/main.js, from `nest build`) as a child
 * process, as `npm start` would, and talks to it over HTTP. No timing thresholds: it checks results and the
 * order in which responses arrive.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const ROOT = join(__dirname, '..', '..');
const MAIN = join(ROOT, 'dist', 'sample', 'main.js');
/** Number of primes below n. */
const PI = { 100_000: 9_592, 1_000_000: 78_498, 3_000_000: 216_816 } as const;

interface PrimeCount {
  below: number;
  count: number;
  threadId: number;
}

let app: ChildProcess | undefined;
let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
let output = '';
let base = '';

/** Resolves with the app's URL once it logs that it listens; rejects if it exits first. */
function listening(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    // Only a guard against a hung start, so that the test fails with the app's output rather than hangs.
    const guard = setTimeout(() => reject(new Error(`The sample app did not start listening:\n${output}`)), 45_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const port = /listening on http:\/\/\S+:(\d+)/.exec(output)?.[1];
      if (port) {
        clearTimeout(guard);
        resolve(`http://127.0.0.1:${port}`);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(guard);
      reject(new Error(`The sample app exited (code ${code}, signal ${signal}) before listening:\n${output}`));
    });
  });
}

async function get<T>(path: string): Promise<{ status: number; body: T }> {
  const response = await fetch(base + path);
  return { status: response.status, body: (await response.json()) as T };
}

beforeAll(async () => {
  if (!existsSync(MAIN)) {
    throw new Error(`${MAIN} is missing: build the sample first (npx nest build, or npm start / npm test)`);
  }
  const child = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', POOL_SIZE: '2', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  app = child;
  exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  base = await listening(child);
});

afterAll(() => {
  // Whatever happened above, leave no app process behind.
  if (app && app.exitCode === null && app.signalCode === null) app.kill('SIGKILL');
});

test('GET /ping answers', async () => {
  const { status, body } = await get<{ pong: boolean }>('/ping');
  expect(status).toBe(200);
  expect(body.pong).toBe(true);
});

test('GET /primes counts on a worker thread, /primes/blocking on the main thread', async () => {
  const pooled = await get<PrimeCount>('/primes?below=1000000');
  expect(pooled.status).toBe(200);
  expect(pooled.body).toEqual({ below: 1_000_000, count: PI[1_000_000], threadId: expect.any(Number) });
  expect(pooled.body.threadId).not.toBe(0);

  const blocking = await get<PrimeCount>('/primes/blocking?below=100000');
  expect(blocking.body).toEqual({ below: 100_000, count: PI[100_000], threadId: 0 });
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
    { below: 100_000, count: PI[100_000], threadId: 0 },
    { below: 100_000, count: PI[100_000], threadId: 0 },
  ]);
});

test('SIGTERM shuts the app down cleanly (exit code 0)', async () => {
  app!.kill('SIGTERM');
  await expect(exited).resolves.toEqual({ code: 0, signal: null });
});
