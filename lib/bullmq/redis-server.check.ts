import type { Redis } from 'ioredis';
import { PoolConfigError } from '../errors/pool-config.error';
import type { SupervisorLogger } from '../supervisor/supervisor';

/** BullMQ 6's own floor. */
const MIN_VERSION = [5, 0, 0];

/**
 * Checks the server once per pool, where BullMQ would check (and warn) once per connection: a server too old
 * for BullMQ fails the start; an eviction policy other than `noeviction` is one warning that says what it risks
 * and how to fix it (Redis could evict the queue's keys, and jobs with them).
 */
export async function checkRedisServer(client: Redis, where: string, logger: SupervisorLogger): Promise<void> {
  const info = await client.info();
  const field = (name: string): string | undefined => new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim();
  const version = field('redis_version') ?? field('valkey_version');
  if (version && compareVersions(version, MIN_VERSION) < 0) {
    throw new PoolConfigError(
      `Redis at ${where} is version ${version}; BullMQ needs ${MIN_VERSION.join('.')} or later: upgrade the server`,
    );
  }
  const policy = field('maxmemory_policy');
  if (policy && policy !== 'noeviction') {
    logger.warn(
      `Redis at ${where} has maxmemory-policy ${policy}: under memory pressure it may evict queued jobs. ` +
        'Set it to noeviction (CONFIG SET maxmemory-policy noeviction, or the managed service’s parameter group)',
    );
  }
}

function compareVersions(version: string, floor: readonly number[]): number {
  const parts = version.split('.').map((part) => Number.parseInt(part, 10) || 0);
  for (let i = 0; i < floor.length; i++) {
    if ((parts[i] ?? 0) !== floor[i]) return (parts[i] ?? 0) < floor[i] ? -1 : 1;
  }
  return 0;
}
