import { describe, expect, it } from 'vitest';
import type { RawRecord } from '../../src/contract/records.js';
import { Normalizer } from '../../src/normalize/normalize.js';

const rec = (s: string | Buffer, line = 1): RawRecord => ({ bytes: Buffer.isBuffer(s) ? s : Buffer.from(s), origin: { kind: 'file', name: 'in.ndjson', line } });
const good = JSON.stringify({ id: 't1', type: 'ticket', ts: 1773482400000, conversationId: 'c', action: 'opened', severity: 'critical' });

describe('normalizer', () => {
  const n = new Normalizer({ format: 'canonical', maxEventBytes: 1024 });

  it('turns a valid line into an event that keeps its raw text and origin', () => {
    const { events, deadLetters } = n.normalize([rec(good, 7)]);
    expect(deadLetters).toEqual([]);
    expect(events[0]!.raw).toBe(good);
    expect(events[0]!.origin).toEqual({ kind: 'file', name: 'in.ndjson', line: 7 });
  });

  it('hands the store the exact bytes of the line only where they are the raw text (not after a byte-order mark)', () => {
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(good)]);
    const { events } = n.normalize([rec(good, 1), rec(bom, 2)]);
    expect(events[0]!.rawBytes!.equals(Buffer.from(events[0]!.raw))).toBe(true);
    expect(events[1]!.raw).toBe(good);
    expect(events[1]!.rawBytes).toBeUndefined();
  });

  it('sends every kind of bad record to dead letters with its bytes, origin and a reason', () => {
    const bad = Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]); // {"\xff\xfe"}
    const cases: [RawRecord, string, RegExp][] = [
      [rec('{"id": "x", "type": "ticket",', 2), 'parse', /not valid JSON/],
      [rec(bad, 3), 'encoding', /not valid UTF-8 \(byte 2\)/],
      [rec('x'.repeat(2000), 4), 'size', /record is 2\.0 KiB, over the limit of 1\.0 KiB/],
      [rec('[1,2]', 5), 'adapter', /canonical: expected a JSON object, got an array/],
      [rec('{"id":"x","type":"ticket","ts":1773482400000,"conversationId":"c","action":"escalated"}', 6), 'schema', /ticket\.action: expected "opened", .* got "escalated"/],
    ];
    const { events, deadLetters } = n.normalize(cases.map((c) => c[0]));
    expect(events).toEqual([]);
    expect(deadLetters).toHaveLength(cases.length);
    deadLetters.forEach((d, i) => {
      expect(d.stage).toBe(cases[i]![1]);
      expect(d.reason).toMatch(cases[i]![2]);
      expect(d.raw.equals(cases[i]![0].bytes)).toBe(true);
      expect(d.origin).toEqual(cases[i]![0].origin);
    });
  });

  it('gives a dead letter the same id on replay and a different one at another line', () => {
    const a = n.normalize([rec('nope', 1)]).deadLetters[0]!;
    const b = n.normalize([rec('nope', 1)]).deadLetters[0]!;
    const c = n.normalize([rec('nope', 2)]).deadLetters[0]!;
    expect(a.id).toBe(b.id);
    expect(a.id).not.toBe(c.id);
  });

  it('refuses an unknown format by naming the known ones', () => {
    expect(() => new Normalizer({ format: 'zendex', maxEventBytes: 10 })).toThrow(/unknown format "zendex": use one of canonical/);
  });
});
