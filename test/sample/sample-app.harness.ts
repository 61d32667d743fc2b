/**
 * Runs the BUILT sample app (dist/sample/main.js, from `nest build`) as a child process, as `npm start` would,
 * on a free port (PORT=0: the port is read from the app's log).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const ROOT = join(__dirname, '..', '..');
export const MAIN = join(ROOT, 'dist', 'sample', 'main.js');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SampleApp {
  readonly child: ChildProcess;
  /** `http://127.0.0.1:<port>` */
  readonly base: string;
  /** Resolves when the process has ended. */
  readonly exited: Promise<Exit>;
  /** Everything the app has logged so far (stdout and stderr). */
  output(): string;
  /** Resolves once the log matches `pattern`; rejects with the log after `capMs` (a guard, not a timing check). */
  logged(pattern: RegExp, capMs?: number): Promise<void>;
  /** SIGKILL, if it still runs: for afterAll, so that no process is left behind whatever happened. */
  kill(): void;
}

export async function startSampleApp(env: Record<string, string> = {}): Promise<SampleApp> {
  if (!existsSync(MAIN)) {
    throw new Error(`${MAIN} is missing: build the sample first (npx nest build, or npm start / npm test)`);
  }
  const child = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', POOL_SIZE: '2', NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const base = await new Promise<string>((resolve, reject) => {
    // Only a guard against a hung start, so that the test fails with the app's output rather than hangs.
    const guard = setTimeout(() => reject(new Error(`The sample app did not start listening:\n${output}`)), 45_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const port = /listening on http:\/\/\S+:(\d+)/.exec(output)?.[1];
      if (port) {
        clearTimeout(guard);
        resolve(`http://127.0.0.1:${port}`);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(guard);
      reject(new Error(`The sample app exited (code ${code}, signal ${signal}) before listening:\n${output}`));
    });
  });
  return {
    child,
    base,
    exited,
    output: () => output,
    async logged(pattern, capMs = 15_000) {
      const until = Date.now() + capMs;
      while (!pattern.test(output)) {
        if (Date.now() > until) throw new Error(`The sample app did not log ${pattern}:\n${output}`);
        await sleep(20);
      }
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
