import type { Redis } from 'ioredis';
import { parseReply, type Reply } from './remote-job.protocol';

/** How long one XREAD waits for replies: also how long closing waits for the read in flight. */
const BLOCK_MS = 1_000;
const BATCH = 512;

type StreamEntries = [id: string, fields: string[]][];

/**
 * Reads a producer's reply stream in order, from its start, for as long as the producer runs. An outage only
 * pauses it: it reads on from the last entry it handled, so no reply is missed. What it has handled is trimmed.
 */
export class ReplyReader {
  private stopped = false;
  private done: Promise<void> | undefined;
  /** The id of the last entry handled. */
  lastId = '0-0';

  constructor(
    private readonly client: Redis,
    private readonly key: string,
    private readonly onReply: (reply: Reply) => void,
    private readonly onTrouble: (error: unknown) => void,
  ) {}

  start(): void {
    this.done ??= this.loop();
  }

  /**
   * Stops after the read in flight, which returns within `BLOCK_MS` while Redis answers; while it does not,
   * this resolves anyway and the read ends when its connection is dropped.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    let timer: NodeJS.Timeout | undefined;
    const unanswered = new Promise<void>((resolve) => (timer = setTimeout(resolve, BLOCK_MS + 250)));
    await Promise.race([this.done, unanswered]);
    clearTimeout(timer);
  }

  /** The id of the stream's newest entry now ('0-0' when empty): once `lastId` reaches it, all before is read. */
  async newestId(): Promise<string> {
    const newest = (await this.client.xrevrange(this.key, '+', '-', 'COUNT', 1)) as StreamEntries;
    return newest[0]?.[0] ?? '0-0';
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      let result: [key: string, entries: StreamEntries][] | null;
      try {
        result = (await this.client.xread('COUNT', BATCH, 'BLOCK', BLOCK_MS, 'STREAMS', this.key, this.lastId)) as
          [string, StreamEntries][] | null;
      } catch (error) {
        if (this.stopped) return;
        this.onTrouble(error);
        await new Promise((resolve) => setTimeout(resolve, 200).unref());
        continue;
      }
      const entries = result?.[0]?.[1];
      if (!entries?.length) continue;
      for (const [id, fields] of entries) {
        this.lastId = id;
        const reply = parseReply(fields);
        if (reply) this.onReply(reply);
      }
      // Entries before the last one read are done with (XTRIM MINID keeps ids >= the one given).
      this.client.xtrim(this.key, 'MINID', this.lastId).catch(this.onTrouble);
    }
  }
}

/** Compares two stream ids (`<ms>-<seq>`). */
export function compareStreamIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(BigInt);
  const [bm, bs] = b.split('-').map(BigInt);
  if (am !== bm) return am < bm ? -1 : 1;
  if (as !== bs) return as < bs ? -1 : 1;
  return 0;
}
