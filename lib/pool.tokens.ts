import { Pool } from './pool';

/**
 * The injection token of a pool: the `Pool` class itself for the default pool, a string for a named one.
 * Use it with `Test.createTestingModule(...).overrideProvider(getPoolToken())` or `moduleRef.get(...)`.
 */
export function getPoolToken(name?: string): typeof Pool | string {
  return name === undefined ? Pool : `${NAMED_POOL_PREFIX}${name}`;
}

const NAMED_POOL_PREFIX = 'nestjs-poolio:pool:';

/** The name of the pool a token stands for: `null` for the default pool, `undefined` if it is no pool token. */
export function poolNameOfToken(token: unknown): string | null | undefined {
  if (token === Pool) return null;
  return typeof token === 'string' && token.startsWith(NAMED_POOL_PREFIX)
    ? token.slice(NAMED_POOL_PREFIX.length)
    : undefined;
}

/** Token of a pool's options. */
export function getPoolOptionsToken(name?: string): string {
  return `nestjs-poolio:options:${name ?? 'default'}`;
}
