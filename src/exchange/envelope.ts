import { stringArgument } from '../internal/arguments.js';
import type { EnvelopeField } from '../types.js';
import { withoutComments } from '../mime/content-type.js';

/** One recipient line of the envelope, before type resolution. */
export interface EnvelopeRecipientLine {
  field: EnvelopeField;
  /** Delivered address (left of the comma). */
  address: string;
  expanded?: string;
  forwarded?: string;
}

/** The fields of an Exchange 2007+ envelope part (MS-XJRNL §2.1), not yet checked against the original. */
export interface ParsedEnvelope {
  /** `Sender:` value ('' for the null reverse path `<>`), undefined when the line is missing. */
  sender?: string;
  onBehalfOf?: string;
  subject?: string;
  messageId?: string;
  label?: string;
  mailbox?: string;
  sentUtc?: string;
  receivedUtc?: string;
  recipients: EnvelopeRecipientLine[];
  /** Lines that are neither a known field nor empty. */
  unknownLines: string[];
  /** Fields that appeared more than once (the first one wins, as in Microsoft's parser). */
  duplicateFields: string[];
  /**
   * Recipient entries that could not be read and were skipped: a value that is no SMTP address
   * (empty, blanks or specials inside, no single @, an unclosed bracket), or an `Expanded:`/`Forwarded:` with
   * no address after it. Microsoft's parser rejects such a line too.
   */
  badEntries?: number;
  /**
   * The `Sender`, `On-Behalf-Of` and `Mailbox` lines (names as written) whose value is no SMTP
   * address, as for recipient entries: counted in `badEntries`, the field left unset.
   */
  badFields?: string[];
}

/** Characters an unquoted local part or a domain name cannot hold (RFC 5321 specials, blanks). */
const NOT_IN_ADDRESS = /[\s<>"@,;:()[\]\\]/;

/**
 * Whether a value read from a recipient line is an SMTP address: `local@domain` without blanks,
 * brackets, specials (`,;:()\`) or a second @ — a quoted local part may hold them, a domain may
 * be a literal (`[192.0.2.1]`) — or '' for the null path `<>`.
 * @internal
 */
export function isEnvelopeAddress(address: string): boolean {
  if (address === '') return true;
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return false;
  const domain = address.slice(at + 1);
  const local = address.slice(0, at);
  // A domain name, or a literal ([192.0.2.1]); a local part plain, or quoted (which may hold
  // blanks, @ and the specials).
  if (NOT_IN_ADDRESS.test(domain) && !/^\[[^\s[\]\\]*\]$/.test(domain)) return false;
  return local.startsWith('"') ? /^"(?:[^"\\]|\\.)*"$/.test(local) : !NOT_IN_ADDRESS.test(local);
}

// Maps, not object literals: a line named "Constructor:" must not find Object.prototype.constructor.
const RECIPIENT_FIELDS = new Map<string, EnvelopeField>([
  ['to', 'To'],
  ['cc', 'Cc'],
  ['bcc', 'Bcc'],
  ['recipient', 'Recipient'],
]);
const SINGLE_FIELDS = new Map<string, 'sender' | 'onBehalfOf' | 'subject' | 'messageId' | 'label' | 'mailbox' | 'sentUtc' | 'receivedUtc'>([
  ['sender', 'sender'],
  ['on-behalf-of', 'onBehalfOf'],
  ['subject', 'subject'],
  ['message-id', 'messageId'],
  ['label', 'label'],
  ['mailbox', 'mailbox'],
  ['sentutc', 'sentUtc'],
  ['receivedutc', 'receivedUtc'],
]);

/**
 * A recipient line made only of plain addresses (one @, and no blanks, quotes, brackets, commas or
 * other characters an unquoted address cannot hold: anything else is left to the general path),
 * matched in place (sticky, at the line's start) up to its CRLF, LF or the end of the text: the
 * usual line costs no string of its own. The field name is not captured: its first letter, read
 * from the text, tells which it is (a capture is a string per line).
 */
const SIMPLE_RECIPIENT_LINE = /(?:to|cc|bcc|recipient):[ \t]*([^\s,<>"@;:()[\]\\]+@[^\s,<>"@;:()[\]\\]+)[ \t]*(?:,[ \t]*(expanded|forwarded)[ \t]*:[ \t]*([^\s,<>"@;:()[\]\\]+@[^\s,<>"@;:()[\]\\]+)[ \t]*)?(?=\r?\n|$)/iy;

/**
 * The field a SIMPLE_RECIPIENT_LINE match names, told by its first letter, the character code at
 * the match's start (the pattern allows only those four names, in any case): no string, no
 * lower-cased copy and no look-up per line.
 */
function simpleField(first: number): EnvelopeField {
  const c = first | 0x20;
  return c === 0x74 ? 'To' : c === 0x63 ? 'Cc' : c === 0x62 ? 'Bcc' : 'Recipient';
}

