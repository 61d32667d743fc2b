import type { LogLevel } from '@nestjs/common';
import { availableParallelism } from 'node:os';
import { PoolConfigError } from './errors/pool-config.error';
import type { JobOptions } from './interfaces/job-options.interface';
import type { KillReport } from './interfaces/kill-report.interface';
import type { PoolOptions } from './interfaces/pool-options.interface';
import { PanicSwitch } from './panic-switch.enum';

/** Options with every default filled in. */
export interface ResolvedPoolOptions {
  readonly name: string | undefined;
  readonly size: number;
  readonly panicSwitch: PanicSwitch;
  readonly panicOnError: boolean;
  readonly shutdownTimeout: number;
  readonly onKill: ((report: KillReport) => void) | undefined;
  readonly jobFiles: readonly string[] | undefined;
  readonly execArgv: readonly string[] | undefined;
  readonly resourceLimits: PoolOptions['resourceLimits'];
  readonly workerLogLevels: LogLevel[] | false;
  readonly jobTimeout: number | undefined;
  readonly queueTimeout: number | undefined;
  readonly cancelGrace: number;
  readonly maxQueue: number | undefined;
  readonly priorityAging: number;
  readonly recycleAfterJobs: number | undefined;
  readonly recycleAboveHeapMb: number | undefined;
  readonly readyWhen: 'all' | 'first';
}

/** Above this many workers a pool is almost surely a mistake (each one boots a Nest context). */
export const MAX_POOL_SIZE = 1024;
const KNOWN_KEYS: readonly (keyof PoolOptions)[] = [
  'name',
  'size',
  'panicSwitch',
  'panicOnError',
  'shutdownTimeout',
  'onKill',
  'jobFiles',
  'execArgv',
  'resourceLimits',
  'workerLogLevels',
  'jobTimeout',
  'queueTimeout',
  'cancelGrace',
  'maxQueue',
  'priorityAging',
  'recycleAfterJobs',
  'recycleAboveHeapMb',
  'readyWhen',
];
const LOG_LEVELS: readonly string[] = ['log', 'error', 'warn', 'debug', 'verbose', 'fatal'];

export function defaultPoolSize(): number {
  return Math.max(1, availableParallelism() - 1);
}

/** A value as an error message shows it: NaN as NaN, and never a throw of its own. */
const show = (value: unknown): string => {
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
};

const isDuration = (value: unknown): value is number => typeof value === 'number' && value >= 0 && !Number.isNaN(value);
const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 1;

const isStringArray = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');

