/**
 * Says where booting failed, on the error itself, so that the supervisor's WorkerBootError can name the
 * provider or file while `cause` stays the error the app's code threw.
 */
export function withBootPhase(error: unknown, phase: string): unknown {
  if (error instanceof Error) {
    Object.defineProperty(error, 'bootPhase', { value: phase, enumerable: false, configurable: true, writable: true });
    return error;
  }
  return new Error(`${phase}: ${String(error)}`);
}
