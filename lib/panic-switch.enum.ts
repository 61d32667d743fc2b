/** What a panicking job does to the pool (a job panics when it kills its worker). */
export enum PanicSwitch {
  /**
   * Refuse new and queued jobs, let the jobs running on other workers finish and deliver their results,
   * then end the process with a non-zero exit code.
   */
  Kill = 'kill',
  /** Replace the polluted worker and go on; queued jobs are not lost. */
  Respawn = 'respawn',
}
