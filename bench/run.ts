/**
 * The benchmark: this pool and its peers through the same workloads, interleaved across repeats, every
 * result checked. `npm run bench -- --help` lists the options.
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { relative } from 'node:path';
import { parseBenchOptions, pick, USAGE, type BenchOptions } from './cli/bench-options.parser';
import { readCpuTicks, stealPercent } from './machine/cpu-steal.probe';
import { describeMachine, machineInfo } from './machine/machine.info';
import type { PoolEntry } from './pools/pool.adapter';
import { OURS, POOLS, REFERENCE } from './pools/pool.registry';
import { writeJson } from './report/json.report';
import { summarize } from './report/summary.model';
import { renderSvgChart } from './report/svg-chart';
import { renderTables } from './report/table.report';
import { BenchIntegrityError } from './stats/integrity.error';
import { elapsedMs } from './stats/stats.util';
import { calibrateSpin } from './tasks/spin.calibration';
import { WORKLOADS } from './workloads/workload.registry';
import { renderControlTable, runJobControlBench, type ControlResults } from './control/job-control.bench';
import { renderRespawnTable, runRespawnBench, type RespawnResults } from './respawn/respawn.bench';
import { renderNodeLinesTable, runNodeLinesBench, type NodeLineResult } from './nodes/node-lines.bench';
import { distributedUnavailable, runDistributedBench, type DistributedResults } from './distributed/distributed.bench';
import { renderDistributedTable } from './distributed/distributed.table';
import type { Metric, Workload, WorkloadContext } from './workloads/workload.types';

/** A `spin` job's target duration on this machine. */
const SPIN_TARGET_MS = 3;

interface Plan {
  readonly options: BenchOptions;
  readonly pools: readonly PoolEntry[];
  readonly workloads: readonly Workload[];
  /** Whether to measure this pool's job controls (payloads, cancellation, events$, event-loop delay). */
  readonly control: boolean;
  /** Whether to measure how soon a pool serves again after a panic, with the worker bundle and without. */
  readonly respawn: boolean;
  /** Whether to measure start-up on each Node line, with the workers' compile cache on and off. */
  readonly nodes: boolean;
  /** Whether to measure scale-out over BullMQ: 1 and 3 app instances, beside a sandboxed BullMQ processor. */
  readonly distributed: boolean;
}

