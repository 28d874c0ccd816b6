import { describe, expect, it } from 'vitest';
import { SilenceConfig } from '../../src/detect/silence/config.js';
import { SilenceTracker, type MessageInput } from '../../src/detect/silence/tracker.js';
import type { Detection } from '../../src/pipeline/stage.js';

const MIN = 60_000;
const T0 = Date.parse('2026-03-16T10:00:00Z'); // a Monday

function tracker(config: unknown = {}): SilenceTracker {
  return new SilenceTracker(SilenceConfig.parse(config));
}

const inbound = (conversationId: string, ts: number, text = 'my flight is cancelled, please help', extra: Partial<MessageInput> = {}): MessageInput => ({
  brand: 'acme',
  conversationId,
  channel: 'chat',
  direction: 'inbound',
  ts,
  public: true,
  customerId: `cust-${conversationId}`,
  text,
  ...extra,
});
const reply = (conversationId: string, ts: number, isPublic = true): MessageInput => ({
  brand: 'acme',
  conversationId,
  channel: 'chat',
  direction: 'outbound',
  ts,
  public: isPublic,
  text: isPublic ? 'We are on it.' : 'internal note',
});

const brief = (ds: Detection[]) => ds.map((d) => `${d.kind}:${d.state}@${(d.at - T0) / MIN}`);

describe('customer silence', () => {
  it('warns at 50 % and 80 %, fires at the limit, resolves on the public reply, each at its exact time', () => {
    const t = tracker();
    t.message(inbound('c1', T0));
    expect(brief(t.advance(T0 + 2 * MIN))).toEqual([]);
    expect(brief(t.advance(T0 + 3 * MIN))).toEqual(['customer_silence:warning@2.5']);
    expect(brief(t.advance(T0 + 10 * MIN))).toEqual(['customer_silence:firing@5']);
    t.message(reply('c1', T0 + 12 * MIN));
    const resolved = t.drain();
    expect(brief(resolved)).toEqual(['customer_silence:resolved@12']);
    expect(resolved[0]).toMatchObject({
      key: 'acme|c1',
      labels: { channel: 'chat', severity: 'none', customer: 'cust-c1', conversation_id: 'c1' },
      values: { wait_secs: 720, threshold_secs: 300, inbound_count: 1 },
    });
  });

  it('jumps to the highest mark passed when time moves on a lot at once (replays)', () => {
    const t = tracker();
    t.message(inbound('c1', T0));
    expect(brief(t.advance(T0 + 4 * MIN))).toEqual(['customer_silence:warning@4']);
    expect(brief(t.advance(T0 + 60 * MIN))).toEqual(['customer_silence:firing@5']);
  });

  it('ends with no alert when the reply comes in time; an internal note ends nothing', () => {
    const t = tracker();
    t.message(inbound('c1', T0));
    t.message(reply('c1', T0 + MIN, false));
    t.message(reply('c1', T0 + 2 * MIN));
    expect(brief(t.advance(T0 + 60 * MIN))).toEqual([]);
    const u = tracker();
    u.message(inbound('c2', T0));
    u.message(reply('c2', T0 + MIN, false));
    expect(brief(u.advance(T0 + 6 * MIN))).toEqual(['customer_silence:firing@5']);
  });

  it('a closing pleasantry after a reply opens no silence; the same words before any reply do', () => {
    for (const thanks of ['thanks!', 'ok 👍', 'gracias', 'Merci beaucoup', 'ধন্যবাদ', 'شكرا جزيلا!', 'ຂອບໃຈ']) {
      const t = tracker();
      t.message(inbound('c1', T0));
      t.message(reply('c1', T0 + MIN));
      t.message(inbound('c1', T0 + 2 * MIN, thanks));
      expect(brief(t.advance(T0 + 60 * MIN)), thanks).toEqual([]);
    }
    const first = tracker();
    first.message(inbound('c1', T0, 'ok'));
    expect(brief(first.advance(T0 + 60 * MIN))).toEqual(['customer_silence:firing@5']);
    // A real question after the thanks does.
    const then = tracker();
    then.message(inbound('c1', T0));
    then.message(reply('c1', T0 + MIN));
    then.message(inbound('c1', T0 + 2 * MIN, 'thanks! but where is my refund?'));
    expect(brief(then.advance(T0 + 60 * MIN))).toEqual(['customer_silence:firing@7']);
  });

  it('a message on a solved conversation opens no silence; solving ends one', () => {
    const t = tracker();
    t.ticket({ brand: 'acme', conversationId: 'c1', ts: T0, action: 'solved' });
    t.message(inbound('c1', T0 + MIN, 'one more thing'));
    expect(brief(t.advance(T0 + 60 * MIN))).toEqual([]);
    // Reopened: the next message counts again.
    t.ticket({ brand: 'acme', conversationId: 'c1', ts: T0 + 61 * MIN, action: 'reopened' });
    t.message(inbound('c1', T0 + 62 * MIN));
    expect(brief(t.advance(T0 + 70 * MIN))).toEqual(['customer_silence:firing@67']);
    t.ticket({ brand: 'acme', conversationId: 'c1', ts: T0 + 71 * MIN, action: 'solved' });
    expect(t.drain()[0]).toMatchObject({ state: 'resolved', summary: expect.stringContaining('solved') });
  });

  it('the limit is the smaller of channel and severity; critical tightens a slow channel', () => {
    const t = tracker({ customer: { warn_at: [] } });
    t.message({ ...inbound('e1', T0), channel: 'email' });
    t.ticket({ brand: 'acme', conversationId: 'e1', ts: T0, action: 'opened', severity: 'critical' });
    t.message({ ...inbound('e2', T0), channel: 'email' });
    const d = t.advance(T0 + 5 * 3_600_000);
    expect(d.map((x) => `${x.key}@${(x.at - T0) / MIN}`)).toEqual(['acme|e1@15', 'acme|e2@240']);
    expect(d[0]!.severity).toBe('critical');
  });

  it('pauses the clock while the ticket waits on the customer', () => {
    const t = tracker({ customer: { warn_at: [] } });
    t.message(inbound('c1', T0));
    t.ticket({ brand: 'acme', conversationId: 'c1', ts: T0 + MIN, action: 'updated', status: 'Pending' });
    expect(t.advance(T0 + 30 * MIN)).toEqual([]);
    t.ticket({ brand: 'acme', conversationId: 'c1', ts: T0 + 31 * MIN, action: 'updated', status: 'open' });
    // 1 min before the pause + 4 min after it.
    expect(brief(t.advance(T0 + 60 * MIN))).toEqual(['customer_silence:firing@35']);
    const none = tracker({ customer: { warn_at: [], pause_statuses: [] } });
    none.message(inbound('c1', T0));
    none.ticket({ brand: 'acme', conversationId: 'c1', ts: T0 + MIN, action: 'updated', status: 'pending' });
    expect(brief(none.advance(T0 + 60 * MIN))).toEqual(['customer_silence:firing@5']);
  });

  it('counts only business hours where a channel has them', () => {
    const t = tracker({ customer: { warn_at: [], business_hours: { email: { timezone: 'Europe/Lisbon', from: '09:00', to: '17:00' } } } });
    // Friday 16:00 in Lisbon (UTC+0 in March): 1 h that day, the other 3 h of the 4 h limit on Monday.
    const fri = Date.parse('2026-03-13T16:00:00Z');
    t.message({ ...inbound('e1', fri), channel: 'email' });
    expect(t.advance(Date.parse('2026-03-16T08:59:00Z'))).toEqual([]);
    const d = t.advance(Date.parse('2026-03-16T13:00:00Z'));
    expect(d.map((x) => new Date(x.at).toISOString())).toEqual(['2026-03-16T12:00:00.000Z']);
    expect(d[0]!.values).toMatchObject({ wait_secs: 4 * 3600, gap_secs: (3 * 24 - 4) * 3600 });
  });

  it('a message that arrives late from before the gap moves its start; one from before the last reply is history', () => {
    const t = tracker({ customer: { warn_at: [] } });
    t.message(inbound('c1', T0 + 10 * MIN));
    t.message(inbound('c1', T0 + 8 * MIN));
    expect(brief(t.advance(T0 + 14 * MIN))).toEqual(['customer_silence:firing@13']);
    t.message(reply('c1', T0 + 20 * MIN));
    t.message(inbound('c1', T0 + 19 * MIN));
    t.drain();
    expect(brief(t.advance(T0 + 60 * MIN))).toEqual([]);
    expect(t.openGaps()).toEqual([]);
  });

  it('forgets answered conversations after forget_after_secs, keeps the waiting ones', () => {
    const t = tracker({ customer: { forget_after_secs: 3600 } });
    for (let i = 0; i < 100; i++) {
      t.message(inbound(`a${i}`, T0));
      t.message(reply(`a${i}`, T0 + MIN));
    }
    t.message(inbound('waiting', T0));
    t.advance(T0 + 2 * 3_600_000);
    expect(t.size).toBe(1);
    expect(t.openGaps().map((g) => g.conversationId)).toEqual(['waiting']);
  });
});

