/** What the bench and an app instance it forked say to each other over IPC. */

/** The two ways of running the queue's jobs that the workload compares. */
export type InstanceKind = 'poolio' | 'sandboxed';

/** How an instance is started: its argv, in this order. */
export interface InstanceSpec {
  readonly kind: InstanceKind;
  readonly host: string;
  readonly port: number;
  /** BullMQ key prefix: one per measurement, so that no run sees another's jobs. */
  readonly prefix: string;
  /** Threads (poolio) or sandboxed child processes (BullMQ's `concurrency`) on this instance. */
  readonly size: number;
}

export type InstanceMessage =
  | { readonly type: 'ready'; readonly pid: number }
  | { readonly type: 'stopped' }
  | { readonly type: 'failed'; readonly message: string };

export type BenchMessage = { readonly type: 'stop' };

export function specToArgv(spec: InstanceSpec): string[] {
  return [spec.kind, spec.host, String(spec.port), spec.prefix, String(spec.size)];
}

export function argvToSpec(argv: readonly string[]): InstanceSpec {
  const [kind, host, port, prefix, size] = argv;
  if ((kind !== 'poolio' && kind !== 'sandboxed') || !host || !prefix || !(Number(port) > 0) || !(Number(size) > 0)) {
    throw new Error(`instance.process: expected "poolio|sandboxed host port prefix size", got ${argv.join(' ')}`);
  }
  return { kind, host, port: Number(port), prefix, size: Number(size) };
}
