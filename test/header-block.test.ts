import { describe, expect, test } from 'vitest';
import { findHeaderEnd, HeaderCollector, parseHeaderBlock } from '../src/mime/header-block.js';
import { bytes, chunk, text } from './helpers/run.js';

describe('findHeaderEnd', () => {
  const table: [string, number | undefined][] = [
    ['A: 1\n\nbody', 6],
    ['A: 1\r\n\r\nbody', 8],
    ['A: 1\n\r\nbody', 7],
    ['A: 1\r\n\nbody', 7],
    ['\nbody', 1],
    ['\r\nbody', 2],
    ['A: 1\nB: 2\n', undefined],
    ['A: 1\r\n\r', undefined],
  ];
  for (const [input, end] of table) {
    test(JSON.stringify(input), () => {
      expect(findHeaderEnd(bytes(input), 0)?.end).toBe(end);
    });
  }
});

describe('parseHeaderBlock', () => {
  test('keeps the byte range of folded fields and unfolds values', () => {
    const raw = bytes('To: a@x,\r\n\tb@x\r\nSubject:  hi \r\n\r\n');
    const block = parseHeaderBlock(raw, findHeaderEnd(raw, 0)!.bodyOffset);
    expect(block.fields.map((f) => [f.name, f.value, text(raw.subarray(f.start, f.end))])).toEqual([
      ['To', 'a@x,\tb@x', 'To: a@x,\r\n\tb@x\r\n'],
      ['Subject', 'hi', 'Subject:  hi \r\n'],
    ]);
    expect(block.get('TO')).toBe('a@x,\tb@x');
  });

  test('a line without a colon is kept as a nameless field', () => {
    const raw = bytes('garbage line\nA: 1\n\n');
    const block = parseHeaderBlock(raw, findHeaderEnd(raw, 0)!.bodyOffset);
    expect(block.fields.map((f) => f.key)).toEqual(['', 'a']);
  });

  test('decodes RFC 2047 words on request', () => {
    const raw = bytes('Subject: =?iso-8859-1?q?caf=E9?=\n\n');
    expect(parseHeaderBlock(raw, raw.length - 1).getDecoded('subject')).toBe('café');
  });
});

describe('HeaderCollector', () => {
  test('gives the same block and rest for any chunking', () => {
    const input = bytes('A: 1\r\nB: 2\r\n  folded\r\n\r\nbody\r\n');
    for (const how of ['whole', 'bytes', 3, 4] as const) {
      const c = new HeaderCollector(1000);
      let result: ReturnType<HeaderCollector['push']> | undefined;
      const rest: string[] = [];
      for (const piece of chunk(input, how)) {
        if (result?.done === true) {
          rest.push(text(piece));
          continue;
        }
        result = c.push(piece);
        if (result.done === true) rest.push(text(result.rest));
      }
      expect(result?.done).toBe(true);
      if (result?.done === true) expect(text(result.block.raw)).toBe('A: 1\r\nB: 2\r\n  folded\r\n\r\n');
      expect(rest.join('')).toBe('body\r\n');
    }
  });

  test('reports overflow past the limit', () => {
    const c = new HeaderCollector(10);
    expect(c.push(bytes('A: 0123456789'))).toEqual({ done: 'overflow' });
  });
});
