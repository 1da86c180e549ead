import fc from 'fast-check';
import libmime from 'libmime';

/**
 * A message as content: what its copies must agree on. `render` turns it into bytes the way
 * different systems would (journal, mailbox export, gateway), and the tests check that every
 * rendering gives the same content key.
 */
export interface MessageModel {
  from: string;
  /** A Sender field, when the message has one. */
  sender: string | undefined;
  to: string[];
  cc: string[];
  /** Seconds since the epoch. */
  date: number;
  subject: string;
  messageId: string | undefined;
  inReplyTo: string | undefined;
  references: string[];
  text: string;
  html: string | undefined;
  attachments: { name: string; type: string; data: Uint8Array }[];
}

/** How one copy is written. */
export interface Rendering {
  eol: '\n' | '\r\n';
  boundary: string;
  textCte: '8bit' | 'quoted-printable' | 'base64';
  attachmentCte: 'base64' | 'quoted-printable';
  base64LineLength: 76 | 64 | 72;
  reverseHeaders: boolean;
  fold: boolean;
  subjectWords: 'Q' | 'B';
  /** Minutes east of UTC used to write the Date. */
  tzMinutes: number;
  messageIdStyle: 'plain' | 'spaced' | 'upper-domain' | 'comment';
  /** Transport and gateway headers added on top. */
  transport: string[];
  /** BCC addresses written into X-MS-Exchange-Organization-BCC (a journal copy before stripping). */
  bccHeader: string[];
  /** Display names before the addresses (`Bob Smith <bob@…>`), as a client writes them. */
  displayNames: boolean;
  /** How the text parts' charset is labelled. */
  charsetLabel: 'utf-8' | 'UTF-8' | '"utf-8"';
  /** The text before the first boundary of a multipart. */
  preamble: string;
  /** A sent copy's `Bcc:` header. */
  bcc: string[];
}

const DOMAINS = ['contoso.com', 'fabrikam.com', 'example.org'];
const address = fc.tuple(fc.constantFrom('alice', 'bob', 'carol', 'dave', 'erin'), fc.constantFrom(...DOMAINS)).map(([l, d]) => `${l}@${d}`);
const words = fc.array(fc.constantFrom('numbers', 'Quarterly', 'café', 'über', 'réunion', 'plan', '10%', 'a=b', 'x'), { minLength: 1, maxLength: 6 }).map((w) => w.join(' '));
const messageId = fc.tuple(fc.stringMatching(/^[A-Za-z0-9.$]{4,20}$/), fc.constantFrom(...DOMAINS)).map(([l, d]) => `${l}@${d}`);
const textLine = fc.oneof(words, fc.constantFrom('', '  indented', 'trailing space ', '--not-a-boundary', 'From the desk of', '=3D literally'));

export const arbModel: fc.Arbitrary<MessageModel> = fc.record({
  from: address,
  sender: fc.option(address, { nil: undefined }),
  to: fc.uniqueArray(address, { minLength: 1, maxLength: 3 }),
  cc: fc.uniqueArray(address, { maxLength: 2 }),
  date: fc.integer({ min: 1_500_000_000, max: 1_900_000_000 }),
  subject: words,
  messageId: fc.option(messageId, { nil: undefined }),
  inReplyTo: fc.option(messageId, { nil: undefined }),
  references: fc.array(messageId, { maxLength: 3 }),
  text: fc.array(textLine, { minLength: 1, maxLength: 8 }).map((l) => l.join('\n')),
  html: fc.option(words.map((w) => `<p>${w}</p>`), { nil: undefined }),
  attachments: fc.array(fc.record({ name: fc.constantFrom('report.pdf', 'données.xlsx', 'a b.txt'), type: fc.constantFrom('application/pdf', 'application/octet-stream'), data: fc.uint8Array({ minLength: 1, maxLength: 300 }) }), { maxLength: 2 }),
});

