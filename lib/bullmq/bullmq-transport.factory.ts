import type { TransportFactory } from '../transport/job-transport';
import { BullmqTransport } from './bullmq.transport';
import { resolveBullmqOptions, type BullmqTransportOptions } from './bullmq-transport.options';

/**
 * Runs a pool's jobs through a BullMQ queue on Redis, named after the pool (`default` for the default pool):
 * every app instance with this transport can submit, and each one that consumes runs the queue's jobs on `size`
 * worker threads of its own, whichever instance submitted them. Callers and `@PoolJob` methods do not change.
 *
 * Delivery is at least once: a job whose instance dies mid-run runs again on another, so make remote jobs
 * idempotent. Each caller still gets exactly one outcome. The options are checked here, where they are written.
 *
 * @example
 * PoolModule.registerPool({
 *   name: 'reports',
 *   size: 4,
 *   transport: bullmqTransport({ connection: { host: 'localhost', port: 6379 } }),
 * });
 */
export function bullmqTransport(options: BullmqTransportOptions): TransportFactory {
  const resolved = resolveBullmqOptions(options);
  return Object.assign((context: Parameters<TransportFactory>[0]) => new BullmqTransport(context, resolved), {
    transportName: 'bullmq',
  });
}
