import { Queue, QueueEvents } from 'bullmq';
import { PoolShutdownTimeoutError } from '../errors/pool-shutdown-timeout.error';
import type { PoolStats } from '../interfaces/pool-stats.interface';
import type { PoolStatus } from '../interfaces/pool-status.interface';
import { describePool } from '../pool.messages';
import type { Job } from '../supervisor/job';
import { Supervisor } from '../supervisor/supervisor';
import type { JobTransport, TransportContext } from '../transport/job-transport';
import { workerSpec } from '../transport/worker-spec';
import type { ResolvedBullmqOptions } from './bullmq-transport.options';
import { QueueCountsReader } from './queue-counts.reader';
import { RedisConnections } from './redis-connections';
import { checkRedisServer } from './redis-server.check';
import { RemoteConsumer } from './remote-consumer';
import { RemoteKeys } from './remote-job.protocol';
import { RemoteProducer } from './remote-producer';

interface Started {
  readonly queue: Queue;
  readonly events: QueueEvents;
  readonly producer: RemoteProducer;
  readonly counts: QueueCountsReader;
  readonly consumer?: RemoteConsumer;
}

const EMPTY = { count: 0, mean: 0, p50: 0, p99: 0, max: 0 };

/**
 * A pool whose jobs go through a BullMQ queue on Redis, named after the pool: every instance can submit, and
 * each consuming instance runs what it takes on `size` worker threads of its own (a local supervisor).
 */
export class BullmqTransport implements JobTransport {
  readonly ready: Promise<void>;
  readonly instance: string;
  private readonly connections: RedisConnections;
  private readonly queueName: string;
  private readonly supervisor: Supervisor | undefined;
  private started: Started | undefined;
  /** Jobs submitted before the queue was reached: sent once it is, failed if it is not. */
  private early: Job[] | undefined = [];
  private closing: Promise<void> | undefined;
  private state: 'starting' | 'running' | 'closing' | 'closed' = 'starting';
  private threadsStarted = false;

  constructor(
    private readonly context: TransportContext,
    private readonly options: ResolvedBullmqOptions,
  ) {
    const { name, logger } = context;
    this.queueName = name ?? 'default';
    this.instance = options.instance;
    this.connections = new RedisConnections(options.connection, describePool(name), this.queueName, logger);
    if (options.consume) this.supervisor = new Supervisor({ ...context.options, ...hooksOf(context) });
    this.ready = this.start();
  }

  private async start(): Promise<void> {
    const { connections, options, queueName } = this;
    const { prefix } = options;
    try {
      const client = connections.make('queue');
      await connections.connect(client, options.connectTimeout);
      await checkRedisServer(client, connections.where, this.context.logger);
      // Checked once above: BullMQ would check, and warn, on each of its connections.
      const skipVersionCheck = true;
      const queue = new Queue(queueName, { ...options.queueOptions, connection: client, prefix, skipVersionCheck });
      queue.on('error', () => undefined); // reported once per outage by the connections
      await queue.waitUntilReady();
      const eventsConnection = connections.make('events');
      const events = new QueueEvents(queueName, {
        connection: eventsConnection,
        prefix,
        autorun: false,
        skipVersionCheck,
      });
      events.on('error', () => undefined);
      const keys = new RemoteKeys(prefix, queueName);
      const replies = connections.make('replies');
      await replies.connect();
      const producer = new RemoteProducer(queue, client, replies, keys, this.context.logger);
      events.on('failed', ({ jobId, failedReason }) => producer.failed(jobId, failedReason));
      await events.waitUntilReady();
      void events.run().catch(() => undefined);
      producer.start();
      const counts = new QueueCountsReader(queue);
      await counts.read();
      const consumer = this.supervisor && (await this.startConsumer(keys, client));
      this.started = { queue, events, producer, counts, consumer };
    } catch (error) {
      this.connections.disconnectAll();
      for (const job of this.early?.splice(0) ?? []) {
        job.mustMoveTo('ended');
        job.fail(error);
      }
      this.early = undefined;
      throw error;
    }
    this.state = 'running';
    const early = this.early ?? [];
    this.early = undefined;
    for (const job of early) this.started.producer.submit(job);
  }

