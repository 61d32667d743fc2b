import { hostname } from 'node:os';
import type { ConnectionOptions, QueueOptions, WorkerOptions } from 'bullmq';
import { PoolConfigError } from '../errors/pool-config.error';
import { showValue } from '../pool-options.rules';

/** How a pool reaches its BullMQ queue: the argument of `bullmqTransport()`. */
export interface BullmqTransportOptions {
  /**
   * Where Redis is: BullMQ's connection options (ioredis options such as `{ host, port, password, db }`), or an
   * ioredis instance of the app's (the transport then makes its own connections with `duplicate()`, and leaves
   * the instance open). `maxRetriesPerRequest` is set to `null` on the transport's connections, as BullMQ needs.
   */
  connection: ConnectionOptions;
  /** BullMQ's key prefix: apps that share a Redis tell their queues apart with it. Default: `'bull'`, BullMQ's. */
  prefix?: string;
  /**
   * Whether this instance runs the queue's jobs on `size` worker threads of its own. `false`: it only submits
   * (no thread starts, `size` is ignored). Default: `true`.
   */
  consume?: boolean;
  /**
   * Passed through to BullMQ's `Worker` (`lockDuration`, `stalledInterval`, `maxStalledCount`, …).
   * `concurrency` is always the pool's `size`, and `connection`, `prefix` and `autorun` are the transport's.
   */
  workerOptions?: Partial<Omit<WorkerOptions, 'connection' | 'prefix' | 'concurrency' | 'autorun'>>;
  /** Passed through to BullMQ's `Queue` (`defaultJobOptions`, …); `connection` and `prefix` are the transport's. */
  queueOptions?: Partial<Omit<QueueOptions, 'connection' | 'prefix'>>;
  /** Milliseconds the pool's start waits for Redis before it fails `app.init()`. Default: 10 000. */
  connectTimeout?: number;
  /**
   * This instance's name, in the jobs it runs (BullMQ's worker name, shown by bull-board) and in the metrics.
   * Default: `<hostname>:<pid>`.
   */
  instance?: string;
}

/** The options with defaults filled in. */
export interface ResolvedBullmqOptions {
  readonly connection: ConnectionOptions;
  readonly prefix: string;
  readonly consume: boolean;
  readonly workerOptions: NonNullable<BullmqTransportOptions['workerOptions']>;
  readonly queueOptions: NonNullable<BullmqTransportOptions['queueOptions']>;
  readonly connectTimeout: number;
  readonly instance: string;
}

const KNOWN: readonly (keyof BullmqTransportOptions)[] = [
  'connection',
  'prefix',
  'consume',
  'workerOptions',
  'queueOptions',
  'connectTimeout',
  'instance',
];

const isObject = (value: unknown): value is object => typeof value === 'object' && value !== null;

/** Checks the options when `bullmqTransport()` is called, so that a mistake fails where it was written. */
export function resolveBullmqOptions(raw: unknown): ResolvedBullmqOptions {
  if (!isObject(raw) || Array.isArray(raw)) {
    throw new PoolConfigError(`bullmqTransport() takes an options object ({ connection, … }), got ${showValue(raw)}`);
  }
  const options = raw as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(options)) {
    if (!(KNOWN as string[]).includes(key))
      problems.push(`unknown option ${JSON.stringify(key)} (known: ${KNOWN.join(', ')})`);
  }
  const check = (key: keyof BullmqTransportOptions, ok: (value: unknown) => boolean, expected: string): void => {
    const value = options[key];
    if (value !== undefined && !ok(value)) problems.push(`${key} must be ${expected}, got ${showValue(value)}`);
  };
  if (options.connection === undefined) {
    problems.push('connection is required: { host, port } (ioredis options) or an ioredis instance');
  }
  check('connection', isObject, 'ioredis options ({ host, port, … }) or an ioredis instance');
  check(
    'prefix',
    (value) => typeof value === 'string' && value.length > 0 && !value.includes(' '),
    'a non-empty string without spaces',
  );
  check('consume', (value) => typeof value === 'boolean', 'a boolean');
  check('workerOptions', isObject, 'an object of BullMQ Worker options');
  check('queueOptions', isObject, 'an object of BullMQ Queue options');
  check('connectTimeout', (value) => typeof value === 'number' && value > 0, 'a positive number of milliseconds');
  check('instance', (value) => typeof value === 'string' && value.length > 0, 'a non-empty string');
  if (problems.length > 0) throw new PoolConfigError(`Invalid bullmqTransport() options: ${problems.join('; ')}`);
  const given = options as unknown as BullmqTransportOptions;
  return {
    connection: given.connection,
    prefix: given.prefix ?? 'bull',
    consume: given.consume ?? true,
    workerOptions: given.workerOptions ?? {},
    queueOptions: given.queueOptions ?? {},
    connectTimeout: given.connectTimeout ?? 10_000,
    instance: given.instance ?? `${hostname()}:${process.pid}`,
  };
}
