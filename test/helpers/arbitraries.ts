import fc from 'fast-check';

/** What a generated journal report must yield. */
export interface GeneratedReport {
  bytes: Uint8Array;
  /** The archived original the parser must output. */
  expectedOutput: Uint8Array;
  sender: string;
  /** Distinct delivered addresses in order of first appearance, lower-case. */
  recipients: string[];
  /** Explicit (To/Cc/Bcc) line types per address, for checking the non-inferred ones. */
  explicitTypes: Map<string, Set<string>>;
  /**
   * What each recipient must resolve to, by the README's rules computed here independently: the
   * strongest type of its lines (a `Recipient:` line typed by its group's, its forwarded-from
   * address's or its own place in the original's To/Cc, else bcc), whether that type is only
   * inferred, and its groups and forwarded-from addresses (lower-case, first-seen order).
   */
  resolved: Map<string, { type: string; typeInferred: boolean; expandedFrom: string[]; forwardedFrom: string[] }>;
  removedCount: number;
}

const enc = new TextEncoder();
const DOMAINS = ['contoso.com', 'fabrikam.com', 'example.org'];
const localPart = fc.constantFrom('alice', 'bob', 'carol', 'dave', 'Erin', 'frank', 'sales', 'team');
const address = fc.tuple(localPart, fc.constantFrom(...DOMAINS)).map(([l, d]) => `${l}@${d}`);

// Body text never contains "_" so it can never hold the outer boundary, which always does; it
// does hold boundary look-alikes, header look-alikes and dashes.
const bodyLine = fc.oneof(
  fc.string({ unit: fc.constantFrom('a', 'b', ' ', '-', ':', '=', '<', '>', '@', '.'), maxLength: 60 }),
  fc.constantFrom('--jr', '--jr--', '--', 'X-MS-Exchange-Organization-BCC: leak@contoso.com', 'Sender: fake@evil.example', 'Content-Type: message/rfc822', ''),
);

const envelopeLine = fc.record({
  field: fc.constantFrom('To', 'Cc', 'Bcc', 'Recipient'),
  address,
  redirect: fc.option(fc.tuple(fc.constantFrom('Expanded', 'Forwarded'), address), { nil: undefined }),
});

function base64Lines(data: Uint8Array, eol: string): string {
  const b64 = Buffer.from(data).toString('base64');
  return (b64.match(/.{1,76}/g) ?? []).join(eol) + eol;
}

/** Strongest first. */
const TYPES = ['to', 'cc', 'bcc'];

/**
 * Quoted-printable for the generated originals (ASCII, lines of at most 60 characters): `=` and
 * the blanks that end a line encoded, line breaks kept as they are.
 */
function quotedPrintable(text: string): string {
  return text.replace(/=/g, '=3D').replace(/[ \t](?=\r?\n|$)/g, (c) => (c === ' ' ? '=20' : '=09'));
}

/** A plain message (no journal marker) with recipient and delivery headers of every kind. */
export const arbPlainMessage: fc.Arbitrary<string> = fc
  .record({
    headers: fc.array(
      fc.tuple(
        fc.constantFrom('From', 'To', 'Cc', 'Bcc', 'Resent-To', 'Resent-Cc', 'Delivered-To', 'X-Gm-Original-To', 'X-Original-To', 'Envelope-to', 'X-Envelope-To', 'Received', 'Subject', 'X-Barracuda-Envelope-From'),
        fc.array(address, { minLength: 1, maxLength: 3 }),
      ),
      { maxLength: 10 },
    ),
    eol: fc.constantFrom('\n', '\r\n'),
  })
  .map(({ headers, eol }) => headers.map(([n, list]) => `${n}: ${n === 'Received' ? `from a by b for <${list[0]}>` : list.join(', ')}`).join(eol) + eol + eol + 'body' + eol);

