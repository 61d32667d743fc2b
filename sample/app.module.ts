import { Module } from '@nestjs/common';
import { PoolModule } from 'nestjs-poolio';
import { AppController } from './app.controller.js';
import { DashboardModule } from './dashboard/dashboard.module.js';
import { DemoModule } from './demo/demo.module.js';
import { poolOptionsFromEnv } from './pool.config.js';
import { PrimesApiModule } from './primes/primes-api.module.js';

// The HTTP app. Pool workers never boot this module: each worker boots only PrimesModule, the module that
// hosts the @PoolJob() provider, so controllers and the HTTP server stay on the main thread.
// PoolModule is global: any provider can inject the pool.
@Module({
  imports: [PoolModule.forRoot(poolOptionsFromEnv()), PrimesApiModule, DemoModule, DashboardModule],
  controllers: [AppController],
})
export class AppModule {}
