import { describe, expect, it } from '@jest/globals';
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { readRuns, writeRun, type JobTarget, type RunInstruction } from '../../lib/protocol/messages';

describe('run instructions', () => {
  it('carry many jobs in one flat list that reads back, after a real clone, job by job in order', () => {
    const target: JobTarget = { kind: 'provider', job: 'PrimesJobs', method: 'countPrimes' };
    const jobs: unknown[] = [];
    writeRun(jobs, 7, 0, target, 0, [1, 'a']);
    writeRun(jobs, 8, 1, 0, undefined, []);
    writeRun(jobs, 9, 2, { kind: 'function', source: '() => 1' }, undefined, [{ deep: [null] }]);
    const { port1, port2 } = new MessageChannel();
    port1.postMessage({ kind: 'run', jobs } satisfies RunInstruction);
    const cloned = receiveMessageOnPort(port2)!.message as RunInstruction;
    port1.close();
    expect(readRuns(cloned)).toEqual([
      { id: 7, lane: 0, target, remember: 0, args: [1, 'a'] },
      { id: 8, lane: 1, target: 0, remember: undefined, args: [] },
      {
        id: 9,
        lane: 2,
        target: { kind: 'function', source: '() => 1' },
        remember: undefined,
        args: [{ deep: [null] }],
      },
    ]);
  });
});
