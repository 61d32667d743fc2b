/**
 * Main-thread side of the worker bootstrap: which file a worker runs and with which Node options, so that
 * it loads the same job code the app runs: compiled JavaScript as it is, TypeScript through a loader.
 */
import { extname, join } from 'node:path';
import { PoolConfigError } from '../errors/pool-config.error';

const TS_FILE = /\.(c|m)?tsx?$/;
const TS_LOADER_ARG = /ts-node|@swc-node|@swc\/register|tsx|esbuild-register|@babel\/register/;
const TS_LOADER = '@swc-node/register';

export interface WorkerLaunch {
  readonly filename: string;
  readonly execArgv: readonly string[] | undefined;
}

/**
 * @param files the job files the workers load
 * @param execArgv the `execArgv` option, if given
 */
export function workerLaunch(files: readonly string[], execArgv: readonly string[] | undefined): WorkerLaunch {
  // Next to this file: worker-main.js when compiled, worker-main.ts when the library itself runs from source.
  const ownExtension = extname(__filename);
  const filename = join(__dirname, `worker-main${ownExtension}`);
  const needsTypeScript = TS_FILE.test(filename) || files.some((file) => TS_FILE.test(file));
  const args = execArgv ?? process.execArgv;
  if (!needsTypeScript || args.some((arg) => TS_LOADER_ARG.test(arg))) {
    return { filename, execArgv };
  }
  let loader: string;
  try {
    loader = require.resolve(TS_LOADER);
    // Keep swc's native binding loaded in the main thread: unloading it with the last worker can crash the process.
    require('@swc/core');
  } catch {
    const tsFile = [filename, ...files].find((file) => TS_FILE.test(file));
    throw new PoolConfigError(
      `The workers must load TypeScript (${tsFile}) but ${TS_LOADER} is not installed. ` +
        `Run compiled JavaScript, install ${TS_LOADER}, or pass a loader in the pool option execArgv`,
    );
  }
  return { filename, execArgv: [...args, '--require', loader] };
}
