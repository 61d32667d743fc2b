import type { LogLevel } from '@nestjs/common';
import { availableParallelism } from 'node:os';
import type { PoolOptions } from './interfaces/pool-options.interface';
import { PanicSwitch } from './panic-switch.enum';

/** Above this many workers a pool is almost surely a mistake (each one boots a Nest context). */
export const MAX_POOL_SIZE = 1024;
export const LOG_LEVELS: readonly LogLevel[] = ['log', 'error', 'warn', 'debug', 'verbose', 'fatal'];

export function defaultPoolSize(): number {
  return Math.max(1, availableParallelism() - 1);
}

/** One option's rule: what a given value must be, and what an omitted one becomes. */
export interface OptionRule<T> {
  /** True when a given (not undefined) value is acceptable. */
  readonly check: (value: unknown) => boolean;
  /** What the value must be, as the message says it: `size must be <expected>, got …`. */
  readonly expected: string;
  /** The value an omitted option takes; called once per pool. */
  readonly fallback: () => T;
}

/** A rule for each `PoolOptions` field, no more, no fewer, each defaulting to a value its field may hold. */
export type PoolOptionRuleTable = { readonly [K in keyof Required<PoolOptions>]: OptionRule<PoolOptions[K]> };

const isDuration = (value: unknown): value is number => typeof value === 'number' && value >= 0 && !Number.isNaN(value);
const isPositive = (value: unknown): boolean => isDuration(value) && value !== 0;
const isCount = (value: unknown): boolean => typeof value === 'number' && Number.isInteger(value) && value >= 1;
const isStringArray = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');
const none = (): undefined => undefined;

const DURATION = 'a number of milliseconds, 0 or more';
const COUNT = 'a whole number, 1 or more';

/**
 * Every pool option, once. Known keys, defaults, resolved types and messages all derive from this table, and
 * `satisfies` makes the compiler refuse a `PoolOptions` field without a rule (or a rule for no field).
 */
export const POOL_OPTION_RULES = {
  name: {
    check: (value) => typeof value === 'string' && value.length > 0,
    expected: 'a non-empty string',
    fallback: none,
  },
  size: {
    check: (value) => isCount(value) && (value as number) <= MAX_POOL_SIZE,
    expected: `a whole number of workers from 1 to ${MAX_POOL_SIZE}`,
    fallback: defaultPoolSize,
  },
  panicSwitch: {
    check: (value) => (Object.values(PanicSwitch) as unknown[]).includes(value),
    expected: 'PanicSwitch.Kill or PanicSwitch.Respawn',
    fallback: (): PanicSwitch => PanicSwitch.Respawn,
  },
  panicOnError: { check: (value) => typeof value === 'boolean', expected: 'a boolean', fallback: () => false },
  shutdownTimeout: {
    check: isDuration,
    expected: `${DURATION} (Infinity waits for ever)`,
    fallback: () => 30_000,
  },
  onKill: { check: (value) => typeof value === 'function', expected: 'a function', fallback: none },
  jobFiles: {
    check: (value) => isStringArray(value) && value.length > 0,
    expected: 'a non-empty array of file paths',
    fallback: none,
  },
  execArgv: { check: isStringArray, expected: 'an array of strings', fallback: none },
  resourceLimits: {
    check: (value) =>
      typeof value === 'object' && value !== null && Object.values(value).every((v) => typeof v === 'number' && v > 0),
    expected: 'an object of positive numbers (maxOldGenerationSizeMb, …)',
    fallback: none,
  },
  workerLogLevels: {
    check: (value) =>
      value === false || (isStringArray(value) && value.every((level) => (LOG_LEVELS as string[]).includes(level))),
    expected: `false or an array of ${LOG_LEVELS.join(' / ')}`,
    fallback: (): LogLevel[] | false => [...LOG_LEVELS],
  },
  jobTimeout: { check: isDuration, expected: DURATION, fallback: none },
  queueTimeout: { check: isDuration, expected: DURATION, fallback: none },
  cancelGrace: { check: isDuration, expected: DURATION, fallback: () => 1_000 },
  maxQueue: { check: isCount, expected: COUNT, fallback: none },
  priorityAging: { check: isPositive, expected: 'a positive number of milliseconds', fallback: () => 1_000 },
  recycleAfterJobs: { check: isCount, expected: COUNT, fallback: none },
  recycleAboveHeapMb: { check: isPositive, expected: 'a positive number of megabytes', fallback: none },
  readyWhen: {
    check: (value) => value === 'all' || value === 'first',
    expected: '"all" or "first"',
    fallback: (): 'all' | 'first' => 'all',
  },
  transport: {
    check: (value) =>
      typeof value === 'function' && typeof (value as { transportName?: unknown }).transportName === 'string',
    expected: 'a transport made by a transport function, such as bullmqTransport() from nestjs-poolio/bullmq',
    fallback: none,
  },
} as const satisfies PoolOptionRuleTable;

type Rules = typeof POOL_OPTION_RULES;

/** Options with every default filled in: an option with a default is never undefined. */
export type ResolvedPoolOptions = {
  readonly [K in keyof Rules]: Exclude<PoolOptions[K], undefined> | ReturnType<Rules[K]['fallback']>;
};

/** Every option's name, in the table's order (the order messages list them in). */
export const POOL_OPTION_KEYS = Object.keys(POOL_OPTION_RULES) as (keyof PoolOptions)[];

/** The problem with one option's value, as a message fragment; undefined when it is fine or omitted. */
export function optionProblem(key: keyof PoolOptions, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const rule: OptionRule<unknown> = POOL_OPTION_RULES[key];
  return rule.check(value) ? undefined : `${key} must be ${rule.expected}, got ${showValue(value)}`;
}

/** A value as an error message shows it: NaN as NaN, and never a throw of its own. */
export function showValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'symbol') return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    try {
      return String(value);
    } catch {
      return Object.prototype.toString.call(value);
    }
  }
}
