import { Controller, Get, HttpCode, HttpStatus, Post, Sse, type MessageEvent } from '@nestjs/common';
import { Pool, type PoolStats } from 'nestjs-poolio';
import type { Observable } from 'rxjs';
import { BelowQuery } from '../primes/primes.query.js';
import { CountQuery } from './demo-load.query.js';
import { DemoLoadService, type DemoLoadReceipt } from './demo-load.service.js';
import { PoolStreamService } from './pool-stream.service.js';

@Controller('pool')
export class PoolMonitorController {
  constructor(
    private readonly pool: Pool,
    private readonly stream: PoolStreamService,
    private readonly demoLoad: DemoLoadService,
  ) {}

  /** `pool.stats()`: workers, queue, job counts, wait and run times, utilization. */
  @Get('stats')
  stats(): PoolStats {
    return this.pool.stats();
  }

  /**
   * Server-sent events: `snapshot` (stats and the last minute, second by second) at once and on each change,
   * at most every 300 ms; `heartbeat` (a snapshot too) every 5 s; `closing` when the app shuts down. The dashboard reads it.
   */
  @Sse('stream')
  events(): Observable<MessageEvent> {
    return this.stream.stream();
  }

  /**
   * POST /pool/demo-load?count=40&below=1000000: submits `count` prime counts in the background and answers at
   * once (202). Watch them on /dashboard.
   */
  @Post('demo-load')
  @HttpCode(HttpStatus.ACCEPTED)
  startDemoLoad(@CountQuery() count: number, @BelowQuery() below: number): DemoLoadReceipt {
    return this.demoLoad.start(count, below);
  }
}