/** @internal */
export const FIELD_LINE = /^\s*([A-Za-z][A-Za-z-]*)\s*:[ \t]?(.*)$/;

/**
 * `Name: value` as FIELD_LINE reads it, undefined when the line is no field. The common lines
 * (an ASCII name right at the start) are taken apart without the RegExp, which was a visible
 * share of a small report's cost; the rest go through it.
 * @internal
 */
export function fieldLine(line: string): { name: string; value: string } | undefined {
  const colon = line.indexOf(':');
  if (colon <= 0) return colon === -1 ? undefined : regexFieldLine(line);
  for (let i = 0; i < colon; i++) {
    const c = line.charCodeAt(i) | 0x20;
    if (!(c >= 0x61 && c <= 0x7a) && !(i > 0 && line.charCodeAt(i) === 0x2d)) return regexFieldLine(line);
  }
  let start = colon + 1;
  const c = line.charCodeAt(start);
  if (c === 0x20 || c === 0x09) start++;
  const value = line.slice(start);
  // '.' in FIELD_LINE stops at CR, LS and PS: such a line is no field.
  if (/[\r\u2028\u2029]/.test(value)) return undefined;
  return { name: line.slice(0, colon), value };
}

function regexFieldLine(line: string): { name: string; value: string } | undefined {
  const m = FIELD_LINE.exec(line);
  return m ? { name: m[1]!, value: m[2]! } : undefined;
}

/**
 * The first `, Expanded:` / `, Forwarded:` (any case, blanks around the keyword allowed): the
 * comma, the keyword and the colon. Linear: no lazy quantifier, each comma's blank run is read
 * once. Matched on the value itself — a lower-cased copy can differ in length ("İ" becomes two
 * code units), which shifted every index after it.
 */
const REDIRECTION = /,[ \t]*(expanded|forwarded)[ \t]*:/i;

/** Split `addr, Expanded: group` / `addr, Forwarded: original` at the first redirection. */
function splitRedirection(value: string): { left: string; kind?: 'expanded' | 'forwarded'; right?: string } {
  // A redirection needs a comma before it; most lines have none.
  if (!value.includes(',')) return { left: value };
  const m = REDIRECTION.exec(value);
  if (m === null) return { left: value };
  return { left: value.slice(0, m.index), kind: m[1]!.length === 8 ? 'expanded' : 'forwarded', right: value.slice(m.index + m[0].length) };
}

/**
 * Extract the address from an envelope value: the text inside the last `<…>` when present
 * (`"Name" <a@b>`), else the value itself, without the quotes around it when it is quoted whole.
 * `<>` gives ''.
 * @internal
 */
export function envelopeAddress(value: string): string {
  const v = value.trim();
  const open = v.lastIndexOf('<');
  const close = v.lastIndexOf('>');
  if (open !== -1 && close > open) return v.slice(open + 1, close).trim();
  // A value quoted whole ("a@x") loses its quotes; a quoted local part ("Bob Smith"@x) keeps them.
  return v.length >= 2 && v.charCodeAt(0) === 0x22 && v.charCodeAt(v.length - 1) === 0x22 ? v.slice(1, -1).trim() : v;
}

/**
 * Each quoted string (escapes honoured) replaced by a blank; from a quote that never closes on,
 * the text stays as it is, so that it hides no address. One pass: a RegExp tried from every
 * quote rescanned the rest of the line from each one, and a line of escaped quotes took minutes
 * (found by an audit).
 */
function withoutQuotedStrings(text: string): string {
  let out = '';
  let from = 0;
  for (;;) {
    const open = text.indexOf('"', from);
    if (open === -1) return out + text.slice(from);
    let end = open + 1;
    while (end < text.length && text.charCodeAt(end) !== 0x22) end += text.charCodeAt(end) === 0x5c ? 2 : 1;
    if (end >= text.length) return out + text.slice(from);
    out += `${text.slice(from, open)} `;
    from = end + 1;
  }
}

/**
 * Whether a value in the `Name <address>` form names another address around its `<…>`: a `<` or
 * `>` outside quoted strings and comments before it, or an `@` word before or after it that is
 * not that address (a name that repeats the address, as Exchange writes one-off recipients
 * `'john@x' <john@x>`, names no other).
 */
