/*
 * Injection tokens, as plain strings. This file imports nothing, so that `@InjectPool`, the module, the explorer
 * and the worker can all name a pool without loading the pool (and with it the supervisor).
 */

const NAMED_POOL_PREFIX = 'nestjs-poolio:pool:';
/** Not under the named prefix: a pool named "default" is not the default pool. */
const DEFAULT_POOL_TOKEN = 'nestjs-poolio:default-pool';

/**
 * The injection token of a pool: the default pool's when `name` is omitted, else the named one's. Use it with
 * `Test.createTestingModule(...).overrideProvider(getPoolToken())` or `moduleRef.get(...)`. The default pool is
 * also provided under the `Pool` class, as the same instance.
 */
export function getPoolToken(name?: string): string {
  return name === undefined ? DEFAULT_POOL_TOKEN : `${NAMED_POOL_PREFIX}${name}`;
}

/** The name of the pool a token stands for: `null` for the default pool, `undefined` if it is no pool token. */
export function poolNameOfToken(token: unknown): string | null | undefined {
  if (token === DEFAULT_POOL_TOKEN) return null;
  return typeof token === 'string' && token.startsWith(NAMED_POOL_PREFIX)
    ? token.slice(NAMED_POOL_PREFIX.length)
    : undefined;
}

/** Token of a pool's options. */
export function getPoolOptionsToken(name?: string): string {
  return name === undefined ? 'nestjs-poolio:options:default-pool' : `nestjs-poolio:options:${name}`;
}

/** Token of the one explorer that reads the app's job providers for every pool. */
export const POOL_EXPLORER = 'nestjs-poolio:explorer';
