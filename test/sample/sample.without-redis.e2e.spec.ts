/**
 * `npm start` without REDIS_URL needs nothing of the scale-out: the BUILT sample is run with bullmq, ioredis
 * and @nestjs/bullmq made unresolvable (test/fixtures/deny-modules.preload.cjs), as if they were not installed.
 * The same denial with REDIS_URL set fails the start, naming bullmq: the denial is real.
 */
import { join } from 'node:path';
import { startSampleApp, type SampleApp } from './sample-app.harness';

const DENY = {
  NODE_OPTIONS: `--require ${join(__dirname, '..', 'fixtures', 'deny-modules.preload.cjs')}`,
  DENY_MODULES: 'bullmq,ioredis,@nestjs/bullmq',
};

let app: SampleApp | undefined;
afterAll(() => app?.kill());

test('without REDIS_URL the sample serves pool jobs with bullmq and ioredis not installed', async () => {
  app = await startSampleApp({ ...DENY, REDIS_URL: '' });
  expect(app.output()).toMatch(/deny-modules: bullmq, ioredis, @nestjs\/bullmq unresolvable/);
  const response = await fetch(`${app.base}/primes?below=100000`);
  expect(response.status).toBe(200);
  expect(await response.json()).toMatchObject({ below: 100_000, count: 9_592 });
  app.child.kill('SIGTERM');
  await expect(app.exited).resolves.toEqual({ code: 0, signal: null });
  // Nothing tried to load them: the only mention of bullmq is the preload's own line.
  expect(app.output().replace(/^deny-modules: .*$/m, '')).not.toMatch(/bullmq|ioredis/i);
});

test('with REDIS_URL set and bullmq not installed, the start fails and names the missing module', async () => {
  // Nothing listens on port 1: the start must fail on the missing module before it tries to connect.
  await expect(startSampleApp({ ...DENY, REDIS_URL: 'redis://127.0.0.1:1' })).rejects.toThrow(
    /exited \(code 1[^]*Cannot find module '(bullmq|ioredis)/,
  );
});
