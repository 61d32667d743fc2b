/**
 * `nestjs-poolio/bullmq`: the BullMQ transport, for pools whose jobs fan out across app instances. Importing it
 * needs the optional peers `bullmq` and `ioredis`; the rest of the library never loads them.
 */
export { bullmqTransport } from './bullmq-transport.factory';
export type { BullmqTransportOptions } from './bullmq-transport.options';
export { RedisUnreachableError, RemoteJobLostError, RemoteStreamInterruptedError } from '../errors';
