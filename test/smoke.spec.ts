import { Test } from '@nestjs/testing';
import { firstValueFrom } from 'rxjs';
import { threadId } from 'node:worker_threads';
import { Pool, PoolModule } from '../lib';
import { PrimesJobs } from './fixtures/primes.jobs';
import { PrimesModule } from './fixtures/primes.module';

test('smoke', async () => {
  const t0 = Date.now();
  const moduleRef = await Test.createTestingModule({
    imports: [PoolModule.forRoot({ size: 2 }), PrimesModule],
  }).compile();
  const app = await moduleRef.init();
  console.log('boot ms', Date.now() - t0);
  const pool = app.get(Pool);
  const r = await firstValueFrom(pool.execute(PrimesJobs, 'whereAmI'));
  console.log(r, threadId);
  expect(await firstValueFrom(pool.execute(PrimesJobs, 'countPrimes', 100))).toBe(25);
  expect(await firstValueFrom(pool.execute((a: number, b: number) => a + b, 2, 3))).toBe(5);
  await app.close();
});
