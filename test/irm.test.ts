import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { LimitExceededError } from '../src/errors.js';
import { DEFAULT_REMOVE_HEADERS } from '../src/options.js';
import { JournalParser } from '../src/parser.js';
import { FIXTURES } from './helpers/fixtures.js';
import { referenceOriginal, referenceStrip } from './helpers/reference.js';
import { bytes, runAs, text, toCRLF } from './helpers/run.js';

// Journal report decryption: the protected original (Content-Class: rpmsg.message, a
// message.rpmsg attachment) first, the decrypted copy second.
const lf = new Uint8Array(readFileSync(path.join(FIXTURES, 'exchange', 'irm-two-embedded-messages.eml')));
const strip = (b: Uint8Array) => referenceStrip(b, [...DEFAULT_REMOVE_HEADERS]);

/** The same report without its decrypted copy (explicit OME templates are not decrypted). */
function withoutClearCopy(input: Uint8Array): Uint8Array {
  const s = text(input);
  const second = s.indexOf('--_000_irm_d3_', s.indexOf('Content-Type: message/rfc822') + 1);
  const close = s.lastIndexOf('--_000_irm_d3_--');
  return bytes(s.slice(0, second) + s.slice(close));
}

/** preferClearText on a report whose decrypted copy was removed: the protected original is archived, with NO_CLEAR_TEXT, in any chunking. */
function expectProtectedKeptWithoutCopy(twoMessageReport: Uint8Array): void {
  const only = withoutClearCopy(twoMessageReport);
  for (const how of ['whole', 'bytes', 9] as const) {
    const { report, output } = runAs(only, how, { preferClearText: true });
    expect(report.renditions.map((r) => [r.role, r.archived])).toEqual([['protected', true]]);
    expect(report.warnings.map((w) => w.code)).toEqual(['NO_CLEAR_TEXT']);
    expect(text(output)).toBe(text(strip(referenceOriginal(only, 0)!)));
  }
}

describe('protected (IRM) journal reports', () => {
  for (const [name, input] of [
    ['LF', lf],
    ['CRLF', toCRLF(lf)],
  ] as const) {
    test(`both renditions are reported; the protected one is archived by default (${name})`, () => {
      for (const how of ['whole', 'bytes', 9] as const) {
        const { report, output } = runAs(input, how);
        expect(report.renditions.map((r) => [r.role, r.archived])).toEqual([
          ['protected', true],
          ['decrypted', false],
        ]);
        expect(report.renditions[0]!.messageId).toBe(report.renditions[1]!.messageId);
        expect(text(output)).toBe(text(strip(referenceOriginal(input, 0)!)));
        expect(report.warnings).toEqual([]);
      }
    });

    test(`preferClearText archives the decrypted copy, same recipients (${name})`, () => {
      const plain = runAs(input, 'whole').report;
      for (const how of ['whole', 'bytes', 9] as const) {
        const { report, output } = runAs(input, how, { preferClearText: true });
        expect(report.renditions.map((r) => [r.role, r.archived])).toEqual([
          ['protected', false],
          ['decrypted', true],
        ]);
        expect(text(output)).toBe(text(strip(referenceOriginal(input, 1)!)));
        expect(report.recipients).toEqual(plain.recipients);
      }
    });

    test(`preferClearText without a decrypted copy keeps the protected original (${name})`, () => {
      expectProtectedKeptWithoutCopy(input);
    });

    test(`a protected original larger than maxBufferedBytes is archived instead (${name})`, () => {
      // Grow the protected original's rpmsg attachment so that it outgrows the hold.
      const eol = name === 'CRLF' ? '\r\n' : '\n';
      const marker = `filename="message.rpmsg"${eol}`;
      const s = text(input);
      const at = s.indexOf(eol, s.indexOf(marker) + marker.length) + eol.length;
      const big = bytes(s.slice(0, at) + `${'QUJD'.repeat(19)}${eol}`.repeat(60) + s.slice(at));
      for (const how of ['whole', 'bytes', 9] as const) {
        const { report, output } = runAs(big, how, { preferClearText: true, maxBufferedBytes: 1500 });
        expect(report.warnings.map((w) => w.code)).toEqual(['CLEAR_TEXT_TOO_LATE']);
        expect(report.renditions.map((r) => r.archived)).toEqual([true, false]);
        expect(text(output)).toBe(text(strip(referenceOriginal(big, 0)!)));
      }
    });
  }
});

