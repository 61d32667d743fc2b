import { readFileSync } from 'node:fs';

/** CPU time counters from /proc/stat (Linux); undefined elsewhere. */
export interface CpuTicks {
  readonly total: number;
  readonly steal: number;
}

export function readCpuTicks(): CpuTicks | undefined {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already counted in user)
    const total = fields.slice(0, 8).reduce((sum, value) => sum + value, 0);
    return { total, steal: fields[7] ?? 0 };
  } catch {
    return undefined;
  }
}

/** Share of CPU time the hypervisor gave to other guests between two readings, in percent. */
export function stealPercent(from: CpuTicks | undefined, to: CpuTicks | undefined): number | undefined {
  if (!from || !to || to.total <= from.total) return undefined;
  return ((to.steal - from.steal) / (to.total - from.total)) * 100;
}
