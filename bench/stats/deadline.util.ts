/**
 * Settles like `promise`, or rejects once `ms` have passed. Its timer holds the event loop open, so a pool
 * that loses a promise makes the run fail loudly instead of letting node exit quietly with nothing to do.
 */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** True if `promise` settled within `ms`, false if not (it is left to settle, or not, on its own). */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  try {
    await within(promise, ms, 'it');
    return true;
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('it did not finish')) return false;
    throw error;
  }
}
