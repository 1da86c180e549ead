import libmime from 'libmime';

/** A parsed Content-Type. @internal */
export interface ContentType {
  /** Lower-case top-level type, `text` when absent (RFC 2045 §5.2 default). */
  readonly type: string;
  /** Lower-case subtype, `plain` when absent. */
  readonly subtype: string;
  readonly boundary?: string;
  readonly charset?: string;
  /** Parameters by lower-cased name, values trimmed and as written (compare case-insensitively where that matters). */
  readonly params: Readonly<Record<string, string>>;
}

/**
 * Parsed values seen before. Most parts of most messages say one of a few dozen things
 * (`text/plain; charset="utf-8"`, `message/rfc822` …), and parsing was a visible share of a
 * small report's cost. Results kept here are frozen and shared. Multipart values carry a boundary
 * unique to their message, and an attachment's value mostly a name unique to it: such values are
 * not kept (each was frozen and stored for nothing, and they filled the map, which is emptied
 * when full, so that the common values were parsed again every few hundred messages).
 */
const cache = new Map<string, ContentType>();
const CACHE_ENTRIES = 256;
const CACHE_VALUE_LENGTH = 200;

/**
 * Parse a Content-Type value with libmime (RFC 2231 continuations included). A missing or
 * unparseable value is text/plain, as RFC 2045 says. The result is shared: never modify it.
 * @internal
 */
export function parseContentType(value: string | undefined): ContentType {
  if (value === undefined) return TEXT_PLAIN;
  const known = cache.get(value);
  if (known !== undefined) return known;
  const ct = parseUncached(value);
  if (ct.boundary === undefined && ct.params.name === undefined && value.length <= CACHE_VALUE_LENGTH) {
    // Frozen because shared; a result that is not kept (a multipart value's, an attachment's) is
    // not: freezing two fresh objects cost about a quarter of a parse.
    Object.freeze(ct.params);
    if (cache.size >= CACHE_ENTRIES) cache.clear();
    cache.set(value, Object.freeze(ct));
  }
  return ct;
}

const TEXT_PLAIN: ContentType = Object.freeze({ type: 'text', subtype: 'plain', params: Object.freeze({}) });

function parseUncached(raw: string): { type: string; subtype: string; boundary?: string; charset?: string; params: Record<string, string> } {
  // A comment in the type (`message/rfc822 (original)`, RFC 2045 allows one) made it another
  // type, and a journal report's original went unseen. Only before the first `;`: parameter
  // values may hold parentheses (an unquoted boundary), which must stay as written.
  const semi = raw.indexOf(';');
  const head = semi === -1 ? raw : raw.slice(0, semi);
  const value = head.includes('(') ? withoutComments(head) + (semi === -1 ? '' : raw.slice(semi)) : raw;
  if (value.trim() === '') return { type: 'text', subtype: 'plain', params: {} };
  let parsed: { value: string; params: Record<string, string> } | undefined = parseSimpleValue(value);
  if (parsed === undefined) {
    try {
      parsed = libmime.parseHeaderValue(value) as { value: string; params: Record<string, string> };
    } catch {
      return { type: 'text', subtype: 'plain', params: {} };
    }
  }
  // type/subtype (anything after a second slash is ignored), lower-cased and trimmed.
  const full = parsed.value;
  const slash = full.indexOf('/');
  const type = (slash === -1 ? full : full.slice(0, slash)).trim().toLowerCase();
  const rest = slash === -1 ? '' : full.slice(slash + 1);
  const second = rest.indexOf('/');
  const subtype = (second === -1 ? rest : rest.slice(0, second)).trim().toLowerCase();
  const params: Record<string, string> = {};
  for (const k of Object.keys(parsed.params)) {
    const v = parsed.params[k];
    if (typeof v === 'string') params[k.toLowerCase()] = v.trim();
  }
  const ct: ReturnType<typeof parseUncached> = type && subtype ? { type, subtype, params } : { type: 'text', subtype: 'plain', params };
  const boundary = parsed.params.boundary;
  if (typeof boundary === 'string' && boundary.length > 0 && boundary.length <= 200) ct.boundary = boundary;
  const charset = parsed.params.charset;
  if (typeof charset === 'string' && charset.trim() !== '') ct.charset = charset.trim();
  return ct;
}

