import { reportArgument, stringArgument, checkOptionName } from './internal/arguments.js';
import { addressKey, toAsciiDomain, unquoteLocalPart } from './address.js';
import type { JournalReport } from './types.js';

/** An archive's rules for which mailboxes see a message and whether it is kept. */
export interface ArchivePolicy {
  /**
   * Internal domains: `example.com` matches that domain exactly, `*.example.com` its subdomains
   * (not the domain itself; list both for both). Compared case-insensitively, IDN as punycode.
   */
  internalDomains: readonly string[];
  /** Fold plus-addressing (`bob+news@example.com` → `bob@example.com`) before comparing. Default false. */
  foldPlusAddressing?: boolean;
  /** Keep messages that hold no internal address at all (Mimecast "Journal Non-Internal Addresses"). Default false. */
  journalNonInternal?: boolean;
  /**
   * Keep messages whose only internal addresses are not known mailboxes (Mimecast "Journal
   * Unknown Internal Addresses"). Needs `isKnownMailbox`. Default false.
   */
  journalUnknownInternal?: boolean;
  /** Whether an internal address is a mailbox the archive knows. Without it every internal address counts as known. */
  isKnownMailbox?: (address: string) => boolean;
  /** Also assign to the original address of a `Forwarded:` redirection (it never received the copy). Default false. */
  assignForwardedFrom?: boolean;
  /**
   * Use a journal envelope only when the report is `trust: 'trusted'`; by default an
   * `'unverified'` report (no trust option given to the parser) is used too, and only an
   * `'untrusted'` one is not.
   */
  requireTrustedJournal?: boolean;
}

/** The role a participant plays in the message. */
export type ParticipantRole = 'sender' | 'on-behalf-of' | 'recipient' | 'forwarded-from';

/** One address the policy looked at. */
export interface Participant {
  /** Normalised address (lower case, punycode domain, plus folded when asked). */
  address: string;
  role: ParticipantRole;
  internal: boolean;
  /** Known mailbox (always true for internal addresses without `isKnownMailbox`; false for external ones). */
  known: boolean;
}

/** Why the message is kept or dropped. */
export type AssignmentReason = 'internal-mailbox' | 'unknown-internal' | 'unknown-internal-dropped' | 'no-internal' | 'no-internal-dropped';

/** Result of {@link assignMailboxes}. */
export interface Assignment {
  /** Whether the archive keeps the message. */
  keep: boolean;
  reason: AssignmentReason;
  /** Known internal mailboxes that must see the message, normalised, in order of first appearance. */
  mailboxes: string[];
  /** Internal addresses that are not known mailboxes. */
  unknownInternal: string[];
  /** What the assignment was based on. */
  basis: 'envelope' | 'delivery-header' | 'header';
  participants: Participant[];
}

/**
 * Normalise an address for policy decisions: brackets and white space removed, lower-cased, the
 * domain converted to punycode (so `bücher.example` and `xn--bcher-kva.example` agree), and
 * the quotes removed from a quoted local part that does not need them (`"bob"@x` is `bob@x`),
 * and optionally `+tag` removed from the local part (inside the quotes of one that needs them).
 * Non-SMTP addresses (`EX:/O=…`) are only lower-cased.
 *
 * @example
 * normaliseAddress('<Bob+News@Bücher.Example>', { foldPlusAddressing: true }) // 'bob@xn--bcher-kva.example'
 */
export function normaliseAddress(address: string, options: { foldPlusAddressing?: boolean } = {}): string {
  stringArgument(address, 'normaliseAddress: address');
  if (typeof options !== 'object' || options === null) throw new TypeError('mailjournal: normaliseAddress: options must be an object');
  // A misspelt option is never ignored (found by an audit: { foldPlus: true } folded nothing).
  for (const name of Object.keys(options)) checkOptionName(name, NORMALISE_OPTIONS, 'normaliseAddress option');
  if (options.foldPlusAddressing !== undefined && typeof options.foldPlusAddressing !== 'boolean') {
    throw new TypeError(`mailjournal: normaliseAddress: foldPlusAddressing must be a boolean, got ${typeof options.foldPlusAddressing}`);
  }
  return normalised(address, options.foldPlusAddressing === true);
}

