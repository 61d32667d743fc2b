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
    const text = [message, ...params].map((part, i) => (i === 0 ? messageText(part) : paramText(part))).join('\n');
    this.send({ kind: 'log', level, message: text, context, jobId: this.currentJob() });
  }
}

function messageText(message: unknown): string {
  if (typeof message === 'string') return message;
  return shown(() => {
    if (message instanceof Error) {
      const { stack, message: text } = message;
      if (typeof stack === 'string') return stack;
      if (typeof text === 'string') return text;
    }
    return inspect(message);
  });
}

function paramText(param: unknown): string {
  return typeof param === 'string' ? param : shown(() => inspect(param));
}

/** A log call must not throw into the job for what it logs (a throwing getter, a proxy's trap). */
function shown(text: () => string): string {
  try {
    return text();
  } catch (error) {
    return `(a logged value that could not be shown: ${error instanceof Error ? error.message : typeof error})`;
  }
}
