import { Injectable, Logger, type BeforeApplicationShutdown, type MessageEvent } from '@nestjs/common';
import { Pool, type PoolStats } from 'nestjs-poolio';
import {
  asapScheduler,
  asyncScheduler,
  concat,
  defer,
  finalize,
  interval,
  map,
  merge,
  observeOn,
  of,
  Subject,
  takeUntil,
  throttleTime,
  type Observable,
} from 'rxjs';
import { InstanceTally, type InstanceCount } from './instance-tally.service.js';
import { PoolHistory, type LastMinute } from './pool-history.service.js';

/** At most one update per UPDATE_MS while the pool is busy (the first change after a quiet spell goes at once). */
export const UPDATE_MS = 300;
/** A heartbeat every HEARTBEAT_MS, so that the page knows the stream is alive while nothing happens. */
export const HEARTBEAT_MS = 5_000;
/** How long an EventSource waits before it reconnects, in ms. */
const RETRY_MS = 2_000;

/** What the `snapshot` events of the stream carry. */
export interface PoolSnapshot {
  /** The server's `Date.now()`. */
  readonly at: number;
  readonly stats: PoolStats;
  readonly lastMinute: LastMinute;
  /** This app instance's name. */
  readonly instance: string;
  /** Which instances ran the demo-load jobs this one submitted (all of them, with REDIS_URL set). */
  readonly ranBy: InstanceCount[];
}

/**
 * The pool's state as server-sent events: a `snapshot` at once, then one whenever the pool's events say that
 * something changed (throttled), a `heartbeat` (with a snapshot) every few seconds, and `closing` when the app
 * shuts down.
 * Nest unsubscribes when the client goes away, which stops the stream's timer and its subscription to the
 * pool's events. On shutdown every stream ends, so that the HTTP server can close.
 */
@Injectable()
export class PoolStreamService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(PoolStreamService.name);
  private readonly closing = new Subject<void>();
  private closed = false;
  private open = 0;

  constructor(
    private readonly pool: Pool,
    private readonly history: PoolHistory,
    private readonly tally: InstanceTally,
  ) {}

  snapshot(): PoolSnapshot {
    return {
      at: Date.now(),
      stats: this.pool.stats(),
      lastMinute: this.history.lastMinute(),
      instance: this.tally.self,
      ranBy: this.tally.snapshot(),
    };
  }

  /** A cold stream: each subscriber (each client) gets its own. */
  stream(): Observable<MessageEvent> {
    return defer(() => {
      if (this.closed) return of(this.closingMessage());
      this.opened();
      // The pool emits an event in the middle of a change (a job ended, its worker is not fed yet): the snapshot
      // is taken once the change is over, in a microtask.
      const updates = this.pool.events$.pipe(
        throttleTime(UPDATE_MS, asyncScheduler, { leading: true, trailing: true }),
        observeOn(asapScheduler),
      );
      const snapshots = concat(of(null), updates).pipe(
        map((): MessageEvent => ({ type: 'snapshot', data: this.snapshot(), retry: RETRY_MS })),
      );
      // A heartbeat carries a snapshot too: some things change without an event (uptime, utilization, state).
      const heartbeats = interval(HEARTBEAT_MS).pipe(
        map((): MessageEvent => ({ type: 'heartbeat', data: this.snapshot() })),
      );
      return concat(
        merge(snapshots, heartbeats).pipe(takeUntil(this.closing)),
        defer(() => of(this.closingMessage())),
      ).pipe(finalize(() => this.ended()));
    });
  }

  /** Ends every stream before Nest closes the HTTP server, which would otherwise wait for them. */
  beforeApplicationShutdown(): void {
    this.closed = true;
    this.closing.next();
    this.closing.complete();
  }

  private closingMessage(): MessageEvent {
    return { type: 'closing', data: { at: Date.now(), reason: 'the app is shutting down' } };
  }

  private opened(): void {
    this.open++;
    this.logger.log(`Dashboard stream opened (${this.open} open)`);
  }

  private ended(): void {
    this.open--;
    this.logger.log(`Dashboard stream closed (${this.open} open)`);
  }
}
