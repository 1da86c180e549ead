import { addressKey, isPlainAddress, isPlainAscii } from './address.js';
import type { HeaderBlock } from './mime/header-block.js';
import type { JournalRecipient, RecipientFact, RecipientSource, RecipientType } from './types.js';

const TYPE_RANK: Record<RecipientType, number> = { to: 0, cc: 1, bcc: 2 };
const SOURCE_RANK: Record<RecipientSource, number> = { envelope: 0, 'delivery-header': 1, header: 2 };

/**
 * Recipients in order of first appearance, one per address (compared as {@link addressKey} does), each
 * keeping every fact that named it. Type and source are the strongest over its facts.
 * @internal
 */
export class RecipientList {
  private readonly byKey = new Map<string, JournalRecipient>();
  /** New addresses refused because the list was full. */
  dropped = 0;

  constructor(private readonly max = Number.MAX_SAFE_INTEGER) {}

  /**
   * Add a fact about `address`; empty addresses are ignored (returns false), so are new ones past
   * the limit. `key` is `addressKey(address)` when the caller has it already.
   */
  add(address: string, fact: RecipientFact, key = addressKey(address)): boolean {
    if (key === '') return false;
    let r = this.byKey.get(key);
    if (r === undefined) {
      if (this.byKey.size >= this.max) {
        this.dropped++;
        return true;
      }
      // Arrays created with their first element: one pushed into [] reserves room for 17.
      r = {
        address: address.trim(),
        type: fact.type,
        typeInferred: fact.inferred,
        source: fact.source,
        expandedFrom: fact.expanded !== undefined ? [fact.expanded] : [],
        forwardedFrom: fact.forwarded !== undefined ? [fact.forwarded] : [],
        lines: [fact],
      };
      this.byKey.set(key, r);
      return true;
    }
    if (TYPE_RANK[fact.type] < TYPE_RANK[r.type]) r.type = fact.type;
    if (SOURCE_RANK[fact.source] < SOURCE_RANK[r.source]) r.source = fact.source;
    pushFact(r.lines, fact);
    if (fact.expanded !== undefined) pushUnique(r.expandedFrom, fact.expanded);
    if (fact.forwarded !== undefined) pushUnique(r.forwardedFrom, fact.forwarded);
    return true;
  }

  has(address: string): boolean {
    return this.byKey.has(addressKey(address));
  }

  get size(): number {
    return this.byKey.size;
  }

  /** The recipients; `typeInferred` is true when no non-inferred fact has the winning type. */
  list(): JournalRecipient[] {
    const out = [...this.byKey.values()];
    for (const r of out) r.typeInferred = !statesType(r.lines, r.type);
    return out;
  }
}

/**
 * The {@link addressKey} of an entry of a block's lower-cased list (the content key made the list
 * already): most entries are keys as they are, and lower-casing them again cost as much as the
 * look-ups. In an ASCII block no domain needs the scan for non-ASCII characters.
 */
function lowerKey(lower: string, ascii: boolean): string {
  return (ascii ? isPlainAscii(lower) : isPlainAddress(lower)) ? lower : addressKey(lower);
}

/** The {@link lowerKey}s of a block's lower-cased list. */
function keySet(lower: readonly string[] | undefined, ascii: boolean): Set<string> {
  const set = new Set<string>();
  if (lower !== undefined) for (const a of lower) set.add(lowerKey(a, ascii));
  return set;
}

/**
 * Questions {@link VisibleTypes} answers by reading the To and Cc lists before it builds their
 * sets. A read costs a few ns per address where a set costs a hash insert, a cache miss once the
 * lists are long (a 50,000-recipient report's two sets, made to answer the one question its
 * expanded group's members all ask, were about 5 % of its parse).
 */
const LINEAR_QUESTIONS = 4;

/** Whether one of a block's lower-cased addresses has this key: `keySet(lower, ascii).has(key)` without the set. */
function listed(lower: readonly string[] | undefined, key: string, ascii: boolean): boolean {
  if (lower === undefined) return false;
  for (const a of lower) if (lowerKey(a, ascii) === key) return true;
  return false;
}