  private async startConsumer(keys: RemoteKeys, client: ReturnType<RedisConnections['make']>): Promise<RemoteConsumer> {
    const { options } = this.context;
    this.threadsStarted = true;
    await this.supervisor!.start(workerSpec(this.context));
    const cancels = this.connections.make('cancels');
    const workerConnection = this.connections.make('worker');
    await Promise.all([cancels.connect(), workerConnection.connect()]);
    const consumer = new RemoteConsumer(this.supervisor!, {
      queueName: this.queueName,
      prefix: this.options.prefix,
      instance: this.options.instance,
      concurrency: options.size,
      workerOptions: this.options.workerOptions,
      keys,
      workerConnection,
      client,
      cancels,
    });
    await consumer.start();
    return consumer;
  }

  submit(job: Job): void {
    if (this.early) this.early.push(job);
    else if (this.started) this.started.producer.submit(job);
    else {
      job.mustMoveTo('ended');
      job.fail(new Error(`${job.label} was refused: the pool could not start`));
    }
  }

  cancel(job: Job, error?: Error): void {
    const early = this.early?.indexOf(job) ?? -1;
    if (early >= 0) {
      this.early!.splice(early, 1);
      job.cancelled = true;
      job.mustMoveTo('ended');
      if (error) job.fail(error);
      else job.closed = true;
      return;
    }
    this.started?.producer.cancel(job, error);
  }

  async join(): Promise<void> {
    await this.ready.catch(() => undefined);
    await this.started?.producer.join();
    await this.supervisor?.join();
  }

  /**
   * Takes no more jobs; waits for the outcomes of the jobs submitted here and finishes the ones this instance
   * runs, within `shutdownTimeout`; then closes the Worker, QueueEvents, Queue and connections, in that order.
   */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    await this.ready.catch(() => undefined);
    this.state = 'closing';
    const { started } = this;
    const deadline = Date.now() + Math.min(this.context.options.shutdownTimeout, 2 ** 31 - 1);
    await started?.producer.close(deadline);
    const consumer = started?.consumer;
    // Redis gone: BullMQ's graceful close would wait for it for ever (and keep its lock timers running).
    if (consumer && !this.connections.connected) await within(Date.now() + 1_000, consumer.close(true));
    else if (consumer && !(await within(deadline, consumer.close()))) {
      consumer.failRunning(
        (label) => new PoolShutdownTimeoutError(`${label} was still running when shutdownTimeout ran out`),
      );
    }
    // Runs still going at the deadline fail here, as in a local pool; a supervisor that never started has
    // no thread to stop. Their replies sent, BullMQ's graceful close can end.
    if (this.threadsStarted) await this.supervisor?.close();
    if (consumer) await within(Date.now() + 2_000, consumer.close());
    if (started) {
      // With Redis unreachable these would wait for it: bounded, then the sockets are dropped.
      await within(Math.max(deadline, Date.now() + 1_000), started.events.close());
      await within(Math.max(deadline, Date.now() + 1_000), started.queue.close());
    }
    await within(Date.now() + 2_000, this.connections.close('worker', 'cancels', 'events', 'replies', 'queue'));
    this.connections.disconnectAll();
    this.state = 'closed';
  }

  status(): PoolStatus {
    const local = this.supervisor?.status();
    const queued = this.started?.counts.current().waiting ?? this.early?.length ?? 0;
    const own = { state: this.state, size: 0, idle: 0, busy: 0, starting: 0, saturated: false };
    return {
      ...own,
      panics: 0,
      respawns: 0,
      recycled: 0,
      ...local,
      ...(this.state === 'running' ? {} : { state: this.state }),
      queued,
    };
  }

  stats(): Omit<PoolStats, 'pool'> {
    const status = this.status();
    const reachable = this.connections.connected;
    const queue = {
      ...(this.started?.counts.current() ?? { waiting: 0, active: 0, delayed: 0, failed: 0, readAt: 0 }),
      reachable,
    };
    const local = this.supervisor?.stats();
    if (local) return { ...local, state: status.state, queued: status.queued, queue };
    const { state, size, idle, busy, starting, queued, respawns, recycled } = status;
    const jobs = { completed: 0, failed: 0, panicked: 0, cancelled: 0, refused: 0 };
    const times = { waitMs: EMPTY, runMs: EMPTY, utilization: 0, uptimeMs: 0 };
    return { state, size, workers: { busy, idle, starting }, queued, jobs, respawns, recycled, ...times, queue };
  }
}

/** Whether `work` settled before `deadline` (`Date.now()` ms); it is not waited for after that. */
async function within(deadline: number, work: Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>(
    (resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()))),
  );
  try {
    return await Promise.race([
      work.then(
        () => true,
        () => true,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function hooksOf(context: TransportContext): Omit<TransportContext, 'name' | 'options' | 'catalog'> {
  const { name: _name, options: _options, catalog: _catalog, ...hooks } = context;
  return hooks;
}
