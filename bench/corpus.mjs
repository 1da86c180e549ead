// Deterministic, seeded generator of Exchange journal reports for the benchmark.
//
// Nothing is read from disk and nothing is written: a report is described by a small "spec"
// (makeReport / reportForTotalSize), and its bytes are produced on demand by reportChunks(), one
// fixed-size chunk at a time, so that a 500 MiB report never exists in memory as a whole. The same
// seed and options always give the same bytes, whatever the chunk size. No Math.random.
//
// Shape of a report (CRLF everywhere):
//
//   wrapper headers (X-MS-Journal-Report:, Content-Type: multipart/mixed; boundary=...)
//   --outer
//   text/plain envelope part (Sender / Subject / Message-Id / To / Cc / Bcc / Recipient lines)
//   --outer
//   Content-Type: message/rfc822 (Content-Transfer-Encoding: 7bit or binary)
//
//   the original: headers incl. X-MS-Exchange-Organization-BCC (folded when long), then either
//   multipart/mixed { text/plain part, base64 attachment with 76-char lines } or a text/plain body
//   --outer--
//
// The spec also carries what a correct parser must find: the number of distinct recipients (and
// per type), the exact size of the archived output (the original minus its BCC header fields), and
// the removed header names. reportChunks() can also feed the expected output bytes to a hash.

/** mulberry32: tiny, fast, good enough for test data. Returns a function giving uint32s. */
export function rng(seed) {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
}

const CRLF = '\r\n';
const B64 = new Uint8Array(64);
'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.split('').forEach((c, i) => {
  B64[i] = c.charCodeAt(0);
});
const EQ = 0x3d;

const WORDS = (
  'the quarterly report attached please review numbers before meeting thursday budget forecast ' +
  'revenue contract signed customer invoice shipment delayed warehouse inventory audit compliance ' +
  'retention policy legal hold discovery archive mailbox journal exchange server migration cutover ' +
  'weekend maintenance window approved pending manager escalation ticket resolved thanks regards ' +
  'draft final version comments tracked changes spreadsheet slides agenda minutes action items'
).split(' ');
const FIRST = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'mallory', 'niaj', 'olivia', 'peggy', 'rupert', 'sybil', 'trent', 'victor', 'walter', 'yolanda'];
const DOMAINS = ['contoso.com', 'fabrikam.com', 'northwind.example', 'adatum.example', 'litware.example'];
const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const pick = (r, list) => list[r() % list.length];
const hex = (r, n) => {
  let s = '';
  while (s.length < n) s += r().toString(16).padStart(8, '0');
  return s.slice(0, n);
};
const byteLength = (s) => Buffer.byteLength(s, 'utf8');

/** Length in bytes of `raw` bytes as base64 with 76-char lines, each ended by CRLF. */
export function base64Length(raw) {
  if (raw <= 0) return 0;
  const chars = 4 * Math.ceil(raw / 3);
  return chars + 2 * Math.ceil(chars / 76);
}

/** Fold an address list into header lines of at most ~76 chars (CRLF + space continuation). */
function foldList(name, items) {
  let out = `${name}:`;
  let line = out.length;
  items.forEach((item, i) => {
    const piece = ` ${item}${i < items.length - 1 ? ',' : ''}`;
    if (line + piece.length > 76 && i > 0) {
      out += CRLF;
      line = 0;
    }
    out += piece;
    line += piece.length;
  });
  return out + CRLF;
}

function rfc2822Date(r) {
  const day = 1 + (r() % 28);
  const month = r() % 12;
  const h = r() % 24;
  const m = r() % 60;
  const s = r() % 60;
  const wd = DAYS[(day + month) % 7];
  const p = (n) => String(n).padStart(2, '0');
  return `${wd}, ${p(day)} ${MONTHS[month]} 2025 ${p(h)}:${p(m)}:${p(s)} +0000`;
}

function textBody(r, lines) {
  let out = '';
  for (let i = 0; i < lines; i++) {
    let line = '';
    const target = 40 + (r() % 32);
    while (line.length < target) line += (line ? ' ' : '') + pick(r, WORDS);
    if (i === 0) line = line[0].toUpperCase() + line.slice(1);
    out += line + CRLF;
  }
  return out;
}

