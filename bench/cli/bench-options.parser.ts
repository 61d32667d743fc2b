import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { RESULTS_DIR } from '../bench.paths';

export interface BenchOptions {
  readonly quick: boolean;
  readonly repeats: number;
  /** Workload names to run, in the registry's order; all when `--only` is not given. */
  readonly only: readonly string[] | undefined;
  /** Pool names to run; all when `--pools` is not given. */
  readonly pools: readonly string[] | undefined;
  /** The JSON file; the SVG goes next to it, with the same name. */
  readonly out: string;
  readonly help: boolean;
}

export const DEFAULT_REPEATS = 5;
export const QUICK_REPEATS = 1;

export const USAGE = `Usage: npm run bench -- [options]

  --quick            small counts and ${QUICK_REPEATS} repeat, for a smoke run (about 1.5 minutes on 2 cores)
  --repeats N        repeats per pool and workload (default ${DEFAULT_REPEATS}, ${QUICK_REPEATS} with --quick)
  --only a,b         run only these workloads: tiny, cpu, latency, payload (16 MiB moved and copied), startup,
                     control (this pool's job controls),
                     respawn (this pool: serving again after a panic, worker bundle on and off),
                     nodes (start-up on Node 20, 22, 24, 26, compile cache on and off),
                     distributed (scale-out over BullMQ on a redis-server it starts, 1 and 3 instances)
  --pools a,b        run only these pools: poolio, piscina, tinypool, workerpool, poolifier
  --out FILE         where the JSON goes (default bench/results/latest.json); the SVG goes beside it
  --help             this text`;

/** Reads the command line; throws on anything unknown or malformed. Names are checked by the caller. */
export function parseBenchOptions(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      quick: { type: 'boolean', default: false },
      repeats: { type: 'string' },
      only: { type: 'string' },
      pools: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const quick = values.quick === true;
  let repeats = quick ? QUICK_REPEATS : DEFAULT_REPEATS;
  if (values.repeats !== undefined) {
    repeats = Number(values.repeats);
    if (!Number.isInteger(repeats) || repeats < 1) {
      throw new Error(`--repeats takes a positive whole number, got "${values.repeats}"`);
    }
  }
  return {
    quick,
    repeats,
    only: list(values.only, '--only'),
    pools: list(values.pools, '--pools'),
    out: resolve(values.out ?? `${RESULTS_DIR}/latest.json`),
    help: values.help === true,
  };
}

function list(value: string | undefined, flag: string): string[] | undefined {
  if (value === undefined) return undefined;
  const names = value
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (names.length === 0) throw new Error(`${flag} takes a comma-separated list of names`);
  return names;
}

/** The entries named in `wanted` (all when undefined), in `all`'s order; throws naming any unknown one. */
export function pick<T extends { readonly name: string }>(
  all: readonly T[],
  wanted: readonly string[] | undefined,
  flag: string,
): T[] {
  if (!wanted) return [...all];
  const unknown = wanted.filter((name) => !all.some((entry) => entry.name === name));
  if (unknown.length > 0) {
    throw new Error(`${flag}: unknown ${unknown.join(', ')} (known: ${all.map((entry) => entry.name).join(', ')})`);
  }
  return all.filter((entry) => wanted.includes(entry.name));
}
