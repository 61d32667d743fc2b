/** Forks app instances for the distributed workload and stops them, failing loudly when one misbehaves. */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { BenchIntegrityError } from '../stats/integrity.error';
import { specToArgv, type BenchMessage, type InstanceMessage, type InstanceSpec } from './instance.protocol';

const INSTANCE_FILE = join(__dirname, 'instance.process.js');
/** Guards against a hung instance, so that the run fails with its output instead of hanging. */
const START_CAP_MS = 60_000;
const STOP_CAP_MS = 60_000;
/** After it has closed its app, an instance should end on its own: nothing left holding its event loop. */
const EXIT_CAP_MS = 5_000;

export interface Instance {
  readonly pid: number;
  /** Closes the instance's app (it finishes what it holds), then waits for the process to end. */
  stop(): Promise<void>;
  /** SIGKILL, if it still runs: for cleanup after a failure. */
  kill(): void;
}

export function startInstance(spec: InstanceSpec, log: (line: string) => void): Promise<Instance> {
  const child = fork(INSTANCE_FILE, specToArgv(spec), { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  return new Promise<Instance>((resolve, reject) => {
    const failed = (why: string): void => {
      kill();
      reject(new BenchIntegrityError(`${spec.kind} instance ${why}\n${output}`));
    };
    const guard = setTimeout(() => failed(`did not start within ${START_CAP_MS / 1000} s`), START_CAP_MS);
    child.on('message', (message: InstanceMessage) => {
      if (message.type === 'failed') failed(`failed:\n${message.message}`);
      if (message.type !== 'ready') return;
      clearTimeout(guard);
      resolve({ pid: message.pid, stop: () => stop(child, exited, spec, () => output, log), kill });
    });
    child.once('exit', (code, signal) => {
      clearTimeout(guard);
      failed(`ended (${signal ?? code}) before it was ready`);
    });
  });
}

async function stop(
  child: ChildProcess,
  exited: Promise<void>,
  spec: InstanceSpec,
  output: () => string,
  log: (line: string) => void,
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    throw new BenchIntegrityError(`${spec.kind} instance ${child.pid} ended before it was told to stop\n${output()}`);
  }
  const stopped = new Promise<void>((resolve, reject) => {
    const guard = setTimeout(() => reject(new BenchIntegrityError(`${spec.kind} instance did not stop`)), STOP_CAP_MS);
    child.on('message', (message: InstanceMessage) => {
      if (message.type === 'stopped' || message.type === 'failed') clearTimeout(guard);
      if (message.type === 'stopped') resolve();
      if (message.type === 'failed') reject(new BenchIntegrityError(`${spec.kind} instance: ${message.message}`));
    });
  });
  child.send({ type: 'stop' } satisfies BenchMessage);
  try {
    await stopped;
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  let timer: NodeJS.Timeout | undefined;
  const ended = await Promise.race([
    exited.then(() => true),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), EXIT_CAP_MS))),
  ]);
  clearTimeout(timer);
  if (!ended) {
    // Not a wrong result, but worth a line: something kept the instance's event loop alive after app.close().
    log(`${spec.kind} instance ${child.pid} still ran ${EXIT_CAP_MS / 1000} s after its app closed; killed it`);
    child.kill('SIGKILL');
    await exited;
  }
}
