/**
 * Errors across the thread boundary. Structured clone keeps only an error's message and stack and drops its
 * class and own properties, so the worker encodes what the caller needs and the main thread rebuilds an
 * error with the same name, message, stack and properties, on the right prototype where that is known.
 */
import { types } from 'node:util';
import * as poolErrors from '../errors';
import { httpErrorPrototype, isHttpError } from './http-errors';
import { findUnreadable } from './value-walk';

export interface EncodedError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  /** Own properties other than name, message and stack, each cloneable (or turned into a string). */
  readonly props: Record<string, unknown>;
  /** Set when the error was a Nest `HttpException` (its subclass is found again by name). */
  readonly http?: boolean;
  /** Set when something other than an Error was thrown. */
  readonly thrown?: unknown;
}

const MAX_CAUSE_DEPTH = 8;
const OWN_KEYS_HANDLED = new Set(['name', 'message', 'stack']);

const GLOBAL_ERRORS: Record<string, ErrorConstructor> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

function cloneableOrString(value: unknown, depth: number): unknown {
  if (isError(value)) {
    return depth < MAX_CAUSE_DEPTH ? { __poolioError: encodeError(value, depth + 1) } : textOf(value);
  }
  try {
    // Nesting the main thread could not read would lose the whole failure there.
    const unreadable = findUnreadable(value);
    return unreadable ? `[a value that ${unreadable.reason}]` : structuredClone(value);
  } catch {
    return textOf(value);
  }
}

/**
 * Turns anything a job threw into a cloneable description, whatever it is: an error whose message is an
 * object, whose getters throw, a proxy, a value whose `toString` throws. It never throws itself, since a
 * failure here would end the worker instead of failing the one job.
 */
export function encodeError(error: unknown, depth = 0): EncodedError {
  try {
    return isError(error) ? encodeErrorObject(error, depth) : encodeThrownValue(error, depth);
  } catch (failure) {
    return {
      name: 'Error',
      message: `Job threw a value that could not be described (reading it threw ${textOf(failure)})`,
      props: {},
    };
  }
}

function encodeThrownValue(thrown: unknown, depth: number): EncodedError {
  return {
    name: 'Error',
    message: `Job threw a non-Error value: ${describeThrown(thrown)}`,
    props: {},
    thrown: cloneableOrString(thrown, depth),
  };
}

function encodeErrorObject(error: Error, depth: number): EncodedError {
  const props: Record<string, unknown> = {};
  let keys: string[] = [];
  try {
    keys = Object.getOwnPropertyNames(error);
  } catch {
    // A proxy whose ownKeys trap throws: its properties are left out.
  }
  for (const key of keys) {
    if (OWN_KEYS_HANDLED.has(key)) continue;
    try {
      const descriptor = Object.getOwnPropertyDescriptor(error, key);
      if (descriptor && 'value' in descriptor) props[key] = cloneableOrString(descriptor.value, depth);
    } catch {
      props[key] = '[a property that threw when read]';
    }
  }
  const name = read(error, 'name');
  const message = read(error, 'message');
  const stack = read(error, 'stack');
  let http: true | undefined;
  try {
    http = isHttpError(error) || undefined;
  } catch {
    http = undefined;
  }
  return {
    name: typeof name.value === 'string' ? name.value : name.threw ? 'Error' : textOf(name.value),
    message:
      typeof message.value === 'string'
        ? message.value
        : message.threw
          ? `(the error's message threw when read: ${textOf(message.error)})`
          : `(the error's message is not a string: ${textOf(message.value)})`,
    stack: typeof stack.value === 'string' ? stack.value : undefined,
    props,
    http,
  };
}

/** Reads a property that may be a throwing getter (or a proxy's trap). */
function read(value: object, key: string): { value?: unknown; threw?: true; error?: unknown } {
  try {
    return { value: (value as Record<string, unknown>)[key] };
  } catch (error) {
    return { threw: true, error };
  }
}

function isError(value: unknown): value is Error {
  try {
    return types.isNativeError(value) || value instanceof Error;
  } catch {
    return false; // a proxy whose getPrototypeOf trap throws
  }
}

/** `String(value)`, or its type where that throws (a `toString` that throws, an object without a prototype). */
function textOf(value: unknown): string {
  try {
    return String(value);
  } catch {
    try {
      return Object.prototype.toString.call(value);
    } catch {
      return typeof value;
    }
  }
}

function describeThrown(value: unknown): string {
  try {
    return typeof value === 'string' ? JSON.stringify(value) : textOf(value);
  } catch {
    return typeof value;
  }
}

/**
 * Says what ended a worker, for the log: `TypeError: x is undefined`, or the value where something other than
 * an error was thrown (a worker's uncaught error reaches the main thread as whatever could be cloned of it).
 */
export function describeUncaught(value: unknown): string {
  // Node rebuilds a worker's uncaught error on its class's prototype, but not as a native error (and, under
  // jest, in another realm): judged by its name and message, not by instanceof.
  if (typeof value === 'object' && value !== null) {
    const name = read(value, 'name').value;
    const message = read(value, 'message').value;
    if (typeof name === 'string' && typeof message === 'string') return `${name}: ${message}`;
    if (isError(value)) return `${typeof name === 'string' ? name : 'Error'}: ${textOf(message)}`;
  }
  return `non-Error value: ${describeThrown(value)}`;
}

function prototypeFor(encoded: EncodedError): object {
  const byName = (source: Record<string, unknown>): object | undefined => {
    const candidate = source[encoded.name];
    return typeof candidate === 'function' && candidate.prototype instanceof Error
      ? (candidate.prototype as object)
      : undefined;
  };
  if (encoded.http) return httpErrorPrototype(encoded.name);
  return (
    byName(poolErrors as unknown as Record<string, unknown>) ??
    GLOBAL_ERRORS[encoded.name]?.prototype ??
    Error.prototype
  );
}

function reviveProp(value: unknown): unknown {
  if (value && typeof value === 'object' && '__poolioError' in value) {
    return decodeError((value as { __poolioError: EncodedError }).__poolioError);
  }
  return value;
}

/** Rebuilds an error described by `encodeError`. */
export function decodeError(encoded: EncodedError): Error {
  const error = Object.create(prototypeFor(encoded)) as Error;
  const hidden = { writable: true, configurable: true, enumerable: false };
  Object.defineProperty(error, 'message', { ...hidden, value: encoded.message });
  Object.defineProperty(error, 'stack', { ...hidden, value: encoded.stack ?? `${encoded.name}: ${encoded.message}` });
  if (error.name !== encoded.name) Object.defineProperty(error, 'name', { ...hidden, value: encoded.name });
  for (const [key, value] of Object.entries(encoded.props)) {
    // `cause` is not enumerable on a native error either.
    Object.defineProperty(error, key, { ...hidden, enumerable: key !== 'cause', value: reviveProp(value) });
  }
  if ('thrown' in encoded) Object.defineProperty(error, 'thrown', { ...hidden, value: reviveProp(encoded.thrown) });
  return error;
}
