import { Logger, type OnApplicationShutdown, type OnModuleInit, type Type } from '@nestjs/common';
import type { DiscoveryService } from '@nestjs/core';
import { Observable } from 'rxjs';
import { JobArgumentError } from './errors/job-argument.error';
import { PoolUnavailableError } from './errors/pool-unavailable.error';
import type { PoolStatus } from './interfaces/pool-status.interface';
import { JobCatalog } from './jobs/job-catalog';
import type { PoolOptions } from './interfaces/pool-options.interface';
import { resolvePoolOptions } from './pool-options.validator';
import { findCloneProblem } from './protocol/cloneable';
import type { JobTarget } from './protocol/messages';
import { Job } from './supervisor/job';
import { Supervisor } from './supervisor/supervisor';
import { workerLaunch } from './worker/worker-launch';

/** Names of `T`'s methods. */
export type MethodKeys<T> = {
  [K in keyof T]: T[K] extends (...args: never[]) => unknown ? K : never;
}[keyof T] &
  string;

type Method<T, K extends keyof T> = T[K] extends (...args: infer A) => infer R
  ? { args: A; result: Awaited<R> }
  : never;

/** Where the pool gets what it needs from Nest: kept apart so the pool's construction reads plainly. */
export interface PoolHost {
  readonly discovery: DiscoveryService;
  /** Tells the pool's own module apart from job modules. */
  readonly isPoolModule: (type: Function) => boolean;
}

/**
 * A pool of worker threads run by a supervisor. Inject it with `@InjectPool()` (or as `Pool`) and call
 * `execute`. It starts its workers when the app initializes and, on app shutdown, finishes every job
 * already submitted before it stops them.
 */
export class Pool implements OnModuleInit, OnApplicationShutdown {
  private readonly logger: Logger;
  private supervisor: Supervisor | undefined;
  private catalog: JobCatalog | undefined;
  private started: Promise<void> | undefined;

  /**
   * @internal Built by `PoolModule`; `host` is null inside a pool worker, where the pool is unavailable.
   * Options are checked when the pool starts (onModuleInit), where an error fails `app.init()` cleanly:
   * thrown from a provider factory it would make Nest end the process.
   */
  constructor(
    private readonly rawOptions: PoolOptions,
    private readonly host: PoolHost | null,
  ) {
    this.logger = new Logger(rawOptions.name ? `Pool:${rawOptions.name}` : 'Pool');
  }

  /**
   * Runs a `@PoolJob()` method of a provider on a worker thread. The returned Observable is cold: the job is
   * queued on subscribe, emits the method's (awaited) result once and completes. Unsubscribing before the job
   * starts takes it out of the queue. Arguments are sent by structured clone.
   */
  execute<T, K extends MethodKeys<T>>(
    job: Type<T>,
    method: K,
    ...args: Method<T, K>['args']
  ): Observable<Method<T, K>['result']>;
  /**
   * Runs a self-contained function on a worker thread. The function is sent as source text and rebuilt in the
   * worker, so it captures nothing: no closure variables, no imports; everything it needs comes in `args`.
   */
  execute<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): Observable<Awaited<R>>;
  execute(job: Function, ...rest: unknown[]): Observable<unknown> {
    return new Observable<unknown>((subscriber) => {
      let submitted: Job;
      try {
        const supervisor = this.ensureStarted();
        const [target, label, args] = this.address(job, rest);
        const problem = findCloneProblem(args);
        if (problem) {
          throw new JobArgumentError(`${label}: ${problem.path} ${problem.reason}`, problem.path);
        }
        submitted = new Job(target, args, label, subscriber);
        supervisor.submit(submitted);
      } catch (error) {
        subscriber.error(error);
        return;
      }
      return () => this.supervisor?.withdraw(submitted);
    });
  }

  /** Resolves when the queue is empty and every worker is idle. */
  async join(): Promise<void> {
    await this.supervisor?.join();
  }

  /** A snapshot of the workers and the queue. */
  status(): PoolStatus {
    return (
      this.supervisor?.status() ?? {
        state: 'starting',
        size: typeof this.rawOptions.size === 'number' ? this.rawOptions.size : 0,
        idle: 0,
        busy: 0,
        starting: 0,
        queued: 0,
        panics: 0,
        respawns: 0,
      }
    );
  }

  /** @internal Starts the workers and waits until they have booted their job context. */
  async onModuleInit(): Promise<void> {
    if (!this.host) return;
    this.ensureStarted();
    try {
      await this.started;
    } catch (error) {
      await this.supervisor?.close();
      throw error;
    }
  }

  /** @internal Finishes the submitted jobs (within `shutdownTimeout`) and stops the workers. */
  async onApplicationShutdown(): Promise<void> {
    await this.supervisor?.close();
  }

  private ensureStarted(): Supervisor {
    if (this.supervisor) return this.supervisor;
    if (!this.host) {
      throw new PoolUnavailableError(
        'The pool cannot be used inside its own workers: a job runs on one thread and cannot submit to the pool',
      );
    }
    const options = resolvePoolOptions(this.rawOptions);
    const catalog = JobCatalog.discover(this.host.discovery, options.jobFiles, this.host.isPoolModule);
    const launch = workerLaunch(catalog.files, options.execArgv);
    const supervisor = new Supervisor({
      size: options.size,
      panicSwitch: options.panicSwitch,
      panicOnError: options.panicOnError,
      shutdownTimeout: options.shutdownTimeout,
      onKill: options.onKill ?? (() => process.exit(1)),
      logger: this.logger,
    });
    this.catalog = catalog;
    this.supervisor = supervisor;
    this.started = supervisor.start({
      filename: launch.filename,
      execArgv: launch.execArgv,
      resourceLimits: options.resourceLimits,
      bootData: { poolioWorker: true, catalog: catalog.worker, logLevels: options.workerLogLevels },
    });
    // Jobs submitted before onModuleInit wait in the queue; a boot failure is reported there.
    this.started.catch(() => undefined);
    return supervisor;
  }

  private address(job: Function, rest: unknown[]): [JobTarget, string, unknown[]] {
    if (typeof job !== 'function') {
      throw new TypeError(`execute() takes a job class or a function first, got ${job === null ? 'null' : typeof job}`);
    }
    if (isClass(job)) {
      const [method, ...args] = rest;
      if (typeof method !== 'string') {
        throw new TypeError(
          `execute(${job.name}, method, ...args): method must be a method name, got ${typeof method}`,
        );
      }
      return [this.catalog!.target(job, method), `${job.name}.${method}`, args];
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

function isClass(fn: Function): fn is Type {
  return /^class[\s{]/.test(Function.prototype.toString.call(fn));
}
