import { Controller, Get } from '@nestjs/common';
import { BelowQuery } from '../primes/primes.query.js';
import { JobsQuery, ModeQuery } from './demo.query.js';
import { DemoService, type DemoMode, type ResponsivenessReport } from './demo.service.js';

@Controller('demo')
export class DemoController {
  constructor(private readonly demo: DemoService) {}

  /**
   * GET /demo/responsiveness?jobs=4&below=2000000&mode=pool|blocking. Try `curl /ping` while it runs: with
   * mode=pool it answers at once; with mode=blocking it waits until the whole demo is over.
   */
  @Get('responsiveness')
  responsiveness(
    @JobsQuery() jobs: number,
    @BelowQuery() below: number,
    @ModeQuery() mode: DemoMode,
  ): Promise<ResponsivenessReport> {
    return this.demo.measure(mode, jobs, below);
  }
}
