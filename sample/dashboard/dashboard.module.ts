import { Module } from '@nestjs/common';
import { DashboardController } from './dashboard.controller';
import { DemoLoadService } from './demo-load.service';
import { PoolHistory } from './pool-history.service';
import { PoolMonitorController } from './pool-monitor.controller';
import { PoolStreamService } from './pool-stream.service';

// HTTP-only feature, like DemoModule: it hosts no @PoolJob() provider, so pool workers never load it. It
// submits PrimesJobs by class; the pool knows that class because PrimesModule is part of the app.
@Module({
  controllers: [DashboardController, PoolMonitorController],
  providers: [PoolHistory, PoolStreamService, DemoLoadService],
})
export class DashboardModule {}
