/**
 * The entry of every pool worker thread: boot the job context once, say `ready`, then answer instructions.
 */
import { workerData } from 'node:worker_threads';
import { encodeError } from '../protocol/error-codec';
import type { Instruction, WorkerBootData } from '../protocol/messages';
import { JobRunner } from './job-runner';
import { bootWorkerContext, type WorkerContext } from './worker-context';

const { port, catalog, logLevels, retireAboveHeapMb } = workerData as WorkerBootData;

async function main(): Promise<void> {
  let context: WorkerContext;
  try {
    context = await bootWorkerContext(catalog, logLevels);
  } catch (error) {
    port.postMessage({ kind: 'boot-failed', error: encodeError(error) });
    port.close();
    process.exit(1);
  }
  const runner = new JobRunner(port, context.jobs, retireAboveHeapMb);
  port.on('message', (instruction: Instruction) => {
    if (instruction.kind === 'exit') {
      void context.app.close().finally(() => process.exit(0));
    } else {
      runner.handle(instruction);
    }
  });
  port.postMessage({ kind: 'ready' });
}

void main();
