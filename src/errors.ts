/** The message of an error (or of anything thrown) for another error's text. @internal */
export const messageOf = (e: unknown): string => (e as Error | undefined)?.message ?? String(e);

/** Stable codes carried by every {@link JournalError}. Scripts may switch on them. */
export type JournalErrorCode =
  | 'ERR_JOURNAL'
  | 'ERR_LIMIT_EXCEEDED'
  | 'ERR_WRITE_AFTER_END'
  | 'ERR_INVALID_INPUT'
  | 'ERR_OUTPUT';

/**
 * Base class of every error mailjournal raises on purpose.
 *
 * Use {@link isJournalError} rather than `instanceof`: a dual ESM/CommonJS install can load two
 * copies of this class.
 */
export class JournalError extends Error {
  override name = 'JournalError';
  /** Stable machine-readable code. */
  readonly code: JournalErrorCode;

  constructor(message: string, code: JournalErrorCode = 'ERR_JOURNAL', options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  /** Always `true`; lets duck-typing code recognise the error across realms. */
  get isJournalError(): true {
    return true;
  }
}

/**
 * Thrown when input exceeds a configured limit and no best-effort result can be produced
 * without breaking a guarantee (for example a header block of the embedded original that is too
 * large to strip the BCC headers from safely).
 */
export class LimitExceededError extends JournalError {
  override name = 'LimitExceededError' as const;
  /** Name of the option whose value was exceeded, e.g. `maxHeaderBytes`. */
  readonly limit: string;
  /** The configured value of that option. */
  readonly value: number;
  /** Byte offset in the input at which the limit was crossed (approximate to the chunk). */
  readonly offset: number;

  private readonly what: string;

  constructor(limit: string, value: number, offset: number, what: string) {
    super(`${what} (${limit}=${value}, at or before byte offset ${offset})`, 'ERR_LIMIT_EXCEEDED');
    this.limit = limit;
    this.value = value;
    this.offset = offset;
    this.what = what;
  }

  /**
   * The same error at another input offset: a parser nested in an NDR counts the bytes of the
   * returned message, its parent those of the input.
   * @internal
   */
  atOffset(offset: number): LimitExceededError {
    return new LimitExceededError(this.limit, this.value, offset, this.what);
  }
}

/** Thrown when `write()` or `end()` is called on a parser that has already ended, or whose earlier call failed midway (`cause`: that error). */
export class ParserStateError extends JournalError {
  override name = 'ParserStateError' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'ERR_WRITE_AFTER_END', options);
  }
}

/** Thrown (as a rejected promise) when `parseJournal` is given something it cannot read. */
export class InvalidInputError extends JournalError {
  override name = 'InvalidInputError' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'ERR_INVALID_INPUT', options);
  }
}

/** Thrown when writing the archived original to the output sink fails. */
export class OutputError extends JournalError {
  override name = 'OutputError' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'ERR_OUTPUT', options);
  }
}

const ERROR_NAMES = new Set(['JournalError', 'LimitExceededError', 'ParserStateError', 'InvalidInputError', 'OutputError']);

/**
 * True when `error` was raised by mailjournal, from any copy of the package.
 *
 * @example
 * try { await parseJournal(input) } catch (e) { if (isJournalError(e)) console.error(e.code) }
 */
export function isJournalError(error: unknown): error is JournalError {
  if (error instanceof JournalError) return true;
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { name?: unknown; code?: unknown; isJournalError?: unknown };
  return e.isJournalError === true || (typeof e.name === 'string' && ERROR_NAMES.has(e.name) && typeof e.code === 'string' && e.code.startsWith('ERR_'));
}
