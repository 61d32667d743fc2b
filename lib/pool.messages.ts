import { showValue } from './pool-options.rules';

/** A pool as messages name it: `default`, or its name quoted. */
export const describePool = (name: string | null): string => (name === null ? 'default' : JSON.stringify(name));

/**
 * The Nest layer's error messages, each written from the facts of the case in one place, so that a throw site
 * reads as what went wrong and every message keeps to the same form: what was wrong, then what to do.
 */
export const poolMessages = {
  optionsNotAnObject: (value: unknown): string => `Pool options must be an object, got ${showValue(value)}`,
  unknownOption: (key: string, known: readonly string[]): string =>
    `unknown option ${JSON.stringify(key)} (known: ${known.join(', ')})`,
  invalidOptions: (problems: readonly string[]): string => `Invalid pool options: ${problems.join('; ')}`,

  asyncOptionsShape: (method: string): string =>
    `PoolModule.${method}() needs { useFactory, inject? } or { useClass } or { useExisting }, with imports? and ` +
    'name?: useFactory a function, useClass or useExisting a class (or token) whose instance has createPoolOptions()',
  nameRequired: (method: string, name: unknown): string =>
    `PoolModule.${method}() needs a name: a non-empty string, got ${JSON.stringify(name)}`,
  noCreatePoolOptions: (provider: string): string =>
    `${provider} has no createPoolOptions() method: a class given as useClass or useExisting must implement PoolOptionsFactory`,

  unavailableInWorker: (): string =>
    'The pool cannot be used inside its own workers: a job runs on one thread and cannot submit to the pool',

  registeredTwice: (pool: string | null, count: number): string =>
    `The pool ${describePool(pool)} is registered ${count} times; register each pool once`,
  poolNotRegistered: (job: string, pool: string | null, registered: readonly (string | null)[]): string =>
    `${job} runs in the pool ${describePool(pool)}, which is not registered ` +
    `(registered: ${registered.map(describePool).join(', ') || 'none'})`,
  sameClassName: (key: string): string =>
    `Two job providers are named ${key}; jobs are addressed by class name, so rename one of them`,
  jobInOtherPool: (job: string, pool: string | null, asked: string | null): string =>
    `${job} runs in the pool ${describePool(pool)}, not in ${describePool(asked)}: ` +
    `execute it on that pool (@InjectPool(${pool === null ? '' : JSON.stringify(pool)}))`,
  notAProvider: (name: string): string =>
    `${name} has @PoolJob() methods but is not a provider of any module in this app: add it to a module's providers`,
  notAJobProvider: (name: string): string =>
    `${name} is not a job provider: mark its job methods with @PoolJob() and provide it in a module`,
  notAJobMethod: (key: string, method: string, known: readonly string[]): string =>
    `${key}.${method} is not a @PoolJob() method (the pool jobs of ${key} are: ${known.join(', ')})`,
};
