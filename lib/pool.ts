import { Logger, type OnApplicationShutdown, type OnModuleInit, type Type } from '@nestjs/common';
import { BehaviorSubject, distinctUntilChanged, Observable, Subject } from 'rxjs';
import type { TransferListItem } from 'node:worker_threads';
import { JobArgumentError } from './errors/job-argument.error';
import { JobCancelledError } from './errors/job-cancelled.error';
import { PoolUnavailableError } from './errors/pool-unavailable.error';
import type { JobExecutor, JobResult, Method, MethodKeys } from './interfaces/job-executor.interface';
import type { JobOptions } from './interfaces/job-options.interface';
import type { PoolOptions } from './interfaces/pool-options.interface';
import type { PoolEvent } from './interfaces/pool-event.interface';
import type { PoolStats } from './interfaces/pool-stats.interface';
import type { PoolStatus } from './interfaces/pool-status.interface';
import type { JobCatalog } from './jobs/job-catalog';
import type { PoolExplorer } from './pool.explorer';
import { poolMessages } from './pool.messages';
import { checkJobOptions, resolvePoolOptions } from './pool-options.validator';
import { findCloneProblem } from './protocol/cloneable';
import { anyMarked } from './protocol/transfer';
import type { JobTarget } from './protocol/messages';
import { Job, type JobSettings } from './supervisor/job';
import type { WorkerLogRecord } from './supervisor/supervisor';
import { shareNestHttpErrors } from './nest-http-errors';
import type { JobTransport, TransportFactory } from './transport/job-transport';
import { defaultTransport } from './transport/default.transport';
import { offerInertPool } from './worker/inert-pool';

export type { JobExecutor, JobResult, MethodKeys } from './interfaces/job-executor.interface';

/** Where the pool gets what it needs from Nest: kept apart so the pool's construction reads plainly. */
export interface PoolHost {
  /** Finds the pool's job providers: one walk of the app for all its pools. */
  readonly explorer: PoolExplorer;
}

const NO_TRANSFERS: readonly TransferListItem[] = [];

/**
 * A pool of worker threads run by a supervisor. Inject it with `@InjectPool()` (or as `Pool`) and call
 * `execute`. It starts its workers when the app initializes and, on app shutdown, finishes every job
 * already submitted before it stops them.
 */
export class Pool implements JobExecutor, OnModuleInit, OnApplicationShutdown {
  private readonly logger: Logger;
  private readonly saturation = new BehaviorSubject(false);
  private readonly events = new Subject<PoolEvent>();
  /** Where its jobs run: this process's worker threads (the local transport), or `options.transport`. */
  private transport: JobTransport | undefined;
  private catalog: JobCatalog | undefined;
  private defaults: JobSettings | undefined;
  private started: Promise<void> | undefined;

  /**
   * True while the queue is full: with `maxQueue`, from the moment it holds `maxQueue` jobs until it has drained
   * to half of that; without, while any job waits for a worker. Emits on each change, starting with the current state.
   */
  readonly saturated$: Observable<boolean> = this.saturation.pipe(distinctUntilChanged());

  /**
   * The pool's lifecycle as it happens: workers up and down (with the reason), jobs queued, started, done,
   * failed, panicked, cancelled. Events are built only while something subscribes.
   */
  readonly events$: Observable<PoolEvent> = this.events.asObservable();

  /**
   * This app instance, as metrics and dashboards name it: a BullMQ transport's `instance`, else
   * `<hostname>:<pid>`. Known once the pool has started.
   */
  get instance(): string | undefined {
    return this.transport?.instance;
  }

  /** The pool's name; `null` for the default pool. */
  get name(): string | null {
    const name = (this.rawOptions as PoolOptions | null | undefined)?.name;
    return typeof name === 'string' ? name : null;
  }

  /**
   * @internal Built by `PoolModule`; `host` is null inside a pool worker, where the pool is unavailable.
   * Options are checked when the pool starts (onModuleInit), where an error fails `app.init()` cleanly:
   * thrown from a provider factory it would make Nest end the process.
   */
  constructor(
    private readonly rawOptions: PoolOptions,
    private readonly host: PoolHost | null,
  ) {
    this.logger = new Logger(this.name === null ? 'Pool' : `Pool:${this.name}`);
  }

