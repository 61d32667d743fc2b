/** What a `PanicSwitch.Kill` saw, handed to `onKill` before the process ends. */
export interface KillReport {
  /** How many jobs (or idle workers) panicked. */
  readonly panicked: number;
  /** Why each one panicked. */
  readonly reasons: readonly string[];
  /** Jobs that were running on other workers at the first panic and finished with their results. */
  readonly finished: number;
  /** Queued jobs refused with `PoolKilledError`. */
  readonly refused: number;
}