function namesMoreThanItsAddress(value: string): boolean {
  const open = value.lastIndexOf('<');
  if (open === -1) return false;
  const close = value.indexOf('>', open);
  const inner = value.slice(open + 1, close === -1 ? undefined : close).trim().toLowerCase();
  const outside = withoutQuotedStrings(value.slice(0, open) + (close === -1 ? '' : ` ${value.slice(close + 1)}`));
  // A comment that never closes is text here: it must not hide a second address.
  const plain = withoutComments(outside, true);
  if (/[<>]/.test(plain)) return true;
  for (const word of plain.split(/[\s,;]+/)) {
    if (word.includes('@') && word.replace(/^['"]+|['"]+$/g, '').toLowerCase() !== inner) return true;
  }
  return false;
}

/**
 * Parse the text of an Exchange envelope part. Field names are matched case-insensitively
 * (`Message-ID` in the spec, `Message-Id` in Exchange Online); Subject and Message-ID may come in
 * either order; recipient lines are `To|Cc|Bcc|Recipient: addr[, Expanded|Forwarded: addr]`.
 * Never throws.
 *
 * @example
 * parseEnvelope('Sender: a@x.com\nTo: m@x.com, Expanded: dl@x.com\n').recipients
 * // [{ field: 'To', address: 'm@x.com', expanded: 'dl@x.com' }]
 */
export function parseEnvelope(text: string): ParsedEnvelope {
  stringArgument(text, 'parseEnvelope: text');
  const env: ParsedEnvelope = { recipients: [], unknownLines: [], duplicateFields: [] };
  for (let start = 0; start <= text.length; ) {
    SIMPLE_RECIPIENT_LINE.lastIndex = start;
    const simple = SIMPLE_RECIPIENT_LINE.exec(text);
    // A token that is no address (`To: bob`) does not match: the general path counts it as bad.
    if (simple !== null) {
      // The match ends where its line break (CRLF or LF) or the text does.
      const end = SIMPLE_RECIPIENT_LINE.lastIndex;
      start = end + (text.charCodeAt(end) === 0x0d ? 2 : 1);
      // The usual `To: a@b` / `Recipient: a@b, Expanded: g@b`: one match gives what the general
      // path below would (checked by a property test), at a fraction of its string work.
      const entry: EnvelopeRecipientLine = { field: simpleField(text.charCodeAt(simple.index)), address: simple[1]! };
      if (simple[2] !== undefined) {
        if (simple[2].length === 8) entry.expanded = simple[3]!;
        else entry.forwarded = simple[3]!;
      }
      env.recipients.push(entry);
      continue;
    }
    let lf = text.indexOf('\n', start);
    if (lf === -1) lf = text.length;
    const line = text.slice(start, lf > start && text.charCodeAt(lf - 1) === 0x0d ? lf - 1 : lf);
    start = lf + 1;
    // A lone CR ends a line as well, as it does for the .NET line reader of Microsoft's parser:
    // `Bcc: a@x<CR>Bcc: b@x` is two recipients, not one line that is no field.
    if (line.includes('\r')) for (const piece of line.split('\r')) readLine(env, piece);
    else readLine(env, line);
  }
  return env;
}

/** One line of the general path of parseEnvelope (every line the fast pattern does not take). */
function readLine(env: ParsedEnvelope, line: string): void {
  const m = fieldLine(line);
  if (m === undefined) {
    if (line.trim() !== '') env.unknownLines.push(line);
    return;
  }
  const key = m.name.toLowerCase();
  const value = m.value.trim();
  const rfield = RECIPIENT_FIELDS.get(key);
  if (rfield !== undefined) {
    const r = splitRedirection(value);
    const address = envelopeAddress(r.left);
    const target = r.kind === undefined ? undefined : envelopeAddress(r.right!);
    // An empty value, a value that is no address, a value naming two (`<a@x>, <b@x>`: only the
    // last <…> would be read), or a redirection to nothing: skipped and counted (the report is
    // then defective), never kept as a recipient named by garbage.
    if (
      value === '' ||
      !isEnvelopeAddress(address) ||
      namesMoreThanItsAddress(r.left) ||
      (target !== undefined && (target === '' || !isEnvelopeAddress(target) || namesMoreThanItsAddress(r.right!)))
    ) {
      env.badEntries = (env.badEntries ?? 0) + 1;
      return;
    }
    const entry: EnvelopeRecipientLine = { field: rfield, address };
    if (target !== undefined) {
      if (r.kind === 'expanded') entry.expanded = target;
      else entry.forwarded = target;
    }
    env.recipients.push(entry);
    return;
  }
  const single = SINGLE_FIELDS.get(key);
  if (single === undefined) {
    env.unknownLines.push(line);
    return;
  }
  if (env[single] !== undefined) {
    env.duplicateFields.push(m.name);
    return;
  }
  if (single === 'sender' || single === 'onBehalfOf' || single === 'mailbox') {
    const address = envelopeAddress(value);
    // Read as a recipient's value is (found by an audit: `Sender: x@evil.com, ceo@contoso.com`
    // was kept whole as the sender, with no warning, and assigned as a mailbox). Such a field
    // counts as not read: the sender then comes from the original's From, as for a missing one.
    if (!isEnvelopeAddress(address) || namesMoreThanItsAddress(value)) {
      env.badEntries = (env.badEntries ?? 0) + 1;
      (env.badFields ??= []).push(m.name);
      return;
    }
    env[single] = address;
    return;
  }
  env[single] = value;
}
