import { Worker, type Job as BullJob, type WorkerOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { JobArgumentError } from '../errors/job-argument.error';
import { JobResultError } from '../errors/job-result.error';
import { RemoteStreamInterruptedError } from '../errors/remote-stream-interrupted.error';
import { Job, type JobSink } from '../supervisor/job';
import type { Supervisor } from '../supervisor/supervisor';
import { ReplyWriter } from './reply-writer';
import { decodeValue, encodeFailure, encodeValue, type RemoteJobData, type RemoteKeys } from './remote-job.protocol';

/** What a consumer needs besides its threads. */
export interface ConsumerParts {
  readonly queueName: string;
  readonly prefix: string;
  readonly instance: string;
  /** The pool's size: how many of the queue's jobs this instance runs at once. */
  readonly concurrency: number;
  readonly workerOptions: Partial<WorkerOptions>;
  readonly keys: RemoteKeys;
  /** For the worker's BullMQ connection (it duplicates it for its blocking reads). */
  readonly workerConnection: Redis;
  /** For replies and flags. */
  readonly client: Redis;
  /** Subscribed to the cancel channel. */
  readonly cancels: Redis;
}

/**
 * The running side of a remote pool: a BullMQ `Worker` with the pool's size as its concurrency takes the
 * queue's jobs and runs each on this instance's worker threads (the local supervisor), sending what the run
 * says to the producer's reply stream. The main thread only awaits, so BullMQ's locks keep renewing however
 * heavy the jobs are.
 */
export class RemoteConsumer {
  private readonly worker: Worker;
  /** Runs in progress here, by BullMQ job id, for cancels. */
  private readonly running = new Map<string, () => void>();
  /** The local jobs of those runs, for a shutdown that runs out of time. */
  private readonly jobs = new Map<string, Job>();

  constructor(
    private readonly supervisor: Supervisor,
    private readonly parts: ConsumerParts,
  ) {
    this.worker = new Worker(parts.queueName, (job, _token, signal) => this.process(job, signal), {
      // After a connection error BullMQ waits this long before it fetches again (15 s by default): work should
      // resume soon after Redis is back, and a close during an outage should not wait that long.
      runRetryDelay: 1_000,
      ...parts.workerOptions,
      name: parts.instance,
      connection: parts.workerConnection,
      prefix: parts.prefix,
      concurrency: parts.concurrency,
      autorun: false,
      skipVersionCheck: true, // the transport checked the server once
    });
    // BullMQ reports connection trouble here too; the transport's connections already log it once per outage.
    this.worker.on('error', () => undefined);
  }

  async start(): Promise<void> {
    const { cancels, keys } = this.parts;
    cancels.on('message', (_channel: string, id: string) => this.running.get(id)?.());
    await cancels.subscribe(keys.cancelChannel);
    await this.worker.waitUntilReady();
    void this.worker.run().catch(() => undefined);
  }

  /**
   * Fails every run still going here with `error` (its caller hears it; the run is stopped, `cancelGrace`
   * applying): shutdown's deadline has passed, and the supervisor should not wait a second `shutdownTimeout`.
   */
  failRunning(error: (label: string) => Error): void {
    for (const job of [...this.jobs.values()]) this.supervisor.cancel(job, error(job.label));
  }

  /** Takes no more jobs, and resolves once those it holds have ended here (`force`: at once, leaving them to stall). */
  async close(force = false): Promise<void> {
    await this.worker.close(force);
  }

  private async process(bullJob: BullJob, signal?: AbortSignal): Promise<void> {
    const id = bullJob.id!;
    const data = bullJob.data as RemoteJobData;
    const { client, keys, instance } = this.parts;
    const writer = new ReplyWriter(client, keys.replies(data.replyTo), keys.streamed(id));
    const [[, cancelled], [, streamed]] = (await client
      .multi()
      .exists(keys.cancelled(id))
      .exists(keys.streamed(id))
      .exec()) as [unknown, number][];
    // Its caller has gone: it was cancelled as this instance took it.
    if (cancelled) return;
    if (streamed) {
      const error = new RemoteStreamInterruptedError(
        `${data.label}: the instance that ran this stream was lost after it had sent items; it is not run ` +
          'again, as that would send them twice',
      );
      writer.send({ job: id, kind: 'error', value: encodeFailure(error) });
      return writer.flushed();
    }
    writer.send({ job: id, kind: 'started', instance });
    let args: unknown[];
    try {
      args = decodeValue(data.args) as unknown[];
    } catch (error) {
      const failure = new JobArgumentError(
        `${data.label}: its arguments could not be read here: ${String(error)}`,
        'args',
      );
      writer.send({ job: id, kind: 'error', value: encodeFailure(failure) });
      return writer.flushed();
    }
    await new Promise<void>((resolve) => {
      let ended = false;
      const end = (error?: unknown): void => {
        if (ended) return;
        ended = true;
        writer.send(
          error === undefined ? { job: id, kind: 'complete' } : { job: id, kind: 'error', value: encodeFailure(error) },
        );
        resolve();
      };
      /** Encoded, or the run fails here (as a value a worker cannot post fails its job), never the producer. */
      const send = (kind: 'item' | 'progress', value: unknown): void => {
        if (ended) return;
        try {
          writer.send({ job: id, kind, value: encodeValue(value) });
        } catch (error) {
          end(new JobResultError(`${data.label}: its ${kind} cannot be sent to another instance: ${String(error)}`));
          this.supervisor.cancel(job);
        }
      };
      const sink: JobSink = {
        next: (value) => send('item', value),
        complete: () => end(),
        error: (error) => end(error),
      };
      const settings = {
        priority: 0,
        timeout: data.timeout,
        queueTimeout: undefined,
        onProgress: (value: unknown) => send('progress', value),
      };
      const job = new Job(data.target, args, data.label, sink, [], settings, this.supervisor);
      const stop = (): void => {
        // Its caller has gone: the run stops here (its signal aborts, cancelGrace applies), and nothing is sent.
        ended = true;
        this.supervisor.cancel(job);
        resolve();
      };
      this.running.set(id, stop);
      this.jobs.set(id, job);
      signal?.addEventListener('abort', stop, { once: true });
      this.supervisor.submit(job);
    });
    this.running.delete(id);
    this.jobs.delete(id);
    await writer.flushed();
  }
}
