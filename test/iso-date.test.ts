import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { isoDate } from '../src/report.js';

describe('isoDate (report.message.date)', () => {
  test.each([
    ['epoch', 0],
    ['before the epoch', -1],
    ['29 February 2000', Date.UTC(2000, 1, 29, 23, 59, 59, 999)],
    ['1 March 1900 (no leap day)', Date.UTC(1900, 2, 1)],
    ['1 March 2100', Date.UTC(2100, 2, 1, 0, 0, 0, 1)],
    ['year 0', -62_167_219_200_000],
    ['the last four-digit year', 253_402_300_799_999],
    ['a five-digit year', 253_402_300_800_000],
    ['before year 0', -62_167_219_200_001],
  ])('%s', (_what, time) => {
    expect(isoDate(time)).toBe(new Date(time).toISOString());
  });

  test('property: what Date#toISOString gives for every time a Date holds', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: -8.64e15, max: 8.64e15 }), fc.integer({ min: -1e13, max: 4e12 })), (time) => {
        expect(isoDate(time)).toBe(new Date(time).toISOString());
      }),
      { numRuns: 20_000 },
    );
  });
});
