/**
 * The lines of a text as .NET's line reader (the one Microsoft's journal parser uses) reads them:
 * an LF, a CRLF or a lone CR ends a line, so `\r\r` holds an empty line (in CR-only text that is
 * the blank line that ends a value or a block: dropping it invented a recipient, found by review).
 * One exception: CRs right before an LF belong to that line break, so `\r\r\n` endings make no
 * empty line. Linear: a pattern with a CR run followed by a look-ahead backtracks over long runs.
 * @internal
 */
export function splitLines(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    let end = raw.length;
    while (end > 0 && raw.charCodeAt(end - 1) === 0x0d) end--;
    const line = end === raw.length ? raw : raw.slice(0, end);
    if (!line.includes('\r')) {
      out.push(line);
      continue;
    }
    for (const piece of line.split('\r')) out.push(piece);
  }
  return out;
}
