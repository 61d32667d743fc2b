import type { Redis } from 'ioredis';
import { FLAG_TTL_SECONDS, replyFields, type Reply } from './remote-job.protocol';

/**
 * Sends one run's replies to its producer's stream, in order. What the run says within one turn of the event
 * loop goes in one MULTI: a result is an item and the end together, so a run that dies never leaves a result
 * half sent, and the "items were sent" mark is set only for a stream whose items went ahead of its end.
 */
export class ReplyWriter {
  private batch: Reply[] = [];
  private writes: Promise<unknown> = Promise.resolve();
  private marked = false;
  private failure: unknown;

  constructor(
    private readonly client: Redis,
    private readonly stream: string,
    private readonly streamedKey: string,
  ) {}

  send(reply: Reply): void {
    if (this.batch.length === 0) queueMicrotask(() => this.flush());
    this.batch.push(reply);
  }

  /** Resolves once everything sent so far is in Redis; rejects with the first write that failed. */
  async flushed(): Promise<void> {
    this.flush();
    await this.writes;
    if (this.failure !== undefined) throw this.failure;
  }

  private flush(): void {
    if (this.batch.length === 0) return;
    const batch = this.batch;
    this.batch = [];
    const multi = this.client.multi();
    for (const reply of batch) multi.xadd(this.stream, '*', ...replyFields(reply));
    multi.expire(this.stream, FLAG_TTL_SECONDS);
    const ends = batch.some((reply) => reply.kind === 'complete' || reply.kind === 'error');
    if (!this.marked && !ends && batch.some((reply) => reply.kind === 'item')) {
      this.marked = true;
      multi.set(this.streamedKey, '1', 'EX', FLAG_TTL_SECONDS);
    }
    this.writes = Promise.all([this.writes, multi.exec()]).catch((error: unknown) => (this.failure ??= error));
  }
}
