import { splitLines } from '../internal/lines.js';
import type { EnvelopeRecipientLine, ParsedEnvelope } from './envelope.js';

/** Longest wrap Microsoft's 2003 parser accepts for an address entry (continuation lines). */
const MAX_ENTRY_CONTINUATIONS = 5;
/** Longest wrap for a Message-ID: 14 lines in all, about 1020 characters. */
const MAX_ID_CONTINUATIONS = 13;
const MAX_ID_CHARS = 1020;

// The value is the rest of the line whatever it holds (trimmed where it is read): `\s*:\s*(.*)$`
// was quadratic on blanks followed by a line separator (found by an audit).
const LABEL = /^\s*(Sender|Message-ID|Recipients)\s*:([^]*)$/i;

/**
 * The address inside an Exchange 2003 entry: `"Name" <TYPE:address>` gives `address` for SMTP
 * and `TYPE:address` for any other native type (`EX:/O=…`, `X400:…`), which is kept, not
 * rejected; imitations without a type (`Name <addr>`) and bare addresses give the address.
 * @internal
 */
function address2003(entry: string): string {
  const v = entry.trim().replace(/,$/, '').trim();
  const open = v.lastIndexOf('<');
  const close = v.lastIndexOf('>');
  const inner = open !== -1 && close > open ? v.slice(open + 1, close).trim() : v.replace(/^"|"$/g, '').trim();
  const typed = /^([A-Za-z][A-Za-z0-9]*):(.*)$/.exec(inner);
  if (typed && !typed[1]!.includes('@')) {
    if (typed[1]!.toUpperCase() === 'SMTP') return typed[2]!.trim();
    return `${typed[1]}:${typed[2]!.trim()}`;
  }
  return inner;
}

/**
 * An entry is complete once its `<…>` is closed, or when it is a bare address. A quoted display
 * name is no bare address even with an `@` in it: Exchange names one-off recipients
 * `"'user@example.com'"` and may wrap before their `<SMTP:…>` (read as complete, the name became
 * an invented recipient and the real one a second entry).
 */
function isCompleteEntry(entry: string): boolean {
  const open = entry.lastIndexOf('<');
  if (open !== -1) return entry.indexOf('>', open) !== -1;
  return BARE_ADDRESS.test(entry.trim());
}

/** A piece of text is complete when every entry in it is (see splitEntries), and it has one. */
function isComplete(text: string): boolean {
  const entries = splitEntries(text);
  return entries.length > 0 && entries.every(isCompleteEntry);
}

/**
 * A bare address, possibly followed by the comma that ends an entry. No `@` or `[` in the local
 * part and none in an address literal: with them, each `@` the pattern backed up to re-scanned the
 * rest, quadratic on a long entry of `a@[` (found by review).
 */
const BARE_ADDRESS = /^[^\s"<>(),;:@[\]]+@(?:[^\s"<>(),;:'@[\]]+|\[[^[\]\s]+\]),?$/;

/**
 * The entries of one piece of text: several on one line (`"Bob" <SMTP:bob@x>, "Dave" <SMTP:dave@x>`,
 * or a bare comma list), which the format does not write but some imitations do. Split only at a
 * comma outside quotes and `<…>` that ends a complete entry: display names hold commas, quoted
 * (`"Doe, John"`) or not (Citadel's `Jones, Bob <bob@x>`). Empty pieces dropped.
 */
function splitEntries(text: string): string[] {
  const out: string[] = [];
  let quoted = false;
  let angle = false;
  // The state of the entry since `from`, kept as the scan goes (testing the slice at each comma
  // made a line of commas quadratic): a `<` seen and closed after the last one, and a comma
  // passed (a bare address holds none, so only a closed `<…>` can complete it then).
  let opened = false;
  let closed = false;
  let comma = false;
  let blank = true;
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c !== ',' && c !== ' ' && c !== '\t') blank = false;
    if (c === '"' && !angle) quoted = !quoted;
    else if (c === '<' && !quoted) {
      angle = true;
      opened = true;
      closed = false;
    } else if (c === '>' && !quoted) {
      angle = false;
      if (opened) closed = true;
    } else if (c === ',' && !quoted && !angle) {
      if (blank || closed || (!opened && !comma && BARE_ADDRESS.test(text.slice(from, i).trim()))) {
        if (!blank) out.push(text.slice(from, i).trim());
        from = i + 1;
        opened = closed = comma = false;
        blank = true;
      } else comma = true;
    }
  }
  out.push(text.slice(from).trim());
  return out.filter((e) => e !== '');
}

