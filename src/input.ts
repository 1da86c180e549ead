import { InvalidInputError, JournalError, messageOf } from './errors.js';
import { asBytes } from './internal/bytes.js';

/** Anything {@link parseJournal} can read. */
export type JournalInput =
  | string
  | Uint8Array
  | ArrayBuffer
  | AsyncIterable<Uint8Array | string>
  | Iterable<Uint8Array>
  | ReadableStream<Uint8Array>;

/** Takes one chunk; returns a promise when the next chunk must wait (backpressure). */
export type ChunkConsumer = (chunk: Uint8Array) => Promise<void> | undefined;

/** A chunk of input as bytes (see {@link asBytes}); anything else is an {@link InvalidInputError}. */
export function toChunk(value: unknown): Uint8Array {
  // A detached ArrayBuffer cannot be viewed (found by an audit: a plain TypeError).
  const bytes = opening(() => asBytes(value));
  if (bytes !== undefined) return bytes;
  throw new InvalidInputError(`input chunks must be Uint8Array or string, got ${value === null ? 'null' : typeof value}`);
}

/**
 * Feeds every chunk of `input` to `consume`, in order, waiting whenever it returns a promise.
 *
 * When `consume` throws or rejects, the input is closed as `for await … of` would close it (an
 * iterator's `return()` called, which destroys a Node stream; a web stream cancelled) and the
 * error is rethrown; a failure of the input itself becomes an {@link InvalidInputError}.
 */
export async function forEachChunk(input: JournalInput, consume: ChunkConsumer): Promise<void> {
  for await (const chunk of readInput(input)) {
    const pending = consume(chunk);
    if (pending !== undefined) await pending;
  }
}

/**
 * Whether the input is a whole message in memory (string, bytes, ArrayBuffer). Asking may itself
 * fail (`instanceof` on a revoked Proxy throws): that is an InvalidInputError.
 * @internal
 */
export function isWholeInput(input: unknown): input is string | Uint8Array | ArrayBuffer {
  return opening(() => typeof input === 'string' || input instanceof Uint8Array || input instanceof ArrayBuffer);
}

/** The chunks of an input, closing the source if the consumer stops early. */
async function* readInput(input: JournalInput): AsyncGenerator<Uint8Array> {
  if (isWholeInput(input)) {
    yield toChunk(input);
    return;
  }
  if (input === null || typeof input !== 'object') throw new InvalidInputError(`cannot read input of type ${input === null ? 'null' : typeof input}`);
  // Asking what the input is may itself fail (a revoked Proxy throws on any look-up).
  const kind = opening(() => (typeof (input as ReadableStream).getReader === 'function' && !(Symbol.asyncIterator in input) ? 'reader' : Symbol.asyncIterator in input || Symbol.iterator in input ? 'iterable' : 'other'));
  if (kind === 'reader') {
    const reader = opening(() => (input as ReadableStream<Uint8Array>).getReader());
    try {
      yield* readIterator({ next: () => reader.read(), return: () => reader.cancel() });
    } finally {
      reader.releaseLock();
    }
    return;
  }
  if (kind === 'iterable') {
    const iterable = input as AsyncIterable<unknown>;
    yield* readIterator(opening(() => (Symbol.asyncIterator in input ? iterable[Symbol.asyncIterator]() : (input as Iterable<unknown>)[Symbol.iterator]()) as AsyncIterator<unknown> | Iterator<unknown>));
    return;
  }
  throw new InvalidInputError('input must be a string, Uint8Array, ArrayBuffer, (async) iterable of chunks, or ReadableStream');
}

/**
 * Open the input for reading, or ask what it is: a failure (a web stream another reader has
 * locked, found by an audit; a throwing iterator method; a revoked Proxy; a detached
 * ArrayBuffer) is an InvalidInputError, as a failure to read it is.
 */
function opening<T>(open: () => T): T {
  try {
    return open();
  } catch (e) {
    if (e instanceof JournalError) throw e;
    throw new InvalidInputError(`the input cannot be read: ${messageOf(e)}`, { cause: e });
  }
}

/** The chunks an iterator yields; it gets a return() if the consumer stops before its end. */
async function* readIterator(it: { next(): PromiseLike<IteratorResult<unknown>> | IteratorResult<unknown>; return?(): unknown }): AsyncGenerator<Uint8Array> {
  // Open while the iterator has neither finished nor failed: then, and only then, stopping
  // early owes it a return() (what for…of does), so that it can release what it holds.
  let open = true;
  // This reader's own failure (a chunk that is no bytes): return() is owed, but its error must
  // not replace that one (found by an audit).
  let failed = false;
  try {
    for (;;) {
      let step: IteratorResult<unknown>;
      try {
        step = await it.next();
      } catch (e) {
        open = false;
        if (e instanceof JournalError) throw e;
        throw new InvalidInputError(`reading the input failed: ${messageOf(e)}`, { cause: e });
      }
      if (typeof step !== 'object' || step === null) {
        open = false;
        throw new InvalidInputError(`the input's iterator gave ${step === null ? 'null' : typeof step} instead of a result object`);
      }
      if (step.done) {
        open = false;
        return;
      }
      let chunk: Uint8Array;
      try {
        chunk = toChunk(step.value);
      } catch (e) {
        failed = true;
        throw e;
      }
      yield chunk;
    }
  } finally {
    // When the consumer threw, an error from return() is dropped and the consumer's error
    // propagates (the language's rule for an iterator closed by a throw); likewise here.
    if (open) {
      try {
        await it.return?.();
      } catch (e) {
        if (!failed) throw e;
      }
    }
  }
}