const TRANSPORT = [
  'Received: from mx.fabrikam.com (mx.fabrikam.com [192.0.2.1]) by mx.contoso.com with ESMTPS; Tue, 4 Jun 2024 09:15:00 +0000',
  'Return-Path: <bounce@contoso.com>',
  'Delivered-To: bob@contoso.com',
  'X-Original-To: bob@contoso.com',
  'X-MS-Exchange-Organization-SCL: 1',
  'X-MS-Exchange-CrossTenant-Id: 72f988bf-86f1-41af-91ab-2d7cd011db47',
  'X-Microsoft-Antispam: BCL:0;',
  'ARC-Seal: i=1; a=rsa-sha256; d=contoso.com; s=arc; cv=none; b=abc',
  'Authentication-Results: mx.contoso.com; spf=pass smtp.mailfrom=contoso.com',
  'X-Mimecast-Spam-Score: 0',
  'X-Barracuda-Envelope-From: alice@contoso.com',
  'DKIM-Signature: v=1; a=rsa-sha256; d=contoso.com; s=s1; b=xyz',
];

export const arbRendering: fc.Arbitrary<Rendering> = fc.record({
  eol: fc.constantFrom('\n' as const, '\r\n' as const),
  boundary: fc.stringMatching(/^[A-Za-z0-9]{6,20}$/).map((s) => `=_${s}`),
  textCte: fc.constantFrom('8bit' as const, 'quoted-printable' as const, 'base64' as const),
  attachmentCte: fc.constantFrom('base64' as const, 'quoted-printable' as const),
  base64LineLength: fc.constantFrom(76 as const, 64 as const, 72 as const),
  reverseHeaders: fc.boolean(),
  fold: fc.boolean(),
  subjectWords: fc.constantFrom('Q' as const, 'B' as const),
  tzMinutes: fc.constantFrom(0, 60, -300, 330),
  messageIdStyle: fc.constantFrom('plain' as const, 'spaced' as const, 'upper-domain' as const, 'comment' as const),
  transport: fc.subarray(TRANSPORT),
  bccHeader: fc.uniqueArray(address, { maxLength: 2 }),
  displayNames: fc.boolean(),
  charsetLabel: fc.constantFrom('utf-8' as const, 'UTF-8' as const, '"utf-8"' as const),
  preamble: fc.constantFrom('This is a multi-part message in MIME format.', '', 'Your mail reader does not understand MIME.'),
  bcc: fc.uniqueArray(address, { maxLength: 2 }),
});

const enc = new TextEncoder();
const latin1 = (b: Uint8Array) => Buffer.from(b).toString('latin1');

function base64(data: Uint8Array, lineLength: number): string[] {
  return Buffer.from(data).toString('base64').match(new RegExp(`.{1,${lineLength}}`, 'g')) ?? [];
}

/** Quoted-printable over bytes, lines of at most 76 characters, line breaks kept as hard breaks. */
function quotedPrintable(data: Uint8Array, text: boolean): string[] {
  const lines: string[] = [];
  let line = '';
  const push = (token: string) => {
    if (line.length + token.length > 75) {
      lines.push(`${line}=`);
      line = '';
    }
    line += token;
  };
  for (let i = 0; i < data.length; i++) {
    const c = data[i]!;
    if (text && c === 0x0a) {
      // Trailing white space must be encoded to survive.
      if (line.endsWith(' ')) line = `${line.slice(0, -1)}=20`;
      lines.push(line);
      line = '';
      continue;
    }
    const safe = c >= 33 && c <= 126 && c !== 61;
    push(safe || (c === 32 && text) ? String.fromCharCode(c) : `=${c.toString(16).toUpperCase().padStart(2, '0')}`);
  }
  if (line.endsWith(' ')) line = `${line.slice(0, -1)}=20`;
  lines.push(line);
  return lines;
}

function formatDate(seconds: number, tzMinutes: number): string {
  const d = new Date((seconds + tzMinutes * 60) * 1000);
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (n: number) => String(n).padStart(2, '0');
  const sign = tzMinutes >= 0 ? '+' : '-';
  const tz = `${sign}${pad(Math.floor(Math.abs(tzMinutes) / 60))}${pad(Math.abs(tzMinutes) % 60)}`;
  return `${days[d.getUTCDay()]}, ${d.getUTCDate()} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${tz}`;
}