/**
 * Whether an entry's address is one: a native type with a value (`EX:/O=…`, kept as it is), or
 * `local@domain` as a bare entry must be.
 */
function isUsableAddress(address: string): boolean {
  const colon = address.indexOf(':');
  // A native type with a value; not a URL (`http://…` in some text between angle brackets).
  if (colon > 0 && /^[A-Za-z][A-Za-z0-9]*$/.test(address.slice(0, colon))) return address.length > colon + 1 && !address.startsWith('//', colon + 1);
  return BARE_ADDRESS.test(address) && !address.endsWith(',');
}

/**
 * Parse an Exchange 2000/2003 envelope (formats.md §2): `Sender:`, `Message-ID:` and a
 * `Recipients:` label followed by one entry per line, each possibly wrapped over following lines
 * and ended by a comma. There is no To/Cc/Bcc split: every entry is a `Recipients` line whose type
 * is inferred later. Entries that never close within the wrap limit are counted in `badEntries`
 * and skipped. Also reads Citadel-style imitations (tab-indented `Name <addr>` lines).
 * @internal
 */
export function parseEnvelope2003(text: string): ParsedEnvelope & { badEntries: number } {
  const env: ParsedEnvelope & { badEntries: number } = { recipients: [], unknownLines: [], duplicateFields: [], badEntries: 0 };
  let mode: 'sender' | 'message-id' | 'recipients' | undefined;
  let pending: string | undefined;
  let continuations = 0;
  /** The last entry ended with a comma: more entries follow, even after blank lines (HTML renders them). */
  let expectMore = false;

  const finish = (): void => {
    if (pending === undefined) return;
    const entry = pending;
    pending = undefined;
    if (mode === 'recipients') {
      if (!isComplete(entry)) {
        env.badEntries++;
        return;
      }
      // Complete, so every piece is (see isComplete); each must still give an address, as
      // 2007+ lines must: a piece that gives none is said, never read as one.
      for (const piece of splitEntries(entry)) {
        const address = address2003(piece);
        if (!isUsableAddress(address)) {
          env.badEntries++;
          continue;
        }
        const line: EnvelopeRecipientLine = { field: 'Recipients', address };
        env.recipients.push(line);
      }
      expectMore = entry.trim().endsWith(',');
    } else if (mode === 'sender') {
      if (entry.includes('<>')) env.sender = '';
      else if (isComplete(entry)) env.sender = address2003(entry);
      else env.badEntries++;
    } else if (mode === 'message-id') {
      // A `<` that never closes (wrapped past a blank line, or cut at maxEnvelopeBytes): a
      // piece of an ID, which must not become the message's ID or its key.
      // Over MAX_ID_CHARS on one line too (it was checked only as pieces were joined; found by
      // review): given up whole, and the lines after it are no new value.
      const id = entry.trim();
      if (id.lastIndexOf('<') > id.lastIndexOf('>') || id.length > MAX_ID_CHARS) {
        env.badEntries++;
        mode = undefined;
      } else env.messageId = id;
    }
  };

  const limitFor = (): number => (mode === 'message-id' ? MAX_ID_CONTINUATIONS : MAX_ENTRY_CONTINUATIONS);

  // A lone CR ends a line (a value read past it swallowed the next field, found by review).
  for (const line of splitLines(text)) {
    if (line.trim() === '') {
      // A blank line ends the current value (Microsoft's parser stops there too).
      if (pending !== undefined && mode === 'recipients' && !isComplete(pending)) {
        env.badEntries++;
        pending = undefined;
      }
      finish();
      if (mode !== 'recipients' || (env.recipients.length > 0 && !expectMore)) mode = undefined;
      continue;
    }
    const label = LABEL.exec(line);
    if (label) {
      finish();
      const name = label[1]!.toLowerCase() as 'sender' | 'message-id' | 'recipients';
      const rest = label[2]!.trim();
      if ((name === 'sender' && env.sender !== undefined) || (name === 'message-id' && env.messageId !== undefined)) {
        env.duplicateFields.push(label[1]!);
        mode = undefined;
        continue;
      }
      mode = name;
      continuations = 0;
      if (rest !== '') {
        pending = rest;
        if (mode !== 'message-id' ? isComplete(rest) || rest.includes('<>') : rest.includes('>') || !rest.includes('<')) finish();
      }
      continue;
    }
    if (mode === undefined) {
      env.unknownLines.push(line);
      continue;
    }
    if (pending === undefined) {
      // A Sender or Message-ID label alone on its line: the value is on the next line.
      const awaitingValue = (mode === 'sender' && env.sender === undefined) || (mode === 'message-id' && env.messageId === undefined);
      if (mode !== 'recipients' && !awaitingValue) {
        env.unknownLines.push(line);
        continue;
      }
      pending = line.trim();
      continuations = mode === 'recipients' ? 0 : 1;
    } else if (mode === 'recipients' && line.includes('<') && pending.lastIndexOf('<') > pending.lastIndexOf('>')) {
      // A new entry opens its <…> while the last one is still open: that one never closed (an
      // address has no "<", so this is no wrapped piece of it). Joined, the new entry's address
      // was read and the unclosed one vanished without a word (found by an audit).
      env.badEntries++;
      pending = line.trim();
      continuations = 0;
    } else {
      continuations++;
      // Exchange wraps at a fixed width, inside a token if need be: a Message-ID and an SMTP
      // address within <…> have no blanks, so their pieces are joined as they are. Elsewhere the
      // line break stood for a blank: a display name, and the native types, whose values have
      // blanks of their own (`EX:/O=CONTOSO/OU=FIRST ADMINISTRATIVE GROUP/…`).
      pending = mode === 'message-id' || inSmtpAddress(pending) ? `${pending}${line.trim()}` : `${pending} ${line.trim()}`;
      if (continuations > limitFor() || (mode === 'message-id' && pending.length > MAX_ID_CHARS)) {
        env.badEntries++;
        pending = undefined;
        // A Sender or Message-ID is given up whole: its next lines are unknown lines, not a new
        // value (the piece after the cut, `part15@contoso.com>`, became the envelope Message-ID
        // and its key; found by the session-24 test audit). A recipient entry's next lines may
        // hold the next entries, so that mode goes on.
        if (mode !== 'recipients') mode = undefined;
        continue;
      }
    }
    const done = mode === 'message-id' ? pending.includes('>') : isComplete(pending);
    if (done) finish();
  }
  if (pending !== undefined) {
    if (mode === 'recipients' && !isComplete(pending)) {
      env.badEntries++;
      pending = undefined;
    } else finish();
  }
  return env;
}

/**
 * Whether `text` ends inside an unclosed `<…>` that holds an SMTP address: `<SMTP:` or no type
 * (Citadel's `<addr>`), or too little of it yet to tell.
 */
function inSmtpAddress(text: string): boolean {
  const open = text.lastIndexOf('<');
  if (open <= text.lastIndexOf('>')) return false;
  const type = /^<\s*([A-Za-z0-9]+):/.exec(text.slice(open, open + 40));
  return type === null || type[1]!.toUpperCase() === 'SMTP';
}
