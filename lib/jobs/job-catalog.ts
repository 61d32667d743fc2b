import { PoolConfigError } from '../errors/pool-config.error';
import { UnknownJobError } from '../errors/unknown-job.error';
import { poolJobMethods, poolJobSourceFile } from '../decorators/pool-job.decorator';
import type { ExportRef, JobFile, ProviderJobTarget, WorkerCatalog } from '../protocol/messages';
import { poolMessages } from '../pool.messages';
import type { ExportLocator } from './export-locator';
import { jobFilesOf, JobFileFinder } from './job-file-finder';

/** A provider job as the pool sends it (`target`) and names it in messages (`label`: `PrimesJobs.countPrimes`). */
export interface JobAddress {
  readonly target: ProviderJobTarget;
  readonly label: string;
}

/** A provider with `@PoolJob()` methods, as the explorer found it. */
export interface JobProvider {
  readonly type: Function;
  /** The module that provides it: a worker boots that module, so the provider gets its own dependencies. */
  readonly host: Function;
  /** Each marked method with the pool it runs in (`null`: the default pool). */
  readonly methods: ReadonlyMap<string, string | null>;
}

/** What one walk of the app's providers found, for every pool. */
export interface AppJobs {
  /** The pools registered in the app. */
  readonly pools: readonly (string | null)[];
  readonly providers: readonly JobProvider[];
}

interface JobEntry {
  readonly key: string;
  readonly methods: ReadonlySet<string>;
  /** One address per method, made once: every job of that method shares it. */
  readonly addresses: Map<string, JobAddress>;
}

/**
 * One pool's job providers: which classes have `@PoolJob()` methods for it, which module hosts each, and where
 * the worker finds both. A job is addressed by class name + method, nothing thread-specific.
 */
export class JobCatalog {
  private readonly entries = new Map<Function, JobEntry>();
  private readonly modules = new Map<Function, ExportRef>();
  private readonly jobRefs: { key: string; ref: ExportRef }[] = [];
  private readonly pools: readonly (string | null)[];
  private readonly jobFiles: readonly JobFile[] | undefined;

  private constructor(
    app: AppJobs,
    private readonly pool: string | null,
    jobFiles: readonly string[] | undefined,
  ) {
    this.pools = app.pools;
    this.jobFiles = jobFiles && jobFilesOf(jobFiles);
  }

  /**
   * The catalog of the pool `pool` (`null`: the default pool) out of what the explorer found; throws
   * `PoolConfigError` when two of its job providers share a name, or a job or its module cannot be found again.
   */
  static build(
    app: AppJobs,
    pool: string | null,
    jobFiles: readonly string[] | undefined,
    exports: ExportLocator,
  ): JobCatalog {
    const catalog = new JobCatalog(app, pool, jobFiles);
    const finder = new JobFileFinder(pool, exports);
    try {
      for (const provider of app.providers) catalog.add(provider, finder);
    } finally {
      finder.close();
    }
    return catalog;
  }

  private add({ type, host, methods: marked }: JobProvider, finder: JobFileFinder): void {
    const methods = new Set([...marked].filter(([, name]) => name === this.pool).map(([method]) => method));
    if (methods.size === 0) return;
    const key = type.name;
    const clash = [...this.entries].find(([other, entry]) => entry.key === key && other !== type);
    if (clash) throw new PoolConfigError(poolMessages.sameClassName(key));
    this.entries.set(type, { key, methods, addresses: new Map() });
    this.jobRefs.push({ key, ref: this.locate(finder, type, 'job provider', poolJobSourceFile(type)) });
    if (!this.modules.has(host)) this.modules.set(host, this.locate(finder, host, `module hosting ${key}`));
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
      throw new UnknownJobError(poolMessages.jobInOtherPool(`${type.name}.${method}`, elsewhere, this.pool));
    }
    if (!entry) {
      const name = typeof type === 'function' && type.name ? type.name : String(type);
      const marked = typeof type === 'function' && poolJobMethods(type).size > 0;
      throw new UnknownJobError(marked ? poolMessages.notAProvider(name) : poolMessages.notAJobProvider(name));
    }
    if (!entry.methods.has(method)) {
      throw new UnknownJobError(poolMessages.notAJobMethod(entry.key, String(method), [...entry.methods]));
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
