import { Module } from '@nestjs/common';
import { PoolModule } from 'nestjs-poolio';
import { AppController } from './app.controller';
import { DashboardModule } from './dashboard/dashboard.module';
import { DemoModule } from './demo/demo.module';
import { poolOptionsFromEnv } from './pool.config';
import { PrimesApiModule } from './primes/primes-api.module';

// The HTTP app. Pool workers never boot this module: each worker boots only PrimesModule, the module that
// hosts the @PoolJob() provider, so controllers and the HTTP server stay on the main thread.
// PoolModule is global: any provider can inject the pool.
@Module({
  imports: [PoolModule.forRoot(poolOptionsFromEnv()), PrimesApiModule, DemoModule, DashboardModule],
  controllers: [AppController],
})
export class AppModule {}
