import addressparser from 'nodemailer/lib/addressparser';
import { stringArgument } from './internal/arguments.js';
import { lowerCase } from './internal/text.js';
import { decodeHeaderWords } from './mime/encoded-words.js';

/** A mailbox taken from a header or an envelope line. */
export interface Mailbox {
  /** The address as written, without angle brackets. */
  address: string;
  /** Display name, RFC 2047-decoded; empty when there is none. */
  name: string;
}

/**
 * Parse an address-list header value (To, Cc, From …) into mailboxes, groups flattened.
 * Uses nodemailer's addressparser; never throws.
 * @internal
 */
export function parseAddressList(value: string | undefined): Mailbox[] {
  if (value === undefined || value.trim() === '') return [];
  // Bare addresses only (`a@b, c@d`, as many systems write To and Cc): checked whole by one
  // RegExp, whose loop over the characters is native (a JavaScript loop over a string's
  // characters measured about twice its cost per character), then split at the commas.
  if (BARE_LIST.test(value)) return bareList(value);
  // Most address headers are plain `Name <a@b>, "Last, First" <c@d>, e@f` lists: without
  // comments, groups or escapes a comma outside quotes always separates addresses, and splitting
  // is many times cheaper than the full parser. simpleList gives up on anything else.
  if (!/[():;\\]/.test(value)) {
    const simple = simpleList(value);
    if (simple !== undefined) return simple;
  }
  let parsed: ReturnType<typeof addressparser>;
  try {
    parsed = addressparser(value, { flatten: true });
  } catch {
    return [];
  }
  const out: Mailbox[] = [];
  for (const entry of parsed) {
    if (entry.address === undefined || entry.address === '') continue;
    const name = entry.name ?? '';
    out.push({ address: entry.address.trim(), name: name.includes('=?') ? decodeHeaderWords(name).trim() : name.trim() });
  }
  return out;
}

/**
 * A whole value of bare addresses: each item blanks, then one token of printable ASCII with
 * exactly one @ inside it and none of `"(),:;<>\`, then a comma or the end. Exactly the lists
 * whose every item {@link simpleList} takes by its bare-address rule (the characters its caller's
 * pre-check sends to the full parser are excluded here too).
 */
