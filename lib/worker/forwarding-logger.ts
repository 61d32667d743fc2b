/**
 * Worker side: the Nest logger of a worker. It sends each record to the supervisor, which hands it to the
 * app's own logger (the one given to `app.useLogger`) with the worker and job named, instead of the worker
 * printing it raw.
 */
import type { LoggerService, LogLevel } from '@nestjs/common';
import { inspect } from 'node:util';
import type { LogStatus } from '../protocol/messages';

export class ForwardingLogger implements LoggerService {
  constructor(
    private readonly send: (record: LogStatus) => void,
    private readonly currentJob: () => number | undefined,
    /** Levels forwarded now; the worker narrows them while it boots. */
    public levels: readonly LogLevel[],
  ) {}

  log(message: unknown, ...params: unknown[]): void {
    this.forward('log', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.forward('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.forward('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.forward('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.forward('verbose', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.forward('fatal', message, params);
  }

  private forward(level: LogLevel, message: unknown, params: unknown[]): void {
    if (!this.levels.includes(level)) return;
    // Nest passes the context last, and an error's stack before it.
    const context =
      params.length > 0 && typeof params[params.length - 1] === 'string' ? (params.pop() as string) : undefined;
    const extra = params.map((param) => (typeof param === 'string' ? param : inspect(param)));
    const text =
      typeof message === 'string'
        ? message
        : message instanceof Error
          ? (message.stack ?? message.message)
          : inspect(message);
    this.send({ kind: 'log', level, message: [text, ...extra].join('\n'), context, jobId: this.currentJob() });
  }
}
