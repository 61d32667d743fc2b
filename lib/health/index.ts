// nestjs-poolio/health: Terminus health checks for the pools. Needs the optional peer @nestjs/terminus.
export { PoolHealthIndicator } from './pool-health.indicator';
export { PoolHealthModule } from './pool-health.module';
export { whyPoolIsDown } from './pool-health.rule';
