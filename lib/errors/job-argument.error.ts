import { PoolError } from './pool.error';

/** An argument cannot cross the thread boundary as it is (a function, a symbol, an instance with methods…). */
export class JobArgumentError extends PoolError {
  constructor(
    message: string,
    /** Where in the arguments the problem is, e.g. `args[1].items[3]`. */
    readonly path: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