/**
 * Describe one journal report. Everything is derived from `seed` and the options.
 *
 * @param {number} seed
 * @param {object} [o]
 * @param {number} [o.attachmentBytes] decoded size of the base64 attachment; 0 for a text/plain original
 * @param {number} [o.recipients] number of distinct envelope recipients (>= 1)
 * @param {number} [o.textLines] lines in the text part
 * @param {'7bit'|'binary'} [o.rfc822Encoding] Content-Transfer-Encoding of the message/rfc822 part
 * @param {boolean} [o.crossPremisesBcc] also add an X-MS-Exchange-CrossPremises-BCC header
 * @param {boolean} [o.encodedSubject] RFC 2047 subject in the original, UTF-8 envelope part
 */
export function makeReport(seed, o = {}) {
  const r = rng(seed ^ 0x9e3779b9);
  const attachmentBytes = Math.max(0, Math.floor(o.attachmentBytes ?? 0));
  const nRecipients = Math.max(1, o.recipients ?? 12);
  const textLines = o.textLines ?? 30;
  const rfc822Encoding = o.rfc822Encoding ?? '7bit';
  const crossPremisesBcc = o.crossPremisesBcc ?? false;
  const encodedSubject = o.encodedSubject ?? false;

  // Distinct addresses: index-based local parts guarantee no duplicates.
  const domain = pick(r, DOMAINS);
  const addr = (i, d = domain) => `${FIRST[i % FIRST.length]}.${i}@${d}`;
  const sender = `${pick(r, FIRST)}.sender@${domain}`;
  const dl = `all-staff-${seed % 97}@${domain}`;

  // Split recipients into explicit To / Cc / Bcc lines and DL members on Recipient lines.
  const kinds = [];
  for (let i = 0; i < nRecipients; i++) {
    const k = r() % 10;
    kinds.push(k < 3 ? 'to' : k < 5 ? 'cc' : k < 7 ? 'bcc' : 'member');
  }
  kinds[0] = 'to'; // always at least one visible To
  const to = [];
  const cc = [];
  const bcc = [];
  const members = [];
  kinds.forEach((k, i) => {
    const a = addr(i + 1, i % 5 === 4 ? DOMAINS[(i >> 2) % DOMAINS.length] : domain);
    ({ to, cc, bcc, member: members })[k].push(a);
  });

  const subjectText = `${pick(r, WORDS)} ${pick(r, WORDS)} ${pick(r, WORDS)} #${seed}`;
  const subjectUtf8 = `Résumé ${subjectText} — ✓`;
  const messageId = `<${hex(r, 16)}.${seed}@${domain}>`;
  const wrapperId = `<${hex(r, 24)}@journal.${domain}>`;
  const outer = `----=_Journal_${hex(r, 20)}`;
  const inner = `----=_Part_${hex(r, 20)}`;
  const date = rfc2822Date(r);

  // ---- wrapper head, envelope part, rfc822 part head ----------------------------------------
  let wrapper = '';
  wrapper += `Received: from mail.${domain} (10.${r() % 256}.${r() % 256}.${r() % 256}) by journal.${domain}${CRLF}`;
  wrapper += ` with Microsoft SMTP Server id 15.20.${r() % 9000}.${r() % 50}; ${date}${CRLF}`;
  wrapper += `From: Microsoft Exchange <postmaster@${domain}>${CRLF}`;
  wrapper += `To: journal@archive.example${CRLF}`;
  wrapper += `Subject: ${encodedSubject ? `=?utf-8?B?${Buffer.from(subjectUtf8).toString('base64')}?=` : subjectText}${CRLF}`;
  wrapper += `Date: ${date}${CRLF}`;
  wrapper += `Message-ID: ${wrapperId}${CRLF}`;
  wrapper += `X-MS-Journal-Report:${CRLF}`;
  wrapper += `X-MS-Exchange-Parent-Message-Id: ${messageId}${CRLF}`;
  wrapper += `MIME-Version: 1.0${CRLF}`;
  wrapper += `Content-Type: multipart/mixed;${CRLF}\tboundary="${outer}"${CRLF}`;
  wrapper += CRLF;
  wrapper += `This is a multi-part message in MIME format.${CRLF}`;
  wrapper += `--${outer}${CRLF}`;
  wrapper += `Content-Type: text/plain; charset="${encodedSubject ? 'utf-8' : 'us-ascii'}"${CRLF}`;
  wrapper += `Content-Transfer-Encoding: ${encodedSubject ? '8bit' : '7bit'}${CRLF}${CRLF}`;
  wrapper += `Sender: ${sender}${CRLF}`;
  wrapper += `Subject: ${encodedSubject ? subjectUtf8 : subjectText}${CRLF}`;
  wrapper += `Message-Id: ${messageId}${CRLF}`;
  for (const a of to) wrapper += `To: ${a}${CRLF}`;
  for (const a of cc) wrapper += `Cc: ${a}${CRLF}`;
  for (const a of bcc) wrapper += `Bcc: ${a}${CRLF}`;
  for (const a of members) wrapper += `Recipient: ${a}, Expanded: ${dl}${CRLF}`;
  wrapper += `${CRLF}--${outer}${CRLF}`;
  wrapper += `Content-Type: message/rfc822${CRLF}`;
  wrapper += `Content-Transfer-Encoding: ${rfc822Encoding}${CRLF}${CRLF}`;

  // ---- the original ---------------------------------------------------------------------------
  let headA = '';
  headA += `Received: from client.${domain} ([192.168.${r() % 256}.${r() % 256}]) by mail.${domain}${CRLF}`;
  headA += ` with Microsoft SMTP Server (version=TLS1_2) id 15.20.${r() % 9000}.${r() % 50}; ${date}${CRLF}`;
  headA += `From: "${sender.split('.')[0]} Sender" <${sender}>${CRLF}`;
  const toHeader = members.length > 0 ? [...to, dl] : to;
  headA += foldList('To', toHeader);
  if (cc.length > 0) headA += foldList('Cc', cc);
  headA += `Subject: ${encodedSubject ? `=?utf-8?B?${Buffer.from(subjectUtf8).toString('base64')}?=` : subjectText}${CRLF}`;
  headA += `Date: ${date}${CRLF}`;
  headA += `Message-ID: ${messageId}${CRLF}`;
  headA += `MIME-Version: 1.0${CRLF}`;
  // The BCC fields sit between kept fields, so removing them must splice bytes in the middle.
  const bccAll = bcc.length > 0 ? bcc : [`nobody@${domain}`];
  let bccFields = foldList('X-MS-Exchange-Organization-BCC', bccAll);
  const removedHeaders = ['X-MS-Exchange-Organization-BCC'];
  if (crossPremisesBcc) {
    bccFields += foldList('X-MS-Exchange-CrossPremises-BCC', bccAll);
    removedHeaders.push('X-MS-Exchange-CrossPremises-BCC');
  }
  let headB = `X-MS-Exchange-Organization-SCL: -1${CRLF}`;
  headB += `X-MS-Exchange-Organization-AuthAs: Internal${CRLF}`;
  let tail = '';
  if (attachmentBytes > 0) {
    headB += `Content-Type: multipart/mixed; boundary="${inner}"${CRLF}${CRLF}`;
    headB += `This is a multi-part message in MIME format.${CRLF}`;
    headB += `--${inner}${CRLF}`;
    headB += `Content-Type: text/plain; charset="us-ascii"${CRLF}`;
    headB += `Content-Transfer-Encoding: 7bit${CRLF}${CRLF}`;
    headB += textBody(r, textLines);
    headB += `${CRLF}--${inner}${CRLF}`;
    headB += `Content-Type: application/octet-stream; name="data-${seed}.bin"${CRLF}`;
    headB += `Content-Disposition: attachment; filename="data-${seed}.bin"${CRLF}`;
    headB += `Content-Transfer-Encoding: base64${CRLF}${CRLF}`;
    // [base64 lines, each ending with CRLF; the last CRLF belongs to the delimiter below]
    tail = `--${inner}--${CRLF}`;
  } else {
    headB += `Content-Type: text/plain; charset="us-ascii"${CRLF}`;
    headB += `Content-Transfer-Encoding: 7bit${CRLF}${CRLF}`;
    headB += textBody(r, textLines);
  }
  // The CRLF before the close delimiter belongs to the delimiter, not to the original.
  const closing = `${CRLF}--${outer}--${CRLF}`;

  const attachmentSeed = r();
  const segments = { wrapper, headA, bccFields, headB, tail, closing };
  const fixed = byteLength(wrapper) + byteLength(headA) + byteLength(bccFields) + byteLength(headB) + byteLength(tail) + byteLength(closing);
  const encoded = base64Length(attachmentBytes);
  const outputBytes = byteLength(headA) + byteLength(headB) + encoded + byteLength(tail);
  return {
    seed,
    attachmentBytes,
    attachmentSeed,
    segments,
    totalBytes: fixed + encoded,
    expected: {
      recipients: nRecipients,
      byType: { to: to.length + members.length, cc: cc.length, bcc: bcc.length },
      sender,
      messageId,
      outputBytes,
      /** Size of the original as embedded (output + the BCC fields). */
      originalBytes: outputBytes + byteLength(bccFields),
      removedHeaders,
      rfc822Encoding,
      attachmentBytes,
    },
  };
}

