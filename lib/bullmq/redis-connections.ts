/**
 * The transport's Redis connections: one per role, made from the user's connection options (or duplicated
 * from their ioredis instance), every one with the settings BullMQ needs, and closed by the transport in order.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { ConnectionOptions } from 'bullmq';
import { RedisUnreachableError } from '../errors/redis-unreachable.error';
import type { SupervisorLogger } from '../supervisor/supervisor';

/**
 * Commands wait through an outage instead of failing after 20 retries (BullMQ requires it of blocking
 * connections, and a job submitted during a failover should wait, not fail); reconnects back off to 2 s, not
 * BullMQ's 20 s, so that work resumes soon after Redis is back.
 */
const DEFAULTS: RedisOptions = {
  maxRetriesPerRequest: null,
  enableOfflineQueue: true,
  // A socket that never connected is dropped at once on close, not after ioredis's 2 s.
  disconnectTimeout: 200,
  retryStrategy: (times: number) => Math.min(times * 100, 2_000),
};

export type ConnectionRole = 'queue' | 'events' | 'worker' | 'replies' | 'cancels';

function isClient(connection: ConnectionOptions): connection is Redis {
  return typeof (connection as { duplicate?: unknown }).duplicate === 'function';
}

/** `host:port` (or the socket path) as messages name it. */
export function describeRedis(connection: ConnectionOptions): string {
  const options = (isClient(connection) ? connection.options : connection) as RedisOptions;
  if (options.path) return options.path;
  return `${options.host ?? 'localhost'}:${options.port ?? 6379}`;
}

/** Makes, tracks and closes the transport's connections. */
export class RedisConnections {
  private readonly open: Redis[] = [];
  /** The last connection error seen, for messages; cleared when a connection is ready again. */
  private lastError: Error | undefined;
  private reported = false;

  constructor(
    private readonly connection: ConnectionOptions,
    /** As messages name it: `"reports"`, `default`. */
    private readonly pool: string,
    /** As connection names show it (CLIENT LIST): `poolio:reports:queue`. */
    private readonly queue: string,
    private readonly logger: SupervisorLogger,
  ) {}

  get where(): string {
    return describeRedis(this.connection);
  }

  /**
   * Whether every connection in use is ready (an outage shows here as soon as a socket closes). One never
   * connected is not in use: BullMQ connects a duplicate of it.
   */
  get connected(): boolean {
    const used = this.open.filter((client) => client.status !== 'wait');
    return used.length > 0 && used.every((client) => client.status === 'ready');
  }

  /** A new connection for `role`, not yet connected. */
  make(role: ConnectionRole): Redis {
    const name = `poolio:${this.queue}:${role}`;
    const client = isClient(this.connection)
      ? this.connection.duplicate({ ...DEFAULTS, connectionName: name, lazyConnect: true })
      : new Redis({ ...(this.connection as RedisOptions), ...DEFAULTS, connectionName: name, lazyConnect: true });
    return this.track(client);
  }

  /**
   * Watches `client`, and the duplicates BullMQ makes of it for its blocking reads, so that a close that Redis
   * never answers can still drop every socket (`disconnectAll`) and leave nothing reconnecting.
   */
  private track(client: Redis): Redis {
    client.on('error', (error: Error) => this.onError(error));
    client.on('ready', () => this.onReady());
    this.open.push(client);
    const duplicate = client.duplicate.bind(client);
    client.duplicate = (override?: Partial<RedisOptions>) => this.track(duplicate(override));
    return client;
  }

  /**
   * Connects `client`; fails within `timeout` ms, naming Redis and where it was looked for, rather than
   * retrying for ever behind an `app.init()` that never returns.
   */
  async connect(client: Redis, timeout: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const cause = this.lastError ? ` (last error: ${this.lastError.message})` : '';
        reject(
          new RedisUnreachableError(
            `Pool ${this.pool} could not reach Redis at ${this.where} within ${timeout} ms${cause}: start Redis ` +
              'there, or fix bullmqTransport({ connection }) (connectTimeout sets the wait)',
            { cause: this.lastError },
          ),
        );
      }, timeout);
    });
    // connect() rejects on the first refused attempt while ioredis goes on retrying: 'ready' is what counts.
    const ready = new Promise<void>((resolve) => client.once('ready', resolve));
    client.connect().catch(() => undefined);
    try {
      await Promise.race([ready, expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Closes the connections made for `roles`, in the order given, waiting for pending replies. */
  async close(...roles: ConnectionRole[]): Promise<void> {
    for (const role of roles) {
      const name = `poolio:${this.queue}:${role}`;
      for (const client of this.open.filter((c) => c.options.connectionName === name)) {
        this.open.splice(this.open.indexOf(client), 1);
        await quit(client);
      }
    }
  }

  /** Closes whatever is left, without waiting for replies (start-up failed, or a close ran out of time). */
  disconnectAll(): void {
    for (const client of this.open.splice(0)) client.disconnect();
  }

  private onError(error: Error): void {
    this.lastError = error;
    if (this.reported) return;
    this.reported = true;
    this.logger.warn(`Redis at ${this.where} is unreachable (${error.message}); reconnecting`);
  }

  private onReady(): void {
    if (this.reported) this.logger.log(`Redis at ${this.where} is reachable again`);
    this.reported = false;
    this.lastError = undefined;
  }
}

async function quit(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  if (client.status !== 'ready') return client.disconnect();
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}
