/**
 * The entry of every pool worker thread: boot the job context once, say `ready`, then answer instructions.
 */
import './compile-cache';
// Before anything imports Nest: where a worker bundle is in use, Nest must come from it.
import './worker-bundle.hooks';
import type { LogLevel } from '@nestjs/common';
import { workerData } from 'node:worker_threads';
import { JobContext } from '../jobs/job-context';
import { shareNestHttpErrors } from '../nest-http-errors';
import { encodeError } from '../protocol/error-codec';
import type { InstructionBatch, WorkerBootData } from '../protocol/messages';
import { ForwardingLogger } from './forwarding-logger';
import { JobRunner } from './job-runner';
import { bootWorkerContext, type WorkerContext } from './worker-context';

shareNestHttpErrors(); // before any job can throw an HttpException

const { port, catalog, logLevels, retireAboveHeapMb, lanes, loader } = workerData as WorkerBootData;

/** While booting, only trouble is worth forwarding: Nest's own start-up lines would repeat for every worker. */
const BOOT_LEVELS: readonly LogLevel[] = ['error', 'warn', 'fatal'];

async function main(): Promise<void> {
  const levels = logLevels === false ? [] : logLevels;
  const job = new JobContext();
  const logger = new ForwardingLogger(
    (record) => port.postMessage(record),
    () => job.jobId || undefined,
    levels.filter((level) => BOOT_LEVELS.includes(level)),
  );
  let context: WorkerContext;
  try {
    context = await bootWorkerContext(catalog, loader, logger);
  } catch (error) {
    port.postMessage({ kind: 'boot-failed', error: encodeError(error) });
    port.close();
    process.exit(1);
  }
  logger.levels = levels;
  const runner = new JobRunner(port, context.jobs, lanes, retireAboveHeapMb);
  port.on('message', (batch: InstructionBatch) => {
    for (const instruction of batch) {
      if (instruction.kind === 'exit') {
        void context.app.close().finally(() => process.exit(0));
        return;
      }
      runner.handle(instruction);
    }
  });
  port.postMessage({ kind: 'ready' });
}

void main();