function messageIdOf(id: string, style: Rendering['messageIdStyle']): string {
  const [local, domain] = id.split('@') as [string, string];
  if (style === 'spaced') return ` <${id}> `;
  if (style === 'upper-domain') return `<${local}@${domain.toUpperCase()}>`;
  if (style === 'comment') return `<${id}> (sent by client)`;
  return `<${id}>`;
}

function leaf(type: string, data: Uint8Array, cte: string, r: Rendering, text: boolean, name?: string): string[] {
  const head = [`Content-Type: ${type}${text ? `; charset=${r.charsetLabel}` : ''}${name ? `; name="${libmime.encodeWord(name, 'Q')}"` : ''}`];
  if (name) head.push(`Content-Disposition: attachment; filename="${libmime.encodeWord(name, r.subjectWords)}"`);
  head.push(`Content-Transfer-Encoding: ${cte}`);
  const body = cte === 'base64' ? base64(data, r.base64LineLength) : cte === 'quoted-printable' ? quotedPrintable(data, text) : latin1(data).split('\n');
  return [...head, '', ...body];
}

/** Render a model as one copy's bytes. */
export function render(m: MessageModel, r: Rendering): Uint8Array {
  const headers: string[][] = [];
  // `Bob <bob@contoso.com>`: the name is the local part, capitalised.
  const named = (a: string) => (r.displayNames ? `${a[0]!.toUpperCase()}${a.slice(1, a.indexOf('@'))} <${a}>` : a);
  const toList = m.to.map(named);
  headers.push([`From: ${named(m.from)}`]);
  if (m.sender !== undefined) headers.push([`Sender: ${named(m.sender)}`]);
  headers.push(r.fold && toList.length > 1 ? [`To: ${toList[0]},`, ...toList.slice(1).map((a, i) => `\t${a}${i < toList.length - 2 ? ',' : ''}`)] : [`To: ${toList.join(', ')}`]);
  if (m.cc.length > 0) headers.push([`Cc: ${m.cc.map(named).join(', ')}`]);
  if (r.bcc.length > 0) headers.push([`Bcc: ${r.bcc.map(named).join(', ')}`]);
  if (m.inReplyTo !== undefined) headers.push([`In-Reply-To: ${messageIdOf(m.inReplyTo, r.messageIdStyle)}`]);
  if (m.references.length > 0) {
    const ids = m.references.map((id) => `<${id}>`);
    headers.push(r.fold ? [`References: ${ids[0]}`, ...ids.slice(1).map((id) => ` ${id}`)] : [`References: ${ids.join(' ')}`]);
  }
  headers.push([`Subject: ${libmime.encodeWord(m.subject, r.subjectWords)}`]);
  headers.push([`Date: ${formatDate(m.date, r.tzMinutes)}`]);
  if (m.messageId !== undefined) headers.push([`Message-ID: ${messageIdOf(m.messageId, r.messageIdStyle)}`]);
  if (r.bccHeader.length > 0) headers.push([`X-MS-Exchange-Organization-BCC: ${r.bccHeader.join(', ')}`]);
  headers.push(['MIME-Version: 1.0']);
  if (r.reverseHeaders) headers.reverse();
  const textPart = leaf('text/plain', enc.encode(m.text), r.textCte, r, true);
  const parts: string[][] = [];
  if (m.html !== undefined) {
    const alt = `${r.boundary}alt`;
    parts.push([`Content-Type: multipart/alternative; boundary="${alt}"`, '', `--${alt}`, ...textPart, `--${alt}`, ...leaf('text/html', enc.encode(m.html), r.textCte, r, true), `--${alt}--`]);
  } else {
    parts.push(textPart);
  }
  for (const a of m.attachments) parts.push(leaf(a.type, a.data, r.attachmentCte, r, false, a.name));
  let lines: string[];
  if (parts.length === 1) {
    lines = [...r.transport, ...headers.flat(), ...parts[0]!];
  } else {
    const body = parts.flatMap((p) => [`--${r.boundary}`, ...p]);
    lines = [...r.transport, ...headers.flat(), `Content-Type: multipart/mixed; boundary="${r.boundary}"`, '', r.preamble, ...body, `--${r.boundary}--`, ''];
  }
  return new Uint8Array(Buffer.from(lines.join(r.eol) + r.eol, 'latin1'));
}

