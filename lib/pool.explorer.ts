import type { Type } from '@nestjs/common';
import type { DiscoveryService } from '@nestjs/core';
import { poolJobMethods } from './decorators/pool-job.decorator';
import { PoolConfigError } from './errors/pool-config.error';
import { ExportLocator } from './jobs/export-locator';
import { JobCatalog, type AppJobs, type JobProvider } from './jobs/job-catalog';
import { poolMessages } from './pool.messages';
import { poolNameOfToken } from './pool.tokens';

/**
 * Reads the app's job providers once for all its pools: one walk of Nest's providers, one index of the module
 * cache, then each pool's catalog out of them. Provided once per app (see `PoolModule`), built on the first
 * pool's start, when every module of the app is loaded.
 */
export class PoolExplorer {
  private found: AppJobs | undefined;
  private readonly exports = new ExportLocator();

  constructor(
    private readonly discovery: DiscoveryService,
    /** Tells the pool's own modules apart from job modules. */
    private readonly isPoolModule: (type: Function) => boolean,
  ) {}

  /** The catalog of the pool `pool` (`null`: the default pool); throws `PoolConfigError` for a wiring mistake. */
  catalogFor(pool: string | null, jobFiles: readonly string[] | undefined): JobCatalog {
    this.found ??= this.explore();
    return JobCatalog.build(this.found, pool, jobFiles, this.exports);
  }

  private explore(): AppJobs {
    const wrappers = this.discovery.getProviders();
    const registrations = new Map<string | null, number>();
    for (const wrapper of wrappers) {
      const name = poolNameOfToken(wrapper.token);
      if (name !== undefined) registrations.set(name, (registrations.get(name) ?? 0) + 1);
    }
    for (const [name, count] of registrations) {
      if (count > 1) throw new PoolConfigError(poolMessages.registeredTwice(name, count));
    }
    const pools = [...registrations.keys()];
    const providers = new Map<Function, JobProvider>();
    for (const wrapper of wrappers) {
      const type = wrapper.metatype as Type | Function | null | undefined;
      if (typeof type !== 'function' || wrapper.token !== type || providers.has(type)) continue;
      const methods = poolJobMethods(type);
      if (methods.size === 0) continue;
      const host = wrapper.host?.metatype;
      if (!host || this.isPoolModule(host)) continue;
      for (const [method, name] of methods) {
        if (!registrations.has(name)) {
          throw new PoolConfigError(poolMessages.poolNotRegistered(`${type.name}.${method}`, name, pools));
        }
      }
      providers.set(type, { type, host, methods });
    }
    return { pools, providers: [...providers.values()] };
  }
}
