import { PanicSwitch, type PoolFactoryOptions, type PoolOptions } from 'nestjs-poolio';

/**
 * Pool options from the environment. POOL_SIZE: number of worker threads (default: CPU cores minus one).
 * The library validates the options again at startup and fails fast on a bad value.
 */
export function poolOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): PoolOptions {
  const size = env.POOL_SIZE?.trim();
  if (size !== undefined && size !== '' && !/^\d+$/.test(size)) {
    throw new Error(`POOL_SIZE must be a whole number of worker threads, got ${JSON.stringify(env.POOL_SIZE)}`);
  }
  return {
    size: size ? Number(size) : undefined,
    // A job that crashes its worker fails alone; the pool starts a fresh worker in its place.
    panicSwitch: PanicSwitch.Respawn,
  };
}

/**
 * The pool's options, plus the BullMQ transport when REDIS_URL is set: then every instance started with the
 * same REDIS_URL runs the pool's jobs on its threads, whichever instance took the request (see
 * scale-out.config.ts for CONSUME and REDIS_PREFIX). Without REDIS_URL the pool runs locally, and the BullMQ
 * code is never loaded.
 */
export async function poolOptionsWithTransportFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): Promise<PoolFactoryOptions> {
  const options = poolOptionsFromEnv(env);
  if (!env.REDIS_URL?.trim()) return options;
  const { bullmqTransportFromEnv } = await import('./scale-out.config.js');
  return { ...options, transport: bullmqTransportFromEnv(env) };
}
