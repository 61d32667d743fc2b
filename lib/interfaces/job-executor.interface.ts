import type { Type } from '@nestjs/common';
import type { Observable } from 'rxjs';

/** Names of `T`'s methods. */
export type MethodKeys<T> = {
  [K in keyof T]: T[K] extends (...args: never[]) => unknown ? K : never;
}[keyof T] &
  string;

/** What a job's Observable emits: each item of a stream (async iterable, Observable), else the awaited result. */
export type JobResult<R> =
  R extends AsyncIterable<infer Item> ? Item : R extends Observable<infer Item> ? Item : Awaited<R>;

/** A job method's arguments and what its Observable emits. */
export type Method<T, K extends keyof T> = T[K] extends (...args: infer A) => infer R
  ? { args: A; result: JobResult<R> }
  : never;

/** Runs jobs on the pool's workers: the pool itself, or the pool with per-call options (`pool.with(...)`). */
export interface JobExecutor {
  /**
   * Runs a `@PoolJob()` method of a provider on a worker thread. The returned Observable is cold: the job is
   * queued on subscribe, emits the method's (awaited) result once and completes; a method that returns an async
   * iterable or an Observable streams its items instead. Unsubscribing cancels the job: it leaves the queue, or,
   * running, sees its AbortSignal abort (`JobContext.signal`). Arguments are sent by structured clone, or moved
   * with `transfer()`. Its notifications, and `onProgress`, run in the async context (AsyncLocalStorage) that was
   * active when it was subscribed.
   */
  execute<T, K extends MethodKeys<T>>(
    job: Type<T>,
    method: K,
    ...args: Method<T, K>['args']
  ): Observable<Method<T, K>['result']>;
  /**
   * Runs a self-contained function on a worker thread. The function is sent as source text and rebuilt in the
   * worker, so it captures nothing: no closure variables, no imports; everything it needs comes in `args`. A
   * `function` (not an arrow) gets the `JobContext` as `this`.
   */
  execute<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): Observable<JobResult<R>>;
}
