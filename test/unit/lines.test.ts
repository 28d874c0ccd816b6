import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readLines } from '../../src/sources/file/lines.js';

async function lines(chunks: (string | Buffer)[], max?: number) {
  const out = [];
  for await (const l of readLines(Readable.from(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c))), { maxLineBytes: max })) out.push(l);
  return out;
}

describe('line reader', () => {
  it('joins lines split across chunks, strips CR, skips blank lines and counts them', async () => {
    const out = await lines(['{"a":', '1}\r\n\n  \n{"b"', ':2}']);
    expect(out.map((l) => [l.line, l.bytes.toString()])).toEqual([
      [1, '{"a":1}'],
      [4, '{"b":2}'],
    ]);
  });

  it('keeps invalid UTF-8 byte for byte', async () => {
    const bad = Buffer.from([0x61, 0xff, 0x62]);
    const out = await lines([Buffer.concat([bad, Buffer.from('\n')])]);
    expect(out[0]!.bytes.equals(bad)).toBe(true);
  });

  it('keeps the start of an over-long line and reports its real size', async () => {
    const out = await lines(['x'.repeat(10), 'y'.repeat(10), '\nok\n'], 8);
    expect(out[0]).toMatchObject({ line: 1, truncatedFrom: 20 });
    expect(out[0]!.bytes.toString()).toBe('xxxxxxxx');
    expect(out[1]!.bytes.toString()).toBe('ok');
  });
});
