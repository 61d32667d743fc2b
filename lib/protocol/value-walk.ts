/**
 * A walk over what structured clone would copy of a value, shared by the argument check (main thread) and the
 * result check (worker). It is iterative, so a deep value cannot overflow the stack of the thread checking it,
 * and it visits an array's elements at a cost that follows the elements present, not the array's length.
 */

/**
 * Values nested deeper than this many objects (arrays, maps, ...) are refused, both ways. A worker has a 4 MB stack and the main thread about
 * 1 MB: on Node 20 the main thread cannot read a message whose plain objects are nested about 1,950 deep
 * (arrays, maps and sets: about 3,300), while the worker posts it without complaint. Half of that leaves room
 * for the stack already in use when a message is read.
 */
export const MAX_NESTING = 1_000;

/** How a value is reached from the one holding it. */
export type Via = 'root' | 'index' | 'property' | 'map-key' | 'map-value' | 'set-member' | 'cause';

/** One value met on the walk: an object, a function or a symbol (other primitives always clone). */
export interface Step {
  readonly value: unknown;
  /** How many objects deep it is: 1 for the root. */
  readonly depth: number;
  readonly parent: Step | undefined;
  readonly via: Via;
  /** The index, key or position it is found under. */
  readonly key: unknown;
}

/**
 * What the walk does with a step: a string refuses it (the reason), `true` looks inside it, `false` takes it
 * as a whole (a Date, a typed array, ...).
 */
export type Verdict = string | boolean;

export interface WalkProblem {
  readonly step: Step;
  readonly reason: string;
}

/** An array holding fewer elements than this many holes is read by its keys instead of index by index. */
const HOLES_BEFORE_KEYS = 1_024;

/** True for what the walk visits: objects, functions and symbols. */
export function isComposite(value: unknown): boolean {
  return value !== null && (typeof value === 'object' || typeof value === 'function' || typeof value === 'symbol');
}

/**
 * Visits `root` and, where `judge` says so, what it holds, depth first in the order structured clone copies
 * it; each object once. Returns the first problem: one `judge` names, a getter that throws, or nesting past
 * `MAX_NESTING`.
 */
export function walkValue(root: unknown, judge: (step: Step) => Verdict): WalkProblem | undefined {
  if (!isComposite(root)) return undefined;
  const seen = new Set<unknown>();
  const stack: Step[] = [{ value: root, depth: 1, parent: undefined, via: 'root', key: undefined }];
  const children: Step[] = [];
  for (let step = stack.pop(); step !== undefined; step = stack.pop()) {
    const { value } = step;
    if (seen.has(value)) continue;
    seen.add(value);
    if (step.depth > MAX_NESTING) {
      return {
        step,
        reason:
          `is nested more than ${MAX_NESTING} levels deep, deeper than the other thread can read; ` +
          'flatten it (for example into an array of nodes that refer to each other by index)',
      };
    }
    const verdict = judge(step);
    if (typeof verdict === 'string') return { step, reason: verdict };
    if (!verdict || typeof value !== 'object' || value === null) continue;
    const add = (via: Via, key: unknown, child: unknown): void => {
      if (isComposite(child)) children.push({ value: child, depth: step.depth + 1, parent: step, via, key });
    };
    const problem = collectChildren(value, step, add);
    if (problem) return problem;
    // Pushed in reverse, so that they are visited in order.
    while (children.length > 0) stack.push(children.pop()!);
  }
  return undefined;
}

function collectChildren(
  value: object,
  step: Step,
  add: (via: Via, key: unknown, child: unknown) => void,
): WalkProblem | undefined {
  if (Array.isArray(value)) {
    forEachElement(value, (index, element) => add('index', index, element));
    return undefined;
  }
  if (value instanceof Map) {
    let i = 0;
    for (const key of value.keys()) add('map-key', i++, key);
    for (const [key, entry] of value) add('map-value', key, entry);
    return undefined;
  }
  if (value instanceof Set) {
    let i = 0;
    for (const member of value) add('set-member', i++, member);
    return undefined;
  }
  if (value instanceof Error) {
    // Structured clone copies an error's message, stack and cause, nothing else.
    if (Object.prototype.hasOwnProperty.call(value, 'cause')) add('cause', 'cause', readOwn(value, 'cause'));
    return undefined;
  }
  for (const key of Object.keys(value)) {
    let child: unknown;
    try {
      child = (value as Record<string, unknown>)[key];
    } catch (error) {
      const thrown: Step = { value: undefined, depth: step.depth + 1, parent: step, via: 'property', key };
      return { step: thrown, reason: `threw when read: ${error instanceof Error ? error.message : String(error)}` };
    }
    add('property', key, child);
  }
  return undefined;
}