/**
 * The text without its RFC 5322 comments (`(…)`, nested, with `\\` escapes), each replaced by a
 * space; quoted strings are kept as they are. For header values whose syntax allows comments
 * (Content-Type's type, Content-Transfer-Encoding). A comment that never closes runs to the end
 * and is dropped, or with `keepUnclosed` kept as text (where what it would hide must be seen).
 * @internal
 */
export function withoutComments(text: string, keepUnclosed = false): string {
  if (!text.includes('(')) return text;
  let out = '';
  let depth = 0;
  let quoted = false;
  let opened = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && (quoted || depth > 0)) {
      if (depth === 0) out += c + (text[i + 1] ?? '');
      i++;
    } else if (depth > 0) {
      if (c === '(') depth++;
      else if (c === ')' && --depth === 0) out += ' ';
    } else if (c === '"') {
      quoted = !quoted;
      out += c;
    } else if (c === '(' && !quoted) {
      depth = 1;
      opened = i;
    } else out += c;
  }
  return depth > 0 && keepUnclosed ? out + text.slice(opened) : out;
}

/** Printable ASCII and blanks, without the characters that make libmime do more than split. */
const SIMPLE = /^[\t\x20-\x27\x29\x2b-\x5b\x5d-\x7e]*$/;

/**
 * The common Content-Type shapes (`type/sub; a=b; c="d e"`) split by hand, as
 * libmime.parseHeaderValue would split them: names trimmed and lower-cased, unquoted values
 * trimmed, quoted values as written, the first of a repeated parameter kept. Anything else —
 * backslashes, comments, RFC 2231 `*` parameters, stray quotes, empty names — returns undefined
 * and goes to libmime. Called for every part of every message, where libmime's character loop
 * was a measurable share of a small report's cost. Checked against libmime by a property test.
 * @internal
 */
export function parseSimpleValue(str: string): { value: string; params: Record<string, string> } | undefined {
  if (!SIMPLE.test(str)) return undefined;
  let semi = str.indexOf(';');
  const head = semi === -1 ? str : str.slice(0, semi);
  if (head.includes('"')) return undefined;
  const params: Record<string, string> = {};
  // The next quote, searched for again only once the parameters passed it: a search from each
  // parameter ran to the end of a value without quotes, and a 1 MB value of short parameters
  // took a second (found by an audit).
  let quote = -2;
  while (semi !== -1) {
    const start = semi + 1;
    const next = str.indexOf(';', start);
    if (quote !== -1 && quote < start) quote = str.indexOf('"', start);
    let key: string;
    let val: string;
    if (quote !== -1 && (next === -1 || quote < next)) {
      // name="value": the quote must open the value, and only blanks may follow its close.
      const eq = str.indexOf('=', start);
      if (eq === -1 || eq > quote || str.slice(eq + 1, quote).trim() !== '') return undefined;
      const close = str.indexOf('"', quote + 1);
      if (close === -1) return undefined;
      semi = str.indexOf(';', close + 1);
      if (str.slice(close + 1, semi === -1 ? str.length : semi).trim() !== '') return undefined;
      key = str.slice(start, eq).trim().toLowerCase();
      val = str.slice(quote + 1, close);
    } else {
      semi = next;
      const segment = str.slice(start, next === -1 ? str.length : next);
      const eq = segment.indexOf('=');
      if (eq === -1) {
        // A name without a value ("attachment; inline"): libmime keeps it with ''.
        key = segment.trim().toLowerCase();
        if (key === '') continue;
        val = '';
      } else {
        key = segment.slice(0, eq).trim().toLowerCase();
        val = segment.slice(eq + 1).trim();
      }
    }
    if (key === '' || key === '__proto__') return undefined;
    if (!Object.hasOwn(params, key)) params[key] = val;
  }
  return { value: head.trim(), params };
}
