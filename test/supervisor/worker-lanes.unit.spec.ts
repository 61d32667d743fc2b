import { describe, expect, it } from '@jest/globals';
import { claim, LANES } from '../../lib/protocol/lanes';
import type { Job } from '../../lib/supervisor/job';
import { WorkerLanes } from '../../lib/supervisor/worker-lanes';

/** Just what WorkerLanes reads and writes of a job. */
function job(id: number): Job {
  return { id, lane: 0 } as Job;
}

describe('WorkerLanes', () => {
  it('offers each of its lanes once, the last bit of the mask included, and refuses one more by name', () => {
    const lanes = new WorkerLanes(7);
    const jobs = Array.from({ length: LANES }, (_, i) => job(i + 1));
    for (const each of jobs) lanes.offer(each);
    expect(jobs.map((each) => each.lane)).toEqual(Array.from({ length: LANES }, (_, i) => i));
    expect(() => lanes.offer(job(LANES + 1))).toThrow('Worker 7 was sent more jobs than it has lanes for');
  });

  it('offers a released lane again, and a job the worker claimed cannot be withdrawn', () => {
    const lanes = new WorkerLanes(1);
    const jobs = Array.from({ length: LANES }, (_, i) => job(i + 1));
    for (const each of jobs) lanes.offer(each);
    const last = jobs[LANES - 1];
    expect(claim(lanes.shared, last.lane, last.id)).toBe(true); // the worker starts it
    expect(lanes.withdraw(last)).toBe(false);
    lanes.release(last);
    const next = job(100);
    lanes.offer(next);
    expect(next.lane).toBe(LANES - 1);
    expect(lanes.withdraw(next)).toBe(true);
  });
});