/** {@link normaliseAddress} on checked arguments (assignMailboxes calls it once per address). */
function normalised(address: string, foldPlus: boolean): string {
  const key = addressKey(address);
  if (!foldPlus) return key;
  const at = key.lastIndexOf('@');
  if (at <= 0) return key;
  const local = key.slice(0, at);
  // A quoted local part that is not a dot-atom keeps its quotes (addressKey drops the others):
  // the tag is cut inside them, and what is left loses them if it is a dot-atom now.
  const quoted = local.length >= 2 && local.startsWith('"') && local.endsWith('"');
  const start = quoted ? 1 : 0;
  const plus = local.indexOf('+', start);
  if (plus <= start || plus >= local.length - start) return key;
  return `${quoted ? unquoteLocalPart(`${local.slice(0, plus)}"`) : local.slice(0, plus)}${key.slice(at)}`;
}

/**
 * The sender as the headers tell it: the original's From, or, for a journal report with no
 * original (archived whole: the wrapper is then the message kept), the wrapper's From, as the
 * wrapper's To and Cc already stand in for the recipients of such a report. Without it an
 * internal sender's report whose recipients are all external was dropped as `no-internal`.
 */
function headerSender(report: JournalReport): string | undefined {
  if (report.message.from) return report.message.from.address;
  const wrapper = report.wrapper;
  if (report.renditions.length > 0 || !wrapper?.from) return undefined;
  // The journal agent's own address (on premises the wrapper's From is the system mailbox that
  // made the report trusted) is nobody's message.
  if (wrapper.journalSender !== null && addressKey(wrapper.from.address) === addressKey(wrapper.journalSender)) return undefined;
  return wrapper.from.address;
}

const NORMALISE_OPTIONS: ReadonlySet<string> = new Set(['foldPlusAddressing']);

/**
 * Why an internalDomains entry is no domain name (`contoso.com`, `*.contoso.com`, a Unicode
 * domain), undefined when it is one. Such an entry used to be taken as given and match no
 * address, so every message was dropped as `no-internal` without a word (found by an audit:
 * `@contoso.com`, `*`, `contoso.com,fabrikam.com`).
 * @internal
 */
