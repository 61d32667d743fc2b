import { Job } from '../../lib/supervisor/job';
import { JobQueue } from '../../lib/supervisor/job-queue';

const sink = { next: () => undefined, complete: () => undefined, error: () => undefined };
const job = (n: number): Job => new Job({ kind: 'function', source: '() => 0' }, [n], `job ${n}`, sink);

describe('JobQueue', () => {
  it('is first in, first out, skipping withdrawn jobs', () => {
    const queue = new JobQueue();
    const jobs = [1, 2, 3, 4].map(job);
    jobs.forEach((j) => queue.push(j));
    jobs[1].state = 'withdrawn';
    queue.forget();
    expect(queue.size).toBe(3);
    expect([queue.shift(), queue.shift(), queue.shift(), queue.shift()]).toEqual([
      jobs[0],
      jobs[2],
      jobs[3],
      undefined,
    ]);
    expect(queue.size).toBe(0);
  });

  it('stays in order across compaction of a long queue', () => {
    const queue = new JobQueue();
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
    const queue = new JobQueue();
    const jobs = [1, 2, 3].map(job);
    jobs.forEach((j) => queue.push(j));
    queue.shift();
    expect(queue.drain()).toEqual([jobs[1], jobs[2]]);
    expect(queue.size).toBe(0);
  });
});
