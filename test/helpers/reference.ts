/**
 * A deliberately naive, whole-buffer reference for the archived output, written independently
 * of the streaming code: regexes over a Latin-1 string. Used as an oracle for byte-exactness.
 */
const latin1 = (b: Uint8Array) => Buffer.from(b).toString('latin1');
const fromLatin1 = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));

function splitHead(s: string): { head: string; sep: string; body: string } {
  const m = /\r?\n\r?\n/.exec(s);
  if (!m) return { head: s, sep: '', body: '' };
  // The header block keeps its last line ending; the separator is the empty line.
  const lastEol = m[0].startsWith('\r\n') ? 2 : 1;
  return { head: s.slice(0, m.index + lastEol), sep: m[0].slice(lastEol), body: s.slice(m.index + m[0].length) };
}

function headerValue(head: string, name: string): string | undefined {
  const unfolded = head.replace(/\r?\n(?=[ \t])/g, '');
  const re = new RegExp(`^${name}[ \\t]*:(.*)$`, 'im');
  return re.exec(unfolded)?.[1]?.trim();
}

/** Remove the named header fields (with their continuation lines) from the top header block. */
export function referenceStrip(message: Uint8Array, names: string[]): Uint8Array {
  const s = latin1(message);
  const { head, sep, body } = splitHead(s);
  const lines = head.match(/[^\n]*\n|[^\n]+$/g) ?? [];
  const kept: string[] = [];
  let dropping = false;
  for (const line of lines) {
    const continuation = /^[ \t]/.test(line);
    if (!continuation) {
      const name = /^([^:\r\n]*?)[ \t]*:/.exec(line)?.[1];
      dropping = name !== undefined && names.some((n) => n.toLowerCase() === name.toLowerCase());
    }
    if (!dropping) kept.push(line);
  }
  return fromLatin1(kept.join('') + sep + body);
}

/**
 * The embedded original of a journal report, naively: first (or nth) message/rfc822 part of the
 * top multipart. `deep` (an NDR's returned message): multipart parts are searched too, depth first.
 */
export function referenceOriginal(report: Uint8Array, nth = 0, deep = false): Uint8Array | undefined {
  let seen = 0;
  const s = latin1(report);
  const { head, body } = splitHead(s);
  const ct = headerValue(head, 'content-type') ?? '';
  const b = /boundary\s*=\s*(?:"([^"]+)"|([^\s;]+))/i.exec(ct);
  if (!b) return undefined;
  const boundary = (b[1] ?? b[2])!;
  const esc = boundary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const delim = new RegExp(`(?:^|\\r?\\n)--${esc}(--)?[ \\t]*(?=\\r?\\n|$)`, 'g');
  const marks: { start: number; end: number; close: boolean }[] = [];
  for (let m = delim.exec(body); m; m = delim.exec(body)) {
    marks.push({ start: m.index, end: m.index + m[0].length, close: m[1] !== undefined });
    if (m[1] !== undefined) break;
  }
  for (let i = 0; i < marks.length; i++) {
    if (marks[i]!.close) break;
    let from = marks[i]!.end;
    if (body[from] === '\r') from++;
    if (body[from] === '\n') from++;
    const to = i + 1 < marks.length ? marks[i + 1]!.start : body.length;
    const part = body.slice(from, to);
    const ph = splitHead(part);
    const pct = (headerValue(ph.head, 'content-type') ?? '').toLowerCase();
    if (deep && /^multipart\//.test(pct)) {
      const found = referenceOriginal(fromLatin1(part), 0, true);
      if (found !== undefined) return found;
      continue;
    }
    if (!/^message\/rfc822\b/.test(pct)) continue;
    if (seen++ < nth) continue;
    const cte = (headerValue(ph.head, 'content-transfer-encoding') ?? '').toLowerCase();
    const content = ph.head.length === part.length ? '' : part.slice(ph.head.length + ph.sep.length);
    if (cte === 'base64') return new Uint8Array(Buffer.from(content.replace(/[^A-Za-z0-9+/]/g, ''), 'base64'));
    return fromLatin1(content);
  }
  return undefined;
}
