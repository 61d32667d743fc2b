/**
 * SIGTERM ends the BUILT sample app (dist/sample/main.js) with exit code 0: under sustained keep-alive traffic,
 * where busy connections would otherwise keep the HTTP server open for ever, and while its workers boot. No
 * timing thresholds: the caps below only turn a hang into a failure that shows the app's log.
 */
import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { MAIN, ROOT, startSampleApp, type Exit, type SampleApp } from './sample-app.harness';

/** One request sent on a keep-alive connection, and what came back. */
interface Exchange {
  readonly path: string;
  /** The request's bytes were handed to the kernel before the test sent SIGTERM. */
  sentBeforeSignal: boolean;
  status?: number;
  body?: string;
  /** The response said `Connection: close`. */
  closes?: boolean;
  /** The connection ended before a full response: `none` if no byte of one had come, else `partial`. */
  lost?: 'none' | 'partial';
}

/** Parses one response off the front of `data`, if it is all there (the sample sends Content-Length). */
function takeResponse(data: Buffer): { status: number; headers: string; body: string; rest: Buffer } | undefined {
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const head = data.subarray(0, end).toString('latin1');
  const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? Number.NaN);
  if (!Number.isInteger(length)) throw new Error(`A response without Content-Length:\n${head}`);
  if (data.length < end + 4 + length) return undefined;
  return {
    status: Number(head.split(' ')[1]),
    headers: head,
    body: data.subarray(end + 4, end + 4 + length).toString('utf8'),
    rest: data.subarray(end + 4 + length),
  };
}

/**
 * A client that keeps one connection busy: the next request goes as soon as the last response is in. When the
 * server closes the connection it opens another, until connecting fails (the server has stopped listening).
 */
async function keepBusy(port: number, paths: readonly string[], signalled: () => boolean, log: Exchange[]) {
  for (let turn = 0; ;) {
    const socket = await new Promise<Socket | undefined>((resolve) => {
      const attempt = connect(port, '127.0.0.1', () => resolve(attempt));
      attempt.once('error', () => resolve(undefined));
    });
    if (!socket) return;
    let data: Buffer = Buffer.alloc(0);
    let answered: (() => void) | undefined;
    let closed = false;
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      answered?.();
    });
    socket.on('error', () => undefined);
    socket.once('close', () => {
      closed = true;
      answered?.();
    });
    while (!closed) {
      const exchange: Exchange = { path: paths[turn++ % paths.length], sentBeforeSignal: false };
      log.push(exchange);
      socket.write(`GET ${exchange.path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`, (error) => {
        exchange.sentBeforeSignal = !error && !signalled();
      });
      let response = takeResponse(data);
      while (!response && !closed) {
        await new Promise<void>((resolve) => (answered = resolve));
        answered = undefined;
        response = takeResponse(data);
      }
      if (!response) {
        exchange.lost = data.length > 0 ? 'partial' : 'none';
        break;
      }
      data = response.rest;
      Object.assign(exchange, {
        status: response.status,
        body: response.body,
        closes: /\r\nconnection:\s*close/i.test(response.headers),
      });
      if (exchange.closes) break;
    }
    socket.destroy();
  }
}

/** Resolves with the exit, or with 'still running' after `capMs`: a guard against a hang, not a timing check. */
async function exitOrHang(exited: Promise<Exit>, capMs: number): Promise<Exit | 'still running'> {
  const cap = new AbortController();
  try {
    return await Promise.race([exited, sleep(capMs, 'still running' as const, { signal: cap.signal })]);
  } finally {
    cap.abort();
  }
}

describe('sample app: SIGTERM', () => {
  let kill: (() => void) | undefined;

  // Whatever happened, leave no app process behind.
  afterEach(() => kill?.());

  it('under sustained keep-alive load exits 0, and every request sent before the signal gets a full response', async () => {
    const app: SampleApp = await startSampleApp();
    kill = () => app.kill();
    const port = Number(new URL(app.base).port);
    const log: Exchange[] = [];
    let signalled = false;
    const paths = ['/ping', '/primes?below=20000', '/pool/status'];
    const clients = Array.from({ length: 6 }, () => keepBusy(port, paths, () => signalled, log));
    while (log.filter((exchange) => exchange.status !== undefined).length < 300) await sleep(5);

    signalled = true;
    app.child.kill('SIGTERM');
    const exit = await exitOrHang(app.exited, 40_000);
    app.kill(); // if it hangs: the clients stop once it is gone
    await Promise.all(clients);

    expect({ exit, log: exit === 'still running' ? app.output().slice(-2_000) : '' }).toEqual({
      exit: { code: 0, signal: null },
      log: '',
    });
    const beforeSignal = log.filter((exchange) => exchange.sentBeforeSignal);
    expect(beforeSignal.length).toBeGreaterThanOrEqual(300);
    expect(beforeSignal.filter((exchange) => exchange.status !== 200)).toEqual([]);
    for (const exchange of beforeSignal) expect(() => JSON.parse(exchange.body!)).not.toThrow();
    // A request sent after the signal may find its connection closed, but never half an answer.
    expect(log.filter((exchange) => exchange.lost === 'partial')).toEqual([]);
    expect(app.output()).not.toMatch(/FATAL|ERROR/);
  }, 120_000);

  it.each([
    ['while Nest builds the app', /Starting Nest application/],
    ['while the pool’s workers boot', /Mapped \{\/pool\/demo-load, POST\} route/],
  ])(
    '%s exits 0',
    async (_when, pattern) => {
      const child = spawn(process.execPath, [MAIN], {
        cwd: ROOT,
        env: { ...process.env, PORT: '0', POOL_SIZE: '2', NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      kill = () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      };
      const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
      let output = '';
      let sent = false;
      const onData = (chunk: Buffer): void => {
        output += chunk.toString();
        if (!sent && pattern.test(output)) {
          sent = true;
          child.kill('SIGTERM');
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);

      const exit = await exitOrHang(exited, 40_000);
      expect({ sent, exit, log: (exit as Exit).code === 0 ? '' : output.slice(-2_000) }).toEqual({
        sent: true,
        exit: { code: 0, signal: null },
        log: '',
      });
      expect(output).not.toMatch(/FATAL/);
    },
    120_000,
  );
});
