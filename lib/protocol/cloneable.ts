import type { TransferListItem } from 'node:worker_threads';
import { anyMarked, markedTransferable } from './transfer';

/**
 * Checks job arguments before they are queued, and collects the ones marked with `transfer()`. `postMessage`
 * throws only for some values (functions, symbols); others cross silently changed (a class instance arrives
 * as a plain object without its methods). Both would surprise the job, so both are refused here with the
 * path of the bad value.
 */

/** Types the structured clone algorithm copies faithfully, without looking inside. */
const OPAQUE_CLONEABLE: readonly (abstract new (...args: never[]) => unknown)[] = [
  Date,
  RegExp,
  ArrayBuffer,
  SharedArrayBuffer,
  DataView,
  Boolean,
  Number,
  String,
  Error,
  Blob,
];

/** Types that cannot be cloned at all. */
const NEVER_CLONEABLE: readonly (abstract new (...args: never[]) => unknown)[] = [Promise, WeakMap, WeakSet, WeakRef];

const MAX_DEPTH = 256;

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
  let walk: Walk | undefined; // made at the first non-primitive: most tiny jobs take none
  for (let i = 0; i < args.length; i++) {
    const value = args[i];
    if (value === null || (typeof value !== 'object' && typeof value !== 'function' && typeof value !== 'symbol')) {
      continue; // the hot path: primitives
    }
    walk ??= { seen: new Set<object>(), transfers: anyMarked() ? transfers : undefined };
    const problem = inspect(value, walk, 0);
    if (problem) return { path: `args[${i}]${problem.path}`, reason: problem.reason };
  }
  return undefined;
}

interface Walk {
  readonly seen: Set<object>;
  readonly transfers: Set<TransferListItem> | undefined;
}

function inspect(value: unknown, walk: Walk, depth: number): CloneProblem | undefined {
  switch (typeof value) {
    case 'function':
      return { path: '', reason: `is a function (${value.name || 'anonymous'}); functions cannot be sent to a worker` };
    case 'symbol':
      return { path: '', reason: `is a symbol (${String(value)}); symbols cannot be sent to a worker` };
    case 'object':
      break;
    default:
      return undefined;
  }
  if (value === null || walk.seen.has(value) || depth > MAX_DEPTH) return undefined;
  walk.seen.add(value);
  if (walk.transfers) {
    const transferable = markedTransferable(value);
    if (transferable) walk.transfers.add(transferable);
  }
  if (ArrayBuffer.isView(value) || OPAQUE_CLONEABLE.some((type) => value instanceof type)) return undefined;
  for (const type of NEVER_CLONEABLE) {
    if (value instanceof type) return { path: '', reason: `is a ${type.name}, which cannot be sent to a worker` };
  }
  if (Array.isArray(value)) return inspectEntries(value.entries(), walk, depth, (i) => `[${String(i)}]`);
  if (value instanceof Map) {
    const keys = inspectEntries(
      Array.from(value.keys(), (key, i) => [i, key] as const),
      walk,
      depth,
      (i) => `.keys()[${String(i)}]`,
    );
    return keys ?? inspectEntries(value.entries(), walk, depth, (key) => `.get(${describeKey(key)})`);
  }
  if (value instanceof Set)
    return inspectEntries(Array.from(value).entries(), walk, depth, (i) => `.values()[${String(i)}]`);
  const behaviour = methodsOf(value);
  if (behaviour) {
    const className = (value.constructor as { name?: string } | undefined)?.name || 'class';
    return {
      path: '',
      reason:
        `is a ${className} instance with ${behaviour}; it would reach the worker as a plain object without ` +
        'them. Pass plain data (or a data-only class) and rebuild the instance inside the job',
    };
  }
  // Read each property alone: a getter that throws is reported at its own path.
  const entries: [string, unknown][] = [];
  for (const key of Object.keys(value)) {
    try {
      entries.push([key, (value as Record<string, unknown>)[key]]);
    } catch (error) {
      return { path: `.${key}`, reason: `threw when read: ${error instanceof Error ? error.message : String(error)}` };
    }
  }
  return inspectEntries(entries, walk, depth, (key) => `.${String(key)}`);
}

function inspectEntries<K>(
  entries: Iterable<readonly [K, unknown]>,
  walk: Walk,
  depth: number,
  step: (key: K) => string,
): CloneProblem | undefined {
  for (const [key, entry] of entries) {
    if (entry === null || (typeof entry !== 'object' && typeof entry !== 'function' && typeof entry !== 'symbol')) {
      continue;
    }
    const problem = inspect(entry, walk, depth + 1);
    if (problem) return { path: step(key) + problem.path, reason: problem.reason };
  }
  return undefined;
}

/** Names the methods or accessors an object inherits from its class, or `undefined` if it has none. */
function methodsOf(value: object): string | undefined {
  for (let proto = Object.getPrototypeOf(value) as object | null; proto && proto !== Object.prototype;) {
    const names = Object.getOwnPropertyNames(proto).filter((name) => name !== 'constructor');
    if (names.length > 0)
      return `methods or accessors (${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''})`;
    proto = Object.getPrototypeOf(proto) as object | null;
  }
  return undefined;
}

function describeKey(key: unknown): string {
  return typeof key === 'string' ? JSON.stringify(key) : String(key);
}
