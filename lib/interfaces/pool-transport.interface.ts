/**
 * Where a pool's jobs run, given as `PoolOptions.transport`: made by a transport function such as
 * `bullmqTransport()` from `nestjs-poolio/bullmq`. The pool calls it once, when it starts; what it is called
 * with and returns is the library's own seam (`lib/transport/job-transport.ts`), not public API.
 */
export interface PoolTransport {
  /** Names the transport in messages and stats: `'bullmq'`. */
  readonly transportName: string;
  /** @internal */
  (context: never): unknown;
}