/** Wrap a copy in an Exchange journal report. */
export function wrapJournal(message: Uint8Array, m: MessageModel, eol: string): Uint8Array {
  const env = [`Sender: ${m.from}`, `Subject: ${m.subject}`, `Message-Id: <${m.messageId ?? 'none@x'}>`, ...m.to.map((a) => `To: ${a}`), ...m.cc.map((a) => `Cc: ${a}`), 'Bcc: hidden@contoso.com'];
  const head = ['From: Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@contoso.com>', 'To: journal@archive.example', 'X-MS-Journal-Report:', 'Content-Type: multipart/mixed; boundary="jr_outer_1"', '', '--jr_outer_1', 'Content-Type: text/plain; charset="utf-8"', '', ...env, '', '--jr_outer_1', 'Content-Type: message/rfc822', ''];
  const pre = Buffer.from(head.join(eol) + eol, 'utf8');
  const post = Buffer.from(`${eol}--jr_outer_1--${eol}`, 'latin1');
  return new Uint8Array(Buffer.concat([pre, Buffer.from(message), post]));
}

/** One content change that must change the content key. */
export const arbMutation: fc.Arbitrary<(m: MessageModel) => MessageModel | undefined> = fc.oneof(
  fc.constant((m: MessageModel) => ({ ...m, from: m.from === 'zed@contoso.com' ? 'yan@contoso.com' : 'zed@contoso.com' })),
  fc.constant((m: MessageModel) => ({ ...m, to: [...m.to, 'newcomer@example.org'] })),
  fc.constant((m: MessageModel) => (m.to.length > 1 ? { ...m, to: m.to.slice(1) } : { ...m, cc: [...m.cc, 'extra@example.org'] })),
  fc.constant((m: MessageModel) => ({ ...m, date: m.date + 1 })),
  fc.constant((m: MessageModel) => ({ ...m, subject: `${m.subject}!` })),
  fc.constant((m: MessageModel) => ({ ...m, messageId: m.messageId === undefined ? 'new@contoso.com' : `x${m.messageId}` })),
  fc.constant((m: MessageModel) => (m.messageId === undefined ? undefined : { ...m, messageId: undefined })),
  fc.constant((m: MessageModel) => ({ ...m, sender: m.sender === 'sec@contoso.com' ? 'sec2@contoso.com' : 'sec@contoso.com' })),
  fc.constant((m: MessageModel) => ({ ...m, inReplyTo: m.inReplyTo === undefined ? 'parent@contoso.com' : `x${m.inReplyTo}` })),
  fc.constant((m: MessageModel) => ({ ...m, references: [...m.references, 'older@fabrikam.com'] })),
  fc.constant((m: MessageModel) => ({ ...m, text: `${m.text}X` })),
  fc.constant((m: MessageModel) => ({ ...m, text: `Y${m.text}` })),
  fc.constant((m: MessageModel) => (m.html === undefined ? undefined : { ...m, html: `${m.html}<b>x</b>` })),
  fc.constant((m: MessageModel) => {
    if (m.attachments.length === 0) return undefined;
    const [first, ...rest] = m.attachments;
    const data = first!.data.slice();
    data[0] = (data[0]! + 1) & 0xff;
    return { ...m, attachments: [{ ...first!, data }, ...rest] };
  }),
  // An attachment's name, its type, and the order of two different attachments all count.
  fc.constant((m: MessageModel) => (m.attachments.length === 0 ? undefined : { ...m, attachments: [{ ...m.attachments[0]!, name: 'renamed.bin' }, ...m.attachments.slice(1)] })),
  fc.constant((m: MessageModel) => {
    if (m.attachments.length === 0) return undefined;
    const [first, ...rest] = m.attachments;
    return { ...m, attachments: [{ ...first!, type: first!.type === 'application/pdf' ? 'application/zip' : 'application/pdf' }, ...rest] };
  }),
  fc.constant((m: MessageModel) => {
    const [a, b] = m.attachments;
    if (a === undefined || b === undefined || (a.name === b.name && a.type === b.type && Buffer.compare(a.data, b.data) === 0)) return undefined;
    return { ...m, attachments: [b, a] };
  }),
);