/** A journal report with two embedded messages, the first with this body, the second plain. */
function twoMessages(firstSubject: string, firstBody: string): Uint8Array {
  const inner = (subject: string, body: string) => `From: a@contoso.com\nTo: b@contoso.com\nSubject: ${subject}\nMessage-ID: <${subject.length}@contoso.com>\n\n${body}\n`;
  return bytes(
    [
      'X-MS-Journal-Report:',
      'Content-Type: multipart/mixed; boundary="jr"',
      '',
      '--jr',
      'Content-Type: text/plain',
      '',
      'Sender: a@contoso.com',
      'To: b@contoso.com',
      '',
      '--jr',
      'Content-Type: message/rfc822',
      '',
      inner(firstSubject, firstBody),
      '--jr',
      'Content-Type: message/rfc822',
      '',
      inner('Forwarded', 'another message'),
      '--jr--',
      '',
    ].join('\n'),
  );
}

test('an original that only mentions "message.rpmsg" in its text is not protected', () => {
  const { report: r } = runAs(twoMessages('How to open', 'Double-click message.rpmsg to open it.'), 'whole');
  expect(r.renditions.map((x) => x.role)).toEqual(['original', 'original']);
  expect(r.warnings.map((w) => w.code)).toContain('EXTRA_MESSAGE');
});

test('a protected original larger than maxBufferedBytes without a decrypted copy is archived with a warning', () => {
  const s = text(lf);
  const marker = 'filename="message.rpmsg"\n';
  const at = s.indexOf('\n', s.indexOf(marker) + marker.length) + 1;
  const big = withoutClearCopy(bytes(s.slice(0, at) + `${'QUJD'.repeat(19)}\n`.repeat(60) + s.slice(at)));
  for (const how of ['whole', 'bytes', 9] as const) {
    const { report, output } = runAs(big, how, { preferClearText: true, maxBufferedBytes: 1500 });
    expect(report.warnings.map((w) => w.code)).toEqual(['CLEAR_TEXT_TOO_LATE']);
    expect(text(output)).toBe(text(strip(referenceOriginal(big, 0)!)));
  }
});

describe('preferClearText when only the message.rpmsg attachment shows the protection', () => {
  // The same report without the Content-Class header: protection is seen only in the body, after
  // the original's headers, so the first message is held back whatever its headers say.
  const unmarked = bytes(text(lf).replace('Content-Class: rpmsg.message\n', ''));
  const grow = (input: Uint8Array) => {
    const s = text(input);
    const marker = 'filename="message.rpmsg"\n';
    const at = s.indexOf('\n', s.indexOf(marker) + marker.length) + 1;
    return bytes(s.slice(0, at) + `${'QUJD'.repeat(19)}\n`.repeat(60) + s.slice(at));
  };

  test('the decrypted copy is archived (it used to be too late to choose it)', () => {
    expect(text(unmarked)).not.toContain('Content-Class');
    for (const input of [unmarked, toCRLF(unmarked)]) {
      for (const how of ['whole', 'bytes', 9] as const) {
        const { report, output } = runAs(input, how, { preferClearText: true });
        expect(report.renditions.map((r) => [r.role, r.archived])).toEqual([
          ['protected', false],
          ['decrypted', true],
        ]);
        expect(report.warnings).toEqual([]);
        expect(text(output)).toBe(text(strip(referenceOriginal(input, 1)!)));
      }
    }
  });

  test('without a decrypted copy the protected original is archived with NO_CLEAR_TEXT', () => {
    expectProtectedKeptWithoutCopy(unmarked);
  });

  test('one larger than maxBufferedBytes is archived with CLEAR_TEXT_TOO_LATE once, with or without a decrypted copy', () => {
    for (const big of [grow(unmarked), withoutClearCopy(grow(unmarked))]) {
      for (const how of ['whole', 'bytes', 9, 64] as const) {
        const { report, output } = runAs(big, how, { preferClearText: true, maxBufferedBytes: 1500 });
        expect(report.warnings.map((w) => w.code), `${how}`).toEqual(['CLEAR_TEXT_TOO_LATE']);
        expect(report.renditions[0]).toMatchObject({ role: 'protected', archived: true });
        expect(text(output)).toBe(text(strip(referenceOriginal(big, 0)!)));
      }
    }
  });

  test('an ordinary report is archived exactly as without the option: same bytes, same warnings, an extra message stays extra', () => {
    const plain = bytes(text(unmarked).replace('Content-Type: application/x-microsoft-rpmsg-message; name="message.rpmsg"', 'Content-Type: application/octet-stream; name="data.bin"').replace('filename="message.rpmsg"', 'filename="data.bin"'));
    for (const input of [plain, withoutClearCopy(plain)]) {
      const without = runAs(input, 'whole');
      for (const how of ['whole', 'bytes', 9] as const) {
        const { report, output } = runAs(input, how, { preferClearText: true });
        expect(report.renditions.every((r) => r.role === 'original')).toBe(true);
        expect(report.renditions[0]!.archived).toBe(true);
        expect(report.warnings).toEqual(without.report.warnings);
        expect(Buffer.compare(output, without.output)).toBe(0);
      }
    }
    expect(runAs(plain, 'whole', { preferClearText: true }).report.warnings.map((w) => w.code)).toContain('EXTRA_MESSAGE');
  });
});

