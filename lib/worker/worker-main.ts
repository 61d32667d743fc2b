/**
 * The entry of every pool worker thread: boot the job context once, say `ready`, then answer instructions.
 */
import { workerData } from 'node:worker_threads';
import { encodeError } from '../protocol/error-codec';
import type { Instruction, WorkerBootData } from '../protocol/messages';
import { bootJobContext, type JobContext } from './job-context';
import { JobRunner } from './job-runner';

const { port, catalog, logLevels } = workerData as WorkerBootData;

async function main(): Promise<void> {
  let context: JobContext;
  try {
    context = await bootJobContext(catalog, logLevels);
  } catch (error) {
    port.postMessage({ kind: 'boot-failed', error: encodeError(error) });
    port.close();
    process.exit(1);
  }
  const runner = new JobRunner(port, context.jobs);
  port.on('message', (instruction: Instruction) => {
    if (instruction.kind === 'run') {
      runner.run(instruction);
    } else {
      void context.app.close().finally(() => process.exit(0));
    }
  });
  port.postMessage({ kind: 'ready' });
}

void main();
