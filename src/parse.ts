import { forEachChunk, isWholeInput, toChunk, type JournalInput } from './input.js';
import { booleanOption, refuseSinkOptions, type ParseOptions } from './options.js';
import { openSink, type OutputSink } from './output.js';
import { JournalParser } from './parser.js';
import type { JournalReport } from './types.js';

export type { JournalInput } from './input.js';
export type { NodeWritableLike, OutputCallback, OutputSink } from './output.js';

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

const PARSE_JOURNAL_SINKS = ['output', 'endOutput'];

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
  // touched. `output` and `endOutput` ride along unread (the parser accepts them, and refuses
  // names it does not know); an `onOutput` key is refused (it would be dropped: the queue below
  // takes its place).
  const parser = new JournalParser(options, undefined, (b) => queue.push(b));
  if ((options as Record<string, unknown>).onOutput !== undefined) refuseSinkOptions('parseJournal', options, PARSE_JOURNAL_SINKS);
  // null too is refused (a TypeError naming the option), not taken for "unset".
  const endOutput = booleanOption('endOutput', options.endOutput) ?? true;
  const write = openSink(options.output, endOutput);
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
  try {
    if (isWholeInput(input)) {
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
  } catch (e) {
    // Whatever failed (the input, a limit, the sink itself), the output holds an incomplete
    // message: close it, or let it go when it is the caller's to end (see openSink).
    const aborting = write.abort(e);
    if (aborting !== undefined) await aborting;
    throw e;
  }
}
