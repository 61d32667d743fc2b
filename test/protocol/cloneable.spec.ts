import { runInNewContext } from 'node:vm';
import { findCloneProblem } from '../../lib/protocol/cloneable';
import { forEachElement, MAX_NESTING } from '../../lib/protocol/value-walk';

/** `levels` objects nested in one another; the innermost holds `end`. */
function nested(levels: number, end: unknown = 'end'): unknown {
  let value = end;
  for (let i = 0; i < levels; i++) value = { next: value };
  return value;
}

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

  it.each<[string, unknown[], string, RegExp]>([
    [
      'a symbol-keyed property',
      [{ list: [{ [Symbol('tag')]: 1 }] }],
      'args[0].list[0]',
      /symbol-keyed property \(Symbol\(tag\)\)/,
    ],
    ['a symbol-keyed property of an array', [Object.assign([1], { [Symbol('s')]: 2 })], 'args[0]', /symbol-keyed/],
    [
      'a subclass of Array with methods',
      [
        {
          items: new (class Items extends Array<number> {
            total(): number {
              return 0;
            }
          })(),
        },
      ],
      'args[0].items',
      /Items \(a subclass of Array\) with methods or accessors \(total\)/,
    ],
    [
      'a subclass of Date with methods',
      [
        new (class Day extends Date {
          iso(): string {
            return '';
          }
        })(),
      ],
      'args[0]',
      /subclass of Date/,
    ],
    [
      'a subclass of Map with methods',
      [
        new (class Cache extends Map {
          hit(): void {}
        })(),
      ],
      'args[0]',
      /subclass of Map/,
    ],
    [
      'a subclass of Error',
      [new (class QuotaError extends Error {})('x')],
      'args[0]',
      /QuotaError, an error class structured clone does not keep/,
    ],
    [
      'an error with own properties',
      [Object.assign(new Error('x'), { code: 'E' })],
      'args[0]',
      /own properties \(code\)/,
    ],
    ['a Proxy', [[new Proxy({}, {})]], 'args[0][0]', /is a Proxy/],
    [
      'a class instance deeper than 256 levels',
      [
        nested(
          300,
          new (class Node {
            walk(): void {}
          })(),
        ),
      ],
      `args[0]${'.next'.repeat(300)}`,
      /Node instance with methods/,
    ],
    [
      'nesting deeper than the limit',
      [nested(MAX_NESTING + 1)],
      `args[0]${'.next'.repeat(MAX_NESTING)}`,
      /nested more than 1000 levels/,
    ],
    [
      'a function at index 4,294,967,294 of an array that holds nothing else',
      [sparse(2 ** 32 - 1, () => 1)],
      'args[0][4294967294]',
      /is a function/,
    ],
  ])('refuses %s, naming where it is', (_what, args, path, reason) => {
    const problem = findCloneProblem(args);
    expect(problem?.path).toBe(path);
    expect(problem?.reason).toMatch(reason);
  });

  it('passes what is nested as deep as the limit, data-only subclasses, and values of another realm', () => {
    expect(findCloneProblem([nested(MAX_NESTING)])).toBeUndefined();
    expect(findCloneProblem([new (class Tags extends Set<string> {})(['a'])])).toBeUndefined();
    expect(findCloneProblem([new RangeError('r', { cause: new TypeError('t') })])).toBeUndefined();
    const foreign = runInNewContext(
      '({ list: [1, { at: new Date() }], map: new Map([[1, new Set([2])]]), error: new TypeError("x") })',
    );
    expect(findCloneProblem([foreign])).toBeUndefined();
    expect(findCloneProblem([sparse(2 ** 32 - 1, { fine: true })])).toBeUndefined();
  });
});

/** An array of `length` with one element, at its last index. */
function sparse(length: number, element: unknown): unknown[] {
  const array: unknown[] = [];
  array[length - 1] = element;
  return array;
}

describe('forEachElement', () => {
  /** Counts the reads the walk makes of an array's indices, holes included, through a getter on its prototype. */
  function readsOf(array: unknown[]): number {
    let reads = 0;
    const counting = new Proxy(Array.prototype, {
      has: (target, key) => {
        reads++;
        return Reflect.has(target, key);
      },
    });
    Object.setPrototypeOf(array, counting);
    const visited: number[] = [];
    forEachElement(array, (index) => visited.push(index));
    Object.setPrototypeOf(array, Array.prototype);
    return reads;
  }

  it('visits the elements present, in order, at a cost that follows them and not the length', () => {
    const visited: [number, unknown][] = [];
    const array = sparse(10_000_001, 'last');
    array[5] = 'five';
    forEachElement(array, (index, element) => visited.push([index, element]));
    expect(visited).toEqual([
      [5, 'five'],
      [10_000_000, 'last'],
    ]);
    // Each hole is looked up on the prototype chain: about a thousand of them before the walk reads keys.
    expect(readsOf(sparse(2 ** 32 - 1, 1))).toBeLessThan(2_000);
    expect(readsOf(sparse(10_000_001, 1))).toBeLessThan(2_000);
  });

  it('reads a dense array index by index, holes and undefined told apart', () => {
    const visited: number[] = [];
    // eslint-disable-next-line no-sparse-arrays
    forEachElement([0, undefined, , 3], (index) => visited.push(index));
    expect(visited).toEqual([0, 1, 3]);
  });
});
