/**
 * Worker side: runs the instructions the supervisor sends, one at a time, and answers each with a status.
 */
import type { MessagePort } from 'node:worker_threads';
import { poolJobMethods } from '../decorators/pool-job.decorator';
import { JobResultError } from '../errors/job-result.error';
import { UnknownJobError } from '../errors/unknown-job.error';
import { encodeError } from '../protocol/error-codec';
import type { JobTarget, RunInstruction, Status } from '../protocol/messages';

type Callable = (...args: unknown[]) => unknown;

/** Compiled self-contained functions kept per worker; the oldest is dropped past this. */
const MAX_COMPILED_FUNCTIONS = 256;

export class JobRunner {
  private readonly functions = new Map<string, Callable>();

  constructor(
    private readonly port: MessagePort,
    private readonly jobs: ReadonlyMap<string, object>,
  ) {}

  run(instruction: RunInstruction): void {
    const { id } = instruction;
    let result: unknown;
    try {
      const [self, fn] = this.resolve(instruction.target);
      result = fn.apply(self, instruction.args as unknown[]);
    } catch (error) {
      return this.failed(id, error);
    }
    // Synchronous jobs answer at once, without a microtask turn.
    if (isThenable(result)) {
      result.then(
        (value) => this.done(id, value),
        (error: unknown) => this.failed(id, error),
      );
    } else {
      this.done(id, result);
    }
  }

  private resolve(target: JobTarget): [unknown, Callable] {
    if (target.kind === 'function') return [undefined, this.compile(target.source)];
    const instance = this.jobs.get(target.job);
    const method = instance && (instance as Record<string, unknown>)[target.method];
    if (!instance || typeof method !== 'function' || !poolJobMethods(instance.constructor).has(target.method)) {
      throw new UnknownJobError(`${target.job}.${target.method} is not a @PoolJob() method in this worker`);
    }
    return [instance, method as Callable];
  }

  private compile(source: string): Callable {
    let fn = this.functions.get(source);
    if (!fn) {
      // The function is self-contained by contract: it is rebuilt from its source and captures nothing.
      fn = evaluateFunction(source);
      if (this.functions.size >= MAX_COMPILED_FUNCTIONS) {
        this.functions.delete(this.functions.keys().next().value as string);
      }
      this.functions.set(source, fn);
    }
    return fn;
  }

  private done(id: number, value: unknown): void {
    try {
      this.send({ kind: 'done', id, value });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.failed(id, new JobResultError(`The job's result cannot be sent back from the worker: ${reason}`));
    }
  }

  private failed(id: number, error: unknown): void {
    this.send({ kind: 'failed', id, error: encodeError(error) });
  }

  private send(status: Status): void {
    this.port.postMessage(status);
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** Rebuilds a function from its source: an arrow or function expression, or a method (`name(x) { … }`). */
function evaluateFunction(source: string): Callable {
  let value: unknown;
  try {
    value = new Function(`return (${source});`)();
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    try {
      // A method's source is not an expression; inside an object literal it is.
      value = Object.values(new Function(`return ({ ${source} });`)() as object)[0];
    } catch {
      throw new SyntaxError(`The job function's source cannot be compiled in the worker: ${error.message}`);
    }
  }
  if (typeof value !== 'function') throw new TypeError('The job function’s source did not evaluate to a function');
  return value as Callable;
}
