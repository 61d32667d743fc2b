import { types } from 'node:util';
import type { MessagePort, TransferListItem } from 'node:worker_threads';
/**
 * Zero-copy payloads. `transfer(buffer)` marks an ArrayBuffer (or the buffer under a typed array) to be moved
 * to the other thread instead of copied: it is detached on the sending side. The mark is kept in a WeakSet,
 * so the value itself, and its type, stay as they are.
 */

export type TransferableValue = ArrayBuffer | ArrayBufferView | MessagePort;

const marked = new WeakSet<object>();
let markCount = 0;

/**
 * Marks `value` to be transferred, not copied, when it crosses to or from a worker: pass it as (part of) a job
 * argument, or return it (or an object holding it) from a job. The sender's buffer is detached once it has
 * crossed; a typed array transfers its whole underlying buffer. SharedArrayBuffers need no mark: they are
 * always shared.
 */
export function transfer<T extends TransferableValue>(value: T): T {
  marked.add(value);
  markCount++;
  return value;
}

/** True once anything was marked in this thread: until then, nothing needs looking for. */
export function anyMarked(): boolean {
  return markCount > 0;
}

/** The transferable behind `value` if it is marked, else `undefined`. */
export function markedTransferable(value: object): TransferListItem | undefined {
  if (!marked.has(value)) return undefined;
  if (ArrayBuffer.isView(value)) return value.buffer instanceof ArrayBuffer ? value.buffer : undefined;
  return value as TransferListItem;
}

/**
 * Whether an ArrayBuffer in `transfers` has been moved away already (by an earlier job or message). One that
 * has would be posted without an error and then fail to be read on the other side, its message lost.
 */
export function anyDetached(transfers: readonly TransferListItem[]): boolean {
  for (const item of transfers) {
    if (types.isArrayBuffer(item) && item.byteLength === 0 && isDetached(item)) return true;
  }
  return false;
}

function isDetached(buffer: ArrayBuffer): boolean {
  try {
    new Uint8Array(buffer); // throws on a detached buffer only
    return false;
  } catch {
    return true;
  }
}

/** None to move: shared, as nearly every result moves nothing. */
const NONE: readonly TransferListItem[] = Object.freeze([]);

/** Finds marked values inside a job's result (plain objects, arrays, maps and sets are searched). */
export function transfersIn(value: unknown): readonly TransferListItem[] {
  if (!anyMarked() || typeof value !== 'object' || value === null) return NONE;
  const found = new Set<TransferListItem>();
  collect(value, found, new Set(), 0);
  return [...found];
}

function collect(value: unknown, found: Set<TransferListItem>, seen: Set<object>, depth: number): void {
  if (typeof value !== 'object' || value === null || seen.has(value) || depth > 64) return;
  seen.add(value);
  const own = markedTransferable(value);
  if (own) {
    found.add(own);
    return;
  }
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return;
  const children =
    value instanceof Map
      ? [...value.keys(), ...value.values()]
      : value instanceof Set
        ? [...value]
        : Object.values(value);
  for (const child of children) collect(child, found, seen, depth + 1);
}
