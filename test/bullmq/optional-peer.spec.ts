import { execFile } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** Runs a script in a fresh process, with TypeScript, and returns what it printed. */
function run(script: string): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(process.execPath, ['--require', '@swc-node/register', '-e', script], { cwd: ROOT }, (error, stdout) =>
      error ? reject(error) : resolve(stdout.trim()),
    ),
  );
}

const LOADED = 'Object.keys(require.cache).filter((file) => /node_modules\\/(bullmq|ioredis)\\//.test(file)).length';

describe('BullMQ as an optional peer', () => {
  it('the main entry point never loads bullmq or ioredis; the bullmq subpath does', async () => {
    expect(await run(`require('./lib'); require('./lib/health'); console.log(${LOADED})`)).toBe('0');
    expect(Number(await run(`require('./lib/bullmq'); console.log(${LOADED})`))).toBeGreaterThan(0);
  });
});
