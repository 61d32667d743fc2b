import { findCloneProblem } from '../../lib/protocol/cloneable';

describe('findCloneProblem', () => {
  it('passes what structured clone keeps intact', () => {
    class Dto {
      constructor(readonly id: number) {}
    }
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    const args = [
      1,
      'text',
      null,
      undefined,
      10n,
      { nested: [{ deep: new Date() }] },
      new Map([[{ key: 1 }, new Set([1])]]),
      new Float64Array(4),
      new SharedArrayBuffer(8),
      new Error('boom'),
      new Dto(1),
      Object.create(null) as object,
      cyclic,
    ];
    expect(findCloneProblem(args)).toBeUndefined();
  });

  it.each<[string, unknown[], string, RegExp]>([
    ['a function', [1, () => 2], 'args[1]', /is a function \(anonymous\)/],
    ['a named function in an array', [[0, function named() {}]], 'args[0][1]', /is a function \(named\)/],
    ['a symbol', [Symbol('s')], 'args[0]', /is a symbol \(Symbol\(s\)\)/],
    ['a WeakMap', [{ cache: new WeakMap() }], 'args[0].cache', /is a WeakMap/],
    ['a Map value', [new Map([['k', () => 1]])], 'args[0].get("k")', /is a function/],
    ['a Map key', [new Map([[Symbol('k'), 1]])], 'args[0].keys()[0]', /is a symbol/],
    ['a Set member', [new Set([1, Promise.resolve()])], 'args[0].values()[1]', /is a Promise/],
    [
      'an instance with methods',
      [
        {
          user: new (class User {
            greet(): string {
              return 'hi';
            }
          })(),
        },
      ],
      'args[0].user',
      /User instance with methods or accessors \(greet\)/,
    ],
    [
      'an instance with an accessor',
      [
        new (class Temp {
          get kelvin(): number {
            return 1;
          }
        })(),
      ],
      'args[0]',
      /Temp instance with methods or accessors \(kelvin\)/,
    ],
  ])('refuses %s, naming where it is', (_what, args, path, reason) => {
    const problem = findCloneProblem(args);
    expect(problem?.path).toBe(path);
    expect(problem?.reason).toMatch(reason);
  });
});
