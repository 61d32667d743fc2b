import type { Type } from '@nestjs/common';
import type { DiscoveryService } from '@nestjs/core';
import { PoolConfigError } from '../errors/pool-config.error';
import { UnknownJobError } from '../errors/unknown-job.error';
import { poolJobMethods, poolJobSourceFile } from '../decorators/pool-job.decorator';
import type { ExportRef, JobFile, ProviderJobTarget, WorkerCatalog } from '../protocol/messages';
import { poolNameOfToken } from '../pool.tokens';
import { jobFilesOf, JobFileFinder } from './job-file-finder';

/** A provider job as the pool sends it (`target`) and names it in messages (`label`: `PrimesJobs.countPrimes`). */
export interface JobAddress {
  readonly target: ProviderJobTarget;
  readonly label: string;
}

interface JobEntry {
  readonly key: string;
  readonly methods: ReadonlySet<string>;
  /** One address per method, made once: every job of that method shares it. */
  readonly addresses: Map<string, JobAddress>;
}

/**
 * The job providers of an app, as found by Nest's discovery: which classes have `@PoolJob()` methods, which
 * module hosts each (the worker boots that module, so the provider gets its own dependencies there), and
 * where the worker finds both. A job is addressed by class name + method, nothing thread-specific.
 */
export class JobCatalog {
  private readonly entries = new Map<Function, JobEntry>();
  private readonly modules = new Map<Function, ExportRef>();
  private readonly jobRefs: { key: string; ref: ExportRef }[] = [];

  private readonly pools: (string | null)[] = [];
  private pool: string | null = null;

  private readonly jobFiles: readonly JobFile[] | undefined;

  private constructor(jobFiles: readonly string[] | undefined) {
    this.jobFiles = jobFiles && jobFilesOf(jobFiles);
  }

  /**
   * Reads the app's providers for the pool `pool` (`null`: the default pool); throws `PoolConfigError` when a
   * job names a pool that is not registered, a pool is registered twice, or a job or its module cannot be
   * found again.
   */
  static discover(
    discovery: DiscoveryService,
    pool: string | null,
    jobFiles: readonly string[] | undefined,
    isPoolModule: (type: Function) => boolean,
  ): JobCatalog {
    const catalog = new JobCatalog(jobFiles);
    const wrappers = discovery.getProviders();
    const registrations = new Map<string | null, number>();
    for (const wrapper of wrappers) {
      const poolName = poolNameOfToken(wrapper.token);
      if (poolName !== undefined) registrations.set(poolName, (registrations.get(poolName) ?? 0) + 1);
    }
    for (const [name, count] of registrations) {
      if (count > 1)
        throw new PoolConfigError(
          `The pool ${describePool(name)} is registered ${count} times; register each pool once`,
        );
    }
    catalog.pools.push(...registrations.keys());

    const finder = new JobFileFinder(pool);
    try {
      catalog.collect(wrappers, pool, registrations, isPoolModule, finder);
    } finally {
      finder.close();
    }
    catalog.pool = pool;
    return catalog;
  }

  private collect(
    wrappers: ReturnType<DiscoveryService['getProviders']>,
    pool: string | null,
    registrations: ReadonlyMap<string | null, number>,
    isPoolModule: (type: Function) => boolean,
    finder: JobFileFinder,
  ): void {
    const byKey = new Map<string, Function>();
    for (const wrapper of wrappers) {
      const type = wrapper.metatype as Type | Function | null | undefined;
      if (typeof type !== 'function' || wrapper.token !== type || this.entries.has(type)) continue;
      const marked = poolJobMethods(type);
      if (marked.size === 0) continue;
      const host = wrapper.host?.metatype;
      if (!host || isPoolModule(host)) continue;
      for (const [method, name] of marked) {
        if (!registrations.has(name)) {
          throw new PoolConfigError(
            `${type.name}.${method} runs in the pool ${describePool(name)}, which is not registered ` +
              `(registered: ${[...registrations.keys()].map(describePool).join(', ') || 'none'})`,
          );
        }
      }
      const methods = new Set([...marked].filter(([, name]) => name === pool).map(([method]) => method));
      if (methods.size === 0) continue;
      const key = type.name;
      const clash = byKey.get(key);
      if (clash && clash !== type) {
        throw new PoolConfigError(
          `Two job providers are named ${key}; jobs are addressed by class name, so rename one of them`,
        );
      }
      byKey.set(key, type);
      this.entries.set(type, { key, methods, addresses: new Map() });
      this.jobRefs.push({ key, ref: this.locate(finder, type, 'job provider', poolJobSourceFile(type)) });
      if (!this.modules.has(host)) this.modules.set(host, this.locate(finder, host, `module hosting ${key}`));
    }
  }

  /** What a worker needs to boot the job providers. */
  get worker(): WorkerCatalog {
    return { modules: [...this.modules.values()], jobs: this.jobRefs, files: this.jobFiles ?? [], pools: this.pools };
  }

  /** Every file a worker will load, with its format. */
  get files(): JobFile[] {
    const refs = [...this.modules.values(), ...this.jobRefs.map((job) => job.ref)];
    const byPath = new Map<string, JobFile>();
    for (const file of [...refs.filter((ref) => ref.file), ...(this.jobFiles ?? [])]) byPath.set(file.file, file);
    return [...byPath.values()];
  }

  /** The job's address; throws `UnknownJobError` for an unknown class or an unmarked method. */
  address(type: Function, method: string): JobAddress {
    const entry = this.entries.get(type);
    let address = entry?.addresses.get(method);
    if (address) return address; // the hot path: a job executed before
    const elsewhere = typeof type === 'function' ? poolJobMethods(type).get(method) : undefined;
    if (elsewhere !== undefined && elsewhere !== this.pool) {
      throw new UnknownJobError(
        `${type.name}.${method} runs in the pool ${describePool(elsewhere)}, not in ${describePool(this.pool)}: ` +
          `execute it on that pool (@InjectPool(${elsewhere === null ? '' : JSON.stringify(elsewhere)}))`,
      );
    }
    if (!entry) {
      const name = typeof type === 'function' && type.name ? type.name : String(type);
      const marked = typeof type === 'function' && poolJobMethods(type).size > 0;
      throw new UnknownJobError(
        marked
          ? `${name} has @PoolJob() methods but is not a provider of any module in this app: add it to a module's providers`
          : `${name} is not a job provider: mark its job methods with @PoolJob() and provide it in a module`,
      );
    }
    if (!entry.methods.has(method)) {
      const known = [...entry.methods].join(', ');
      throw new UnknownJobError(
        `${entry.key}.${String(method)} is not a @PoolJob() method (the pool jobs of ${entry.key} are: ${known})`,
      );
    }
    address = { target: { kind: 'provider', job: entry.key, method }, label: `${type.name}.${method}` };
    entry.addresses.set(method, address);
    return address;
  }

  /** Where a worker finds `type`: with `jobFiles`, by name in those files only (they win over what is found). */
  private locate(finder: JobFileFinder, type: Function, role: string, declaredIn?: string): ExportRef {
    if (this.jobFiles) return { file: '', format: 'commonjs', exportName: '', className: type.name };
    return finder.find(type, role, declaredIn);
  }
}

function describePool(name: string | null): string {
  return name === null ? 'default' : JSON.stringify(name);
}
