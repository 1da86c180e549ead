import { Transform, type TransformCallback } from 'node:stream';
import { JournalParser } from '../parser.js';
import { refuseSinkOptions, type ParseOptions } from '../options.js';
import type { JournalReport } from '../types.js';

/**
 * A Node Transform: journal report bytes in, archived message bytes out. The report is
 * available as `transform.report` and as a `'report'` event once the input has ended.
 *
 * @example
 * const t = new JournalTransform();
 * t.on('report', (r) => console.log(r.recipients));
 * await pipeline(createReadStream('in.eml'), t, createWriteStream('out.eml'));
 */
export class JournalTransform extends Transform {
  private readonly parser: JournalParser;
  /** The report, set when the input has ended. */
  report: JournalReport | undefined;

  constructor(options: ParseOptions = {}) {
    super();
    this.parser = new JournalParser(options, undefined, (b) => this.push(b));
    refuseSinkOptions('JournalTransform', options);
  }

  override _transform(chunk: Buffer | string, encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.parser.write(typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk);
      callback();
    } catch (e) {
      callback(e as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.report = this.parser.end();
      this.emit('report', this.report);
      callback();
    } catch (e) {
      callback(e as Error);
    }
  }
}

/** Create a {@link JournalTransform}. */
export function createJournalTransform(options: ParseOptions = {}): JournalTransform {
  return new JournalTransform(options);
}

export { parseJournal } from '../parse.js';
export type { JournalReport };
