import { Pool } from './pool';

/**
 * The injection token of a pool: the `Pool` class itself for the default pool, a string for a named one.
 * Use it with `Test.createTestingModule(...).overrideProvider(getPoolToken())` or `moduleRef.get(...)`.
 */
export function getPoolToken(name?: string): typeof Pool | string {
  return name === undefined ? Pool : `nestjs-poolio:pool:${name}`;
}

/** Token of a pool's resolved options. */
export function getPoolOptionsToken(name?: string): string {
  return `nestjs-poolio:options:${name ?? 'default'}`;
}
