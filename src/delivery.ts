import { addressKey, parseAddressList, testPattern } from './address.js';
import { latin1 } from './internal/bytes.js';
import type { HeaderBlock, RawHeaderField } from './mime/header-block.js';

/** One address a delivery header names for this copy. @internal */
export interface DeliveryFact {
  address: string;
  /** Header name as written. */
  field: string;
  /** The address the copy was sent to before this site rewrote it to `address` (see readDelivery). */
  forwarded?: string;
}

/** What the delivery headers of a message say about this copy. @internal */
export interface DeliveryFacts {
  /** `google` when `X-Gm-Original-To` names the recipients, `delivery-header` for other delivery headers, `headers` when none name anyone. */
  source: 'google' | 'delivery-header' | 'headers';
  facts: DeliveryFact[];
  /** Envelope sender (`X-Envelope-From`, else the topmost `Return-Path`), or null. */
  sender: string | null;
  /** Names of the delivery headers that were read, in order, without duplicates. */
  headers: string[];
}

/** Archive mailbox addresses: their own deliveries are not recipients, their sub-addresses encode one. */
export type ArchiveAddresses = readonly (string | RegExp)[];

// Delivery headers, in the order they are read. `single` ones: only the topmost field relates to
// this copy (Delivered-To accumulates one per delivery step, newest on top, RFC 9228).
const GOOGLE = 'x-gm-original-to';
const KINDS: { key: string; single: boolean }[] = [
  { key: 'x-original-to', single: false },
  { key: 'delivered-to', single: true },
  { key: 'envelope-to', single: false },
  { key: 'x-envelope-to', single: false },
];

/**
 * The fields of one header kind that this copy's delivery added: the topmost one, plus further
 * fields of the same name up to the next `Received:` below it. A `Received:` line marks a hop,
 * so the same header further down was written by an earlier hop (a forwarder, another
 * organisation's gateway) and says nothing about this copy.
 */
function thisHop(fields: RawHeaderField[], key: string, single: boolean, hopEnd: number): RawHeaderField[] {
  const first = fields.findIndex((f) => f.key === key);
  if (first === -1 || first > hopEnd) return [];
  if (single) return [fields[first]!];
  const out: RawHeaderField[] = [];
  for (let i = first; i < fields.length; i++) {
    const f = fields[i]!;
    if (f.key === 'received') break;
    if (f.key === key) out.push(f);
  }
  return out;
}

/**
 * Where this copy's delivery headers end: the second `Received:` field (a local re-injection,
 * amavis in Zimbra, adds one of its own above them; Google writes `X-Gm-Original-To` under its
 * own), or the end. With `narrow` (a set of header names), the first one when one of them sits
 * above it: this site's delivery writes them on top, as Postfix's local and virtual delivery and
 * Exim's transports do, so any further down were written by an earlier hop or by the sender, who
 * can put look-alikes under the receiving hop's `Received:`. Anything below was there before this
 * site received the message.
 */
function receivingHopEnd(fields: RawHeaderField[], narrow?: ReadonlySet<string>): number {
  const first = receivedIndex(fields, 1);
  if (narrow !== undefined && fields.slice(0, first).some((f) => narrow.has(f.key))) return first;
  return receivedIndex(fields, 2);
}

/** Index of the nth `Received:` field (1 = the topmost), or the end of the block. */
function receivedIndex(fields: RawHeaderField[], nth: number): number {
  let seen = 0;
  for (let i = 0; i < fields.length; i++) if (fields[i]!.key === 'received' && ++seen === nth) return i;
  return fields.length;
}

/**
 * Whether the receiving hop's `Received:` (fields[first]) says this copy was for another address
 * than the delivery headers read under it name: `for <shironeko@…>` above `Delivered-To: neko@…`
 * (a forwarder delivered to neko and sent the message on; found in a real bounce by the corpus
 * audit, where neko took the copy from its addressee). Such headers came with the message.
 *
 * Not judged, so they are read as before: when the hop is a local hand-off (a re-injection such
 * as amavis, from a loopback address, writes the headers of this site's delivery under its own
 * `Received:`); when the `for` names no single address (a message for several recipients); or
 * when it names an archive mailbox: a copy redirected to the archive carries the mailbox's own
 * delivery headers, and Zimbra re-injects its archive copy `for` the archive account with the
 * real recipients in `X-Envelope-To` (an exemption for any X-Envelope-To let a sender switch the
 * check off by writing one, found by review). Addresses compare with a `+tag` folded.
 */
