import { describe, expect, it } from '@jest/globals';
import { MessageChannel, Worker } from 'node:worker_threads';
import { listenInTurns } from '../../lib/supervisor/message-turns';

/** A real thread posts `count` messages, then wakes the main thread, which has been blocked meanwhile. */
const FLOOD = `
const { workerData: { port, done, count } } = require('node:worker_threads');
for (let i = 0; i < count; i++) port.postMessage(i);
Atomics.store(done, 0, 1);
Atomics.notify(done, 0);
`;

describe('listenInTurns', () => {
  it('gives the event loop turns while a pile of messages is read, and loses or reorders none', async () => {
    const count = 200_000;
    const { port1, port2 } = new MessageChannel();
    const done = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(FLOOD, { eval: true, workerData: { port: port2, done, count }, transferList: [port2] });
    const received: number[] = [];
    /** How many messages had been read each time the event loop reached an immediate or a timer. */
    const readAtTurns: number[] = [];
    let finished = false;
    const all = new Promise<void>((resolve) => {
      listenInTurns(port1, (message) => {
        received.push(message as number);
        if (received.length === count) resolve();
      });
    });
    // Every message is on the port before the main thread reads one: Node would hand out all of them in one go.
    Atomics.wait(done, 0, 0);
    const turn = (): void => {
      readAtTurns.push(received.length);
      if (!finished) setImmediate(turn);
    };
    setImmediate(turn);
    const timer = setInterval(() => readAtTurns.push(received.length), 0);
    await all;
    finished = true;
    clearInterval(timer);
    port1.close();
    await worker.terminate();

    expect(received).toEqual(Array.from({ length: count }, (_, i) => i));
    // Turns came between the first message read and the last, not only before or after them all.
    expect(readAtTurns.some((read) => read > 0 && read < count)).toBe(true);
  });

  it('leaves the port unreferenced: a listening port does not keep the process alive', async () => {
    const { port1, port2 } = new MessageChannel();
    listenInTurns(port1, () => undefined);
    port2.postMessage('one');
    await new Promise((resolve) => setImmediate(resolve));
    expect((port1 as unknown as { hasRef(): boolean }).hasRef()).toBe(false);
    port1.close();
    port2.close();
  });
});
