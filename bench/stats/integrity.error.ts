/** A pool returned a wrong result or none at all: the run is void, and the benchmark stops. */
export class BenchIntegrityError extends Error {
  override readonly name = 'BenchIntegrityError';
}

/** Throws a `BenchIntegrityError` unless `actual` is exactly `expected`. */
export function expectResult(pool: string, what: string, actual: unknown, expected: unknown): void {
  if (actual !== expected) {
    throw new BenchIntegrityError(
      `${pool} returned a wrong result for ${what}: expected ${String(expected)}, got ${describe(actual)}`,
    );
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined (missing)';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
