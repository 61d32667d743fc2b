import type { InjectionToken, LogLevel, ModuleMetadata, Type } from '@nestjs/common';
import type { ResourceLimits } from 'node:worker_threads';
import type { PanicSwitch } from '../panic-switch.enum';
import type { KillReport } from './kill-report.interface';
import type { PoolTransport } from './pool-transport.interface';

/** How a pool runs. Every field is optional; `PoolModule.forRoot()` validates them at startup. */
export interface PoolOptions {
  /**
   * Name of the pool, for `@InjectPool(name)` / `getPoolToken(name)`. Omit it for the default pool,
   * which is also injectable as `Pool` without a decorator.
   */
  name?: string;
  /** Number of worker threads: a positive integer. Default: the machine's available parallelism minus one, at least 1. */
  size?: number;
  /** What a panicking job does to the pool. Default: `PanicSwitch.Respawn`. */
  panicSwitch?: PanicSwitch;
  /** Treat every job that throws or rejects as a panic, as poolio does. Default: `false`. */
  panicOnError?: boolean;
  /** Milliseconds shutdown waits for submitted jobs before failing the rest. Default: 30 000. */
  shutdownTimeout?: number;
  /**
   * Called under `PanicSwitch.Kill` once the jobs that were running have finished, instead of ending the
   * process (for embedding and tests). Default: log, then `process.exit(1)`.
   */
  onKill?: (report: KillReport) => void;
  /**
   * Files (paths or `file:` URLs) that export the job modules and job classes. Needed only when the pool
   * cannot find them on its own: a bundled app, or job code loaded as ES modules.
   */
  jobFiles?: string[];
  /** Node options for the worker threads. Default: the process's own (`process.execArgv`). */
  execArgv?: string[];
  /** Memory limits per worker; a job that exceeds them panics. */
  resourceLimits?: ResourceLimits;
  /**
   * Levels of `Logger` calls inside the workers that reach the app's logger (the app's logger then applies its
   * own levels). While a worker boots, only error, warn and fatal are forwarded. Default: every level.
   */
  workerLogLevels?: LogLevel[] | false;
  /** Milliseconds a job may run, from the start of its run; then it fails with `JobTimeoutError`. Default: none. */
  jobTimeout?: number;
  /** Milliseconds a job may wait in the queue; then it fails with `JobQueueTimeoutError`. Default: none. */
  queueTimeout?: number;
  /**
   * Milliseconds a cancelled (or timed-out) job has to stop after its AbortSignal aborts; then its worker is
   * terminated and replaced (not counted as a panic). Default: 1 000.
   */
  cancelGrace?: number;
  /** Jobs the queue may hold; past it `execute` fails at once with `PoolQueueFullError`. Default: no bound. */
  maxQueue?: number;
  /** Milliseconds of waiting that raise a queued job's priority by one, so low priorities are not starved. Default: 1 000. */
  priorityAging?: number;
  /** Replace a worker after it has run this many jobs. Default: never. */
  recycleAfterJobs?: number;
  /**
   * When the app may start: once every worker has booted (`'all'`, the default: a job module that cannot boot
   * fails start-up), or once the first has (`'first'`: the app serves sooner; the rest boot on, and one that
   * fails is retried with backoff and logged).
   */
  readyWhen?: 'all' | 'first';
  /** Replace a worker whose heap is above this many MB after a job. Default: never. */
  recycleAboveHeapMb?: number;
  /**
   * Where the pool's jobs run. Default: this process's worker threads. `bullmqTransport()` from
   * `nestjs-poolio/bullmq` runs them on the threads of every app instance that consumes the pool's BullMQ queue.
   */
  transport?: PoolTransport;
}

/** The options a pool's factory gives: a pool's name is given beside the factory, not by it. */
export type PoolFactoryOptions = Omit<PoolOptions, 'name'>;

/** A provider that makes a pool's options, for `forRootAsync({ useClass })` or `forRootAsync({ useExisting })`. */
export interface PoolOptionsFactory {
  createPoolOptions(): PoolFactoryOptions | Promise<PoolFactoryOptions>;
}

/**
 * `PoolModule.forRootAsync()`: options made by a provider with injected dependencies, given as exactly one of
 * `useFactory` (with `inject`), `useClass` (built in the pool's module) or `useExisting` (a provider imported
 * from elsewhere), as other Nest modules take them.
 */
export interface PoolModuleAsyncOptions {
  /** Name of the pool; see `PoolOptions.name`. */
  name?: string;
  imports?: NonNullable<ModuleMetadata['imports']>;
  /** The arguments of `useFactory`. */
  inject?: InjectionToken[];
  useFactory?: (...args: never[]) => PoolFactoryOptions | Promise<PoolFactoryOptions>;
  /** A class implementing `PoolOptionsFactory`, built for the pool with its dependencies. */
  useClass?: Type<PoolOptionsFactory>;
  /** An existing provider implementing `PoolOptionsFactory`, found in `imports` or a global module. */
  useExisting?: InjectionToken<PoolOptionsFactory>;
}
