import { Module } from '@nestjs/common';
import { BenchJobs } from './poolio.jobs';

/** Hosts the benchmark's job provider; the pool's workers boot this module. */
@Module({ providers: [BenchJobs], exports: [BenchJobs] })
export class BenchJobsModule {}
