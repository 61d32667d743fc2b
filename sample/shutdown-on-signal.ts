import { Logger, type INestApplication } from '@nestjs/common';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Ends the app on a signal with exit code 0: the HTTP server stops taking requests and finishes the ones it has,
 * then Nest closes the app (the pool finishes the jobs already submitted and stops its workers).
 *
 * Call it first thing: a signal that comes during start-up is held until the app has started (or failed to),
 * rather than closing a pool whose workers are still booting under Nest's feet.
 *
 * Nest's own `enableShutdownHooks` closes the HTTP server with `server.close()`, which drops only the idle
 * keep-alive connections and then waits for the busy ones; a client that keeps a connection busy (a load
 * balancer's health checks, a steady caller) keeps it open for ever, so the app never gets to close the pool.
 * Here every response from the signal on says `Connection: close`, so that each busy connection ends after the
 * response it is working on.
 */
export function shutdownOnSignal(signals: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM']): {
  /** Hands over the started app: a signal, already come or to come, closes it. */
  started(app: INestApplication): void;
} {
  const logger = new Logger('Shutdown');
  let received: NodeJS.Signals | undefined;
  let http: HttpDrain | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (received) {
      logger.warn(`${signal}: already shutting down (on ${received})`);
      return;
    }
    received = signal;
    if (http) void close(http, signal, logger);
    else logger.log(`${signal} during start-up: the app closes once it has started`);
  };
  for (const signal of signals) process.on(signal, onSignal);
  return {
    started(app) {
      http = new HttpDrain(app);
      if (received) void close(http, received, logger);
    },
  };
}

async function close(http: HttpDrain, signal: NodeJS.Signals, logger: Logger): Promise<void> {
  logger.log(`${signal}: finishing the requests in progress, then closing the app`);
  http.begin();
  // One turn of the event loop, so that requests whose bytes have already arrived are read: their connections
  // count as busy, and server.close() (in app.close()) drops only the idle ones.
  await nextTurn();
  try {
    await http.app.close();
  } catch (error) {
    logger.error(`Closing the app failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  }
  process.exit(0);
}

/** Tells the HTTP clients, from shutdown on, to close their connections after the response they get. */
class HttpDrain {
  private readonly server: Server;
  /** Responses that may still say `Connection: close`: their head has not been sent yet. */
  private readonly pending = new Set<ServerResponse>();
  private closing = false;

  constructor(readonly app: INestApplication) {
    this.server = app.getHttpServer() as Server;
    // First in line, before the app's own handler can write the response's head.
    this.server.prependListener('request', (_request: IncomingMessage, response: ServerResponse) => {
      if (this.closing) return this.closeAfter(response);
      this.pending.add(response);
      response.once('close', () => this.pending.delete(response));
    });
  }

  begin(): void {
    this.closing = true;
    for (const response of this.pending) this.closeAfter(response);
    this.pending.clear();
  }

  private closeAfter(response: ServerResponse): void {
    if (!response.headersSent) response.setHeader('Connection', 'close');
    // A head that went out before the signal said keep-alive: once it is done, the connection is idle and can
    // go. After a turn, as above, so that a request already on its way over it is read first.
    response.once('finish', () => setImmediate(() => this.server.closeIdleConnections()));
  }
}
