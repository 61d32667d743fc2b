import { PoolUnavailableError } from '../errors/pool-unavailable.error';
import { poolMessages } from '../pool.messages';

type InertPoolFactory = (name: string | null) => object;

let offered: { readonly type: Function; readonly create: InertPoolFactory } | undefined;

/**
 * @internal The `Pool` class offers, when it loads, how to make a pool that refuses every job. The worker side
 * must not import it (it would load the supervisor into every worker), yet a job module's provider may inject
 * the pool by that class: the class is then loaded already, and so has offered itself.
 */
export function offerInertPool(type: Function, create: InertPoolFactory): void {
  offered = { type, create };
}

/** The class the default pool is injected by, where loaded. */
export function offeredPoolClass(): Function | undefined {
  return offered?.type;
}

/** A pool that refuses every job, for a worker; without the class loaded, a minimal one that says why. */
export function inertPool(name: string | null): object {
  if (offered) return offered.create(name);
  const refuse = (): never => {
    throw new PoolUnavailableError(poolMessages.unavailableInWorker());
  };
  return { name, execute: refuse, with: refuse };
}
