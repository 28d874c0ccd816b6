import { describe, expect, it } from 'vitest';
import { EventSchema, eventKey, parseEventTime } from '../../src/contract/events.js';
import { formatIssues } from '../../src/normalize/reasons.js';

const msg = { id: 'm1', type: 'message', ts: '2026-03-14T10:00:00Z', conversationId: 'c1', channel: 'chat', direction: 'inbound', text: 'hi' };

function reason(v: unknown): string {
  const r = EventSchema.safeParse(v, { reportInput: true });
  if (r.success) throw new Error('expected a failure');
  const type = (v as { type?: string }).type ?? '';
  return formatIssues(r.error.issues, r.error.issues.some((i) => i.path[0] === 'type') ? '' : type);
}

describe('event contract', () => {
  it('accepts a message and fills the defaults the contract names', () => {
    const e = EventSchema.parse(msg);
    expect(e).toMatchObject({ brand: 'default', public: true, ts: Date.UTC(2026, 2, 14, 10) });
  });

  it('reads offsets and epoch milliseconds as the same instant', () => {
    expect(parseEventTime('2026-03-14T15:30:00+05:30')).toEqual({ ok: true, ms: Date.UTC(2026, 2, 14, 10) });
    expect(parseEventTime(Date.UTC(2026, 2, 14, 10))).toEqual({ ok: true, ms: Date.UTC(2026, 2, 14, 10) });
  });

  it('rejects times without an offset, epoch seconds and absurd years with a reason', () => {
    expect(reason({ ...msg, ts: '2026-03-14 10:00' })).toMatch(/message\.ts: expected an ISO 8601 time with an offset/);
    expect(reason({ ...msg, ts: 1773482400 })).toMatch(/looks like seconds; send milliseconds \(1773482400000\)/);
    expect(reason({ ...msg, ts: '2999-01-01T00:00:00Z' })).toMatch(/outside the accepted range/);
  });

  it('says which field is wrong, what was expected and what came', () => {
    expect(reason({ ...msg, direction: 'in' })).toBe('message.direction: expected "inbound" or "outbound", got "in"');
    expect(reason({ ...msg, type: 'mesage' })).toMatch(/^type: expected "message", "ticket", .* got "mesage"$/);
    expect(reason({ id: 'p', type: 'promise', ts: msg.ts, conversationId: 'c', promiseId: 'p1', action: 'made' })).toBe('promise.dueAt: required when action is "made"');
    expect(reason({ id: 'c', type: 'csat', ts: msg.ts, conversationId: 'c', score: 7 })).toBe('csat.score: must be at most 5, got 7');
  });

  it('keeps unknown extra fields', () => {
    const e = EventSchema.parse({ ...msg, vendorField: { a: 1 } });
    expect((e as Record<string, unknown>).vendorField).toEqual({ a: 1 });
  });

  it('keys Kafka messages by conversation, else customer, else id', () => {
    expect(eventKey({ id: 'x', conversationId: 'c', customerId: 'u' })).toBe('c');
    expect(eventKey({ id: 'x', customerId: 'u' })).toBe('u');
    expect(eventKey({ id: 'x' })).toBe('x');
  });
});
