import type { PoolTransport } from 'nestjs-poolio';
import { bullmqTransport } from 'nestjs-poolio/bullmq';
import { instanceName } from './instance.js';

/**
 * The pool's BullMQ transport from the environment. pool.config.ts imports this file only when REDIS_URL is
 * set, so that `npm start` without it needs neither bullmq nor ioredis nor a Redis.
 * REDIS_URL: redis://[user:password@]host[:port][/db] (rediss:// for TLS). CONSUME=false: this instance only
 * submits jobs (an API-only instance, no worker thread). REDIS_PREFIX: BullMQ's key prefix, to keep apart
 * apps that share a Redis.
 */
export function bullmqTransportFromEnv(env: NodeJS.ProcessEnv): PoolTransport {
  return bullmqTransport({
    connection: redisConnection(env.REDIS_URL ?? ''),
    prefix: env.REDIS_PREFIX?.trim() || undefined,
    consume: consumeFromEnv(env.CONSUME),
    // BullMQ's worker name (bull-board shows it) is the name the results and the dashboard give the instance.
    instance: instanceName(env),
  });
}

export interface RedisConnection {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db?: number;
  tls?: object;
}

/** The connection a REDIS_URL names; throws, naming the variable and the form it takes, on anything else. */
export function redisConnection(value: string): RedisConnection {
  const form = 'redis://[user:password@]host[:port][/db], or rediss:// for TLS';
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new Error(`REDIS_URL must be a URL such as redis://127.0.0.1:6379 (${form}), got ${JSON.stringify(value)}`);
  }
  if ((url.protocol !== 'redis:' && url.protocol !== 'rediss:') || !url.hostname) {
    throw new Error(`REDIS_URL must be ${form}, got ${JSON.stringify(value)}`);
  }
  const db = url.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) {
    throw new Error(`REDIS_URL's path is a database number (such as /0), got ${JSON.stringify(url.pathname)}`);
  }
  return {
    // URL keeps the brackets of an IPv6 host; the socket wants the bare address.
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port ? Number(url.port) : 6379,
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(db ? { db: Number(db) } : {}),
    ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

function consumeFromEnv(value: string | undefined): boolean {
  const consume = value?.trim().toLowerCase();
  if (consume === undefined || consume === '' || consume === 'true') return true;
  if (consume === 'false') return false;
  throw new Error(
    `CONSUME must be true or false (false: this instance only submits jobs), got ${JSON.stringify(value)}`,
  );
}
