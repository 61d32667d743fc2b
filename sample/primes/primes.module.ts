import { Module } from '@nestjs/common';
import { PrimalityService } from './primality.service.js';
import { PrimesJobs } from './primes.jobs.js';

// The jobs module: every pool worker boots it (it hosts the @PoolJob() provider), so it holds only what the
// jobs need. The controller lives in PrimesApiModule, so workers do not build it: it would work there (a
// worker provides an unusable stand-in for the pool), but it would cost every worker memory and start-up time.
@Module({ providers: [PrimesJobs, PrimalityService], exports: [PrimesJobs] })
export class PrimesModule {}
