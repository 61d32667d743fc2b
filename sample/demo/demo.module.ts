import { Module } from '@nestjs/common';
import { PrimesModule } from '../primes/primes.module.js';
import { DemoController } from './demo.controller.js';
import { DemoService } from './demo.service.js';

// HTTP-only feature: it hosts no @PoolJob() provider, so pool workers never load it.
@Module({ imports: [PrimesModule], controllers: [DemoController], providers: [DemoService] })
export class DemoModule {}
