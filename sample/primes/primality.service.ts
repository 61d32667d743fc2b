import { Injectable } from '@nestjs/common';

/**
 * Plain provider that the job class gets by constructor injection. It exists to show that DI works in the
 * workers too: each worker boots PrimesModule, so it builds its own PrimalityService for PrimesJobs.
 */
@Injectable()
export class PrimalityService {
  /** Trial division: deliberately CPU-bound, so that a job keeps a thread busy. */
  isPrime(n: number): boolean {
    if (n < 2) return false;
    for (let d = 2; d * d <= n; d++) {
      if (n % d === 0) return false;
    }
    return true;
  }
}