describe('brand silence', () => {
  const spike = (state: 'firing' | 'resolved', at: number, started = at): Detection => ({
    kind: 'spike',
    key: 'acme|*',
    brand: 'acme',
    state,
    at,
    severity: 'warning',
    summary: '',
    labels: { channel: '*' },
    values: { started_at_ms: started },
  });

  it('fires when the brand posts nothing for the limit during a crisis, resolves on a broadcast', () => {
    const t = tracker();
    t.broadcast('acme', T0);
    t.incident('acme', 'INC-1', 'declared', T0 + 10 * MIN);
    expect(t.advance(T0 + 39 * MIN)).toEqual([]);
    const d = t.advance(T0 + 41 * MIN);
    expect(brief(d)).toEqual(['brand_silence:firing@40']);
    expect(d[0]).toMatchObject({ key: 'acme', severity: 'critical', values: { silent_secs: 1800 } });
    t.broadcast('acme', T0 + 50 * MIN);
    expect(brief(t.drain())).toEqual(['brand_silence:resolved@50']);
  });

  it('a spike starts a crisis too (from its start), and its end ends it', () => {
    const t = tracker();
    t.broadcast('acme', T0 - 600 * MIN);
    t.spike(spike('firing', T0 + 6 * MIN, T0));
    expect(brief(t.advance(T0 + 31 * MIN))).toEqual(['brand_silence:firing@30']);
    t.spike(spike('resolved', T0 + 45 * MIN));
    expect(brief(t.drain())).toEqual(['brand_silence:resolved@45']);
  });

  it('says nothing outside a crisis, however quiet the brand', () => {
    const t = tracker();
    t.broadcast('acme', T0);
    expect(t.advance(T0 + 24 * 60 * MIN)).toEqual([]);
  });
});
