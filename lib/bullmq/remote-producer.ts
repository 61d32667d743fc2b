import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { JobArgumentError } from '../errors/job-argument.error';
import { JobQueueTimeoutError } from '../errors/job-queue-timeout.error';
import { PoolClosedError } from '../errors/pool-closed.error';
import { PoolShutdownTimeoutError } from '../errors/pool-shutdown-timeout.error';
import { RemoteJobLostError } from '../errors/remote-job-lost.error';
import type { Job } from '../supervisor/job';
import type { SupervisorLogger } from '../supervisor/supervisor';
import { compareStreamIds, ReplyReader } from './reply-reader';
import {
  decodeFailure,
  decodeValue,
  encodeValue,
  FLAG_TTL_SECONDS,
  type RemoteJobData,
  type RemoteKeys,
  type Reply,
} from './remote-job.protocol';

/** How often jobs still waiting for an outcome are looked up in Redis (the recovery path for lost ones). */
const SWEEP_MS = 5_000;
/** BullMQ runs lower numbers first, from 1; ours are "higher first" around 0. */
const PRIORITY_ZERO = 2 ** 20;
const PRIORITY_MAX = 2 ** 21;

interface RemoteCall {
  readonly job: Job;
  readonly id: string;
  started: boolean;
  /** Set by a sweep that found the job gone from Redis: the newest reply then, which must be read first. */
  goneAfter?: string;
}

/**
 * The submitting side of a remote pool: adds jobs to the BullMQ queue, hands each caller what its job's run
 * sends back on this producer's reply stream, removes jobs whose caller has gone or whose queue time ran out,
 * and looks up jobs whose outcome is late, so each caller gets exactly one outcome.
 */
export class RemoteProducer {
  readonly id = randomUUID();
  private readonly calls = new Map<string, RemoteCall>();
  private readonly reader: ReplyReader;
  private readonly drained = new Set<() => void>();
  private sweeper: NodeJS.Timeout | undefined;
  private taking = true;

  constructor(
    private readonly queue: Queue,
    private readonly client: Redis,
    replies: Redis,
    private readonly keys: RemoteKeys,
    private readonly logger: SupervisorLogger,
  ) {
    this.reader = new ReplyReader(replies, keys.replies(this.id), (reply) => this.onReply(reply), this.onTrouble);
  }

  start(): void {
    this.reader.start();
    this.sweeper = setInterval(() => void this.sweep().catch(this.onTrouble), SWEEP_MS);
    this.sweeper.unref();
  }

  get pending(): number {
    return this.calls.size;
  }

  submit(job: Job): void {
    if (!this.taking) {
      job.mustMoveTo('ended');
      return job.fail(new PoolClosedError(`${job.label} was refused: the pool is shutting down`));
    }
    let args: string;
    try {
      args = encodeValue(job.args);
    } catch (error) {
      job.mustMoveTo('ended');
      const reason = error instanceof Error ? error.message : String(error);
      return job.fail(new JobArgumentError(`${job.label}: args cannot be sent to another instance: ${reason}`, 'args'));
    }
    const id = `${this.id}_${job.id}`;
    const call: RemoteCall = { job, id, started: false };
    this.calls.set(id, call);
    job.mustMoveTo('queued');
    job.queuedAt = Date.now();
    const { timeout, queueTimeout, priority } = job.settings;
    if (queueTimeout !== undefined) job.arm(queueTimeout, () => void this.expire(call, queueTimeout));
    const data: RemoteJobData = { target: job.target, args, replyTo: this.id, timeout, label: job.label };
    const bullPriority = Math.min(PRIORITY_MAX, Math.max(1, Math.round(PRIORITY_ZERO - priority)));
    this.queue
      .add(job.label, data, { jobId: id, priority: bullPriority, removeOnComplete: true, removeOnFail: 1_000 })
      .catch((error: unknown) => this.end(call, error instanceof Error ? error : new Error(String(error))));
  }

  /** The caller has gone (no `error`) or gave up with `error`: it hears that, and the job is removed or stopped. */
  cancel(job: Job, error?: Error): void {
    const call = this.calls.get(`${this.id}_${job.id}`);
    if (!call || job.closed || job.cancelled) return;
    job.cancelled = true;
    this.forget(call);
    if (error) job.fail(error);
    else job.closed = true;
    void this.withdraw(call).catch(this.onTrouble);
  }

  /** Resolves once every job submitted here has its outcome. */
  join(): Promise<void> {
    if (this.calls.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.drained.add(resolve));
  }

