/**
 * Main-thread side of the worker bootstrap: which file a worker runs, with which Node options and loaders, so
 * that it loads the job code as the app does: compiled JavaScript as it is (`require` for CommonJS, `import()`
 * for ES modules), TypeScript through swc, whose hooks keep decorator metadata (Nest's DI needs it) and map
 * `./x.js` imports to `x.ts`.
 */
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PoolConfigError } from '../errors/pool-config.error';
import type { JobFile, WorkerLoader } from '../protocol/messages';
import { findWorkerBundle } from './worker-bundle.finder';

const TS_FILE = /\.(c|m)?tsx?$/;
/** Loaders a user may pass in `execArgv` (or run the app with): the pool then adds none of its own for CommonJS. */
const USER_LOADER_ARG = /ts-node|@swc-node|@swc\/register|\btsx\b|esbuild-register|@babel\/register|jiti/;
const SWC_ARG = /@swc-node|@swc\/register/;
const SWC_REGISTER = '@swc-node/register';

export interface WorkerLaunch {
  readonly filename: string;
  readonly execArgv: readonly string[] | undefined;
  readonly loader: WorkerLoader;
}

/**
 * @param files the job files the workers load, with their formats
 * @param execArgv the `execArgv` option, if given
 * @param pool the pool's name, for messages
 */
export function workerLaunch(
  files: readonly JobFile[],
  execArgv: readonly string[] | undefined,
  pool: string | null,
): WorkerLaunch {
  // Next to this file: worker-main.js when compiled, worker-main.ts when the library itself runs from source.
  const filename = join(__dirname, `worker-main${extname(__filename)}`);
  const args = execArgv ?? process.execArgv;
  const userLoaders = args.filter((arg) => USER_LOADER_ARG.test(arg));
  const tsCommonJs = TS_FILE.test(filename) || files.some((f) => f.format === 'commonjs' && TS_FILE.test(f.file));
  const tsModules = files.some((f) => f.format === 'module' && TS_FILE.test(f.file));
  const described: string[] = userLoaders.length > 0 ? [`execArgv ${userLoaders.join(' ')}`] : [];
  let extraArgs: string[] = [];
  let moduleHook: string | undefined;
  if (tsCommonJs && userLoaders.length === 0) {
    extraArgs = ['--require', resolveSwc(pool, files).register];
    described.push(`${SWC_REGISTER} (CommonJS hook)`);
  }
  if (tsModules) {
    moduleHook = resolveSwc(pool, files).moduleHook;
    described.push(`${SWC_REGISTER}/esm (ES-module hook)`);
  }
  // swc's native binding must stay loaded in this thread while workers use it: unloaded with the last worker
  // that loaded it, it can crash the process (exit 139). That holds for a loader the user passes, too.
  if (extraArgs.length > 0 || moduleHook || args.some((arg) => SWC_ARG.test(arg))) keepSwcLoaded();
  const bundle = findWorkerBundle();
  if (bundle) described.push('Nest from the worker bundle');
  return {
    filename,
    execArgv: extraArgs.length > 0 ? [...args, ...extraArgs] : execArgv,
    loader: { moduleHook, description: described.join(' + ') || 'none (plain Node)', bundle },
  };
}

/** Resolves swc's register package from the app first (its dev dependency), then from this package. */
function resolveSwc(pool: string | null, files: readonly JobFile[]): { register: string; moduleHook: string } {
  for (const from of [join(process.cwd(), 'package.json'), __filename]) {
    try {
      const register = createRequire(from).resolve(SWC_REGISTER);
      return { register, moduleHook: pathToFileURL(join(dirname(register), 'esm', 'esm.mjs')).href };
    } catch {
      // not installed there
    }
  }
  const tsFile = files.find((file) => TS_FILE.test(file.file))?.file ?? __filename;
  const which = pool === null ? 'the default pool' : `the pool ${JSON.stringify(pool)}`;
  throw new PoolConfigError(
    `The workers of ${which} must load TypeScript (${tsFile}), and ${SWC_REGISTER} is not installed. ` +
      `Install it with @swc/core as dev dependencies (npm i -D ${SWC_REGISTER} @swc/core), which keeps decorator ` +
      'metadata for DI; or run compiled JavaScript; or pass a loader of your own in the pool option execArgv',
  );
}

function keepSwcLoaded(): void {
  for (const from of [join(process.cwd(), 'package.json'), __filename]) {
    try {
      createRequire(from)('@swc/core');
      return;
    } catch {
      // not there; the worker's loader will say so if it needs it
    }
  }
}