function forAnotherRecipient(block: HeaderBlock, first: number, hopEnd: number, archive: ArchiveAddresses): boolean {
  const fields = block.fields;
  // As written: the from clause ends at a folded line (see fromClause).
  const received = latin1(block.raw.subarray(fields[first]!.start, fields[first]!.end));
  const clause = fromClause(received);
  // No `from` clause (`by host (Postfix, from userid 1001)`, qmail's `(qmail 1 invoked by uid 89)`):
  // a local hand-off.
  if (clause === undefined || fromLoopback(clause)) return false;
  const named = forAddress(received);
  if (named === undefined) return false;
  const target = decodeArchiveAddress(named, archive);
  if (target === undefined) return false;
  const key = untagged(addressKey(target));
  // The fields readDelivery would take from under the hop (only the topmost Delivered-To).
  const under = new Set(fields.slice(first + 1, hopEnd));
  for (const kind of KINDS) {
    for (const f of thisHop(fields, kind.key, kind.single, hopEnd)) {
      if (under.has(f) && deliveredAddresses(f, archive).some((a) => untagged(addressKey(a)) === key)) return false;
    }
  }
  return true;
}

/**
 * The addresses a delivery header names, as this copy's recipients: a qmail `Delivered-To` in its
 * public form, archive mailboxes left out and their sub-addresses decoded.
 */
function deliveredAddresses(f: RawHeaderField, archive: ArchiveAddresses): string[] {
  const out: string[] = [];
  for (const m of parseAddressList(f.value)) {
    const address = decodeArchiveAddress(f.key === 'delivered-to' ? qmailPublic(m.address) : m.address, archive);
    if (address !== undefined) out.push(address);
  }
  return out;
}

/**
 * The `from` clause of a `Received:` field as written (name included), unfolded; undefined when
 * it has none. It ends at the `by` that starts a folded line when there is one: a HELO cannot
 * hold a line break, but Postfix keeps one of several words, so `from x by (unknown [ip])`
 * would end at the sender's `by` (found by review).
 */
function fromClause(field: string): string | undefined {
  const folded = /^[^:]*:\s*from\s([^]*?)\r?\n[ \t]+by\s/i.exec(field) ?? /^[^:]*:\s*from\s([^]*?)\sby\s/i.exec(field);
  return folded === null ? undefined : folded[1]!.replace(/\r?\n(?=[ \t])/g, '');
}

/**
 * The address of a `Received:` field's `for` clause: `for <x>;`, `for x;`, comments after it
 * (`for <x> (version=TLSv1.3 cipher=… (256/256 bits));`, fetchmail's `(single-drop)`). The last
 * such clause counts: the clause ends the field before its date, and text before it can come from
 * the sender (Exim's `(envelope-from <"x for <y>;"@evil>)`, found by review).
 */
function forAddress(received: string): string | undefined {
  let named: string | undefined;
  for (const m of received.matchAll(/\sfor\s+<?([^\s<>;@()]+@[^\s<>;@()]+?)>?\s*(?:\((?:[^()]|\([^()]*\))*\)\s*)*(?:;|$)/gi)) named = m[1];
  return named;
}

/**
 * An address key without its `+tag` (`bob+news@x` → `bob@x`). By index: a regular expression
 * backtracked quadratically on `a+++…+@b@c` (a minute for 256 KiB, found by review).
 */
function untagged(key: string): string {
  const at = key.lastIndexOf('@');
  const plus = key.indexOf('+');
  return plus > 0 && plus < at ? key.slice(0, plus) + key.slice(at) : key;
}

