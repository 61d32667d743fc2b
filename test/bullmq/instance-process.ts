import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export interface InstanceProcess {
  readonly child: ChildProcess;
  /** Resolves once its pool serves. */
  readonly ready: Promise<void>;
  /** Resolves with its exit code (or the signal that ended it). */
  readonly exited: Promise<number | string>;
  readonly output: () => string;
}

const ROOT = join(__dirname, '..', '..');

/** Starts test/fixtures/remote-instance-app.ts: one app instance consuming the pool `remote`. */
export function startInstance(env: {
  REDIS_PORT: number;
  INSTANCE: string;
  SIZE?: number;
  LOCK_MS?: number;
}): InstanceProcess {
  const vars = Object.fromEntries(Object.entries(env).map(([key, value]) => [key, String(value)]));
  const child = spawn(process.execPath, ['--require', '@swc-node/register', 'test/fixtures/remote-instance-app.ts'], {
    cwd: ROOT,
    env: { ...process.env, ...vars },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('ready')) resolve();
    });
    void exited.then((code) =>
      reject(new Error(`instance ${env.INSTANCE} exited (${code}) before it was ready:\n${output}`)),
    );
  });
  ready.catch(() => undefined);
  return { child, ready, exited, output: () => output };
}
