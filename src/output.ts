import { JournalError, messageOf, OutputError } from './errors.js';

/** A callback sink: may return a promise to apply backpressure. */
export type OutputCallback = (bytes: Uint8Array) => void | Promise<void>;

/**
 * Minimal shape of a Node Writable that the output accepts. A real Writable has every member;
 * the optional ones let parseJournal notice a stream that failed or was destroyed between two
 * writes, and close the stream when the parse fails.
 */
export interface NodeWritableLike {
  write(chunk: Uint8Array): boolean;
  end(cb?: () => void): unknown;
  once(event: string, listener: (...args: unknown[]) => void): unknown;
  removeListener(event: string, listener: (...args: unknown[]) => void): unknown;
  on?(event: string, listener: (...args: unknown[]) => void): unknown;
  destroy?(error?: Error): unknown;
  readonly destroyed?: boolean;
  readonly errored?: unknown;
  readonly writableEnded?: boolean;
}

/** Where the archived message goes. */
export type OutputSink = OutputCallback | NodeWritableLike | WritableStream<Uint8Array>;

/**
 * Writes to the user's sink; `chunk` and `close` return undefined when they finished
 * synchronously, else their promise. `abort` is for a parse that failed: the sink is closed
 * (when it is ours to end) or let go, never left waiting or locked.
 * @internal
 */
export interface SinkWriter {
  chunk(bytes: Uint8Array): Promise<void> | undefined;
  close(): Promise<void> | undefined;
  abort(reason: unknown): Promise<void> | undefined;
}

const isThenable = (v: unknown): v is PromiseLike<unknown> => typeof (v as PromiseLike<unknown> | undefined)?.then === 'function';

/** The sink's own failure as an {@link OutputError} (our errors pass as they are). */
function fail(e: unknown): never {
  throw e instanceof JournalError ? e : new OutputError(`writing the archived output failed: ${messageOf(e)}`, { cause: e });
}

/**
 * Open the user's sink. `end`: whether the sink is ours to end (and, on failure, to close).
 * @throws {TypeError} for a value that is no sink
 * @internal
 */
export function openSink(sink: OutputSink | undefined, end: boolean): SinkWriter {
  if (sink === undefined) return { chunk: () => undefined, close: () => undefined, abort: () => undefined };
  if (typeof sink === 'function') return callbackWriter(sink);
  if (typeof sink !== 'object' || sink === null) throw new TypeError('mailjournal: option output must be a function, a Node Writable or a WritableStream');
  if (typeof (sink as WritableStream).getWriter === 'function') return webWriter(sink as WritableStream<Uint8Array>, end);
  const w = sink as NodeWritableLike;
  if (typeof w.write !== 'function' || typeof w.once !== 'function') {
    throw new TypeError('mailjournal: option output must be a function, a Node Writable or a WritableStream');
  }
  return nodeWriter(w, end);
}

function callbackWriter(sink: OutputCallback): SinkWriter {
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
    abort: () => undefined,
  };
}

function webWriter(sink: WritableStream<Uint8Array>, end: boolean): SinkWriter {
  const writer = sink.getWriter();
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
    // Aborted, so that whoever reads the other end learns that the message is incomplete; left
    // unlocked for its owner when it is not ours to end.
    abort: async (reason) => {
      try {
        if (end) await writer.abort(reason);
      } catch {
        // Already errored or closed: nothing more to tell it.
      }
      writer.releaseLock();
    },
  };
}

function nodeWriter(w: NodeWritableLike, end: boolean): SinkWriter {
  // Listening from the start: an 'error' the stream emits between two writes (a file that could
  // not be opened, say) would otherwise crash the process for want of a listener, or leave a
  // write waiting for a 'drain' that never comes.
  let failure: { error: unknown } | undefined;
  const onError = (e: unknown): void => {
    failure ??= { error: e };
  };
  (w.on ?? w.once).call(w, 'error', onError);
  const ensureUsable = (): void => {
    if (failure !== undefined) fail(failure.error);
    if (w.errored) fail(w.errored);
    if (w.destroyed) fail(new Error('the output stream was destroyed'));
    // Ended already (and kept, autoDestroy off): 'finish' came before we could wait for it.
    if (w.writableEnded) fail(new Error('the output stream was already ended'));
  };
  /** Resolves on `event`; rejects if the stream fails or closes first. */
  const waitFor = (event: 'drain' | 'finish') =>
    new Promise<void>((resolve, reject) => {
      const settle = (error?: unknown): void => {
        w.removeListener(event, onEvent);
        w.removeListener('error', onFailure);
        w.removeListener('close', onClose);
        if (error === undefined) resolve();
        else reject(error);
      };
      const onEvent = (): void => settle();
      const onFailure = (e: unknown): void => settle(e);
      const onClose = (): void => settle(failure?.error ?? new Error(`the output stream closed before '${event}'`));
      w.once(event, onEvent);
      w.once('error', onFailure);
      w.once('close', onClose);
    });
  // Done with the stream: an error it emits later (closing its file) must not crash the process
  // when the stream was ours to end; one the caller keeps is theirs to listen to.
  const release = (): void => {
    if (!end) w.removeListener('error', onError);
  };
  return {
    chunk: (b) => {
      let accepted: boolean;
      try {
        ensureUsable();
        accepted = w.write(b);
      } catch (e) {
        return fail(e);
      }
      return accepted ? undefined : waitFor('drain').then(undefined, fail);
    },
    close: () => {
      if (!end) {
        release();
        if (failure !== undefined) fail(failure.error);
        return undefined;
      }
      return (async () => {
        try {
          ensureUsable();
          const finished = waitFor('finish');
          // Observed now: if end() throws, the rejection that the abort's destroy() brings
          // ('close' before 'finish') must not go unhandled.
          finished.catch(() => {});
          w.end();
          await finished;
        } catch (e) {
          fail(e);
        } finally {
          release();
        }
      })();
    },
    abort: () => {
      // Destroyed without an error: it emits 'close', not 'error', so no listener is needed for
      // it; a file stream closes its file descriptor.
      if (end) w.destroy?.();
      release();
      return undefined;
    },
  };
}
