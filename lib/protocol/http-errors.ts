/**
 * Nest's HttpException family, as the error codec needs it: to mark an HttpException on the way out and to
 * find its subclass again on the way in. protocol/ imports no Nest, so the threads that load Nest (the main
 * thread's pool, the worker's entry) hand the family in before any job runs.
 */
let family: { readonly base: Function; readonly classes: Readonly<Record<string, unknown>> } | undefined;

export function useHttpErrors(base: Function, classes: Readonly<Record<string, unknown>>): void {
  family = { base, classes };
}

export function isHttpError(error: unknown): boolean {
  return family !== undefined && error instanceof family.base;
}

/** The prototype of the HttpException class named `name`, else of HttpException itself (`Error`'s without Nest). */
export function httpErrorPrototype(name: string): object {
  if (!family) return Error.prototype;
  const candidate = family.classes[name];
  const base = family.base.prototype as object;
  return typeof candidate === 'function' && candidate.prototype instanceof family.base
    ? (candidate.prototype as object)
    : base;
}