/** Overhead of a report with the given options and no attachment, i.e. everything but the base64 lines. */
function overheadOf(seed, o) {
  const s = makeReport(seed, { ...o, attachmentBytes: 57 }); // multipart layout, one base64 line
  return s.totalBytes - base64Length(57);
}

/**
 * A report of about `totalBytes` bytes (within one base64 line): the attachment takes the rest.
 */
export function reportForTotalSize(seed, totalBytes, o = {}) {
  const overhead = overheadOf(seed, o);
  const lines = Math.max(1, Math.floor((totalBytes - overhead) / 78));
  return makeReport(seed, { ...o, attachmentBytes: lines * 57 });
}

/** The large-report scenario's report (the same in run.mjs and rss-child.mjs). */
export function largeReport(totalBytes) {
  return reportForTotalSize(42, totalBytes, { recipients: 25, textLines: 40, rfc822Encoding: '7bit', crossPremisesBcc: true });
}

const enc = new TextEncoder();

/**
 * Logical segments of the report in order: `{ bytes, out }` where `out` says whether the bytes
 * belong to the archived output (the original minus its BCC fields). Attachment segments reuse one
 * scratch buffer: consume each before asking for the next.
 */
function* segmentsOf(spec) {
  const s = spec.segments;
  yield { bytes: enc.encode(s.wrapper), out: false };
  yield { bytes: enc.encode(s.headA), out: true };
  yield { bytes: enc.encode(s.bccFields), out: false };
  yield { bytes: enc.encode(s.headB), out: true };
  if (spec.attachmentBytes > 0) yield* base64Blocks(spec.attachmentSeed, spec.attachmentBytes);
  if (s.tail) yield { bytes: enc.encode(s.tail), out: true };
  yield { bytes: enc.encode(s.closing), out: false };
}

