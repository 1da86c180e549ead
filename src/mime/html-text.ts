import he from 'he';

/**
 * Turn the HTML rendition of an envelope part into lines of text. Only what the envelope needs:
 * block-level tags and `<br>` become line breaks, other tags go, entities are decoded (by `he`).
 * Exchange renders `<addr>` as `&lt;addr&gt;`, so entity decoding comes after tag removal.
 * @internal
 */
export function htmlToText(html: string): string {
  const withoutHidden = html.replace(/<(script|style|head|title)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, '');
  const breaks = withoutHidden.replace(/<\s*(br|\/p|\/div|\/tr|\/li|\/h[1-6]|p|div|tr|li)\b[^>]*>/gi, '\n');
  const text = breaks.replace(/<[^>]*>/g, '');
  return he.decode(text).replace(/\u00a0/g, ' ');
}
