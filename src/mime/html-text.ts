import he from 'he';

const BLOCK_TAGS = new Set(['br', 'p', 'div', 'tr', 'li', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'pre']);
const HIDDEN_TAGS = new Set(['script', 'style', 'head', 'title']);

/**
 * Turn the HTML rendition of an envelope part into lines of text. Only what the envelope needs:
 * block-level tags and `<br>` become line breaks, other tags go, the content of script, style,
 * head and title goes, entities are decoded (by `he`). Exchange renders `<addr>` as `&lt;addr&gt;`,
 * so entity decoding comes after tag removal. A line break in the source is white space, as a
 * browser shows it (outside `<pre>`): a generator that wraps its source lines must not split an
 * envelope line in two. Blanks at the start and end of each resulting line go.
 *
 * A single left-to-right scan with `indexOf`, never a backtracking regex: the part may be
 * megabytes of hostile markup (`<<<<…`), and each position is looked at a bounded number of times.
 * @internal
 */
export function htmlToText(html: string): string {
  const lower = html.toLowerCase();
  const out: string[] = [];
  // Where a closing tag was last looked for and not found: no need to look again before there.
  const missingCloser = new Map<string, number>();
  // Per quote character, a position after which it does not occur (see tagEnd).
  const quoteMissingFrom = { '"': Infinity, "'": Infinity };
  // Inside <pre> the source's line breaks are the text's.
  let preDepth = 0;
  const text = (t: string): void => {
    out.push(preDepth > 0 ? t : t.replace(SOURCE_LINE_BREAKS, ' '));
  };
  let pos = 0;
  while (pos < html.length) {
    const lt = html.indexOf('<', pos);
    if (lt === -1) {
      text(html.slice(pos));
      break;
    }
    text(html.slice(pos, lt));
    if (html.startsWith('<!--', lt)) {
      // A comment ends at `-->` (`<!-->` and `<!--->` too), not at its first `>`: Outlook's
      // conditional comments hold `>`, and an envelope line after one must stay a line start. A
      // comment that never ends hides the rest, as in a browser.
      const end = html.indexOf('-->', lt + 2);
      if (end === -1) break;
      pos = end + 3;
      continue;
    }
    const gt = tagEnd(html, lt, quoteMissingFrom);
    if (gt === -1) {
      // No tag closes: the rest is text.
      text(html.slice(lt));
      break;
    }
    const name = /^\/?\s*([a-z][a-z0-9]*)/.exec(lower.slice(lt + 1, Math.min(gt, lt + 40)))?.[1] ?? '';
    const closing = lower[lt + 1] === '/';
    pos = gt + 1;
    if (name === 'pre') preDepth = closing ? Math.max(0, preDepth - 1) : preDepth + 1;
    if (BLOCK_TAGS.has(name)) out.push('\n');
    if (!closing && HIDDEN_TAGS.has(name) && (missingCloser.get(name) ?? -1) < pos) {
      const end = lower.indexOf(`</${name}`, pos);
      if (end === -1) {
        missingCloser.set(name, html.length);
      } else {
        const endGt = html.indexOf('>', end);
        pos = endGt === -1 ? html.length : endGt + 1;
      }
    }
  }
  // Split and trimmed, not one RegExp: a pattern like /[ \t]+$/m retries every start position of a
  // long blank run and is quadratic on hostile input.
  return he
    .decode(out.join(''))
    .replace(/\u00a0/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .join('\n');
}

/**
 * The `>` that ends the tag opened at `lt`, -1 when none does. A `>` inside a quoted attribute
 * value (`title="a>b"`) does not end it, as in a browser. A quote that never closes is taken for
 * a plain character and the tag ends at its first `>` (a browser would hide the rest of the part:
 * here the envelope lines after it stay readable). `missingFrom` remembers, per quote character,
 * a position after which it does not occur, so hostile markup full of unclosed quotes is not
 * searched to its end again and again.
 */
function tagEnd(html: string, lt: number, missingFrom: { '"': number; "'": number }): number {
  for (let i = lt + 1; i < html.length; i++) {
    const c = html[i];
    if (c === '>') return i;
    if (c !== '=') continue;
    let j = i + 1;
    while (j < html.length && (html[j] === ' ' || html[j] === '\t' || html[j] === '\r' || html[j] === '\n')) j++;
    const q = html[j];
    if (q !== '"' && q !== "'") {
      i = j - 1;
      continue;
    }
    const close = j + 1 >= missingFrom[q] ? -1 : html.indexOf(q, j + 1);
    if (close === -1) {
      missingFrom[q] = Math.min(missingFrom[q], j + 1);
      return html.indexOf('>', i + 1);
    }
    i = close;
  }
  return -1;
}

/** Line breaks in the source: white space in rendered HTML (one space per run). */
const SOURCE_LINE_BREAKS = /[\r\n]+/g;
