import { PoolConfigError } from './errors/pool-config.error';
import type { JobOptions } from './interfaces/job-options.interface';
import type { PoolOptions } from './interfaces/pool-options.interface';
import { poolMessages } from './pool.messages';
import {
  optionProblem,
  POOL_OPTION_KEYS,
  POOL_OPTION_RULES,
  type ResolvedPoolOptions,
  showValue as show,
} from './pool-options.rules';

export type { ResolvedPoolOptions } from './pool-options.rules';

const REFUSAL = Symbol('nestjs-poolio:options-refusal');

/**
 * Options that stand for an options provider's refusal, thrown when the pool starts: thrown from the provider
 * itself, it would make Nest end the process. They still name the pool.
 */
export function refusedOptions(name: string | undefined, refusal: PoolConfigError): PoolOptions {
  return { name, [REFUSAL]: refusal } as PoolOptions;
}

/** Options this module resolved: handed to it again (forRoot, then the pool's start) they are not checked twice. */
const resolved = new WeakSet<object>();

/** Checks every option and fills in defaults; throws one `PoolConfigError` naming every bad field. */
export function resolvePoolOptions(raw: unknown): ResolvedPoolOptions {
  if (raw === undefined || raw === null) raw = {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new PoolConfigError(poolMessages.optionsNotAnObject(raw));
  const refusal = (raw as { [REFUSAL]?: PoolConfigError })[REFUSAL];
  if (refusal) throw refusal;
  if (resolved.has(raw)) return raw as ResolvedPoolOptions;
  const options = raw as Record<string, unknown>;
  const known: readonly string[] = POOL_OPTION_KEYS;
  const problems: string[] = [];
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) problems.push(poolMessages.unknownOption(key, POOL_OPTION_KEYS));
  }
  for (const key of POOL_OPTION_KEYS) {
    const problem = optionProblem(key, options[key]);
    if (problem) problems.push(problem);
  }
  if (problems.length > 0) throw new PoolConfigError(poolMessages.invalidOptions(problems));
  const result: Record<string, unknown> = {};
  for (const key of POOL_OPTION_KEYS) {
    result[key] = (options as PoolOptions)[key] ?? POOL_OPTION_RULES[key].fallback();
  }
  resolved.add(Object.freeze(result));
  return result as ResolvedPoolOptions;
}

const isDuration = (value: unknown): value is number => typeof value === 'number' && value >= 0 && !Number.isNaN(value);

const JOB_OPTION_KEYS: readonly (keyof JobOptions)[] = ['timeout', 'queueTimeout', 'priority', 'signal', 'onProgress'];

/** Checks per-call options; throws a `TypeError` naming every bad field. */
export function checkJobOptions(raw: unknown): JobOptions {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new TypeError(`Job options must be an object, got ${show(raw)}`);
  }
  const options = raw as Record<string, unknown>;
  const problems: string[] = [];
  const check = (field: keyof JobOptions, ok: boolean, expected: string): void => {
    if (options[field] !== undefined && !ok) problems.push(`${field} must be ${expected}, got ${show(options[field])}`);
  };
  for (const key of Object.keys(options)) {
    if (!(JOB_OPTION_KEYS as readonly string[]).includes(key)) {
      problems.push(poolMessages.unknownOption(key, JOB_OPTION_KEYS));
    }
  }
  check('timeout', isDuration(options.timeout), 'a number of milliseconds, 0 or more');
  check('queueTimeout', isDuration(options.queueTimeout), 'a number of milliseconds, 0 or more');
  check('priority', typeof options.priority === 'number' && Number.isFinite(options.priority), 'a finite number');
  check('signal', options.signal instanceof AbortSignal, 'an AbortSignal');
  check('onProgress', typeof options.onProgress === 'function', 'a function');
  if (problems.length > 0) throw new TypeError(`Invalid job options: ${problems.join('; ')}`);
  return options as JobOptions;
}