  /** Takes no more jobs; waits for the outcomes of those submitted, until `deadline`, then fails the rest. */
  async close(deadline: number): Promise<void> {
    this.taking = false;
    if (this.calls.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - Date.now()))));
      await Promise.race([this.join(), late]);
      clearTimeout(timer);
    }
    for (const call of [...this.calls.values()]) {
      this.end(call, new PoolShutdownTimeoutError(`${call.job.label} had no outcome when shutdownTimeout ran out`));
      void this.withdraw(call).catch(() => undefined);
    }
    clearInterval(this.sweeper);
    await this.reader.stop();
  }

  private onReply(reply: Reply): void {
    const call = this.calls.get(reply.job);
    if (!call) return; // a caller already answered or gone, or a second run of a job already answered
    const { job } = call;
    switch (reply.kind) {
      case 'started':
        call.started = true;
        if (job.moveTo('sending')) job.moveTo('running');
        return;
      case 'item':
        return job.emit(decodeValue(reply.value!));
      case 'progress':
        return job.progress(decodeValue(reply.value!));
      case 'complete':
        return this.end(call);
      case 'error':
        return this.end(call, decodeFailure(reply.value!));
    }
  }

  /** The job's one outcome: the end of its stream (its value already sent), or `error`. */
  private end(call: RemoteCall, error?: Error): void {
    if (!this.calls.has(call.id)) return;
    this.forget(call);
    const { job } = call;
    if (!job.moveTo('ended')) job.moveTo('withdrawn');
    if (error) job.fail(error);
    else job.complete();
  }

  private forget(call: RemoteCall): void {
    this.calls.delete(call.id);
    if (this.calls.size > 0) return;
    for (const resolve of [...this.drained]) resolve();
    this.drained.clear();
  }

  /** Removes a waiting job from Redis, or tells the consumers to stop it if one has it. */
  private async withdraw(call: RemoteCall): Promise<void> {
    // The flag first: a consumer that takes the job after this reads it, one that took it before hears the publish.
    await this.client.set(this.keys.cancelled(call.id), '1', 'EX', FLAG_TTL_SECONDS);
    if (!call.started && (await this.queue.remove(call.id)) === 1) return;
    await this.client.publish(this.keys.cancelChannel, call.id);
  }

  private async expire(call: RemoteCall, queueTimeout: number): Promise<void> {
    if (call.started || !this.calls.has(call.id)) return;
    // Removed, it never runs; not removable, an instance has just taken it, and it runs (its start is on its way).
    if ((await this.queue.remove(call.id)) !== 1) return;
    const waited = Date.now() - call.job.queuedAt;
    this.end(
      call,
      new JobQueueTimeoutError(`${call.job.label} waited ${queueTimeout} ms in the queue (queueTimeout)`, waited),
    );
  }

  /**
   * The recovery path: a job BullMQ failed on its own (stalled too often), or one gone from Redis with no
   * outcome on the reply stream once the stream has been read past the moment it was found gone.
   */
  private async sweep(): Promise<void> {
    const calls = [...this.calls.values()];
    if (calls.length === 0) return;
    const newest = await this.reader.newestId();
    const states = await Promise.all(calls.map((call) => this.queue.getJobState(call.id)));
    for (const [i, call] of calls.entries()) {
      if (!this.calls.has(call.id)) continue;
      if (states[i] === 'failed') {
        const reason = (await this.queue.getJob(call.id))?.failedReason;
        this.end(call, lost(call, `the queue failed it: ${reason ?? 'no reason recorded'}`, reason));
      } else if (states[i] !== 'unknown') {
        call.goneAfter = undefined;
      } else if (call.goneAfter === undefined) {
        call.goneAfter = newest;
      } else if (compareStreamIds(this.reader.lastId, call.goneAfter) >= 0) {
        this.end(call, lost(call, 'it was removed from Redis before any instance sent its outcome'));
      }
    }
  }

  /** BullMQ failed the job on its own (QueueEvents): our consumers never fail a job, they reply. */
  failed(id: string, reason: string): void {
    const call = this.calls.get(id);
    if (call) this.end(call, lost(call, `the queue failed it: ${reason}`, reason));
  }

  private troubleReported = 0;

  /** Trouble with Redis is reported at most every 10 s: an outage makes every read fail until it ends. */
  private readonly onTrouble = (error: unknown): void => {
    if (Date.now() - this.troubleReported < 10_000) return;
    this.troubleReported = Date.now();
    this.logger.warn(`BullMQ transport: ${error instanceof Error ? error.message : String(error)}`);
  };
}

function lost(call: RemoteCall, why: string, reason?: string): RemoteJobLostError {
  return new RemoteJobLostError(`${call.job.label} (BullMQ job ${call.id}) has no outcome: ${why}`, reason);
}