export function domainEntryProblem(entry: string): string | undefined {
  const d = entry.trim();
  // An address literal (`[192.0.2.1]`, `[IPv6:2001:db8::1]`) is a domain of its own.
  if (/^\[[^\s[\]\\@]+\]$/.test(d)) return undefined;
  const wild = d.startsWith('*.') ? d.slice(2) : d;
  // A final dot is the root: `contoso.com.` is contoso.com, as addresses compare.
  const name = wild.endsWith('.') && !wild.endsWith('..') ? wild.slice(0, -1) : wild;
  if (name.includes('@')) {
    const domain = name.slice(name.lastIndexOf('@') + 1);
    return domain === '' ? 'write the domain alone, without @' : `write the domain alone (${domain}), without @`;
  }
  if (/[,;\s]/.test(name)) return 'give one domain per entry';
  if (name.includes('*')) return 'a wildcard may only open the entry, as *.contoso.com';
  if (name === '' || /[<>()[\]\\"/:]/.test(name) || name.startsWith('.') || name.endsWith('.') || name.includes('..')) {
    return 'expected a name such as contoso.com, or *.contoso.com for its subdomains';
  }
  return undefined;
}

function domainMatcher(domains: readonly string[]): (address: string) => boolean {
  const exact = new Set<string>();
  const suffixes: string[] = [];
  for (const raw of domains) {
    const d = raw.trim().toLowerCase();
    if (d.startsWith('*.')) suffixes.push(`.${toAsciiDomain(d.slice(2))}`);
    else exact.add(toAsciiDomain(d));
  }
  return (address) => {
    const at = address.lastIndexOf('@');
    if (at === -1) return false;
    const domain = address.slice(at + 1);
    return exact.has(domain) || suffixes.some((s) => domain.endsWith(s));
  };
}

/** The policy fields, as a record over `keyof ArchivePolicy` so that a new field cannot be left out. */
const POLICY_KEYS: Record<keyof ArchivePolicy, true> = {
  internalDomains: true,
  isKnownMailbox: true,
  foldPlusAddressing: true,
  journalNonInternal: true,
  journalUnknownInternal: true,
  assignForwardedFrom: true,
  requireTrustedJournal: true,
};
const POLICY_NAMES: ReadonlySet<string> = new Set(Object.keys(POLICY_KEYS));

function validate(policy: ArchivePolicy): void {
  if (typeof policy !== 'object' || policy === null) throw new TypeError('mailjournal: policy must be an object');
  for (const name of Object.keys(policy)) checkOptionName(name, POLICY_NAMES, 'policy field');
  if (!Array.isArray(policy.internalDomains) || policy.internalDomains.some((d) => typeof d !== 'string' || d.trim() === '')) {
    throw new TypeError('mailjournal: policy.internalDomains must be an array of domain names');
  }
  policy.internalDomains.forEach((d: string, i) => {
    const problem = domainEntryProblem(d);
    if (problem !== undefined) throw new TypeError(`mailjournal: policy.internalDomains[${i}] ${JSON.stringify(d)} is no domain name: ${problem}`);
  });
  if (policy.isKnownMailbox !== undefined && typeof policy.isKnownMailbox !== 'function') {
    throw new TypeError('mailjournal: policy.isKnownMailbox must be a function');
  }
  for (const flag of ['foldPlusAddressing', 'journalNonInternal', 'journalUnknownInternal', 'assignForwardedFrom', 'requireTrustedJournal'] as const) {
    if (policy[flag] !== undefined && typeof policy[flag] !== 'boolean') throw new TypeError(`mailjournal: policy.${flag} must be a boolean`);
  }
}

/**
 * Decide which internal mailboxes must see a message and whether the archive keeps it. Pure: it
 * reads the report and the policy only.
 *
 * Who counts:
 * - a journal report whose envelope may be used (not `untrusted`, or `trusted` when
 *   `requireTrustedJournal`): the envelope sender, `On-Behalf-Of`, every recipient (expanded
 *   group members and forwarding targets included; header-derived ones added for a defective
 *   report, and the original's From, else the wrapper's, when no Sender line was read), and
 *   `Forwarded:` originals only with `assignForwardedFrom`;
 * - a journal report whose envelope may not be used: the original's From, To and Cc headers
 *   (without an original, the wrapper's, its From unless it is the journal sender: the report is
 *   then archived whole);
 * - a routing or delivered copy (`google`, `delivery-header`): its From (else the delivery
 *   sender) and the recipients its delivery headers name, since the other recipients get copies
 *   of their own; when those name no internal address, the header recipients too;
 * - a plain message (`headers`): From and every header recipient.
 *
 * Keep rule: kept when a known internal mailbox takes part (`internal-mailbox`); otherwise, when
 * internal addresses that are not known mailboxes take part, kept only with
 * `journalUnknownInternal` (`unknown-internal` / `unknown-internal-dropped`); otherwise kept only
 * with `journalNonInternal` (`no-internal` / `no-internal-dropped`).
 *
 * @throws {TypeError} for an invalid policy
 * @example
 * const a = assignMailboxes(report, { internalDomains: ['contoso.com'] });
 * if (a.keep) for (const mailbox of a.mailboxes) index(mailbox, report); // every internal participant, BCC included
 */
export function assignMailboxes(report: JournalReport, policy: ArchivePolicy): Assignment {
  reportArgument(report, 'assignMailboxes: report');
  validate(policy);
  const isInternal = domainMatcher(policy.internalDomains);
  const fold = policy.foldPlusAddressing === true;
  const participants: Participant[] = [];
  // Address and role pairs already listed: a look-up, not a scan of the list (a scan per add made
  // 16,000 recipients take 2.6 s).
  const seen = new Set<string>();
  const add = (address: string | null | undefined, role: ParticipantRole): void => {
    if (!address) return;
    const a = normalised(address, fold);
    if (a === '') return;
    const pair = `${role}\n${a}`;
    if (seen.has(pair)) return;
    seen.add(pair);
    const internal = isInternal(a);
    const known = internal && (policy.isKnownMailbox ? policy.isKnownMailbox(a) === true : true);
    participants.push({ address: a, role, internal, known });
  };

  let basis: Assignment['basis'];
  const envelopeUsable = report.trust === 'trusted' || (report.trust === 'unverified' && policy.requireTrustedJournal !== true);
  // An NDR that carried a journal report describes that report (its envelope, its trust).
  const journal = report.kind === 'journal-report' || (report.kind === 'ndr' && report.ndr?.chain[report.ndr.chain.length - 1] === 'journal-report');
  if (journal && envelopeUsable) {
    basis = 'envelope';
    add(report.envelope?.sender, 'sender');
    // A defective report whose envelope gave no Sender line (none read, or none in it): the
    // original's From stands in, as the header To/Cc already stand in for its recipients, so the
    // sender's mailbox does not lose the message. `Sender: <>` is a sender: nothing stands in.
    if (!report.envelope?.sender && !report.warnings.some((w) => w.code === 'ENVELOPE_NULL_SENDER')) add(headerSender(report), 'sender');
    add(report.envelope?.onBehalfOf, 'on-behalf-of');
    for (const r of report.recipients) add(r.address, 'recipient');
    if (policy.assignForwardedFrom) for (const r of report.recipients) for (const f of r.forwardedFrom) add(f, 'forwarded-from');
  } else if (journal) {
    basis = 'header';
    add(headerSender(report), 'sender');
    for (const m of [...report.message.to, ...report.message.cc]) add(m.address, 'recipient');
    // No original: the report archived whole is the message, and its headers are the wrapper's.
    if (report.renditions.length === 0) for (const m of [...(report.wrapper?.to ?? []), ...(report.wrapper?.cc ?? [])]) add(m.address, 'recipient');
  } else if (report.source === 'google' || report.source === 'delivery-header') {
    basis = 'delivery-header';
    // The sender has no copy of its own to be assigned from: a routing copy of outbound mail
    // names only external recipients, and without its sender nobody inside would see it.
    add(report.message.from?.address ?? report.delivery?.sender, 'sender');
    for (const r of report.recipients) if (r.source === 'delivery-header') add(r.address, 'recipient');
    // Delivery headers that name nobody inside were not written for this site's delivery (a
    // sender can write look-alikes under the receiving hop's Received:): the header recipients
    // count as well, so that such headers cannot take the message away from its recipients.
    const internalNamed = participants.some((p) => p.role === 'recipient' && p.internal);
    if (!internalNamed) for (const r of report.recipients) if (r.source !== 'delivery-header') add(r.address, 'recipient');
  } else {
    basis = 'header';
    add(report.message.from?.address, 'sender');
    for (const r of report.recipients) add(r.address, 'recipient');
  }

  // Each address once, in the order of first appearance (an address can take part in two roles).
  const mailboxes = new Set<string>();
  const unknown = new Set<string>();
  for (const p of participants) if (p.internal) (p.known ? mailboxes : unknown).add(p.address);
  let keep: boolean;
  let reason: AssignmentReason;
  if (mailboxes.size > 0) {
    keep = true;
    reason = 'internal-mailbox';
  } else if (unknown.size > 0) {
    keep = policy.journalUnknownInternal === true;
    reason = keep ? 'unknown-internal' : 'unknown-internal-dropped';
  } else {
    keep = policy.journalNonInternal === true;
    reason = keep ? 'no-internal' : 'no-internal-dropped';
  }
  return { keep, reason, mailboxes: [...mailboxes], unknownInternal: [...unknown], basis, participants };
}
