import type { KillReport } from '../interfaces/kill-report.interface';
import type { SupervisorLogger } from './supervisor-options';
import type { WorkerHandle } from './worker-handle';

/**
 * PanicSwitch.Kill: once a job panics, the pool takes nothing more, lets the running jobs finish, then ends
 * its workers and hands the report to `onKill` (which ends the process by default). This keeps the record.
 */
export class KillSwitch {
  private record: { panicked: string[]; refused: number; finished: number } | undefined;

  /** True once a job has panicked under Kill. */
  get thrown(): boolean {
    return this.record !== undefined;
  }

  /** Records a panic; true for the first, which throws the switch. */
  panicked(reason: string): boolean {
    if (this.record) {
      this.record.panicked.push(reason);
      return false;
    }
    this.record = { panicked: [reason], refused: 0, finished: 0 };
    return true;
  }

  /** The queued jobs refused as the switch was thrown. */
  refused(count: number): void {
    if (this.record) this.record.refused = count;
  }

  /** A running job has finished since. */
  jobFinished(): void {
    if (this.record) this.record.finished++;
  }

  /** The running jobs have all finished: logs the report, terminates the workers, then calls `onKill`. */
  finish(workers: readonly WorkerHandle[], logger: SupervisorLogger, onKill: (report: KillReport) => void): void {
    const record = this.record;
    if (!record) return;
    const report: KillReport = {
      panicked: record.panicked.length,
      reasons: [...record.panicked],
      finished: record.finished,
      refused: record.refused,
    };
    logger.error(
      `PanicSwitch.Kill: ${report.panicked} job(s) panicked; ${report.finished} running job(s) finished, ` +
        `${report.refused} queued job(s) refused. Ending the process.`,
    );
    return void Promise.all(workers.map((w) => w.terminate('killed'))).then(() => onKill(report));
  }
}
