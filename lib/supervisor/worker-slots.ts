import { WorkerHandle, type WorkerListener, type WorkerSpec } from './worker-handle';
import type { WorkerThreadFactory } from './worker-thread';

const RESPAWN_BACKOFF_MS = { first: 100, max: 5_000 };

/**
 * The pool's `size` worker slots: who holds each (a slot's worker is replaced in place), which are idle, and
 * the respawns, recycling and boot backoff that refill them.
 */
export class WorkerSlots {
  /** The worker in each slot. */
  readonly all: WorkerHandle[] = [];
  /** Idle workers; non-empty only while the queue is empty. */
  private readonly parked: WorkerHandle[] = [];
  private spec: WorkerSpec | undefined;
  private nextWorkerId = 1;
  private respawned = 0;
  private recycledCount = 0;
  private bootFailuresInARow = 0;
  private readonly respawnTimers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly listener: WorkerListener,
    private readonly createThread: WorkerThreadFactory | undefined,
  ) {}

  /** Spawns a worker in each of `size` slots, all booting in parallel. */
  fill(spec: WorkerSpec, size: number): void {
    this.spec = spec;
    for (let slot = 0; slot < size; slot++) this.all.push(this.spawn());
  }

  get idle(): number {
    return this.parked.length;
  }

  get starting(): number {
    let starting = 0;
    for (const worker of this.all) if (worker.state === 'starting') starting++;
    return starting;
  }

  get respawns(): number {
    return this.respawned;
  }

  get recycled(): number {
    return this.recycledCount;
  }

  /** True while some slot holds a booted worker that is alive. */
  get live(): boolean {
    return this.all.some((w) => w.state === 'idle' || w.state === 'busy');
  }

  /** Whether `worker` still holds a slot (it has not been replaced). */
  holds(worker: WorkerHandle): boolean {
    return this.all.includes(worker);
  }

  /** Marks a worker idle and keeps it for the next job. */
  park(worker: WorkerHandle): void {
    worker.setIdle();
    this.parked.push(worker);
  }

  /** An idle worker, taken for a job; undefined when none is. */
  unparkAny(): WorkerHandle | undefined {
    return this.parked.pop();
  }

  /** The worker is no longer idle (it has exited). */
  unpark(worker: WorkerHandle): void {
    const at = this.parked.indexOf(worker);
    if (at >= 0) this.parked.splice(at, 1);
  }

  /** Puts a fresh worker in the slot of one that ended (a respawn). */
  replace(worker: WorkerHandle): void {
    const slot = this.all.indexOf(worker);
    if (slot < 0) return;
    this.respawned++;
    this.all[slot] = this.spawn();
  }

  /** Replaces (when `refill`) a worker that has done its share; its replacement boots while it exits. */
  recycle(worker: WorkerHandle, refill: boolean): void {
    const slot = this.all.indexOf(worker);
    if (slot >= 0 && refill) {
      this.recycledCount++;
      this.all[slot] = this.spawn();
    }
    void worker.stop('recycled');
  }

  /** A worker booted: boot failures before it no longer lengthen the backoff. */
  booted(): void {
    this.bootFailuresInARow = 0;
  }

  /** A worker failed to boot: the delay before its slot is refilled, doubling with each failure in a row. */
  backoff(): number {
    this.bootFailuresInARow++;
    return Math.min(RESPAWN_BACKOFF_MS.first * 2 ** (this.bootFailuresInARow - 1), RESPAWN_BACKOFF_MS.max);
  }

  /** Refills the slot of `worker` after `delay` ms, if it still holds it and `wanted()` says so then. */
  respawnLater(worker: WorkerHandle, delay: number, wanted: () => boolean): void {
    const slot = this.all.indexOf(worker);
    const timer = setTimeout(() => {
      this.respawnTimers.delete(timer);
      if (this.all[slot] !== worker || !wanted()) return;
      this.respawned++;
      this.all[slot] = this.spawn();
    }, delay);
    timer.unref();
    this.respawnTimers.add(timer);
  }

  /** The pool is closing: no slot is refilled later. */
  cancelRespawns(): void {
    for (const timer of this.respawnTimers) clearTimeout(timer);
    this.respawnTimers.clear();
  }

  private spawn(): WorkerHandle {
    if (!this.spec) throw new Error('Supervisor.start() was not called');
    return new WorkerHandle(this.nextWorkerId++, this.spec, this.listener, this.createThread);
  }
}