/** Whether a fact that is not inferred gives this type. */
function statesType(lines: readonly RecipientFact[], type: RecipientType): boolean {
  for (const l of lines) if (!l.inferred && l.type === type) return true;
  return false;
}

/**
 * Append a fact unless the same one is listed: a line repeated word for word says nothing new
 * (one `To:` line repeated over a 16 MiB envelope gave one recipient 757,834 facts and the parse
 * 180 MiB, found by an audit).
 */
function pushFact(lines: RecipientFact[], fact: RecipientFact): void {
  pushDistinct(lines, fact, factKey);
}

/** A fact as a string that two facts share only when every field is the same (undefined and '' differ). */
const factKey = (f: RecipientFact): string => JSON.stringify([f.source, f.field, f.type, f.inferred, f.expanded ?? null, f.forwarded ?? null]);

/**
 * Append `address` unless the list has it already (compared as {@link addressKey} compares).
 * @internal
 */
export function pushUnique(list: string[], address: string): void {
  pushDistinct(list, address, addressKey);
}

/** Lists up to this long are searched; longer ones get an index (see pushDistinct). */
const SCANNED = 8;
/** The keys of each long list pushDistinct fills, so that a long one is not searched per push. */
const listKeys = new WeakMap<unknown[], Set<string>>();

/**
 * Append `item` unless an item with the same key is listed. A short list (the usual zero or one
 * entry) is searched; a long one keeps a set of its keys: searching each time made 40,000
 * `Expanded:` groups of one recipient take 84 s (found by an audit). Only for lists that
 * pushDistinct alone fills, with one `keyOf` each.
 */
function pushDistinct<T>(list: T[], item: T, keyOf: (item: T) => string): void {
  const key = keyOf(item);
  if (list.length < SCANNED) {
    if (!list.some((x) => keyOf(x) === key)) list.push(item);
    return;
  }
  let keys = listKeys.get(list);
  if (keys === undefined) listKeys.set(list, (keys = new Set(list.map((x) => keyOf(x)))));
  if (keys.has(key)) return;
  keys.add(key);
  list.push(item);
}

/**
 * The type a recipient named by an unverified envelope line or a delivery header had, seen from
 * the message's headers: in To → to, in Cc → cc, otherwise it was a blind recipient.
 * @internal
 */
export class VisibleTypes {
  // Built once LINEAR_QUESTIONS questions have been answered by reading the lists: reports whose
  // envelope types every line (To/Cc/Bcc) never ask, and those whose Recipient lines are the
  // members of one expanded group ask about one address (the group's), remembered below.
  private sets: { to: Set<string>; cc: Set<string> } | undefined;
  private questions = 0;
  /** The last address {@link of} answered: the members of one expanded group all name it. */
  private lastAddress: string | undefined;
  private lastType: RecipientType | undefined;

  /** `headers`: the message's header block (undefined: no headers, every address is blind). */
  constructor(private readonly headers: HeaderBlock | undefined) {}

  /** 'to' | 'cc' when the address is in that header, else undefined. */
  of(address: string | undefined): RecipientType | undefined {
    if (address === undefined) return undefined;
    if (address !== this.lastAddress) {
      this.lastType = this.ofKey(addressKey(address));
      this.lastAddress = address;
    }
    return this.lastType;
  }

  /** {@link of} for an address already turned into its {@link addressKey}. */
  ofKey(key: string): RecipientType | undefined {
    const ascii = this.headers?.ascii === true;
    if (this.sets === undefined) {
      if (this.questions < LINEAR_QUESTIONS) {
        this.questions++;
        const to = this.headers?.lowerAddresses('to');
        const cc = this.headers?.lowerAddresses('cc');
        return listed(to, key, ascii) ? 'to' : listed(cc, key, ascii) ? 'cc' : undefined;
      }
      this.sets = { to: keySet(this.headers?.lowerAddresses('to'), ascii), cc: keySet(this.headers?.lowerAddresses('cc'), ascii) };
    }
    return this.sets.to.has(key) ? 'to' : this.sets.cc.has(key) ? 'cc' : undefined;
  }

  /** The inferred type of an address, `bcc` when it is in neither header. */
  infer(address: string): RecipientType {
    return this.of(address) ?? 'bcc';
  }
}
