import libmime from 'libmime';

/** A parsed Content-Type. @internal */
export interface ContentType {
  /** Lower-case top-level type, `text` when absent (RFC 2045 §5.2 default). */
  type: string;
  /** Lower-case subtype, `plain` when absent. */
  subtype: string;
  boundary?: string;
  charset?: string;
  /** Parameters by lower-cased name, values trimmed and as written (compare case-insensitively where that matters). */
  params: Record<string, string>;
}

/**
 * Parse a Content-Type value with libmime (RFC 2231 continuations included). A missing or
 * unparseable value is text/plain, as RFC 2045 says.
 * @internal
 */
export function parseContentType(value: string | undefined): ContentType {
  if (value === undefined || value.trim() === '') return { type: 'text', subtype: 'plain', params: {} };
  let parsed: { value: string; params: Record<string, string> };
  try {
    parsed = libmime.parseHeaderValue(value) as { value: string; params: Record<string, string> };
  } catch {
    return { type: 'text', subtype: 'plain', params: {} };
  }
  const [type = '', subtype = ''] = parsed.value.toLowerCase().split('/').map((s) => s.trim());
  const params: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed.params)) if (typeof v === 'string') params[k.toLowerCase()] = v.trim();
  const ct: ContentType = type && subtype ? { type, subtype, params } : { type: 'text', subtype: 'plain', params };
  const boundary = parsed.params.boundary;
  if (typeof boundary === 'string' && boundary.length > 0 && boundary.length <= 200) ct.boundary = boundary;
  const charset = parsed.params.charset;
  if (typeof charset === 'string' && charset.trim() !== '') ct.charset = charset.trim();
  return ct;
}