/** Arbitrary Exchange journal report with the facts it must produce. */
export const arbJournalReport: fc.Arbitrary<GeneratedReport> = fc
  .record({
    eols: fc.array(fc.constantFrom('\n', '\r\n'), { minLength: 1, maxLength: 5 }),
    sender: address,
    lines: fc.array(envelopeLine, { maxLength: 8 }),
    to: fc.array(address, { maxLength: 3 }),
    cc: fc.array(address, { maxLength: 3 }),
    bcc: fc.array(fc.array(address, { minLength: 0, maxLength: 3 }), { maxLength: 3 }),
    body: fc.array(bodyLine, { maxLength: 12 }),
    originalCte: fc.constantFrom('binary', '7bit', 'base64', 'quoted-printable'),
    // The BCC fields before From (the first fields of the block), a folded To and Subject.
    bccFirst: fc.boolean(),
    foldTo: fc.boolean(),
    foldSubject: fc.boolean(),
    envelopeCte: fc.constantFrom('7bit', 'base64', 'quoted-printable'),
    envelopeFirst: fc.boolean(),
    preamble: fc.boolean(),
    token: fc.stringMatching(/^[A-Za-z0-9]{1,12}$/),
    // Headers that look like recipient sources; they must never change a report's recipients.
    decoys: fc.array(fc.tuple(fc.constantFrom('Delivered-To', 'X-Gm-Original-To', 'X-Original-To', 'Envelope-to', 'X-Envelope-To', 'Bcc', 'Resent-To'), address), { maxLength: 4 }),
  })
  .map((g) => {
    let n = 0;
    const eol = () => g.eols[n++ % g.eols.length]!;
    const boundary = `=_jr_${g.token}`;
    // The original: header fields as line groups, some of them BCC headers to remove.
    const bccFields = g.bcc.map((list, i) => {
      const name = i % 2 === 0 ? 'X-MS-Exchange-Organization-BCC' : 'x-ms-exchange-crosspremises-bcc';
      const [first = '', ...rest] = list;
      return { lines: [`${name}: ${first}`, ...rest.map((a) => `\t${a}`)], remove: true };
    });
    const toLines = g.foldTo && g.to.length > 1 ? [`To: ${g.to[0]},`, ...g.to.slice(1).map((a, i) => ` ${a}${i < g.to.length - 2 ? ',' : ''}`)] : [`To: ${g.to.join(', ')}`];
    const fields: { lines: string[]; remove: boolean }[] = [
      ...(g.bccFirst ? bccFields : []),
      { lines: [`From: ${g.sender}`], remove: false },
      { lines: toLines, remove: false },
      ...(g.bccFirst ? [] : bccFields),
    ];
    fields.push({ lines: [`Cc: ${g.cc.join(', ')}`], remove: false });
    for (const [name, a] of g.decoys) fields.push({ lines: [`${name}: ${a}`], remove: false });
    fields.push({ lines: ['X-MS-Exchange-Organization-BCCx: stays'], remove: false });
    fields.push({ lines: g.foldSubject ? ['Subject: gene', '\trated'] : ['Subject: generated'], remove: false });
    let original = '';
    let expected = '';
    for (const f of fields) {
      const text = f.lines.map((l) => l + eol()).join('');
      original += text;
      if (!f.remove) expected += text;
    }
    const tail = eol() + g.body.map((l) => l + eol()).join('');
    original += tail;
    expected += tail;

    const envelope = [`Sender: ${g.sender}`, 'Subject: generated', ...g.lines.map((l) => `${l.field}: ${l.address}${l.redirect ? `, ${l.redirect[0]}: ${l.redirect[1]}` : ''}`)]
      .map((l) => l + eol())
      .join('');
    const envBody =
      g.envelopeCte === 'base64' ? base64Lines(enc.encode(envelope), eol()) : g.envelopeCte === 'quoted-printable' ? envelope.replace(/=/g, '=3D') : envelope;
    const envPart = `Content-Type: text/plain; charset="us-ascii"${eol()}Content-Transfer-Encoding: ${g.envelopeCte}${eol()}${eol()}${envBody}`;
    const origBody = g.originalCte === 'base64' ? base64Lines(enc.encode(original), eol()) : g.originalCte === 'quoted-printable' ? quotedPrintable(original) : original;
    const origPart = `Content-Type: message/rfc822${eol()}Content-Transfer-Encoding: ${g.originalCte}${eol()}${eol()}${origBody}`;
    const parts = g.envelopeFirst ? [envPart, origPart] : [origPart, envPart];
    const head = [
      'From: Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@contoso.com>',
      'To: journal@archive.example',
      ...g.decoys.map(([name, a]) => `${name}: ${a}`),
      'X-MS-Journal-Report:',
      `Content-Type: multipart/mixed; boundary="${boundary}"`,
    ]
      .map((l) => l + eol())
      .join('');
    let report = head + eol() + (g.preamble ? `This is a journal report.${eol()}` : '');
    for (const p of parts) report += `--${boundary}${eol()}${p}${p.endsWith('\n') ? '' : eol()}`;
    report += `--${boundary}--${eol()}`;

    const recipients: string[] = [];
    const explicitTypes = new Map<string, Set<string>>();
    const facts = new Map<string, { type: string; inferred: boolean }[]>();
    const resolved: GeneratedReport['resolved'] = new Map();
    const visible = (a: string | undefined): string | undefined =>
      a === undefined ? undefined : g.to.some((t) => t.toLowerCase() === a.toLowerCase()) ? 'to' : g.cc.some((c) => c.toLowerCase() === a.toLowerCase()) ? 'cc' : undefined;
    for (const l of g.lines) {
      const key = l.address.toLowerCase();
      if (!recipients.includes(key)) recipients.push(key);
      const [kind, via] = l.redirect ?? [];
      const r = resolved.get(key) ?? { type: '', typeInferred: false, expandedFrom: [], forwardedFrom: [] };
      resolved.set(key, r);
      const list = via === undefined ? undefined : kind === 'Expanded' ? r.expandedFrom : r.forwardedFrom;
      if (list !== undefined && !list.includes(via!.toLowerCase())) list.push(via!.toLowerCase());
      if (l.field !== 'Recipient') {
        if (!explicitTypes.has(key)) explicitTypes.set(key, new Set());
        explicitTypes.get(key)!.add(l.field.toLowerCase());
        facts.set(key, [...(facts.get(key) ?? []), { type: l.field.toLowerCase(), inferred: false }]);
      } else {
        const type = visible(kind === 'Expanded' ? via : undefined) ?? visible(kind === 'Forwarded' ? via : undefined) ?? visible(l.address) ?? 'bcc';
        facts.set(key, [...(facts.get(key) ?? []), { type, inferred: true }]);
      }
    }
    for (const [key, r] of resolved) {
      const list = facts.get(key)!;
      r.type = TYPES.find((t) => list.some((f) => f.type === t))!;
      r.typeInferred = !list.some((f) => !f.inferred && f.type === r.type);
    }
    // The part's last line break is the delimiter's, so a binary (or quoted-printable) original
    // loses it in transit.
    const expectedOutput = g.originalCte === 'base64' ? expected : expected.replace(/\r?\n$/, '');
    return {
      bytes: enc.encode(report),
      expectedOutput: enc.encode(expectedOutput),
      sender: g.sender,
      recipients,
      explicitTypes,
      resolved,
      removedCount: g.bcc.length,
    };
  });
