import { readFileSync, writeFileSync } from 'node:fs';
import fc from 'fast-check';
import wabt from 'wabt';
import { describe, expect, test } from 'vitest';
import { decodeBase64Lines } from '../src/mime/base64-simd.js';
import { BASE64_SIMD_WASM } from '../src/mime/base64-simd-binary.js';
import { Base64Decoder } from '../src/mime/transfer-decoding.js';

const watPath = new URL('../src/mime/base64-simd.wat', import.meta.url);
const binaryPath = new URL('../src/mime/base64-simd-binary.ts', import.meta.url);

/** The decoder without the SIMD module (not transient): the reference. */
const reference = (region: Uint8Array): Uint8Array => new Base64Decoder().decodeWhole(region);

describe('base64 SIMD module', () => {
  test('the embedded binary is the compiled .wat (UPDATE_WASM=1 writes it)', async () => {
    const module = (await wabt()).parseWat('base64-simd.wat', readFileSync(watPath, 'utf8'), { simd: true });
    module.validate();
    const compiled = Buffer.from(module.toBinary({}).buffer).toString('base64');
    module.destroy();
    if (process.env.UPDATE_WASM === '1') {
      const head = readFileSync(binaryPath, 'utf8').split('\n').slice(0, 2).join('\n');
      writeFileSync(binaryPath, `${head}\n  '${compiled}';\n`);
      return;
    }
    expect(BASE64_SIMD_WASM).toBe(compiled);
  });

  test('is available here and decodes regular lines itself', () => {
    const data = Uint8Array.from({ length: 3000 }, (_, i) => (i * 7919) & 255);
    const text = Buffer.from(data).toString('base64').match(/.{1,76}/g)!.join('\r\n') + '\r\n';
    // 3000 bytes are 4000 characters, 52 full lines and one of 48: no padding, nothing left over.
    const decoded = decodeBase64Lines(Buffer.from(text, 'latin1'), () => {
      throw new Error('the rest should be empty');
    });
    expect(decoded && Buffer.from(decoded)).toEqual(Buffer.from(data));
  });

  test('gives what the decoder without it gives, for regular and broken lines', () => {
    // Lines of one length (so that the module's fast step is running when a broken one comes),
    // then a few of them changed: a byte outside the alphabet, padding, URL-safe characters, a
    // character more or less, a bare CR or no line end, another line ending.
    const body = fc.record({
      data: fc.uint8Array({ minLength: 200, maxLength: 6000 }),
      lineLength: fc.oneof(fc.constantFrom(76, 64, 72, 16, 20), fc.integer({ min: 4, max: 120 })),
      eol: fc.constantFrom('\r\n', '\n'),
      finalEol: fc.boolean(),
      edits: fc.array(
        fc.record({
          at: fc.nat(),
          kind: fc.constantFrom('garbage', 'pad', 'url', 'extra', 'drop', 'bareCr', 'lf', 'crlf', 'space'),
          byte: fc.integer({ min: 0, max: 255 }),
        }),
        { maxLength: 3 },
      ),
    });
    fc.assert(
      fc.property(body, ({ data, lineLength, eol, finalEol, edits }) => {
        const b64 = Buffer.from(data).toString('base64');
        const lines = b64.match(new RegExp(`.{1,${lineLength}}`, 'g'))!;
        let text = lines.join(eol) + (finalEol ? eol : '');
        for (const e of edits) {
          const at = e.at % (text.length + 1);
          const put = { garbage: String.fromCharCode(e.byte), pad: '=', url: '-', extra: 'A', drop: '', bareCr: '\r', lf: '\n', crlf: '\r\n', space: ' ' }[e.kind];
          text = text.slice(0, at) + put + text.slice(at + (e.kind === 'drop' ? 1 : 0));
        }
        const region = Buffer.from(text, 'latin1');
        const want = Buffer.from(reference(region));
        const got = decodeBase64Lines(region, reference);
        if (got !== undefined) expect(Buffer.from(got)).toEqual(want);
        // The transient decoder (the content key's) takes the module; the same bytes whole.
        expect(Buffer.from(new Base64Decoder(true).decodeWhole(region))).toEqual(want);
      }),
      { numRuns: 2000 },
    );
  });

  test('every byte value, at every place of a step, is read as the decoder without it reads it', () => {
    // Six lines of 76 characters (the fast step runs from the second on) and one of 16 (the
    // general step), one byte replaced: a byte outside the alphabet must stop the module there.
    const data = Uint8Array.from({ length: 354 }, (_, i) => (i * 151 + 7) & 255);
    const b64 = Buffer.from(data).toString('base64');
    const text = `${b64.slice(0, 456).match(/.{76}/g)!.join('\r\n')}\r\n${b64.slice(456, 472)}\r\n`;
    const base = Buffer.from(text, 'latin1');
    // Places in the first line, in the fourth (fast step, and the overlapping last step), in the short one.
    const places = [0, 5, 15, 16, 31, 75, 3 * 78, 3 * 78 + 17, 3 * 78 + 63, 3 * 78 + 70, 6 * 78, 6 * 78 + 15];
    for (let byte = 0; byte < 256; byte++) {
      for (const at of places) {
        const region = Buffer.from(base);
        region[at] = byte;
        const got = decodeBase64Lines(region, reference);
        const want = Buffer.from(reference(region));
        if (got !== undefined && !Buffer.from(got).equals(want)) expect({ byte, at, got: Buffer.from(got) }).toEqual({ byte, at, got: want });
      }
    }
  });

  test('regions it does not take are left to the caller', () => {
    expect(decodeBase64Lines(Buffer.from('QUJD\r\n'), reference)).toBeUndefined();
    expect(decodeBase64Lines(new Uint8Array(200 * 1024).fill(0x41), reference)).toBeUndefined();
    // Nothing regular at the start: the first line is not a whole number of quanta.
    expect(decodeBase64Lines(Buffer.from('QUJ\r\n' + 'QUJD'.repeat(100) + '\r\n'), reference)).toBeUndefined();
  });
});
