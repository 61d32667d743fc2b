/**
 * Worker side: what a streaming job may return (an async iterable, such as an async generator, or an RxJS
 * Observable) and how it is pulled item by item.
 */

interface Subscribable {
  subscribe(observer: { next(value: unknown): void; error(error: unknown): void; complete(): void }): {
    unsubscribe(): void;
  };
}

export function isStream(value: unknown): value is AsyncIterable<unknown> | Subscribable {
  if (value === null || typeof value !== 'object') return false;
  if (typeof (value as { then?: unknown }).then === 'function') return false;
  return (
    typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function' ||
    typeof (value as Subscribable).subscribe === 'function'
  );
}

export function asAsyncIterator(source: AsyncIterable<unknown> | Subscribable): AsyncIterator<unknown> {
  if (Symbol.asyncIterator in source) return source[Symbol.asyncIterator]();
  return observableIterator(source);
}

/**
 * An Observable cannot be paused, so its items wait here, in the worker, until the supervisor grants credits:
 * the main thread never receives more than the stream window ahead of the caller.
 */
function observableIterator(source: Subscribable): AsyncIterator<unknown> {
  const buffered: IteratorResult<unknown>[] = [];
  let failure: { error: unknown } | undefined;
  let waiting: { resolve(step: IteratorResult<unknown>): void; reject(error: unknown): void } | undefined;
  const deliver = (step: IteratorResult<unknown>): void => {
    if (waiting) {
      const { resolve } = waiting;
      waiting = undefined;
      resolve(step);
    } else {
      buffered.push(step);
    }
  };
  const subscription = source.subscribe({
    next: (value) => deliver({ done: false, value }),
    complete: () => deliver({ done: true, value: undefined }),
    error: (error) => {
      failure = { error };
      if (waiting) {
        const { reject } = waiting;
        waiting = undefined;
        reject(error);
      }
    },
  });
  return {
    next: () => {
      const step = buffered.shift();
      if (step) return Promise.resolve(step);
      if (failure) return Promise.reject(failure.error);
      return new Promise((resolve, reject) => (waiting = { resolve, reject }));
    },
    return: () => {
      subscription.unsubscribe();
      return Promise.resolve({ done: true, value: undefined });
    },
  };
}