const BARE_LIST = /^(?:[ \t\r\n]*[!#-'*+\-./0-9=?A-Z[\]^-~]+@[!#-'*+\-./0-9=?A-Z[\]^-~]+(?:,|$))+$/;

/** The items of a value {@link BARE_LIST} accepts: the blanks before each item dropped, an empty last item (a trailing comma) too. */
function bareList(value: string): Mailbox[] {
  const out: Mailbox[] = [];
  for (const item of value.split(',')) {
    const address = item.trimStart();
    if (address !== '') out.push({ address, name: '' });
  }
  return out;
}

function simpleList(value: string): Mailbox[] | undefined {
  const out: Mailbox[] = [];
  const len = value.length;
  let pos = 0;
  while (pos < len) {
    while (pos < len && isBlank(value.charCodeAt(pos))) pos++;
    if (pos >= len) break;
    // The usual item of a To/Cc list, a bare `local@domain` up to the comma: taken in one pass
    // over its characters. Anything else in it (blanks, brackets, quotes, non-ASCII, no single
    // inner @) leaves the item to the general reading below, which decides it the same way.
    const bare = bareItemEnd(value, pos);
    if (bare !== -1) {
      out.push({ address: value.slice(pos, bare), name: '' });
      pos = bare + 1;
      continue;
    }
    // `"Display Name" <address>`: the quotes may hold commas, so they are passed over first.
    let quoted: string | undefined;
    let itemStart = pos;
    if (value.charCodeAt(pos) === 0x22) {
      const close = value.indexOf('"', pos + 1);
      if (close === -1) return undefined;
      quoted = value.slice(pos + 1, close);
      itemStart = close + 1;
    }
    let comma = value.indexOf(',', itemStart);
    if (comma === -1) comma = len;
    const t = value.slice(itemStart, comma).trim();
    pos = comma + 1;
    if (t.includes('"')) return undefined;
    if (t === '' && quoted === undefined) continue;
    const open = t.indexOf('<');
    if (open === -1) {
      // A bare address: local@domain, one @ inside one token (anything else — "a@b@", blanks —
      // is left to the full parser, which reads such items its own way).
      if (quoted !== undefined || !BARE_ADDRESS.test(t)) return undefined;
      out.push({ address: t, name: '' });
      continue;
    }
    const close = t.indexOf('>', open);
    if (close === -1 || close !== t.length - 1 || t.indexOf('<', open + 1) !== -1) return undefined;
    // Only white space may sit between a quoted name and its address.
    if (quoted !== undefined && open !== 0) return undefined;
    const address = t.slice(open + 1, close).trim();
    // Blanks inside the brackets (often left by unfolding) and an empty <> after a quoted
    // address are read differently by the full parser: leave them to it.
    if (/\s/.test(address) || (address === '' && quoted !== undefined)) return undefined;
    if (address === '') continue;
    const name = quoted !== undefined ? quoted.trim() : t.slice(0, open).trim();
    out.push({ address, name: name.includes('=?') ? decodeHeaderWords(name).trim() : name });
  }
  return out;
}

/**
 * Where a bare address that starts at `start` ends (its comma, or the end of the value), when
 * the item is one printable ASCII token with exactly one @ inside it and no quote or bracket;
 * -1 for any other item.
 */
function bareItemEnd(value: string, start: number): number {
  let at = -1;
  let i = start;
  for (; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x2c) break;
    if (c === 0x40) {
      if (at !== -1) return -1;
      at = i;
    } else if (c <= 0x20 || c >= 0x7f || c === 0x22 || c === 0x3c || c === 0x3e) {
      return -1;
    }
  }
  return at > start && at < i - 1 ? i : -1;
}

/** One token with exactly one @, neither at its start nor at its end. */
const BARE_ADDRESS = /^[^\s@]+@[^\s@]+$/;

const isBlank = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;

/**
 * Comparison key for an address: trimmed, angle brackets removed, lower-cased, the domain without
 * a final dot and in its ASCII (punycode) form. Exchange and practically every mail system treat
 * local parts case-insensitively, and the envelope and the headers of one message often differ
 * only in case; an envelope may carry `xn--bcher-kva.example` where the header has
 * `bücher.example`. The same as `normaliseAddress` without plus-folding, so that a report and
 * `mergeReports` / `assignMailboxes` count the same recipients.
 * @internal
 */
export function addressKey(address: string): string {
  // Bare, with an ASCII domain and no final dot: the common case, only lower-cased.
  if (isPlainAddress(address)) return lowerCase(address);
  const a = address.trim().replace(/^<|>$/g, '').trim();
  const at = a.lastIndexOf('@');
  if (at <= 0) return a.toLowerCase();
  return `${unquoteLocalPart(a.slice(0, at)).toLowerCase()}@${toAsciiDomain(a.slice(at + 1))}`;
}

/**
 * A quoted local part whose text is a dot-atom is the same mailbox written without the quotes
 * (RFC 5321 §4.1.2), and addressparser gives one address both ways (`"bob+x"@x` bare loses its
 * quotes, in angle brackets keeps them): such a part loses its quotes, any other stays as
 * written.
 * @internal
 */
export function unquoteLocalPart(local: string): string {
  if (local.length < 2 || local.charCodeAt(0) !== 0x22 || local.charCodeAt(local.length - 1) !== 0x22) return local;
  const inner = local.slice(1, -1).replace(/\\([\s\S])/g, '$1');
  return DOT_ATOM.test(inner) ? inner : local;
}

/** RFC 5322 dot-atom, with RFC 6532's non-ASCII characters. */
const DOT_ATOM = /^[\w!#$%&'*+/=?^`{|}~\u0080-\uffff-]+(?:\.[\w!#$%&'*+/=?^`{|}~\u0080-\uffff-]+)*$/;

/**
 * {@link addressKey} of an address from text known to be ASCII: its domain needs no scan for
 * non-ASCII characters (which cost about as much as the rest of the key for the dozens of
 * addresses of a report).
 * @internal
 */
export function asciiAddressKey(address: string): string {
  return isPlainAscii(address) ? lowerCase(address) : addressKey(address);
}

/** {@link isPlainAddress} for an address known to be ASCII: its ends only. @internal */
export function isPlainAscii(address: string): boolean {
  return isBareAddress(address) && address.charCodeAt(address.length - 1) !== 0x2e;
}

/**
 * Whether {@link addressKey} only lower-cases this address: no blank, angle bracket or non-ASCII
 * character at either end, no final dot, and an ASCII domain (only the part after the last `@`
 * is scanned).
 * @internal
 */
export function isPlainAddress(address: string): boolean {
  if (!isPlainAscii(address)) return false;
  for (let i = address.length - 1; i >= 0; i--) {
    const c = address.charCodeAt(i);
    if (c === 0x40) return true;
    if (c > 0x7e) return false;
  }
  return true;
}

/** No blank, angle bracket or non-ASCII character at either end, no quote at the start. */
function isBareAddress(address: string): boolean {
  const first = address.charCodeAt(0);
  const last = address.charCodeAt(address.length - 1);
  return first > 0x20 && first < 0x7f && first !== 0x3c && first !== 0x22 && last > 0x20 && last < 0x7f && last !== 0x3e;
}

/**
 * A domain for comparison: trimmed, lower-cased, without a final dot, in its ASCII (punycode)
 * form when it is a valid internationalised name.
 * @internal
 */
export function toAsciiDomain(domain: string): string {
  const d = domain.trim().toLowerCase().replace(/\.$/, '');
  // ASCII needs no IDNA; nor does a malformed domain: the URL parser would cut it at the first
  // delimiter ("contoso.com/ü" gave "contoso.com", another, valid address).
  if (/^[\x21-\x7e]*$/.test(d) || /[/\\?#@:%\s]/.test(d)) return d;
  try {
    // The WHATWG URL parser applies IDNA (UTS #46) in Node and in browsers alike.
    return new URL(`http://${d}/`).hostname;
  } catch {
    return d;
  }
}

/**
 * Normalise a Message-ID for comparison: comments and white space (folding) removed, the angle
 * brackets kept around `local@domain`, the domain part lower-cased (the local part is
 * case-sensitive by RFC 5322). Returns undefined for an empty value.
 *
 * @example
 * normaliseMessageId(' <Abc@EXAMPLE.com> ') // '<Abc@example.com>'
 */
export function normaliseMessageId(value: string | null | undefined): string | undefined {
  if (value === undefined || value === null) return undefined;
  stringArgument(value, 'normaliseMessageId: value');
  // A journal report normalises the same Message-ID five times (its own, the envelope's and the
  // parent's for the mismatch check, the content key, the Message-ID key): the last answer is
  // kept, and strings compare by content.
  if (value === lastMessageId) return lastNormalised;
  const normalised = normaliseUncached(value);
  lastMessageId = value;
  lastNormalised = normalised;
  return normalised;
}

let lastMessageId: string | undefined;
let lastNormalised: string | undefined;

function normaliseUncached(value: string): string | undefined {
  // The usual `<local@domain>` (no comments, blanks or nested brackets) needs no RegExp work.
  if (value.charCodeAt(0) === 0x3c && value.charCodeAt(value.length - 1) === 0x3e && !/[\s()<>]/.test(value.slice(1, -1))) {
    const at = value.lastIndexOf('@');
    if (value.length === 2) return undefined;
    return at === -1 ? value : value.slice(0, at) + value.slice(at).toLowerCase();
  }
  let v = value.replace(/\([^()]*\)/g, '').replace(/\s+/g, '');
  const m = /<([^<>]*)>/.exec(v);
  if (m) v = m[1]!;
  v = v.replace(/^<|>$/g, '');
  if (v === '') return undefined;
  const at = v.lastIndexOf('@');
  if (at !== -1) v = v.slice(0, at) + '@' + v.slice(at + 1).toLowerCase();
  return `<${v}>`;
}

/** RegExp.test without the state a global or sticky pattern keeps between calls. @internal */
export function testPattern(pattern: RegExp, text: string): boolean {
  pattern.lastIndex = 0;
  return pattern.test(text);
}