/**
 * Whether a `Received:` from-clause records a loopback connection. Only the address literal the
 * receiving MTA wrote counts: the last `[ip]` or `(ip)` once the sender's words are set aside —
 * Exim's `helo=…` and `ident=…` (`from host ([ip] helo=…)`), and Postfix's comments that quote
 * the client (`(Authenticated sender: …)`, `(Client CN "…", Issuer …)`, `(using TLS…)`). A HELO
 * can say `localhost` or `[127.0.0.1]` from anywhere.
 */
function fromLoopback(clause: string): boolean {
  const mta = clause.replace(/\b(?:helo|ident)=[^\s)]*/gi, '').replace(/\((?:authenticated sender|client cn|using|no client certificate)(?:[^()]|\([^()]*\))*\)/gi, '');
  const literals = mta.match(/\[[^\][\s]*\]|\((?:ipv6:)?[0-9a-f]*[.:][0-9a-f:.]*\)/gi);
  if (literals === null) return false;
  return isLoopback(literals[literals.length - 1]!.slice(1, -1).toLowerCase().replace(/^ipv6:/, ''));
}

/** 127.0.0.0/8, and in IPv6 `::1` and the IPv4-mapped 127.0.0.0/8, in any spelling. */
function isLoopback(ip: string): boolean {
  if (/^\d{1,3}(?:\.\d{1,3}){3}$/.test(ip)) return ip.startsWith('127.');
  const groups = ipv6Groups(ip);
  if (groups === undefined || groups.slice(0, 5).some((g) => g !== 0)) return false;
  return (groups[5] === 0 && groups[6] === 0 && groups[7] === 1) || (groups[5] === 0xffff && groups[6]! >> 8 === 0x7f);
}

/** The eight 16-bit groups of an IPv6 address (`::` and a final dotted IPv4 allowed), or undefined. */
function ipv6Groups(ip: string): number[] | undefined {
  let text = ip;
  const v4 = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4 !== null) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const part = (h: string | undefined) => (h === undefined || h === '' ? [] : h.split(':'));
  const head = part(halves[0]);
  const tail = part(halves[1]);
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...head, ...Array<string>(halves.length === 1 ? 0 : missing).fill('0'), ...tail];
  if (!all.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return undefined;
  return all.map((g) => parseInt(g, 16));
}

/**
 * One `X-Original-To` and one `Delivered-To` that differ: Postfix writes the address the message
 * was sent to in the first and the mailbox it reached, after alias or virtual rewriting, in the
 * second (`sales@` → `dave@`). The mailbox was reached through the other address, as a
 * `Forwarded:` envelope line says it: it takes that address's type (read alone, dave was a blind
 * recipient; found by the corpus audit). Both stay recipients: the first is often the mailbox's
 * own public address and the second a local form of it (`bob@example.org` →
 * `bob@mail.example.org`), and dropping it lost the mailbox (found by review).
 */
function linkRewrite(facts: DeliveryFact[]): void {
  if (facts.length !== 2) return;
  const [original, delivered] = facts as [DeliveryFact, DeliveryFact];
  if (original.field.toLowerCase() !== 'x-original-to' || delivered.field.toLowerCase() !== 'delivered-to') return;
  if (addressKey(original.address) !== addressKey(delivered.address)) delivered.forwarded = original.address;
}

/** The final-delivery headers: on top, they show that this site writes its own there. */
const FINAL_DELIVERY = new Set(KINDS.map((k) => k.key));
/**
 * The final-delivery headers Gmail does not write (it writes `Delivered-To` on top of a routing
 * copy whose `X-Gm-Original-To` sits under its first `Received:`).
 */
const NOT_GMAIL_KEYS = new Set(KINDS.map((k) => k.key).filter((k) => k !== 'delivered-to'));

/**
 * Map an address through the archive list: an archive mailbox itself gives undefined (it is not
 * a recipient), a sub-address such as `archive+bob=contoso.com@archive.example` gives the address
 * it encodes (`bob@contoso.com`), anything else is returned unchanged.
 * @internal
 */
