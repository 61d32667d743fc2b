import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { getPoolToken, type Pool } from '../index';
import { whyPoolIsDown } from './pool-health.rule';

/**
 * A Terminus health indicator for the pools of `nestjs-poolio`. A pool is `up` while it can take work, and `down`
 * when it is killed or being killed, closing or closed, or has no live worker (see {@link whyPoolIsDown}). The
 * details are the pool's `stats()` snapshot, plus a `message` when it is down.
 *
 * ```ts
 * @Get('health') @HealthCheck()
 * check() {
 *   return this.health.check([() => this.pools.isHealthy('pool'), () => this.pools.isHealthy('reports', 'reports')]);
 * }
 * ```
 */
@Injectable()
export class PoolHealthIndicator {
  private readonly pools = new Map<string | undefined, Pool>();

  constructor(
    private readonly indicator: HealthIndicatorService,
    private readonly moduleRef: ModuleRef,
  ) {}

  /**
   * Checks one pool.
   * @param key the key of the result in the health check's report; default `'pool'`.
   * @param poolName the pool's name, for a pool registered with `PoolModule.registerPool`; default: the default pool.
   * @returns `{ [key]: { status: 'up' | 'down', ...stats, message? } }`; a pool that is not registered is `down`.
   */
  isHealthy<const Key extends string = 'pool'>(
    key: Key = 'pool' as Key,
    poolName?: string,
  ): HealthIndicatorResult<Key> {
    const check = this.indicator.check(key);
    const pool = this.find(poolName);
    if (!pool) {
      const which = poolName === undefined ? 'no default pool' : `no pool named "${poolName}"`;
      return check.down({ message: `${which} is registered (PoolModule.forRoot / PoolModule.registerPool)` });
    }
    const stats = pool.stats();
    const message = whyPoolIsDown(stats);
    return message === undefined ? check.up({ ...stats }) : check.down({ ...stats, message });
  }

  private find(name: string | undefined): Pool | undefined {
    let pool = this.pools.get(name);
    if (pool) return pool;
    try {
      pool = this.moduleRef.get<Pool>(getPoolToken(name), { strict: false });
    } catch {
      return undefined;
    }
    this.pools.set(name, pool);
    return pool;
  }
}
