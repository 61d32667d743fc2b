import { availableParallelism, cpus, loadavg, platform, arch, totalmem } from 'node:os';

export interface MachineInfo {
  readonly cpu: string;
  /** Logical CPUs (os.cpus()). */
  readonly cores: number;
  readonly availableParallelism: number;
  readonly node: string;
  readonly platform: string;
  readonly memoryGiB: number;
  /** 1-minute load average when the run started: a hint of how busy the shared machine was. */
  readonly loadAverage: number;
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() || 'unknown CPU',
    cores: list.length,
    availableParallelism: availableParallelism(),
    node: process.version,
    platform: `${platform()} ${arch()}`,
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    loadAverage: Math.round(loadavg()[0] * 100) / 100,
  };
}

export function describeMachine(machine: MachineInfo): string {
  return (
    `Machine: ${machine.cpu}, ${machine.cores} cores (available parallelism ${machine.availableParallelism}), ` +
    `${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.platform}, load ${machine.loadAverage}`
  );
}
