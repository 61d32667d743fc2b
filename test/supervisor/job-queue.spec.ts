import { Job, type JobSettings } from '../../lib/supervisor/job';
import { JobQueue } from '../../lib/supervisor/job-queue';
import { DEFAULT_SETTINGS, NO_CANCELLER, QUIET_SINK } from './scripted-thread';

const settings = (priority: number): JobSettings => ({ ...DEFAULT_SETTINGS, priority });
const job = (n: number, priority = 0): Job =>
  new Job({ kind: 'function', source: '() => 0' }, [n], `job ${n}`, QUIET_SINK, [], settings(priority), NO_CANCELLER);

describe('JobQueue', () => {
  it('is first in, first out, skipping withdrawn jobs', () => {
    const queue = new JobQueue(1000);
    const jobs = [1, 2, 3, 4].map((n) => job(n));
    jobs.forEach((j) => queue.push(j));
    expect(queue.withdraw(jobs[1])).toBe(true);
    expect(queue.size).toBe(3);
    expect([queue.shift(), queue.shift(), queue.shift(), queue.shift()]).toEqual([
      jobs[0],
      jobs[2],
      jobs[3],
      undefined,
    ]);
    expect(queue.size).toBe(0);
  });

  it('withdraws a job once: a second withdrawal, or one of a job already taken, leaves the count alone', () => {
    const queue = new JobQueue(1000);
    const jobs = [1, 2, 3].map((n) => job(n));
    jobs.forEach((j) => queue.push(j));
    expect(queue.withdraw(jobs[0])).toBe(true);
    expect(queue.withdraw(jobs[0])).toBe(false);
    expect(queue.shift()).toBe(jobs[1]);
    expect(jobs[1].state).toBe('sending');
    expect(queue.withdraw(jobs[1])).toBe(false);
    expect(queue.size).toBe(1);
    expect([queue.shift(), queue.shift()]).toEqual([jobs[2], undefined]);
    expect(queue.size).toBe(0);
  });

  it('stays in order across compaction of a long queue', () => {
    const queue = new JobQueue(1000);
    const jobs = Array.from({ length: 5000 }, (_, i) => job(i));
    const taken: Job[] = [];
    for (let i = 0; i < jobs.length; i++) {
      queue.push(jobs[i]);
      if (i % 2 === 1) taken.push(queue.shift()!);
    }
    for (let next = queue.shift(); next; next = queue.shift()) taken.push(next);
    expect(taken).toEqual(jobs);
  });

  it('drains what is still queued, oldest first', () => {
    const queue = new JobQueue(1000);
    const jobs = [1, 2, 3].map((n) => job(n));
    jobs.forEach((j) => queue.push(j));
    queue.shift();
    expect(queue.drain()).toEqual([jobs[1], jobs[2]]);
    expect(queue.size).toBe(0);
  });
});

describe('JobQueue priorities', () => {
  it('starts higher priorities first, FIFO within a priority', () => {
    const queue = new JobQueue(1000, () => 0);
    const jobs = [job(1, 0), job(2, 5), job(3, 0), job(4, 5), job(5, -1)];
    jobs.forEach((j) => queue.push(j));
    const order = [];
    for (let next = queue.shift(); next; next = queue.shift()) order.push(next.label);
    expect(order).toEqual(['job 2', 'job 4', 'job 1', 'job 3', 'job 5']);
  });

  it('raises a waiting job one priority level per agingMs, so it is not starved', () => {
    let now = 0;
    const queue = new JobQueue(100, () => now);
    const old = job(1, 0);
    old.queuedAt = 0;
    queue.push(old);
    now = 250; // `old` now ranks as priority 2
    const urgent = job(2, 2);
    urgent.queuedAt = 250;
    const moreUrgent = job(3, 3);
    moreUrgent.queuedAt = 250;
    queue.push(urgent);
    queue.push(moreUrgent);
    // Priority 3 still goes first; `old` ties with priority 2 and, older, goes before it.
    expect([queue.shift(), queue.shift(), queue.shift()]).toEqual([moreUrgent, old, urgent]);
  });
});
