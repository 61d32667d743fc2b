import { PanicSwitch, type PoolOptions } from 'nestjs-poolio';

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
