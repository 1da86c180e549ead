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
// The 'report' event typed for its listeners (Transform's own overloads type every other event;
// without this a listener's report was `any`, found by an audit).
export interface JournalTransform {
  on(event: 'report', listener: (report: JournalReport) => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
  once(event: 'report', listener: (report: JournalReport) => void): this;
  once(event: 'error', listener: (error: Error) => void): this;
  once(event: string | symbol, listener: (...args: any[]) => void): this;
  addListener(event: 'report', listener: (report: JournalReport) => void): this;
  addListener(event: string | symbol, listener: (...args: any[]) => void): this;
  prependListener(event: 'report', listener: (report: JournalReport) => void): this;
  prependListener(event: string | symbol, listener: (...args: any[]) => void): this;
  prependOnceListener(event: 'report', listener: (report: JournalReport) => void): this;
  prependOnceListener(event: string | symbol, listener: (...args: any[]) => void): this;
  off(event: 'report', listener: (report: JournalReport) => void): this;
  off(event: string | symbol, listener: (...args: any[]) => void): this;
  emit(event: 'report', report: JournalReport): boolean;
  emit(event: string | symbol, ...args: any[]): boolean;
}

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
