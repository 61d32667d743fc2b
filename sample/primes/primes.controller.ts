import { Controller, Get } from '@nestjs/common';
import { Pool } from 'nestjs-poolio';
import type { Observable } from 'rxjs';
import { PrimesJobs, type PrimeCount } from './primes.jobs.js';
import { BelowQuery } from './primes.query.js';

@Controller('primes')
export class PrimesController {
  // The default pool can be injected by type, without @InjectPool().
  constructor(
    private readonly pool: Pool,
    private readonly jobs: PrimesJobs,
  ) {}

  /** Counts on a worker thread. The Observable is cold: Nest subscribes to it, which submits the job. */
  @Get()
  count(@BelowQuery() below: number): Observable<PrimeCount> {
    return this.pool.execute(PrimesJobs, 'countPrimes', below);
  }

  /** The same code on the main thread, for contrast: no other request is served until it returns. */
  @Get('blocking')
  countBlocking(@BelowQuery() below: number): PrimeCount {
    return this.jobs.countPrimes(below);
  }
}
