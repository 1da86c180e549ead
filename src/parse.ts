import { JournalError, OutputError } from './errors.js';
import { forEachChunk, toChunk, type JournalInput } from './input.js';
import type { ParseOptions } from './options.js';
import { JournalParser } from './parser.js';
import type { JournalReport } from './types.js';

export type { JournalInput } from './input.js';

/** A callback sink: may return a promise to apply backpressure. */
export type OutputCallback = (bytes: Uint8Array) => void | Promise<void>;

/** Minimal shape of a Node Writable that the output accepts. */
export interface NodeWritableLike {
  write(chunk: Uint8Array): boolean;
  end(cb?: () => void): unknown;
  once(event: string, listener: (...args: unknown[]) => void): unknown;
  removeListener(event: string, listener: (...args: unknown[]) => void): unknown;
}

/** Where the archived message goes. */
export type OutputSink = OutputCallback | NodeWritableLike | WritableStream<Uint8Array>;

/** Options of {@link parseJournal}. */
export interface ParseJournalOptions extends ParseOptions {
  /**
   * Receives the archived message (the original with the BCC headers removed, or the input
   * unchanged; `report.output.content` says which). Streamed with backpressure, never buffered
   * whole. Omit it to only get the report.
   */
  output?: OutputSink;
  /** End/close a Node Writable or web WritableStream output when done. Default true. */
  endOutput?: boolean;
}

/**
 * Parse a journal report (or any message) and stream the archived original to `options.output`.
 *
 * Strings are encoded as UTF-8; pass bytes to keep 8-bit mail exact.
 *
 * @returns the report, once the input is consumed and the output written
 * @throws {TypeError} (as a rejection) for invalid options
 * @throws {InvalidInputError} when the input is not readable
 * @throws {LimitExceededError} when a hard limit is crossed
 * @throws {OutputError} when the output sink fails
 * @example
 * const report = await parseJournal(createReadStream('report.eml'), { output: createWriteStream('original.eml') });
 * console.log(report.recipients.map((r) => `${r.type}: ${r.address}`));
 */
export async function parseJournal(input: JournalInput, options: ParseJournalOptions = {}): Promise<JournalReport> {
  const queue: Uint8Array[] = [];
  // The parser validates the options (a TypeError here rejects the promise) before any sink is
  // touched. `output` and `endOutput` ride along unread: the parser ignores keys it does not know;
  // an `onOutput` key is ignored too (the queue below takes its place).
  const parser = new JournalParser(options, undefined, (b) => queue.push(b));
  const write = openSink(options.output, options.endOutput ?? true);
  // Synchronous while the sink is: a callback that returns nothing and a Writable that accepts
  // every chunk cost no promise per chunk (a small report emits several pieces, and an await
  // each was a visible share of its cost). The first promise a sink returns is awaited, and so
  // is everything after it in the queue, in order.
  const drain = (): Promise<void> | undefined => {
    let i = 0;
    while (i < queue.length) {
      const pending = write.chunk(queue[i++]!);
      if (pending !== undefined) {
        return pending.then(async () => {
          while (i < queue.length) await write.chunk(queue[i++]!);
          queue.length = 0;
        });
      }
    }
    queue.length = 0;
    return undefined;
  };
  if (typeof input === 'string' || input instanceof Uint8Array || input instanceof ArrayBuffer) {
    // A whole message in memory: no stream machinery needed.
    parser.write(toChunk(input));
    const pending = drain();
    if (pending !== undefined) await pending;
  } else {
    await forEachChunk(input, (chunk) => {
      parser.write(chunk);
      return drain();
    });
  }
  const report = parser.end();
  const pending = drain();
  if (pending !== undefined) await pending;
  const closing = write.close();
  if (closing !== undefined) await closing;
  return report;
}

/** Writes to the user's sink; undefined when a call finished synchronously, else its promise. */
interface SinkWriter {
  chunk(bytes: Uint8Array): Promise<void> | undefined;
  close(): Promise<void> | undefined;
}

const isThenable = (v: unknown): v is PromiseLike<unknown> => typeof (v as PromiseLike<unknown> | undefined)?.then === 'function';

function openSink(sink: OutputSink | undefined, end: boolean): SinkWriter {
  if (sink === undefined) return { chunk: () => undefined, close: () => undefined };
  const fail = (e: unknown): never => {
    throw e instanceof JournalError ? e : new OutputError(`writing the archived output failed: ${(e as Error)?.message ?? String(e)}`, { cause: e });
  };
  if (typeof sink === 'function') {
    return {
      chunk: (b) => {
        let pending: PromiseLike<unknown> | undefined;
        try {
          const result: unknown = sink(b);
          // Inside the try: reading `then` can throw too (a getter), and that is the sink failing.
          if (isThenable(result)) pending = result;
        } catch (e) {
          fail(e);
        }
        return pending === undefined ? undefined : Promise.resolve(pending).then(() => undefined, fail);
      },
      close: () => undefined,
    };
  }
  if (typeof (sink as WritableStream).getWriter === 'function') {
    const writer = (sink as WritableStream<Uint8Array>).getWriter();
    return {
      chunk: async (b) => {
        try {
          await writer.ready;
          await writer.write(b);
        } catch (e) {
          fail(e);
        }
      },
      close: async () => {
        try {
          if (end) await writer.close();
          else writer.releaseLock();
        } catch (e) {
          fail(e);
        }
      },
    };
  }
  const w = sink as NodeWritableLike;
  if (typeof w.write !== 'function' || typeof w.once !== 'function') {
    throw new TypeError('mailjournal: option output must be a function, a Node Writable or a WritableStream');
  }
  const waitFor = (event: 'drain' | 'finish') =>
    new Promise<void>((resolve, reject) => {
      const done = (): void => {
        w.removeListener('error', onError);
        resolve();
      };
      const onError = (e: unknown): void => {
        w.removeListener(event, done);
        reject(e);
      };
      w.once(event, done);
      w.once('error', onError);
    });
  return {
    chunk: (b) => {
      let accepted: boolean;
      try {
        accepted = w.write(b);
      } catch (e) {
        return fail(e);
      }
      return accepted ? undefined : waitFor('drain').then(undefined, fail);
    },
    close: () => {
      if (!end) return undefined;
      return (async () => {
        try {
          const finished = waitFor('finish');
          w.end();
          await finished;
        } catch (e) {
          fail(e);
        }
      })();
    },
  };
}