function decodeArchiveAddress(address: string, archive: ArchiveAddresses): string | undefined {
  if (archive.length === 0) return address;
  const key = addressKey(address);
  const at = key.lastIndexOf('@');
  const local = at === -1 ? key : key.slice(0, at);
  const domain = at === -1 ? '' : key.slice(at + 1);
  const plus = local.indexOf('+');
  const base = plus === -1 ? key : `${local.slice(0, plus)}@${domain}`;
  const plain = address.trim().replace(/^<|>$/g, '').trim();
  const tag = plus === -1 ? undefined : plain.slice(plus + 1, plain.lastIndexOf('@'));
  for (const entry of archive) {
    const isArchive = typeof entry === 'string' ? addressKey(entry) === base : testPattern(entry, key) || testPattern(entry, base);
    if (!isArchive) continue;
    if (tag === undefined) return undefined;
    // Postfix recipient_bcc_maps convention: "user=domain" in the tag stands for user@domain.
    const eq = tag.lastIndexOf('=');
    return eq > 0 && eq < tag.length - 1 ? `${tag.slice(0, eq)}@${tag.slice(eq + 1)}` : undefined;
  }
  return address;
}

/**
 * The public address of a qmail virtual-domain delivery: qmail rewrites `bob@example.org` to the
 * local form `example.org-bob@example.org` and writes that in `Delivered-To`. Any other address
 * is returned unchanged.
 */
function qmailPublic(address: string): string {
  const at = address.lastIndexOf('@');
  if (at <= 0) return address;
  const domain = address.slice(at + 1);
  const prefix = `${domain}-`;
  const local = address.slice(0, at);
  return domain !== '' && local.length > prefix.length && local.slice(0, prefix.length).toLowerCase() === prefix.toLowerCase() ? `${local.slice(prefix.length)}@${domain}` : address;
}

/**
 * Read this copy's delivery facts from a message's top-level header block: Google's
 * `X-Gm-Original-To`, or `X-Original-To`, `Delivered-To`, Exim `Envelope-to` and Zimbra
 * `X-Envelope-To`/`X-Envelope-From`. Other headers that look like envelope data
 * (`X-Barracuda-Envelope-From`, `X-MS-Exchange-Organization-OriginalEnvelopeRecipients`,
 * `Resent-*`) are never used: they come from other hops or from the sender.
 * @internal
 */
export function readDelivery(block: HeaderBlock, archive: ArchiveAddresses): DeliveryFacts {
  const headers: string[] = [];
  const facts: DeliveryFact[] = [];
  const take = (fields: RawHeaderField[]): void => {
    for (const f of fields) {
      if (!headers.includes(f.name)) headers.push(f.name);
      for (const address of deliveredAddresses(f, archive)) facts.push({ address, field: f.name });
    }
  };
  const fields = block.fields;
  let hopEnd = receivingHopEnd(fields, FINAL_DELIVERY);
  const first = receivedIndex(fields, 1);
  if (hopEnd > first && forAnotherRecipient(block, first, hopEnd, archive)) hopEnd = first;
  // An X-Gm-Original-To under the first Received: is read unless this site's own delivery
  // headers sit on top (Gmail writes only Delivered-To there): under them it may be anyone's,
  // the sender's too (tried: reading it when they named only the archive mailbox let whoever
  // mails that address name a blind recipient, found by review).
  const google = thisHop(fields, GOOGLE, false, receivingHopEnd(fields, NOT_GMAIL_KEYS));
  if (google.length > 0) {
    // The copy was rerouted: Delivered-To names the archive mailbox, not a recipient.
    take(google);
  } else {
    for (const kind of KINDS) take(thisHop(fields, kind.key, kind.single, hopEnd));
    linkRewrite(facts);
  }
  // X-Envelope-From is delivery data like X-Envelope-To (narrowed alike); Return-Path is not
  // narrowed: Gmail writes it under its first Received:.
  const from = thisHop(fields, 'x-envelope-from', true, hopEnd)[0] ?? thisHop(fields, 'return-path', true, receivingHopEnd(fields))[0];
  if (from?.key === 'x-envelope-from' && !headers.includes(from.name)) headers.push(from.name);
  const sender = from ? (parseAddressList(from.value)[0]?.address ?? null) : null;
  const source = facts.length === 0 ? 'headers' : google.length > 0 ? 'google' : 'delivery-header';
  return { source, facts, sender, headers };
}
