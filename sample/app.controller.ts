import { Controller, Get } from '@nestjs/common';
import { InjectPool, Pool, type PoolStatus } from 'nestjs-poolio';

@Controller()
export class AppController {
  constructor(@InjectPool() private readonly pool: Pool) {}

  /** Answers at once, unless something is blocking the main thread's event loop. */
  @Get('ping')
  ping(): { pong: true; at: string } {
    return { pong: true, at: new Date().toISOString() };
  }

  /** Workers idle/busy/starting, queued jobs, panics and respawns. */
  @Get('pool/status')
  status(): PoolStatus {
    return this.pool.status();
  }
}
