import { describe, expect, it } from '@jest/globals';
import { PanicSwitch, PoolConfigError, type PoolOptions } from '../lib';
import {
  defaultPoolSize,
  MAX_POOL_SIZE,
  optionProblem,
  POOL_OPTION_KEYS,
  POOL_OPTION_RULES,
  type PoolOptionRuleTable,
  type ResolvedPoolOptions,
} from '../lib/pool-options.rules';
import { refusedOptions, resolvePoolOptions } from '../lib/pool-options.validator';

/** One acceptable and one refused value per option: a new option without a line here fails the first test. */
const SAMPLES: { readonly [K in keyof Required<PoolOptions>]: readonly [good: PoolOptions[K], bad: unknown] } = {
  name: ['reports', ''],
  size: [MAX_POOL_SIZE, MAX_POOL_SIZE + 1],
  panicSwitch: [PanicSwitch.Kill, 'Kill'],
  panicOnError: [true, 'yes'],
  shutdownTimeout: [Infinity, -1],
  onKill: [() => undefined, 'exit'],
  jobFiles: [['/app/jobs.js'], []],
  execArgv: [['--no-warnings'], [1]],
  resourceLimits: [{ maxOldGenerationSizeMb: 64 }, { maxOldGenerationSizeMb: 0 }],
  workerLogLevels: [false, ['loud']],
  jobTimeout: [0, NaN],
  queueTimeout: [5, '5'],
  cancelGrace: [1, -0.5],
  maxQueue: [1, 0],
  priorityAging: [0.5, 0],
  recycleAfterJobs: [3, 2.5],
  recycleAboveHeapMb: [128, 0],
  readyWhen: ['first', 'some'],
  transport: [Object.assign(() => undefined, { transportName: 'test' }), () => undefined],
};

describe('Pool option rules (no threads)', () => {
  it('has exactly one rule per option, and the known keys are the rules', () => {
    expect([...POOL_OPTION_KEYS].sort()).toEqual(Object.keys(SAMPLES).sort());
    expect(POOL_OPTION_KEYS).toEqual(Object.keys(POOL_OPTION_RULES));
    expect(() => resolvePoolOptions({ sise: 2 })).toThrow(`(known: ${POOL_OPTION_KEYS.join(', ')})`);
  });

  it.each(POOL_OPTION_KEYS)(
    '%s: accepts its good sample and refuses its bad one with the rule’s own message',
    (key) => {
      const [good, bad] = SAMPLES[key];
      expect(optionProblem(key, good)).toBeUndefined();
      expect(optionProblem(key, undefined)).toBeUndefined();
      expect(optionProblem(key, bad)).toMatch(new RegExp(`^${key} must be `));
      expect(optionProblem(key, bad)).toContain(POOL_OPTION_RULES[key].expected);
      expect(() => resolvePoolOptions({ [key]: bad })).toThrow(PoolConfigError);
      expect(resolvePoolOptions({ [key]: good })[key]).toBe(good);
    },
  );

  it('fills every omitted option with its rule’s default', () => {
    const resolved: ResolvedPoolOptions = resolvePoolOptions({});
    expect(resolved).toEqual({
      name: undefined,
      size: defaultPoolSize(),
      panicSwitch: PanicSwitch.Respawn,
      panicOnError: false,
      shutdownTimeout: 30_000,
      onKill: undefined,
      jobFiles: undefined,
      execArgv: undefined,
      resourceLimits: undefined,
      workerLogLevels: ['log', 'error', 'warn', 'debug', 'verbose', 'fatal'],
      jobTimeout: undefined,
      queueTimeout: undefined,
      cancelGrace: 1_000,
      maxQueue: undefined,
      priorityAging: 1_000,
      recycleAfterJobs: undefined,
      recycleAboveHeapMb: undefined,
      readyWhen: 'all',
      transport: undefined,
    });
    expect(Object.keys(resolved)).toEqual(POOL_OPTION_KEYS);
  });

  it('names every bad option in one error, unknown keys first', () => {
    expect(() => resolvePoolOptions({ size: 0, readyWhen: 'some', sise: 1 })).toThrow(
      /^Invalid pool options: unknown option "sise" \(known: .*\); size must be .*, got 0; readyWhen must be "all" or "first", got "some"$/,
    );
  });

  it('checks options once: resolved options handed back are returned as they are, frozen', () => {
    const resolved = resolvePoolOptions({ size: 2 });
    expect(Object.isFrozen(resolved)).toBe(true);
    expect(resolvePoolOptions(resolved)).toBe(resolved);
    // A copy is not the resolver's own: it is checked again.
    expect(resolvePoolOptions({ ...resolved })).not.toBe(resolved);
  });

  it('throws an options provider’s deferred refusal when the pool resolves them, and keeps the pool’s name', () => {
    const refusal = new PoolConfigError('Config has no createPoolOptions() method');
    const refused = refusedOptions('reports', refusal);
    expect(refused.name).toBe('reports');
    expect(() => resolvePoolOptions(refused)).toThrow(refusal);
  });

  it('makes the compiler refuse a table that misses an option (checked by tsc)', () => {
    const { size: _size, ...withoutSize } = POOL_OPTION_RULES;
    // @ts-expect-error a table without a rule for `size` is not a rule table
    const incomplete: PoolOptionRuleTable = withoutSize;
    const wrongDefault: PoolOptionRuleTable = {
      ...POOL_OPTION_RULES,
      // @ts-expect-error a default must be a value the option may hold
      size: { ...POOL_OPTION_RULES.size, fallback: () => 'four' },
    };
    expect([incomplete, wrongDefault]).toHaveLength(2);
  });
});