const LINES_PER_BLOCK = 840; // 840 * 78 = 65,520 bytes of base64 per block

/** Base64 of `raw` PRNG bytes, 76-char lines with CRLF, in blocks; generated, never stored. */
function* base64Blocks(seed, raw) {
  const next = rng(seed);
  const block = new Uint8Array(LINES_PER_BLOCK * 78);
  const seg = { bytes: block, out: true };
  let remaining = raw;
  while (remaining > 0) {
    let o = 0;
    for (let l = 0; l < LINES_PER_BLOCK && remaining > 0; l++) {
      const lineRaw = remaining < 57 ? remaining : 57;
      remaining -= lineRaw;
      let n = lineRaw;
      while (n >= 3) {
        const x = next();
        block[o] = B64[(x >>> 18) & 63];
        block[o + 1] = B64[(x >>> 12) & 63];
        block[o + 2] = B64[(x >>> 6) & 63];
        block[o + 3] = B64[x & 63];
        o += 4;
        n -= 3;
      }
      if (n === 1) {
        const x = next();
        block[o] = B64[(x >>> 18) & 63];
        block[o + 1] = B64[(x >>> 12) & 48];
        block[o + 2] = EQ;
        block[o + 3] = EQ;
        o += 4;
      } else if (n === 2) {
        const x = next();
        block[o] = B64[(x >>> 18) & 63];
        block[o + 1] = B64[(x >>> 12) & 63];
        block[o + 2] = B64[(x >>> 6) & 60];
        block[o + 3] = EQ;
        o += 4;
      }
      block[o++] = 13;
      block[o++] = 10;
    }
    seg.bytes = block.subarray(0, o);
    yield seg;
  }
}

