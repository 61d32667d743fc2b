/**
 * Main thread: checks that a message from a worker is a `Status` the worker code can send. A job's code runs in
 * that worker and can reach its port (`workerData.port`), so a message that is no status, or is one with
 * fields of the wrong type, must be turned away before the supervisor acts on it: it would otherwise throw
 * inside the supervisor (a log level that is no logger method, an error without `props`) and end the app.
 */
import type { EncodedError } from './error-codec';

const LOG_LEVELS: ReadonlySet<unknown> = new Set(['log', 'error', 'warn', 'debug', 'verbose', 'fatal']);

type Fields = Record<string, unknown>;

/** Why `message` is not a status a worker sends, or `undefined` if it is one. */
export function statusProblem(message: unknown): string | undefined {
  if (typeof message !== 'object' || message === null) return `it is ${describe(message)}, not a status object`;
  const status = message as Fields;
  switch (status.kind) {
    case 'ready':
      return undefined;
    case 'done':
      return idProblem(status) ?? flagProblem(status, 'streamed') ?? flagProblem(status, 'retire');
    case 'failed':
      return idProblem(status) ?? flagProblem(status, 'retire') ?? encodedErrorProblem(status.error);
    case 'yield':
    case 'progress':
      return idProblem(status);
    case 'log':
      if (!LOG_LEVELS.has(status.level)) return `its log level is ${describe(status.level)}`;
      if (typeof status.message !== 'string') return `its log message is ${describe(status.message)}`;
      if (status.context !== undefined && typeof status.context !== 'string') {
        return `its log context is ${describe(status.context)}`;
      }
      if (status.jobId !== undefined && !Number.isSafeInteger(status.jobId)) {
        return `its job id is ${describe(status.jobId)}`;
      }
      return undefined;
    case 'boot-failed':
      return encodedErrorProblem(status.error);
    default:
      return `its kind is ${describe(status.kind)}`;
  }
}

function idProblem(status: Fields): string | undefined {
  return Number.isSafeInteger(status.id) ? undefined : `its job id is ${describe(status.id)}`;
}

function flagProblem(status: Fields, key: string): string | undefined {
  const value = status[key];
  return value === undefined || value === true ? undefined : `its ${key} flag is ${describe(value)}`;
}

function encodedErrorProblem(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return `its error is ${describe(error)}`;
  const fields = error as Partial<Record<keyof EncodedError, unknown>>;
  if (typeof fields.name !== 'string') return `its error's name is ${describe(fields.name)}`;
  if (typeof fields.message !== 'string') return `its error's message is ${describe(fields.message)}`;
  if (fields.stack !== undefined && typeof fields.stack !== 'string') {
    return `its error's stack is ${describe(fields.stack)}`;
  }
  if (typeof fields.props !== 'object' || fields.props === null) {
    return `its error's props are ${describe(fields.props)}`;
  }
  for (const value of [...Object.values(fields.props), (fields as { thrown?: unknown }).thrown]) {
    if (isEncodedErrorWrapper(value)) {
      const nested = encodedErrorProblem(value.__poolioError);
      if (nested) return `a nested ${nested.replace(/^its /, '')}`;
    }
  }
  return undefined;
}

function isEncodedErrorWrapper(value: unknown): value is { __poolioError: unknown } {
  return typeof value === 'object' && value !== null && '__poolioError' in value;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'object' || typeof value === 'function') return `a value of type ${typeof value}`;
  try {
    return `${typeof value} ${String(value)}`;
  } catch {
    return typeof value;
  }
}
