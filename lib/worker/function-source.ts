/** Worker side: rebuilds a self-contained job function from its source text. */

export type Callable = (...args: unknown[]) => unknown;

/** An arrow or function expression, or a method's source (`name(x) { … }`), back into a function. */
export function evaluateFunction(source: string): Callable {
  let value: unknown;
  try {
    value = new Function(`return (${source});`)();
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    try {
      // A method's source is not an expression; inside an object literal it is.
      value = Object.values(new Function(`return ({ ${source} });`)() as object)[0];
    } catch {
      throw new SyntaxError(`The job function's source cannot be compiled in the worker: ${error.message}`);
    }
  }
  if (typeof value !== 'function') throw new TypeError('The job function’s source did not evaluate to a function');
  return value as Callable;
}
