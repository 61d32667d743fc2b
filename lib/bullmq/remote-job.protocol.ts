/**
 * What goes through Redis between the instance that submits a job (the producer) and the one that runs it (the
 * consumer). The job itself is a BullMQ job whose data is a `RemoteJobData`. What it does comes back on the
 * producer's own reply stream (a Redis stream, so a producer that was disconnected reads on from where it was,
 * and BullMQ's trimmed event stream is not relied on): `started`, then items, progress, and one end.
 *
 * Values travel as `v8.serialize` output in base64: Node's own structured-clone serializer, so arguments and
 * results keep what they keep between threads (Date, Map, Set, BigInt, typed arrays, Buffers, `undefined`,
 * nesting), though BullMQ stores JSON. Errors go through the thread boundary's error codec first, for their
 * class and own properties.
 */
import { deserialize, serialize } from 'node:v8';
import { decodeError, encodeError, type EncodedError } from '../protocol/error-codec';
import type { JobTarget } from '../protocol/messages';

/** A BullMQ job's data, as this transport writes it. */
export interface RemoteJobData {
  /** What to run: a provider method (class name + method) or a function's source. */
  readonly target: JobTarget;
  /** The arguments, encoded (see `encodeValue`). */
  readonly args: string;
  /** The producer that waits for it: its reply stream's id. */
  readonly replyTo: string;
  /** Milliseconds it may run, counted on the consumer from the start of its run. */
  readonly timeout?: number;
  /** For messages and dashboards: `ReportJobs.render`. */
  readonly label: string;
}

/** What a consumer tells a producer about one job: the fields of one reply stream entry. */
export type ReplyKind = 'started' | 'item' | 'progress' | 'complete' | 'error';

export interface Reply {
  /** The BullMQ job id. */
  readonly job: string;
  readonly kind: ReplyKind;
  /** Encoded: the item, the progress value, or the error. */
  readonly value?: string;
  /** `started`: the instance that runs it. */
  readonly instance?: string;
}

/** The Redis keys and channels of one pool's queue beside BullMQ's own (under the same prefix and queue name). */
export class RemoteKeys {
  private readonly base: string;

  constructor(prefix: string, queue: string) {
    this.base = `${prefix}:${queue}:poolio`;
  }

  /** The reply stream of the producer `id`. */
  replies(id: string): string {
    return `${this.base}:replies:${id}`;
  }

  /** Where producers announce cancelled jobs to every consumer. */
  get cancelChannel(): string {
    return `${this.base}:cancel`;
  }

  /** Set when a job is cancelled, for a consumer that takes it before the announcement reaches it. */
  cancelled(job: string): string {
    return `${this.base}:cancelled:${job}`;
  }

  /** Set once a run of the job has sent stream items: a later run would send them again, so none is made. */
  streamed(job: string): string {
    return `${this.base}:streamed:${job}`;
  }
}

/** How long the flags above outlive the job they are about: longer than any job is kept waiting or running. */
export const FLAG_TTL_SECONDS = 7 * 24 * 3600;

export function encodeValue(value: unknown): string {
  return serialize(value).toString('base64');
}

export function decodeValue(text: string): unknown {
  return deserialize(Buffer.from(text, 'base64'));
}

export function encodeFailure(error: unknown): string {
  return encodeValue(encodeError(error));
}

export function decodeFailure(text: string): Error {
  return decodeError(decodeValue(text) as EncodedError);
}

/** A reply as the fields of a stream entry (XADD … field value …). */
export function replyFields(reply: Reply): string[] {
  const fields = ['job', reply.job, 'kind', reply.kind];
  if (reply.value !== undefined) fields.push('value', reply.value);
  if (reply.instance !== undefined) fields.push('instance', reply.instance);
  return fields;
}

/** A stream entry's fields back as a reply; undefined for an entry this transport did not write. */
export function parseReply(fields: readonly string[]): Reply | undefined {
  const entry: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) entry[fields[i]] = fields[i + 1];
  const kinds: readonly string[] = ['started', 'item', 'progress', 'complete', 'error'];
  if (!entry.job || !kinds.includes(entry.kind)) return undefined;
  return { job: entry.job, kind: entry.kind as ReplyKind, value: entry.value, instance: entry.instance };
}
