/**
 * The claim slots that let a worker hold its next jobs while it runs the current one (prefetch) without
 * breaking poolio's rule that no job waits behind a slow one. Each worker has `LANES` slots in a
 * SharedArrayBuffer. The supervisor offers a job on a free lane before it sends it; whoever claims the offer
 * first wins it: the worker, when it starts the job, or the supervisor, taking back a job that still waits
 * behind a slow one to give it to an idle worker. One compare-and-swap decides, so a job starts at most once,
 * and never on a worker that has given it up.
 */

/**
 * A worker holds at most this many jobs sent to start after its current one: as many as the main thread's
 * bitmask of a worker's lanes (one 32-bit integer) allows. Each message that tops a worker up wakes its thread,
 * which costs the main thread more than cloning the jobs does, so tiny jobs go in as few messages as it can.
 */
export const MAX_PREFETCH = 31;

/** One lane per job a worker may hold: its current job and the prefetched ones. */
export const LANES = MAX_PREFETCH + 1;

export function createLanes(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(LANES * Int32Array.BYTES_PER_ELEMENT));
}

/** A job id as a lane holds it: never 0, which marks an empty lane. */
function token(jobId: number): number {
  return (jobId % 0x7fffffff) + 1;
}

/** Puts the job on offer on `lane`; call before sending it. */
export function offer(lanes: Int32Array, lane: number, jobId: number): void {
  Atomics.store(lanes, lane, token(jobId));
}

/** Takes the job off offer; true if this caller won it, false if the other side already had. */
export function claim(lanes: Int32Array, lane: number, jobId: number): boolean {
  const expected = token(jobId);
  return Atomics.compareExchange(lanes, lane, expected, 0) === expected;
}
