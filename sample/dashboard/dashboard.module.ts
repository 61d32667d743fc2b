import { Module } from '@nestjs/common';
import { DashboardController } from './dashboard.controller.js';
import { DemoLoadService } from './demo-load.service.js';
import { InstanceTally } from './instance-tally.service.js';
import { PoolHistory } from './pool-history.service.js';
import { PoolMonitorController } from './pool-monitor.controller.js';
import { PoolStreamService } from './pool-stream.service.js';

// HTTP-only feature, like DemoModule: it hosts no @PoolJob() provider, so pool workers never load it. It
// submits PrimesJobs by class; the pool knows that class because PrimesModule is part of the app.
@Module({
  controllers: [DashboardController, PoolMonitorController],
  providers: [PoolHistory, PoolStreamService, DemoLoadService, InstanceTally],
})
export class DashboardModule {}
