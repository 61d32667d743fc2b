import type { PoolEntry } from './pool.adapter';
import { piscina } from './piscina.adapter';
import { poolifier } from './poolifier.adapter';
import { poolio } from './poolio.adapter';
import { tinypool } from './tinypool.adapter';
import { workerpoolEntry } from './workerpool.adapter';

/** The name of this project's pool: ratios are "ours ÷ peer". */
export const OURS = 'poolio';
/** The peer every ratio table leads with. */
export const REFERENCE = 'piscina';

/** Every pool the benchmark knows, ours first. Adding a pool: write its adapter (and worker) file, list it here. */
export const POOLS: readonly PoolEntry[] = [poolio, piscina, tinypool, workerpoolEntry, poolifier];
