import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';
import { shutdownOnSignal } from './shutdown-on-signal.js';

async function bootstrap(): Promise<void> {
  // On SIGINT/SIGTERM, even one that comes while the app starts: the HTTP server finishes the requests it has
  // and closes its connections, the pool finishes the jobs already submitted and stops its workers, and the
  // process ends with code 0.
  const shutdown = shutdownOnSignal(['SIGINT', 'SIGTERM']);
  const app = await NestFactory.create(AppModule);
  // PORT=0 picks a free port; the log line below says which one (the e2e test reads it).
  await app.listen(Number(process.env.PORT ?? 3000));
  new Logger('Bootstrap').log(`Sample app listening on ${await app.getUrl()}`);
  shutdown.started(app);
}

bootstrap().catch((error: unknown) => {
  // E.g. a worker that cannot boot its job modules: the pool fails app startup with a WorkerBootError.
  new Logger('Bootstrap').fatal(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
