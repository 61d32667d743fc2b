import { Module } from '@nestjs/common';
import { PoolModule } from 'nestjs-poolio';
import { AppController } from './app.controller.js';
import { DashboardModule } from './dashboard/dashboard.module.js';
import { DemoModule } from './demo/demo.module.js';
import { poolOptionsWithTransportFromEnv } from './pool.config.js';
import { PrimesApiModule } from './primes/primes-api.module.js';

// The HTTP app. Pool workers never boot this module: each worker boots only PrimesModule, the module that
// hosts the @PoolJob() provider, so controllers and the HTTP server stay on the main thread.
// PoolModule is global: any provider can inject the pool. Its options come from a factory because, with
// REDIS_URL set, it loads the BullMQ transport on demand (see pool.config.ts).
@Module({
  imports: [
    PoolModule.forRootAsync({ useFactory: () => poolOptionsWithTransportFromEnv() }),
    PrimesApiModule,
    DemoModule,
    DashboardModule,
  ],
  controllers: [AppController],
})
export class AppModule {}