async function main({ options, pools, workloads, control, respawn, nodes, distributed }: Plan): Promise<void> {
  const machine = machineInfo();
  const startedAt = new Date();
  const began = performance.now();
  const context: WorkloadContext = {
    pools,
    repeats: options.repeats,
    quick: options.quick,
    cores: availableParallelism(),
    spinIterations: calibrateSpin(SPIN_TARGET_MS),
    log: (line) => console.log(`  ${line}`),
  };
  const reference = pools.some((pool) => pool.name === REFERENCE) ? REFERENCE : pools[0].name;

  console.log(describeMachine(machine));
  console.log(`Pools: ${pools.map((pool) => `${pool.name} ${pool.version}`).join(', ')}`);
  console.log(
    `Repeats: ${options.repeats}${options.quick ? ' (quick)' : ''}; pool size ${context.cores} unless stated; ` +
      `spin job ${context.spinIterations.toLocaleString('en-US')} iterations (~${SPIN_TARGET_MS} ms here)`,
  );

  const metrics: Metric[] = [];
  const parameters: Record<string, Record<string, number | string>> = {};
  /** Per workload: the share of CPU time the hypervisor gave elsewhere, a measure of the noise. */
  const steals: Record<string, number | null> = {};
  for (const workload of workloads) {
    parameters[workload.name] = workload.parameters(context);
    const settings = Object.entries(parameters[workload.name])
      .map(([key, value]) => `${key} ${value}`)
      .join(', ');
    console.log(`\n${workload.title} [${workload.name}]: ${settings}`);
    const start = performance.now();
    const ticks = readCpuTicks();
    metrics.push(...(await workload.run(context)));
    const steal = stealPercent(ticks, readCpuTicks());
    steals[workload.name] = steal === undefined ? null : Math.round(steal * 10) / 10;
    const stolen = steal === undefined ? '' : `, CPU steal ${steal.toFixed(1)}%`;
    console.log(`  (${(elapsedMs(start) / 1000).toFixed(1)} s${stolen})`);
  }

  let jobControl: ControlResults | undefined;
  if (control) {
    console.log(`\njob controls [control]: ${OURS} only, pool size ${context.cores}`);
    const start = performance.now();
    jobControl = await runJobControlBench(context.cores, options.quick, context.log);
    console.log(`  (${(elapsedMs(start) / 1000).toFixed(1)} s)`);
  }

  let respawns: RespawnResults | undefined;
  if (respawn) {
    console.log(`\nrespawn after a panic [respawn]: ${OURS} only, 1 worker, worker bundle and Nest's files`);
    const start = performance.now();
    respawns = await runRespawnBench(options.repeats, options.quick, context.log);
    console.log(`  (${(elapsedMs(start) / 1000).toFixed(1)} s)`);
  }

  let nodeLines: NodeLineResult[] | undefined;
  if (nodes) {
    console.log(
      `\nstart-up per Node line [nodes]: ${OURS} (compile cache on, off) and piscina, ${context.cores} workers`,
    );
    const start = performance.now();
    nodeLines = await runNodeLinesBench(context.cores, options.repeats, context.spinIterations, context.log);
    console.log(`  (${(elapsedMs(start) / 1000).toFixed(1)} s)`);
  }

  let scaleOut: DistributedResults | undefined;
  if (distributed) {
    const unavailable = distributedUnavailable();
    // Asked for by name, it must run; in a full run, a machine without Redis still measures everything else.
    if (unavailable && options.only) throw new Error(`--only distributed: ${unavailable}`);
    console.log(`\nscale-out over BullMQ [distributed]: ${OURS}'s transport and a sandboxed BullMQ processor`);
    if (unavailable) {
      console.log(`  skipped: ${unavailable}`);
    } else {
      const start = performance.now();
      const ticks = readCpuTicks();
      scaleOut = await runDistributedBench({ ...context, repeats: options.repeats });
      const steal = stealPercent(ticks, readCpuTicks());
      steals.distributed = steal === undefined ? null : Math.round(steal * 10) / 10;
      const stolen = steal === undefined ? '' : `, CPU steal ${steal.toFixed(1)}%`;
      console.log(`  (${(elapsedMs(start) / 1000).toFixed(1)} s${stolen})`);
    }
  }

  const names = pools.map((pool) => pool.name);
  const summaries = summarize(metrics, names, OURS);
  if (metrics.length > 0) console.log(`\n${renderTables(summaries, names, OURS, reference, options.repeats)}`);
  if (jobControl) console.log(`\n${renderControlTable(jobControl)}`);
  if (respawns) console.log(`\n${renderRespawnTable(respawns)}`);
  if (nodeLines) console.log(`\n${renderNodeLinesTable(nodeLines, context.cores)}`);
  if (scaleOut) console.log(`\n${renderDistributedTable(scaleOut)}`);

  const svgFile = options.out.replace(/\.json$/i, '') + '.svg';
  writeJson(options.out, {
    startedAt: startedAt.toISOString(),
    durationSeconds: Math.round(elapsedMs(began) / 100) / 10,
    machine,
    options: { quick: options.quick, repeats: options.repeats, only: options.only ?? null, pools: names },
    ours: OURS,
    reference,
    pools: pools.map(({ name, version, settings }) => ({ name, version, settings })),
    spin: { iterations: context.spinIterations, targetMs: SPIN_TARGET_MS },
    parameters,
    cpuStealPercent: steals,
    metrics: summaries,
    jobControl: jobControl ?? null,
    respawn: respawns ?? null,
    nodeLines: nodeLines ?? null,
    distributed: scaleOut ?? null,
  });
  const subtitle =
    `${machine.cpu}, ${machine.cores} cores, Node ${machine.node}; medians of ${options.repeats} ` +
    `repeat${options.repeats === 1 ? '' : 's'}; ${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  writeFileSync(svgFile, renderSvgChart({ summaries, pools: names, reference, subtitle }));
  console.log(
    `\nWrote ${relative(process.cwd(), options.out)} and ${relative(process.cwd(), svgFile)} ` +
      `in ${(elapsedMs(began) / 1000).toFixed(0)} s`,
  );
}

/** The command line, checked before anything runs: a typo is a usage error, not an aborted run. */
function plan(argv: readonly string[]): Plan {
  const options = parseBenchOptions(argv);
  const separate = ['control', 'respawn', 'nodes', 'distributed'];
  const only = options.only?.filter((name) => !separate.includes(name));
  return {
    options,
    pools: pick(POOLS, options.pools, '--pools'),
    workloads: options.only && only?.length === 0 ? [] : pick(WORKLOADS, only, '--only'),
    control: !options.only || options.only.includes('control'),
    respawn: !options.only || options.only.includes('respawn'),
    nodes: !options.only || options.only.includes('nodes'),
    distributed: !options.only || options.only.includes('distributed'),
  };
}

let planned: Plan;
try {
  planned = plan(process.argv.slice(2));
} catch (error) {
  console.error(`${(error as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
if (planned.options.help) {
  console.log(USAGE);
} else {
  // Every pool call runs under a deadline whose timer holds the loop open: draining it means a lost promise.
  process.once('beforeExit', () => {
    console.error('\nBENCHMARK ABORTED: the event loop drained before the run ended (a promise was lost)');
    process.exit(1);
  });
  main(planned).then(
    // Ended explicitly: a pool that left a handle open must not keep the benchmark alive.
    () => process.exit(0),
    (error: unknown) => {
      const integrity = error instanceof BenchIntegrityError;
      console.error(`\nBENCHMARK ABORTED${integrity ? ' (wrong or missing result)' : ''}:`);
      console.error(error);
      process.exit(1);
    },
  );
}
