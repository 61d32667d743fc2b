/**
 * Saturated once the queue is full (`maxQueue`), or without `maxQueue` once any job has to wait; drained again
 * once it is down to half of `maxQueue`, or empty. `onChange` hears each change once.
 */
export class Saturation {
  private saturated = false;

  constructor(
    private readonly maxQueue: number | undefined,
    private readonly onChange: (saturated: boolean) => void,
  ) {}

  get value(): boolean {
    return this.saturated;
  }

  /** `waiting`: the jobs waiting to start now. */
  check(waiting: number): void {
    const { maxQueue } = this;
    if (!this.saturated && waiting >= (maxQueue ?? 1)) {
      this.saturated = true;
      this.onChange(true);
    } else if (this.saturated && waiting <= (maxQueue === undefined ? 0 : Math.floor(maxQueue / 2))) {
      this.saturated = false;
      this.onChange(false);
    }
  }
}
