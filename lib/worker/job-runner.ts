/**
 * Worker side: runs the instructions the supervisor sends, one job at a time, and answers each with statuses.
 */
import type { MessagePort, TransferListItem } from 'node:worker_threads';
import { poolJobMethods } from '../decorators/pool-job.decorator';
import { JobResultError } from '../errors/job-result.error';
import { UnknownJobError } from '../errors/unknown-job.error';
import { enterJob, JobContext, leaveJob } from '../jobs/job-context';
import { encodeError } from '../protocol/error-codec';
import { readRuns, type Instruction, type JobRun, type JobTarget, type Status } from '../protocol/messages';
import { claim } from '../protocol/lanes';
import { anyDetached, transfersIn } from '../protocol/transfer';
import { findUnreadable } from '../protocol/value-walk';
import { evaluateFunction, type Callable } from './function-source';
import { cancelled, RunningJob, type JobReporter } from './running-job';
import { asAsyncIterator, isStream } from './stream-source';

const NO_TRANSFERS: readonly TransferListItem[] = [];

/** Compiled self-contained functions kept per worker; the oldest is dropped past this. */
const MAX_COMPILED_FUNCTIONS = 256;

export class JobRunner implements JobReporter {
  private readonly functions = new Map<string, Callable>();
  /** Provider targets by the number the supervisor gave each (see JobRun.target). */
  private readonly targets: JobTarget[] = [];
  private readonly context = new JobContext();
  /** The job in progress: at most one per worker. */
  running: RunningJob | undefined;
  /** Jobs sent while one runs (prefetched), in order; each starts the moment the one before it ends. */
  private readonly pending: JobRun[] = [];
  /** Set while `startPending` loops, so a job that ends at once does not start the next one from within it. */
  private starting = false;

  constructor(
    private readonly port: MessagePort,
    private readonly jobs: ReadonlyMap<string, object>,
    /** This worker's claim slots, shared with the supervisor. */
    private readonly lanes: Int32Array,
    /** Ask to be replaced once the heap is above this after a job. */
    private readonly retireAboveHeapMb: number | undefined,
  ) {}

  handle(instruction: Instruction): void {
    switch (instruction.kind) {
      case 'run':
        for (const run of readRuns(instruction)) {
          // Learned on receipt: a later instruction may name it, even if the supervisor takes this job back.
          if (run.remember !== undefined) this.targets[run.remember] = run.target as JobTarget;
          this.pending.push(run);
        }
        return this.startPending();
      case 'cancel':
        return this.cancel(instruction.id);
      case 'pull':
        if (this.running?.id === instruction.id) {
          this.running.credits += instruction.count;
          this.running.wake?.();
        }
        return;
      case 'exit':
        return; // handled by worker-main
    }
  }

  /** Starts the pending jobs one after the other while they end at once (synchronous jobs). */
  private startPending(): void {
    if (this.starting) return;
    this.starting = true;
    try {
      while (this.running === undefined && this.pending.length > 0) this.start(this.pending.shift()!);
    } finally {
      this.starting = false;
    }
  }

  /** Starts a job, unless the supervisor took it back to give it to an idle worker. */
  private start(instruction: JobRun): void {
    if (!claim(this.lanes, instruction.lane, instruction.id)) return;
    const { id } = instruction;
    const running = new RunningJob(id, this);
    this.running = running;
    enterJob(running);
    let result: unknown;
    let iterator: AsyncIterator<unknown> | undefined;
    let thenable = false;
    try {
      const [self, fn] = this.resolve(instruction.target);
      result = fn.apply(self, instruction.args as unknown[]);
      // Reading what it returned runs its code too (getters, a throwing Symbol.asyncIterator).
      if (isStream(result)) iterator = asAsyncIterator(result);
      else thenable = isThenable(result);
    } catch (error) {
      return this.failed(id, error);
    }
    if (iterator) {
      void this.stream(running, iterator);
    } else if (thenable) {
      // Promise.resolve settles once, even for a thenable that calls back twice or throws from `then`.
      Promise.resolve(result).then(
        (value) => this.done(id, value),
        (error: unknown) => this.failed(id, error),
      );
    } else {
      this.done(id, result); // synchronous jobs answer at once, without a microtask turn
    }
  }

  reportProgress(job: RunningJob, value: unknown): void {
    // Thrown to the job, whose own call it is: a value the main thread could not read would be lost there.
    const problem = unsendable(value, 'progress value');
    if (problem) throw new JobResultError(`progress() cannot send this value: ${problem}`);
    try {
      this.send({ kind: 'progress', id: job.id, value }, transfersIn(value));
    } catch (error) {
      throw error instanceof JobResultError
        ? error
        : new JobResultError(`progress() cannot send this value: ${textOf(error)}`);
    }
  }

