/** Base class of every error the pool raises itself (job errors keep their own class). */
export class PoolError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}
