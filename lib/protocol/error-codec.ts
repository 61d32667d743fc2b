/**
 * Errors across the thread boundary. Structured clone keeps only an error's message and stack and drops its
 * class and own properties, so the worker encodes what the caller needs and the main thread rebuilds an
 * error with the same name, message, stack and properties, on the right prototype where that is known.
 */
import * as poolErrors from '../errors';
import { httpErrorPrototype, isHttpError } from './http-errors';

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
  if (value instanceof Error) {
    return depth < MAX_CAUSE_DEPTH ? { __poolioError: encodeError(value, depth + 1) } : String(value);
  }
  try {
    return structuredClone(value);
  } catch {
    return String(value);
  }
}

/** Turns anything a job threw into a cloneable description. */
export function encodeError(error: unknown, depth = 0): EncodedError {
  if (!(error instanceof Error)) {
    return {
      name: 'Error',
      message: `Job threw a non-Error value: ${describeThrown(error)}`,
      props: {},
      thrown: cloneableOrString(error, depth),
    };
  }
  const props: Record<string, unknown> = {};
  for (const key of Object.getOwnPropertyNames(error)) {
    if (OWN_KEYS_HANDLED.has(key)) continue;
    const descriptor = Object.getOwnPropertyDescriptor(error, key);
    if (descriptor && 'value' in descriptor) props[key] = cloneableOrString(descriptor.value, depth);
  }
  return {
    name: error.name,
    message: error.message,
    stack: error.stack,
    props,
    http: isHttpError(error) || undefined,
  };
}

function describeThrown(value: unknown): string {
  try {
    return typeof value === 'string' ? JSON.stringify(value) : String(value);
  } catch {
    return typeof value;
  }
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