test('a first message that only quotes the rpmsg media type in its text is not protected: preferClearText keeps it', () => {
  // Found by review: the media type anywhere in the bytes counted, so with preferClearText the
  // second message was archived and the real original dropped.
  const report = twoMessages('Help', 'Protected mail arrives as application/x-microsoft-rpmsg-message; open it in Outlook.');
  for (const how of ['whole', 'bytes', 7] as const) {
    const { report: r, output } = runAs(report, how, { preferClearText: true });
    expect(r.renditions.map((x) => [x.role, x.archived])).toEqual([
      ['original', true],
      ['original', false],
    ]);
    expect(text(output)).toContain('Subject: Help');
    expect(r.warnings.map((w) => w.code)).toContain('EXTRA_MESSAGE');
  }
});

test('the rpmsg Content-Type quoted in a text body, within a line, after "> " or at a line start, does not make it protected', () => {
  // Found by review (session 18): "content-type:" anywhere before the type counted, mid-line and
  // quoted lines included, and with preferClearText the unrelated second message was archived.
  const quoted = [
    'see Content-Type: application/x-microsoft-rpmsg-message for details',
    '> Content-Type: application/x-microsoft-rpmsg-message',
    'The part had:\nContent-Type: application/x-microsoft-rpmsg-message',
  ];
  for (const body of quoted) {
    for (const how of ['whole', 'bytes', 5] as const) {
      const { report: r, output } = runAs(twoMessages('Help', body), how, { preferClearText: true });
      expect(r.renditions.map((x) => [x.role, x.archived]), body).toEqual([
        ['original', true],
        ['original', false],
      ]);
      expect(text(output)).toContain('Subject: Help');
    }
  }
});

describe('preferClearText, review findings', () => {
  test('an empty first message does not hold the rest of the input: the input streams out unchanged, bounded by maxBufferedBytes', () => {
    const big = 'QUJD'.repeat(400_000);
    const input = bytes(`X-MS-Journal-Report:\nContent-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: message/rfc822\n\n--B\nContent-Type: application/octet-stream\n\n${big}\n--B--\n`);
    let before = 0;
    const out: Uint8Array[] = [];
    const p = new JournalParser({ preferClearText: true, maxBufferedBytes: 1000, onOutput: (b) => out.push(b.slice()) });
    for (let i = 0; i < input.length; i += 4096) p.write(input.subarray(i, i + 4096));
    before = out.reduce((n, b) => n + b.length, 0);
    const report = p.end();
    // Everything but the last chunk or so was already written out before end().
    expect(before).toBeGreaterThan(input.length - 8192);
    expect(report.warnings.map((w) => w.code)).toContain('EMBEDDED_EMPTY');
    expect(Buffer.compare(Buffer.concat(out), input)).toBe(0);
  });

  test('onLimit: throw reports the limit of the hold (maxBufferedBytes), not a header overflow, in every chunking', () => {
    const input = bytes(
      'X-MS-Journal-Report:\nContent-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: message/rfc822\n\nFrom: s@x\nContent-Type: multipart/mixed; boundary=P\n\n--P\n\n' +
        'x'.repeat(300) +
        '\n--P\nContent-Type: application/x-microsoft-rpmsg-message\n\nAAAA\n--P--\n--B\nContent-Type: message/rfc822\n\nFrom: s@x\n\nclear\n--B--\n',
    );
    for (const how of ['whole', 'bytes', 7, 64] as const) {
      let error: unknown;
      try {
        runAs(input, how, { preferClearText: true, maxBufferedBytes: 200, onLimit: 'throw' });
      } catch (e) {
        error = e;
      }
      expect(error, `${how}`).toBeInstanceOf(LimitExceededError);
      expect((error as LimitExceededError).limit, `${how}`).toBe('maxBufferedBytes');
    }
  });
});
