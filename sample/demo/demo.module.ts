import { Module } from '@nestjs/common';
import { PrimesModule } from '../primes/primes.module';
import { DemoController } from './demo.controller';
import { DemoService } from './demo.service';

// HTTP-only feature: it hosts no @PoolJob() provider, so pool workers never load it.
@Module({ imports: [PrimesModule], controllers: [DemoController], providers: [DemoService] })
export class DemoModule {}
