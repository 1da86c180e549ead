import addressparser from 'nodemailer/lib/addressparser';
import { decodeHeaderWords } from './mime/header-block.js';

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
  let parsed: ReturnType<typeof addressparser>;
  try {
    parsed = addressparser(value, { flatten: true });
  } catch {
    return [];
  }
  const out: Mailbox[] = [];
  for (const entry of parsed) {
    if (entry.address === undefined || entry.address === '') continue;
    out.push({ address: entry.address.trim(), name: decodeHeaderWords(entry.name ?? '').trim() });
  }
  return out;
}

/**
 * Comparison key for an address: trimmed, angle brackets removed, lower-cased.
 * Exchange and practically every mail system treat local parts case-insensitively, and the
 * envelope and the headers of one message often differ only in case.
 * @internal
 */
export function addressKey(address: string): string {
  return address.trim().replace(/^<|>$/g, '').trim().toLowerCase();
}

/**
 * Normalise a Message-ID for comparison: comments and white space (folding) removed, the angle
 * brackets kept around `local@domain`, the domain part lower-cased (the local part is
 * case-sensitive by RFC 5322). Returns undefined for an empty value.
 *
 * @example
 * normaliseMessageId(' <Abc@EXAMPLE.com> ') // '<Abc@example.com>'
 */
export function normaliseMessageId(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let v = value.replace(/\([^()]*\)/g, '').replace(/\s+/g, '');
  const m = /<([^<>]*)>/.exec(v);
  if (m) v = m[1]!;
  v = v.replace(/^<|>$/g, '');
  if (v === '') return undefined;
  const at = v.lastIndexOf('@');
  if (at !== -1) v = v.slice(0, at) + '@' + v.slice(at + 1).toLowerCase();
  return `<${v}>`;
}
