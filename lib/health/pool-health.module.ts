import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { PoolHealthIndicator } from './pool-health.indicator';

/**
 * Provides {@link PoolHealthIndicator}. Import it beside `TerminusModule` in the module of your health controller;
 * the pools themselves come from `PoolModule` (global).
 */
@Module({
  imports: [TerminusModule],
  providers: [PoolHealthIndicator],
  exports: [PoolHealthIndicator],
})
export class PoolHealthModule {}
