import { cpuScaling } from './cpu-scaling.workload';
import { payload } from './payload.workload';
import { roundTrip } from './round-trip.workload';
import { startupMemory } from './startup-memory.workload';
import { tinyThroughput } from './tiny-throughput.workload';
import type { Workload } from './workload.types';

/** Every workload, in the order they run. */
export const WORKLOADS: readonly Workload[] = [tinyThroughput, cpuScaling, roundTrip, payload, startupMemory];
