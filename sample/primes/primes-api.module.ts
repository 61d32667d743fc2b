import { Module } from '@nestjs/common';
import { PrimesController } from './primes.controller.js';
import { PrimesModule } from './primes.module.js';

// The HTTP side of the feature, loaded on the main thread only.
@Module({ imports: [PrimesModule], controllers: [PrimesController] })
export class PrimesApiModule {}
