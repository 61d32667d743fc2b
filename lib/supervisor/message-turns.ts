import type { MessagePort } from 'node:worker_threads';

/**
 * Main-thread time one worker's messages may take in a row before the event loop gets a turn. Node hands a
 * port every message waiting on it in one go (all of them, when they piled up while the main thread was busy):
 * a job that reports progress in a tight loop could otherwise hold the main thread for as long as its messages
 * take to read, with every request, timer and other worker waiting.
 */
export const TURN_BUDGET_MS = 4;

/**
 * Listens to `port` for messages, giving the event loop a turn once a run of messages has taken
 * `TURN_BUDGET_MS`: the listener is taken off (Node then stops handing out the port's messages, which wait in
 * order), and put back in the same loop iteration's check phase, after timers' and sockets' callbacks had their
 * chance. The port stays unreferenced throughout: the worker's own ref keeps the process alive.
 */
export function listenInTurns(port: MessagePort, handle: (message: unknown) => void): void {
  let runStartedAt = 0;
  let running = false;
  let paused = false;
  const endRun = (): void => {
    running = false;
    if (!paused) return;
    paused = false;
    port.on('message', onMessage);
    port.unref();
  };
  const onMessage = (message: unknown): void => {
    if (!running) {
      running = true;
      runStartedAt = performance.now();
      setImmediate(endRun);
    }
    handle(message);
    if (!paused && performance.now() - runStartedAt > TURN_BUDGET_MS) {
      paused = true;
      port.off('message', onMessage);
    }
  };
  port.on('message', onMessage);
  port.unref();
}