  private cancel(id: number): void {
    const running = this.running;
    if (running?.id !== id) return;
    running.cancelled = true;
    running.controller?.abort(cancelled());
    running.wake?.();
  }

  /**
   * Sends a stream's items as the supervisor grants credits. Stops it (its `finally` runs) when cancelled, and
   * when an item cannot be sent: the stream then fails with `JobResultError`.
   */
  private async stream(running: RunningJob, iterator: AsyncIterator<unknown>): Promise<void> {
    let unsent: JobResultError | undefined;
    try {
      for (let index = 0; ; index++) {
        while (running.credits === 0 && !running.cancelled) {
          await new Promise<void>((resolve) => (running.wake = resolve));
        }
        if (running.cancelled) break;
        const step = await iterator.next();
        if (step.done) break;
        running.credits--;
        unsent = this.sendItem(running.id, index, step.value);
        if (unsent) break;
      }
      if (running.cancelled || unsent) await iterator.return?.();
    } catch (error) {
      // (A stream that throws has ended on its own; its `finally` has run.)
      return this.failed(running.id, unsent ?? error);
    }
    if (unsent) return this.failed(running.id, unsent);
    this.finish({ kind: 'done', id: running.id, value: undefined, streamed: true });
  }

  /** Sends one stream item; returns why it could not be sent, if it could not. */
  private sendItem(id: number, index: number, value: unknown): JobResultError | undefined {
    const problem = unsendable(value, `item ${index}`);
    if (problem)
      return new JobResultError(`The stream's item ${index} cannot be sent back from the worker: ${problem}`);
    try {
      this.send({ kind: 'yield', id, value }, transfersIn(value));
      return undefined;
    } catch (error) {
      return new JobResultError(`The stream's item ${index} cannot be sent back from the worker: ${textOf(error)}`);
    }
  }

  private resolve(sent: JobTarget | number): [unknown, Callable] {
    const target = typeof sent === 'number' ? this.targets[sent] : sent;
    if (target === undefined) throw new UnknownJobError(`The supervisor named job target ${sent}, never sent here`);
    if (target.kind === 'function') return [this.context, this.compile(target.source)];
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
    const problem = unsendable(value, 'result');
    if (problem) {
      return this.failed(id, new JobResultError(`The job's result cannot be sent back from the worker: ${problem}`));
    }
    try {
      this.finish({ kind: 'done', id, value }, transfersIn(value));
    } catch (error) {
      this.failed(id, new JobResultError(`The job's result cannot be sent back from the worker: ${textOf(error)}`));
    }
  }

  private failed(id: number, error: unknown): void {
    try {
      this.finish({ kind: 'failed', id, error: encodeError(error) });
    } catch (failure) {
      // The codec keeps every error cloneable; should one still not cross, the job fails all the same.
      const message = `The job failed, and its error cannot be sent back from the worker: ${textOf(failure)}`;
      this.finish({ kind: 'failed', id, error: { name: 'JobResultError', message, props: {} } });
    }
  }

  /**
   * The job's last status; then the next job, if one was sent meanwhile, starts at once. Throws, with the job
   * still running, if the status cannot be sent.
   */
  private finish(
    status: Status & { kind: 'done' | 'failed' },
    transfers: readonly TransferListItem[] = NO_TRANSFERS,
  ): void {
    if (this.running?.id !== status.id) return; // (a stray second ending cannot end the job after it)
    const retire = this.shouldRetire();
    this.send(retire ? { ...status, retire } : status, transfers);
    this.running = undefined;
    leaveJob();
    this.startPending();
  }

  private shouldRetire(): true | undefined {
    const limit = this.retireAboveHeapMb;
    return limit !== undefined && process.memoryUsage().heapUsed > limit * 1024 * 1024 ? true : undefined;
  }

  private send(status: Status, transfers: readonly TransferListItem[] = NO_TRANSFERS): void {
    if (transfers.length > 0 && anyDetached(transfers)) {
      throw new JobResultError(`A value marked with transfer() has already been moved to another thread`);
    }
    this.port.postMessage(status, transfers);
  }
}

/** What makes `value` unreadable on the main thread, with where in it (`result.items[3]`), or `undefined`. */
function unsendable(value: unknown, what: string): string | undefined {
  const problem = findUnreadable(value);
  return problem && `${what}${problem.path} ${problem.reason}`;
}

function textOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
