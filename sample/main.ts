import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(AppModule);
  // On SIGINT/SIGTERM Nest closes the app: the pool finishes the jobs already submitted, stops its workers, and
  // useProcessExit ends the process with code 0 (instead of re-raising the signal).
  app.enableShutdownHooks(['SIGINT', 'SIGTERM'], { useProcessExit: true });
  // PORT=0 picks a free port; the log line below says which one (the e2e test reads it).
  await app.listen(Number(process.env.PORT ?? 3000));
  new Logger('Bootstrap').log(`Sample app listening on ${await app.getUrl()}`);
}

bootstrap().catch((error: unknown) => {
  // E.g. a worker that cannot boot its job modules: the pool fails app startup with a WorkerBootError.
  new Logger('Bootstrap').fatal(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
