import { Injectable } from '@nestjs/common';
import { PoolJob } from 'nestjs-poolio';
import { threadId } from 'node:worker_threads';
import { instanceName } from '../instance.js';
import { PrimalityService } from './primality.service.js';

/** What a count reports; plain data, since job results travel between threads by structured clone. */
export interface PrimeCount {
  below: number;
  count: number;
  /** 0 on the main thread, the worker's id in the pool: shows where the code ran. */
  threadId: number;
  /** The app instance it ran on (see instance.ts): with REDIS_URL set, any instance may take a job. */
  instance: string;
}

/**
 * Job provider. Exported from its own file (as is PrimesModule) because a worker loads both by file and
 * export name. Calling `countPrimes` directly runs it on the calling thread; `pool.execute(PrimesJobs,
 * 'countPrimes', n)` runs it on a worker.
 */
@Injectable()
export class PrimesJobs {
  constructor(private readonly primality: PrimalityService) {}

  @PoolJob()
  countPrimes(below: number): PrimeCount {
    let count = 0;
    for (let n = 2; n < below; n++) {
      if (this.primality.isPrime(n)) count++;
    }
    return { below, count, threadId, instance: instanceName() };
  }
}
