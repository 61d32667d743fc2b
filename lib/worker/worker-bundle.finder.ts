/**
 * Main-thread side of the worker bundle: finds the bundle `npm run build` / `prepack` made
 * (scripts/build-worker-bundle.mjs) and checks that it holds the very packages a worker would load here: each
 * one found as Node finds it, at the version it was built from. Anything else, and workers load Nest's files
 * one by one as before. NESTJS_POOLIO_WORKER_BUNDLE=0 turns the bundle off.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { join } from 'node:path';
import type { WorkerBundle } from '../protocol/messages';

interface Manifest {
  readonly format: number;
  readonly packages: readonly { readonly name: string; readonly version: string; readonly from: number | null }[];
  readonly modules: WorkerBundle['modules'];
}

const FORMAT_VERSION = 1;
/** Next to the compiled library (dist/lib/worker-bundle), or, for the library run from source, in dist/. */
const PLACES = [join(__dirname, '..', 'worker-bundle'), join(__dirname, '..', '..', 'dist', 'lib', 'worker-bundle')];

let found: { readonly bundle: WorkerBundle | undefined } | undefined;

/**
 * The bundle to give the workers, or `undefined`: none was built, it is off, it was built for other versions,
 * or this Node has no in-thread module hooks (`module.registerHooks`, Node 22.15+), which the workers need so
 * that the app's imports of Nest reach the bundle's instances.
 */
export function findWorkerBundle(): WorkerBundle | undefined {
  if (process.env.NESTJS_POOLIO_WORKER_BUNDLE === '0') return undefined;
  if (typeof (nodeModule as { registerHooks?: unknown }).registerHooks !== 'function') return undefined;
  found ??= { bundle: readWorkerBundle(PLACES.find((place) => existsSync(join(place, 'manifest.json')))) };
  return found.bundle;
}

/** @internal The bundle in `dir`, if it holds the packages installed here at their versions. */
export function readWorkerBundle(dir: string | undefined): WorkerBundle | undefined {
  if (dir === undefined) return undefined;
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
  } catch {
    return undefined; // (a half-written bundle: the files are loaded as before)
  }
  if (manifest.format !== FORMAT_VERSION) return undefined;
  const roots: string[] = [];
  for (const { name, version, from } of manifest.packages) {
    const root = packageRoot(name, from === null ? __filename : join(roots[from], 'package.json'));
    if (root === undefined || versionAt(root) !== version) return undefined;
    roots.push(root);
  }
  return { file: join(dir, 'worker-bundle.cjs'), roots, modules: manifest.modules };
}

/** The real folder of package `name` as Node finds it from `from` (its `exports` may hide package.json). */
function packageRoot(name: string, from: string): string | undefined {
  const paths = nodeModule.createRequire(from).resolve.paths(name) ?? [];
  const dir = paths.map((path) => join(path, name)).find((candidate) => existsSync(join(candidate, 'package.json')));
  return dir === undefined ? undefined : realpathSync(dir);
}

function versionAt(root: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: string }).version;
  } catch {
    return undefined;
  }
}
