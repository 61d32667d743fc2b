import { Module } from '@nestjs/common';
import { PrimesController } from './primes.controller';
import { PrimesModule } from './primes.module';

// The HTTP side of the feature, loaded on the main thread only.
@Module({ imports: [PrimesModule], controllers: [PrimesController] })
export class PrimesApiModule {}
