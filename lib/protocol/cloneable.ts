import type { TransferListItem } from 'node:worker_threads';
import { types } from 'node:util';
import { anyMarked, markedTransferable } from './transfer';
import { pathOf, walkValue, type Step, type Verdict } from './value-walk';

/**
 * Checks job arguments before they are queued, and collects the ones marked with `transfer()`. `postMessage`
 * throws only for some values (functions, symbols); others cross silently changed (a class instance arrives
 * as a plain object without its methods, a symbol-keyed property is dropped, a subclass of Map arrives as a
 * Map). Both would surprise the job, so both are refused here with the path of the bad value.
 */

/**
 * Built-ins structured clone copies as a whole (`whole`) or looks inside (`container`), by name. Told apart
 * with `util.types`, which works across realms (a value made in another vm context is no `instanceof` here).
 */
function builtinOf(value: object): { readonly name: string; readonly whole: boolean } | undefined {
  if (types.isDate(value)) return { name: 'Date', whole: true };
  if (types.isRegExp(value)) return { name: 'RegExp', whole: true };
  if (types.isAnyArrayBuffer(value)) return { name: 'ArrayBuffer', whole: true };
  if (types.isBoxedPrimitive(value)) return { name: 'boxed primitive', whole: true };
  if (value instanceof Blob) return { name: 'Blob', whole: true };
  if (Array.isArray(value)) return { name: 'Array', whole: false };
  if (types.isMap(value)) return { name: 'Map', whole: false };
  if (types.isSet(value)) return { name: 'Set', whole: false };
  return undefined;
}

/** The error classes structured clone rebuilds on their own class; any other error arrives as an `Error`. */
const NATIVE_ERRORS = new Set([
  'Error',
  'EvalError',
  'RangeError',
  'ReferenceError',
  'SyntaxError',
  'TypeError',
  'URIError',
]);

/** Types that cannot be cloned at all. */
function neverCloneable(value: object): string | undefined {
  if (types.isPromise(value)) return 'Promise';
  if (types.isWeakMap(value)) return 'WeakMap';
  if (types.isWeakSet(value)) return 'WeakSet';
  if (value instanceof WeakRef) return 'WeakRef';
  return undefined;
}

export interface CloneProblem {
  /** e.g. `args[1].items[3]` */
  readonly path: string;
  /** e.g. `is a function` */
  readonly reason: string;
}

/**
 * Returns the first value that would not reach a worker intact, or `undefined` if all would. Values marked
 * with `transfer()` are added to `transfers`.
 */
export function findCloneProblem(
  args: readonly unknown[],
  transfers?: Set<TransferListItem>,
): CloneProblem | undefined {
  let judge: ((step: Step) => Verdict) | undefined; // made at the first non-primitive: most tiny jobs take none
  for (let i = 0; i < args.length; i++) {
    const value = args[i];
    if (value === null || (typeof value !== 'object' && typeof value !== 'function' && typeof value !== 'symbol')) {
      continue; // the hot path: primitives
    }
    judge ??= judgeArgument(anyMarked() ? transfers : undefined);
    const problem = walkValue(value, judge);
    if (problem) return { path: `args[${i}]${pathOf(problem.step)}`, reason: problem.reason };
  }
  return undefined;
}

function judgeArgument(transfers: Set<TransferListItem> | undefined): (step: Step) => Verdict {
  return ({ value }) => {
    switch (typeof value) {
      case 'function':
        return `is a function (${value.name || 'anonymous'}); functions cannot be sent to a worker`;
      case 'symbol':
        return `is a symbol (${String(value)}); symbols cannot be sent to a worker`;
      case 'object':
        return value === null ? false : judgeObject(value, transfers);
      default:
        return false;
    }
  };
}

function judgeObject(value: object, transfers: Set<TransferListItem> | undefined): Verdict {
  if (types.isProxy(value)) return 'is a Proxy; proxies cannot be sent to a worker';
  if (transfers) {
    const transferable = markedTransferable(value);
    if (transferable) transfers.add(transferable);
  }
  if (ArrayBuffer.isView(value)) return false;
  const never = neverCloneable(value);
  if (never) return `is a ${never}, which cannot be sent to a worker`;
  const builtin = builtinOf(value);
  if (builtin)
    return subclassProblem(value, builtin.name) ?? (builtin.whole ? false : (symbolKeyProblem(value) ?? true));
  if (types.isNativeError(value) || value instanceof Error) return errorProblem(value as Error) ?? true;
  const behaviour = methodsOf(value, 1);
  if (behaviour) {
    return (
      `is a ${classNameOf(value)} instance with ${behaviour}; it would reach the worker as a plain object ` +
      'without them. Pass plain data (or a data-only class) and rebuild the instance inside the job'
    );
  }
  return symbolKeyProblem(value) ?? true;
}

/** A subclass of a built-in arrives as the built-in: refused when it adds methods, as a class instance is. */
function subclassProblem(value: object, base: string): string | undefined {
  const behaviour = methodsOf(value, 2);
  if (!behaviour) return undefined;
  return (
    `is a ${classNameOf(value)} (a subclass of ${base}) with ${behaviour}; it would reach the worker as ` +
    `a plain ${base} without them. Pass a plain ${base} and rebuild the instance inside the job`
  );
}

function errorProblem(error: Error): string | undefined {
  const proto = Object.getPrototypeOf(error) as { constructor?: { name?: unknown } } | null;
  const name = proto?.constructor?.name;
  const native = typeof name === 'string' && NATIVE_ERRORS.has(name) && proto !== null && Object.hasOwn(proto, 'name');
  if (!native) {
    return (
      `is a ${classNameOf(error)}, an error class structured clone does not keep: it would reach the worker ` +
      'as a plain Error without its class and own properties. Pass its fields as plain data'
    );
  }
  const dropped = Object.keys(error).filter((key) => key !== 'message' && key !== 'stack' && key !== 'cause');
  if (dropped.length > 0) {
    return (
      `is an error with own properties (${dropped.slice(0, 3).join(', ')}) that structured clone drops; ` +
      'it keeps only message, stack and cause. Pass them as plain data beside the error'
    );
  }
  return symbolKeyProblem(error);
}

function symbolKeyProblem(value: object): string | undefined {
  const symbols = Object.getOwnPropertySymbols(value);
  if (symbols.length === 0) return undefined;
  return (
    `has a symbol-keyed property (${String(symbols[0])}), which structured clone drops; ` +
    'use a string key to send it to a worker'
  );
}

/**
 * Names the methods or accessors an object inherits from its classes, or `undefined` if it has none. The last
 * `builtIn` prototypes of its chain are the built-in ones (`Object.prototype`; `Map.prototype` and
 * `Object.prototype`, ...), found by position so that a value from another realm is judged alike.
 */
function methodsOf(value: object, builtIn: number): string | undefined {
  const chain: object[] = [];
  for (let proto = Object.getPrototypeOf(value) as object | null; proto; proto = Object.getPrototypeOf(proto)) {
    chain.push(proto);
  }
  for (const proto of chain.slice(0, Math.max(0, chain.length - builtIn))) {
    const names = Object.getOwnPropertyNames(proto).filter((name) => name !== 'constructor');
    if (names.length > 0)
      return `methods or accessors (${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''})`;
  }
  return undefined;
}

function classNameOf(value: object): string {
  return (value.constructor as { name?: string } | undefined)?.name || 'class';
}