/** Checks every option and fills in defaults; throws one `PoolConfigError` naming every bad field. */
export function resolvePoolOptions(raw: unknown): ResolvedPoolOptions {
  if (raw === undefined || raw === null) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new PoolConfigError(`Pool options must be an object, got ${show(raw)}`);
  }
  const options = raw as Record<string, unknown>;
  const problems: string[] = [];
  const check = (ok: boolean, field: string, expected: string): void => {
    if (!ok) problems.push(`${field} must be ${expected}, got ${show(options[field])}`);
  };
  const given = (field: keyof PoolOptions): boolean => options[field] !== undefined;

  for (const key of Object.keys(options)) {
    if (!(KNOWN_KEYS as readonly string[]).includes(key)) {
      problems.push(`unknown option ${JSON.stringify(key)} (known: ${KNOWN_KEYS.join(', ')})`);
    }
  }
  const { name, size, panicSwitch, panicOnError, shutdownTimeout, onKill, jobFiles, execArgv } = options;
  if (given('name')) check(typeof name === 'string' && name.length > 0, 'name', 'a non-empty string');
  if (given('size')) {
    check(
      typeof size === 'number' && Number.isInteger(size) && size >= 1 && size <= MAX_POOL_SIZE,
      'size',
      `a whole number of workers from 1 to ${MAX_POOL_SIZE}`,
    );
  }
  if (given('panicSwitch')) {
    const switches = Object.values(PanicSwitch) as unknown[];
    check(switches.includes(panicSwitch), 'panicSwitch', 'PanicSwitch.Kill or PanicSwitch.Respawn');
  }
  if (given('panicOnError')) check(typeof panicOnError === 'boolean', 'panicOnError', 'a boolean');
  if (given('shutdownTimeout')) {
    check(
      typeof shutdownTimeout === 'number' && shutdownTimeout >= 0 && !Number.isNaN(shutdownTimeout),
      'shutdownTimeout',
      'a number of milliseconds, 0 or more (Infinity waits for ever)',
    );
  }
  if (given('onKill')) check(typeof onKill === 'function', 'onKill', 'a function');
  if (given('jobFiles'))
    check(isStringArray(jobFiles) && jobFiles.length > 0, 'jobFiles', 'a non-empty array of file paths');
  if (given('execArgv')) check(isStringArray(execArgv), 'execArgv', 'an array of strings');
  if (given('resourceLimits')) {
    const limits = options.resourceLimits;
    const ok =
      typeof limits === 'object' &&
      limits !== null &&
      Object.values(limits).every((v) => typeof v === 'number' && v > 0);
    check(ok, 'resourceLimits', 'an object of positive numbers (maxOldGenerationSizeMb, …)');
  }
  if (given('workerLogLevels')) {
    const levels = options.workerLogLevels;
    check(
      levels === false || (isStringArray(levels) && levels.every((l) => LOG_LEVELS.includes(l))),
      'workerLogLevels',
      `false or an array of ${LOG_LEVELS.join(' / ')}`,
    );
  }
  for (const field of ['jobTimeout', 'queueTimeout', 'cancelGrace'] as const) {
    if (given(field)) check(isDuration(options[field]), field, 'a number of milliseconds, 0 or more');
  }
  if (given('priorityAging'))
    check(
      isDuration(options.priorityAging) && options.priorityAging !== 0,
      'priorityAging',
      'a positive number of milliseconds',
    );
  for (const field of ['maxQueue', 'recycleAfterJobs'] as const) {
    if (given(field)) check(isCount(options[field]), field, 'a whole number, 1 or more');
  }
  if (given('recycleAboveHeapMb')) {
    check(
      isDuration(options.recycleAboveHeapMb) && options.recycleAboveHeapMb !== 0,
      'recycleAboveHeapMb',
      'a positive number of megabytes',
    );
  }
  if (given('readyWhen'))
    check(options.readyWhen === 'all' || options.readyWhen === 'first', 'readyWhen', '"all" or "first"');
  if (problems.length > 0) {
    throw new PoolConfigError(`Invalid pool options: ${problems.join('; ')}`);
  }
  const typed = options as PoolOptions;
  return {
    name: typed.name,
    size: typed.size ?? defaultPoolSize(),
    panicSwitch: typed.panicSwitch ?? PanicSwitch.Respawn,
    panicOnError: typed.panicOnError ?? false,
    shutdownTimeout: typed.shutdownTimeout ?? 30_000,
    onKill: typed.onKill,
    jobFiles: typed.jobFiles,
    execArgv: typed.execArgv,
    resourceLimits: typed.resourceLimits,
    workerLogLevels: typed.workerLogLevels ?? ['log', 'error', 'warn', 'debug', 'verbose', 'fatal'],
    jobTimeout: typed.jobTimeout,
    queueTimeout: typed.queueTimeout,
    cancelGrace: typed.cancelGrace ?? 1_000,
    maxQueue: typed.maxQueue,
    priorityAging: typed.priorityAging ?? 1_000,
    recycleAfterJobs: typed.recycleAfterJobs,
    recycleAboveHeapMb: typed.recycleAboveHeapMb,
    readyWhen: typed.readyWhen ?? 'all',
  };
}

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
      problems.push(`unknown option ${JSON.stringify(key)} (known: ${JOB_OPTION_KEYS.join(', ')})`);
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