  /** Runs a `@PoolJob()` method on a worker thread; see {@link JobExecutor.execute}. */
  execute<T, K extends MethodKeys<T>>(
    job: Type<T>,
    method: K,
    ...args: Method<T, K>['args']
  ): Observable<Method<T, K>['result']>;
  /** Runs a self-contained function on a worker thread; see {@link JobExecutor.execute}. */
  execute<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): Observable<JobResult<R>>;
  execute(job: Function, ...rest: unknown[]): Observable<unknown> {
    return this.submit(undefined, job, rest);
  }

  /** The pool with per-call options: `pool.with({ timeout: 5_000, signal }).execute(...)`. Checks them now. */
  with(options: JobOptions): JobExecutor {
    const checked = checkJobOptions(options);
    return { execute: (job: Function, ...rest: unknown[]) => this.submit(checked, job, rest) } as JobExecutor;
  }

  /** Resolves when the queue is empty and every worker is idle. */
  async join(): Promise<void> {
    await this.transport?.join();
  }

  /** A snapshot of the workers and the queue. */
  status(): PoolStatus {
    return (
      this.transport?.status() ?? {
        state: 'starting',
        size: typeof this.rawOptions?.size === 'number' ? this.rawOptions.size : 0,
        idle: 0,
        busy: 0,
        starting: 0,
        queued: 0,
        saturated: false,
        panics: 0,
        respawns: 0,
        recycled: 0,
      }
    );
  }

  /**
   * What the pool has done since it started: workers busy / idle / starting, queue depth, jobs completed,
   * failed, panicked, cancelled and refused, respawns, wait and run times (count, mean, p50, p99, max), and
   * utilization.
   */
  stats(): PoolStats {
    const stats = this.transport?.stats();
    if (stats) return { pool: this.name, ...stats };
    const empty = { count: 0, mean: 0, p50: 0, p99: 0, max: 0 };
    const { state, size, busy, idle, starting, queued, respawns, recycled } = this.status();
    return {
      pool: this.name,
      state,
      size,
      workers: { busy, idle, starting },
      queued,
      jobs: { completed: 0, failed: 0, panicked: 0, cancelled: 0, refused: 0 },
      respawns,
      recycled,
      waitMs: empty,
      runMs: empty,
      utilization: 0,
      uptimeMs: 0,
    };
  }

  /** @internal Starts the workers and waits until they have booted their job context. */
  async onModuleInit(): Promise<void> {
    if (!this.host) return;
    this.ensureStarted();
    try {
      await this.started;
    } catch (error) {
      await this.transport?.close();
      throw error;
    }
  }

  /** @internal Finishes the submitted jobs (within `shutdownTimeout`) and stops the workers. */
  async onApplicationShutdown(): Promise<void> {
    await this.transport?.close();
    this.saturation.complete();
    this.events.complete();
  }

  private submit(options: JobOptions | undefined, job: Function, rest: unknown[]): Observable<never> {
    return new Observable<never>((subscriber) => {
      let submitted: Job;
      let transport: JobTransport;
      const signal = options?.signal;
      try {
        transport = this.ensureStarted();
        const [target, label, args] = this.address(job, rest);
        const transfers = anyMarked() ? new Set<TransferListItem>() : undefined;
        const problem = findCloneProblem(args, transfers);
        if (problem) throw new JobArgumentError(`${label}: ${problem.path} ${problem.reason}`, problem.path);
        if (signal?.aborted) {
          throw new JobCancelledError(`${label} was cancelled by its AbortSignal before it was submitted`, {
            cause: signal.reason,
          });
        }
        const settings = options ? this.settingsFor(options) : this.defaults!;
        const moved = transfers?.size ? [...transfers] : NO_TRANSFERS;
        submitted = new Job(target, args, label, subscriber, moved, settings, transport);
        transport.submit(submitted);
      } catch (error) {
        subscriber.error(error);
        return;
      }
      if (!signal) return submitted;
      const onAbort = (): void =>
        transport.cancel(
          submitted,
          new JobCancelledError(`${submitted.label} was cancelled by its AbortSignal`, { cause: signal.reason }),
        );
      signal.addEventListener('abort', onAbort, { once: true });
      return () => {
        signal.removeEventListener('abort', onAbort);
        submitted.unsubscribe();
      };
    });
  }

  private settingsFor(options: JobOptions): JobSettings {
    const defaults = this.defaults!;
    return {
      priority: options.priority ?? defaults.priority,
      timeout: options.timeout ?? defaults.timeout,
      queueTimeout: options.queueTimeout ?? defaults.queueTimeout,
      onProgress: options.onProgress,
    };
  }

  private ensureStarted(): JobTransport {
    if (this.transport) return this.transport;
    if (!this.host) throw new PoolUnavailableError(poolMessages.unavailableInWorker());
    const options = resolvePoolOptions(this.rawOptions);
    const catalog = this.host.explorer.catalogFor(this.name, options.jobFiles);
    const makeTransport = (options.transport as TransportFactory | undefined) ?? defaultTransport;
    const transport = makeTransport({
      name: this.name,
      options,
      catalog,
      logger: this.logger,
      onKill: options.onKill ?? (() => process.exit(1)),
      onSaturation: (saturated) => this.saturation.next(saturated),
      onEvent: (event) => this.events.next(event),
      eventsObserved: () => this.events.observed,
      onWorkerLog: (record) => this.relayWorkerLog(record),
    });
    this.defaults = {
      priority: 0,
      timeout: options.jobTimeout,
      queueTimeout: options.queueTimeout,
      onProgress: undefined,
    };
    this.catalog = catalog;
    this.transport = transport;
    this.started = transport.ready;
    // Jobs submitted before onModuleInit wait in the queue; a boot failure is reported there.
    this.started.catch(() => undefined);
    return transport;
  }

  /** A `Logger` call made in a worker, handed to the app's logger with the worker and job named. */
  private relayWorkerLog({ workerId, job, level, message, context }: WorkerLogRecord): void {
    const pool = this.name === null ? '' : ` of pool ${this.name}`;
    Logger[level](message, `${context ?? 'Job'} @ worker ${workerId}${pool}${job ? ` · ${job}` : ''}`);
  }

  private address(job: Function, rest: unknown[]): [JobTarget, string, unknown[]] {
    if (typeof job !== 'function') {
      throw new TypeError(`execute() takes a job class or a function first, got ${job === null ? 'null' : typeof job}`);
    }
    if (isClass(job)) {
      // slice, not a rest pattern: that builds the array by pushing, with room for 16 arguments, and the job
      // keeps it while queued.
      const method = rest[0];
      const args = rest.slice(1);
      if (typeof method !== 'string') {
        const got = method === null ? 'null' : typeof method;
        throw new TypeError(`execute(${job.name}, method, ...args): method must be a method name, got ${got}`);
      }
      const { target, label } = this.catalog!.address(job, method);
      return [target, label, args];
    }
    const source = Function.prototype.toString.call(job);
    if (source.endsWith('{ [native code] }')) {
      throw new TypeError(
        `execute(fn): ${job.name || 'the function'} is native or bound; pass a function written in JavaScript`,
      );
    }
    return [{ kind: 'function', source }, `function ${job.name || '(anonymous)'}`, rest];
  }
}

/** Job classes seen: a class is told apart by its source text, which is read once per class, not per job. */
const jobClasses = new WeakSet<Function>();
function isClass(fn: Function): fn is Type {
  if (jobClasses.has(fn)) return true;
  const is = /^class[\s{]/.test(Function.prototype.toString.call(fn));
  if (is) jobClasses.add(fn);
  return is;
}

// The worker answers injection of the pool with an inert one, but must not import this file (it loads the
// supervisor): the class offers itself, and is loaded in a worker whenever any job code can name it.
offerInertPool(Pool, (name) => new Pool({ name: name ?? undefined }, null));
// The main thread rebuilds the HttpExceptions jobs throw.
shareNestHttpErrors();