function readOwn(value: object, key: string): unknown {
  const descriptor = Object.getOwnPropertyDescriptor(value, key);
  return descriptor && 'value' in descriptor ? descriptor.value : undefined;
}

/**
 * Calls `visit` for each element an array holds, in index order. A dense array is read index by index; once
 * the holes outnumber the elements by far, the rest is read by its keys, whose count follows the elements
 * present: one element at index 4,294,967,294 costs about a thousand steps, not four billion.
 */
export function forEachElement(array: readonly unknown[], visit: (index: number, element: unknown) => void): void {
  const { length } = array;
  let present = 0;
  let holes = 0;
  let index = 0;
  for (; index < length; index++) {
    if (holes > present + HOLES_BEFORE_KEYS) break;
    const element = array[index];
    if (element === undefined && !(index in array)) {
      holes++;
      continue;
    }
    present++;
    visit(index, element);
  }
  if (index >= length) return;
  for (const key of Object.keys(array)) {
    const at = arrayIndex(key);
    if (at !== undefined && at >= index) visit(at, array[at]);
  }
}

function arrayIndex(key: string): number | undefined {
  const n = Number(key);
  return Number.isInteger(n) && n >= 0 && n < 2 ** 32 - 1 && String(n) === key ? n : undefined;
}

/** `[1].items[3]`, `.get("k")`, ... from the root to `step`. */
export function pathOf(step: Step): string {
  const parts: string[] = [];
  for (let at: Step | undefined = step; at !== undefined && at.via !== 'root'; at = at.parent) {
    parts.push(describeStep(at));
  }
  return parts.reverse().join('');
}

function describeStep(step: Step): string {
  switch (step.via) {
    case 'index':
      return `[${String(step.key)}]`;
    case 'property':
    case 'cause':
      return `.${String(step.key)}`;
    case 'map-key':
      return `.keys()[${String(step.key)}]`;
    case 'map-value':
      return `.get(${typeof step.key === 'string' ? JSON.stringify(step.key) : describeKey(step.key)})`;
    case 'set-member':
      return `.values()[${String(step.key)}]`;
    case 'root':
      return '';
  }
}

function describeKey(key: unknown): string {
  try {
    return String(key);
  } catch {
    return typeof key;
  }
}

/**
 * For what a worker sends back (results, stream items, progress, error properties): the path of the first
 * value the main thread could not read, and why, or `undefined`. Only nesting is looked at here; what cannot
 * be cloned at all makes `postMessage` throw.
 */
export function findUnreadable(value: unknown): { path: string; reason: string } | undefined {
  if (typeof value !== 'object' || value === null || !tooDeep(value)) return undefined;
  // Rare: walked again, step by step, for the path.
  const problem = walkValue(value, ({ value: v }) => typeof v === 'object' && !isWhole(v));
  return problem && { path: pathOf(problem.step), reason: problem.reason };
}

/**
 * Whether `root` holds objects nested deeper than `MAX_NESTING`: the same walk as `walkValue` without its
 * bookkeeping, since every result a worker sends goes through it.
 */
function tooDeep(root: object): boolean {
  const seen = new Set<object>();
  const values: object[] = [root];
  const depths: number[] = [1];
  let depth = 0;
  const push = (child: unknown): void => {
    if (typeof child === 'object' && child !== null && !seen.has(child)) {
      values.push(child);
      depths.push(depth + 1);
    }
  };
  const pushElement = (_: number, child: unknown): void => push(child);
  while (values.length > 0) {
    const value = values.pop()!;
    depth = depths.pop()!;
    if (seen.has(value) || isWhole(value)) continue;
    seen.add(value);
    if (depth > MAX_NESTING) return true;
    if (Array.isArray(value)) {
      forEachElement(value, pushElement);
    } else if (value instanceof Map) {
      for (const [key, entry] of value) {
        push(key);
        push(entry);
      }
    } else if (value instanceof Set) {
      for (const member of value) push(member);
    } else if (value instanceof Error) {
      if (Object.prototype.hasOwnProperty.call(value, 'cause')) push(readOwn(value, 'cause'));
    } else {
      for (const key of Object.keys(value)) {
        try {
          push((value as Record<string, unknown>)[key]);
        } catch {
          // A getter that throws: postMessage will throw too, and say so.
        }
      }
    }
  }
  return false;
}

/** Objects that structured clone copies as a whole, without reading properties of theirs. */
function isWhole(value: object | null): boolean {
  return (
    value === null ||
    ArrayBuffer.isView(value) ||
    value instanceof ArrayBuffer ||
    value instanceof SharedArrayBuffer ||
    value instanceof Date ||
    value instanceof RegExp
  );
}
