import { InvalidInputError, messageOf } from '../errors.js';
import { JournalParser } from '../parser.js';
import { refuseSinkOptions, type ParseOptions } from '../options.js';
import type { JournalReport } from '../types.js';

/** A web TransformStream of archived bytes plus the report promise. */
export interface JournalStream extends TransformStream<Uint8Array, Uint8Array> {
  /**
   * Resolves with the report when the input has ended; rejects if parsing fails, and with an
   * `InvalidInputError` when the stream is cancelled or aborted before the input ends.
   */
  readonly report: Promise<JournalReport>;
}

/**
 * Create a web TransformStream: journal report bytes in, archived message bytes out.
 *
 * @example
 * const t = createJournalStream();
 * const archived = new Response(file.stream().pipeThrough(t));
 * console.log((await t.report).recipients);
 */
export function createJournalStream(options: ParseOptions = {}): JournalStream {
  let resolve!: (r: JournalReport) => void;
  let reject!: (e: unknown) => void;
  const report = new Promise<JournalReport>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Avoid an unhandled rejection when the caller only reads the bytes.
  report.catch(() => {});
  let controller!: TransformStreamDefaultController<Uint8Array>;
  // A copy of each piece (the parser's are views of the input, Buffers in Node, whose slice()
  // would be a view too): the readable side's consumer owns what it gets, and a byte stream may
  // transfer (detach) it.
  const parser = new JournalParser(options, undefined, (b) => controller.enqueue(new Uint8Array(b)));
  refuseSinkOptions('createJournalStream', options);
  const stream = new TransformStream<Uint8Array, Uint8Array>({
    start(c) {
      controller = c;
    },
    transform(chunk) {
      try {
        parser.write(chunk);
      } catch (e) {
        reject(e);
        throw e;
      }
    },
    flush() {
      try {
        resolve(parser.end());
      } catch (e) {
        reject(e);
        throw e;
      }
    },
    // The readable side cancelled or the writable side aborted (a failed source under
    // pipeThrough aborts it): the input will not end, so the report never comes. Without this,
    // `await t.report` would wait for ever.
    cancel(reason: unknown) {
      reject(new InvalidInputError(`the stream was cancelled or aborted before the input ended: ${messageOf(reason)}`, { cause: reason }));
    },
  } as Transformer<Uint8Array, Uint8Array>);
  return Object.assign(stream, { report });
}

export type { JournalReport };
