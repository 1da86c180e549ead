import fc from 'fast-check';
import addressparser from 'nodemailer/lib/addressparser';
import { describe, expect, test } from 'vitest';
import { normaliseMessageId, parseAddressList } from '../src/address.js';

describe('parseAddressList', () => {
  test('the fast path for plain lists agrees with addressparser', () => {
    const word = fc.stringMatching(/^[A-Za-z0-9._'-]{1,8}$/);
    const addr = fc.tuple(fc.stringMatching(/^[a-z0-9._+-]{1,10}$/), fc.constantFrom('contoso.com', 'Fabrikam.COM', 'example.org')).map(([l, d]) => `${l}@${d}`);
    const quotedName = fc.stringMatching(/^[A-Za-z0-9 ,.\t'-]{0,12}$/).map((n) => `"${n}"`);
    const item = fc.oneof(
      addr,
      fc.tuple(fc.array(word, { minLength: 1, maxLength: 3 }), addr).map(([n, a]) => `${n.join(' ')} <${a}>`),
      addr.map((a) => `<${a}>`),
      fc.tuple(quotedName, fc.constantFrom('', ' ', '  '), addr).map(([n, sp, a]) => `${n}${sp}<${a}>`),
      // Shapes the fast path must leave to addressparser (found by review): blanks inside the
      // brackets, an empty <> after a quoted address, stray @ in a bare item.
      addr.map((a) => `"Jo" <${a.replace('@', ' @')}>`),
      addr.map((a) => `"${a}" <>`),
      addr.map((a) => `${a}@`),
      addr.map((a) => `@${a}`),
      addr.map((a) => `Jo <${a.slice(0, 3)} ${a.slice(3)}>`),
    );
    fc.assert(
      fc.property(fc.array(item, { minLength: 1, maxLength: 5 }), fc.constantFrom(', ', ',', ' ,\r\n\t'), (items, sep) => {
        const value = items.join(sep);
        const slow = addressparser(value, { flatten: true })
          .filter((e) => e.address)
          .map((e) => ({ address: e.address!.trim(), name: (e.name ?? '').trim() }));
        expect(parseAddressList(value)).toEqual(slow);
      }),
      { numRuns: 500 },
    );
  });

  test('a list of bare addresses read whole gives what the item-by-item reading gives', () => {
    // Tokens over every printable ASCII character (the ones the whole-list RegExp refuses
    // included), blanks and commas. A trailing blank sends the same list down the item-by-item
    // path (no item may be followed by a blank there), the reference.
    const token = fc.stringMatching(/^[!-~]{1,6}$/);
    const item = fc.oneof(
      fc.tuple(token, token).map(([l, d]) => `${l}@${d}`),
      fc.tuple(token, fc.constantFrom('@', '@@', '', '"', '<', '>', '(', ':', ';', '\\'), token).map(([l, m, d]) => `${l}${m}${d}`),
    );
    const sep = fc.constantFrom(',', ', ', ',\t', ',\r\n ', ',,', ' ,');
    fc.assert(
      fc.property(fc.array(fc.tuple(item, sep), { minLength: 1, maxLength: 6 }), fc.boolean(), (pairs, trailing) => {
        let value = pairs.map(([i, s]) => i + s).join('');
        if (!trailing) value = value.slice(0, value.length - pairs[pairs.length - 1]![1].length);
        expect(parseAddressList(value)).toEqual(parseAddressList(`${value} `));
      }),
      { numRuns: 3000 },
    );
    expect(parseAddressList('a@x.com,  B.c@Y.org,\td@z')).toEqual([
      { address: 'a@x.com', name: '' },
      { address: 'B.c@Y.org', name: '' },
      { address: 'd@z', name: '' },
    ]);
  });

  test('quoted names, comments and groups go through addressparser', () => {
    expect(parseAddressList('"Nguyen, Bob" <bob@x>, team: a@x, b@x;, c@x (comment)')).toEqual([
      { address: 'bob@x', name: 'Nguyen, Bob' },
      { address: 'a@x', name: '' },
      { address: 'b@x', name: '' },
      { address: 'c@x', name: 'comment' },
    ]);
    expect(parseAddressList('=?utf-8?q?Caf=C3=A9?= <c@x>')).toEqual([{ address: 'c@x', name: 'Café' }]);
  });

  test('normaliseMessageId', () => {
    expect(normaliseMessageId(' <Abc@EXAMPLE.com> (c)')).toBe('<Abc@example.com>');
    expect(normaliseMessageId('abc@Example.COM')).toBe('<abc@example.com>');
    expect(normaliseMessageId('<>')).toBeUndefined();
  });

  test('normaliseMessageId: the shortcut for <local@domain> gives what the general path gives', () => {
    // A leading blank sends the same ID down the general path.
    const id = fc.stringMatching(/^<[A-Za-z0-9.@$_=+<> ()-]{0,14}>$/);
    fc.assert(
      fc.property(id, (v) => {
        expect(normaliseMessageId(v)).toBe(normaliseMessageId(` ${v}`));
      }),
      { numRuns: 2000 },
    );
  });
});