/**
 * The report's bytes as chunks of exactly `chunkSize` bytes (the last one shorter). Each chunk is
 * a fresh Buffer (a Uint8Array) that is never touched again, so consumers may keep views of it.
 *
 * @param {object} spec from makeReport / reportForTotalSize
 * @param {number} chunkSize
 * @param {{ update(b: Uint8Array): unknown }} [expectedSink] receives the expected archived output bytes
 */
export function* reportChunks(spec, chunkSize = 64 * 1024, expectedSink) {
  let buf = Buffer.allocUnsafe(chunkSize);
  let pos = 0;
  let total = 0;
  let out = 0;
  for (const { bytes, out: isOut } of segmentsOf(spec)) {
    if (isOut) {
      out += bytes.length;
      if (expectedSink) expectedSink.update(bytes);
    }
    let off = 0;
    while (off < bytes.length) {
      const n = Math.min(chunkSize - pos, bytes.length - off);
      buf.set(n === bytes.length && off === 0 ? bytes : bytes.subarray(off, off + n), pos);
      pos += n;
      off += n;
      if (pos === chunkSize) {
        total += pos;
        yield buf;
        buf = Buffer.allocUnsafe(chunkSize);
        pos = 0;
      }
    }
  }
  if (pos > 0) {
    total += pos;
    yield buf.subarray(0, pos);
  }
  // Self-check: the analytic sizes in the spec must match what was generated.
  if (total !== spec.totalBytes || out !== spec.expected.outputBytes) {
    throw new Error(`corpus: generated ${total}/${out} bytes, spec says ${spec.totalBytes}/${spec.expected.outputBytes}`);
  }
}

/** The same chunks as an async iterable (what a network or file stream looks like). */
export async function* asyncChunks(chunks) {
  for (const c of chunks) yield c;
}

/** A whole (small) report as one Buffer. */
export function reportBytes(spec, expectedSink) {
  const parts = [...reportChunks(spec, 1 << 20, expectedSink)];
  return parts.length === 1 ? parts[0] : Buffer.concat(parts);
}

/**
 * `count` distinct ~10 KB journal reports (average ~10 KB, 5-16 KB each), deterministic.
 * Varies recipient count, DL expansion, Cc/Bcc, encoded subjects, CrossPremises-BCC, 7bit/binary,
 * and whether the original is multipart with an attachment or plain text.
 */
export function smallSpecs(count, baseSeed = 1000) {
  const specs = [];
  for (let i = 0; i < count; i++) {
    const seed = baseSeed + i;
    const r = rng(seed * 7919);
    const withAttachment = r() % 4 !== 0; // 3 in 4 have an attachment
    specs.push(
      makeReport(seed, {
        recipients: 1 + (r() % 40),
        textLines: withAttachment ? 10 + (r() % 40) : 60 + (r() % 90),
        attachmentBytes: withAttachment ? 1500 + (r() % 5000) : 0,
        rfc822Encoding: r() % 2 === 0 ? '7bit' : 'binary',
        crossPremisesBcc: r() % 3 === 0,
        encodedSubject: r() % 5 === 0,
      }),
    );
  }
  return specs;
}
