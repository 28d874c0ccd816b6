import { describe, expect, it } from 'vitest';
import { EventSchema, type EventInput } from '../../src/contract/events.js';
import type { Envelope } from '../../src/contract/records.js';
import { parsePipelineConfig } from '../../src/config/pipeline.js';
import { PromiseStage } from '../../src/detect/promises/stage.js';
import { PromiseTracker } from '../../src/detect/promises/tracker.js';
import type { Detection, StageContext } from '../../src/pipeline/stage.js';
import type { TableRow } from '../../src/store/rows.js';

const T = (hhmm: string) => Date.parse(`2026-03-14T${hhmm}:00Z`);
const MIN = 60_000;
const brief = (ds: Detection[]) => ds.map((d) => `${d.state} ${d.labels.kind} ${d.labels.conversation_id} ${new Date(d.at).toISOString().slice(11, 16)}`);

describe('promise tracker (live fulfilment)', () => {
  const tracker = () => new PromiseTracker({ graceMs: 30 * MIN, matchWindowMs: 15 * MIN });

  it('warns when a promise falls due, fires when the grace period ends, resolves when a late reply comes', () => {
    const t = tracker();
    t.made({ key: 'k', brand: 'b', conversationId: 'c1', kind: 'callback', madeAt: T('10:00'), dueAt: T('10:30'), explicit: true, agentId: 'a1', promiseId: 'P' });
    expect(t.tick(T('10:30'))).toEqual([]);
    expect(brief(t.tick(T('10:31')))).toEqual(['warning callback c1 10:30']);
    expect(t.tick(T('10:45'))).toEqual([]);
    const fired = t.tick(T('11:01'));
    expect(brief(fired)).toEqual(['firing callback c1 11:00']);
    expect(fired[0]).toMatchObject({ kind: 'promise', brand: 'b', severity: 'warning', labels: { agent_id: 'a1', promise_id: 'P', source: 'explicit' }, values: { overdue_secs: 1800 } });
    expect(fired[0]!.summary).toBe('callback promise by a1 in conversation c1 was due 2026-03-14 10:30 UTC and is broken');
    t.replied('b', 'c1', T('11:20'));
    expect(brief(t.drain())).toEqual(['resolved callback c1 11:20']);
    expect(t.size).toBe(0);
  });

  it('a reply keeps callbacks and updates, not refunds; a solved ticket keeps a fix; kept and cancelled events settle', () => {
    const t = tracker();
    t.made({ key: 'r', brand: 'b', conversationId: 'c', kind: 'refund', madeAt: T('10:00'), dueAt: T('10:10'), explicit: true, promiseId: 'R' });
    t.made({ key: 'f', brand: 'b', conversationId: 'c', kind: 'fix', madeAt: T('10:00'), dueAt: T('10:10'), explicit: true, promiseId: 'F' });
    t.made({ key: 'u', brand: 'b', conversationId: 'c', kind: 'update', madeAt: T('10:00'), dueAt: T('10:10'), explicit: true, promiseId: 'U' });
    t.made({ key: 'x', brand: 'b', conversationId: 'other', kind: 'callback', madeAt: T('10:00'), dueAt: T('10:10'), explicit: true, promiseId: 'X' });
    t.replied('b', 'c', T('10:05'));
    t.solved('b', 'c', T('10:06'));
    t.settled('b', 'other', 'X', T('10:07'), 'cancelled');
    expect(t.drain()).toEqual([]);
    expect(brief(t.tick(T('10:11')))).toEqual(['warning refund c 10:10']);
    t.settled('b', 'c', 'R', T('10:20'), 'kept');
    expect(brief(t.drain())).toEqual(['resolved refund c 10:20']);
    expect(t.size).toBe(0);
  });

  it('an explicit promise replaces the extracted one it matches; an extracted one after an explicit one is ignored', () => {
    const t = tracker();
    t.made({ key: 'm1#0', brand: 'b', conversationId: 'c', kind: 'callback', madeAt: T('10:00'), dueAt: T('12:00'), explicit: false });
    t.made({ key: 'c/P', brand: 'b', conversationId: 'c', kind: 'callback', madeAt: T('10:00'), dueAt: T('12:00'), explicit: true, promiseId: 'P' });
    t.made({ key: 'm2#0', brand: 'b', conversationId: 'c', kind: 'other', madeAt: T('10:10'), dueAt: T('12:00'), explicit: false });
    expect(t.size).toBe(1);
    // Outside the window, or another kind: another promise.
    t.made({ key: 'm3#0', brand: 'b', conversationId: 'c', kind: 'callback', madeAt: T('10:20'), dueAt: T('12:00'), explicit: false });
    t.made({ key: 'm4#0', brand: 'b', conversationId: 'c', kind: 'refund', madeAt: T('10:00'), dueAt: T('12:00'), explicit: false });
    expect(t.size).toBe(3);
  });
});

class Ctx implements StageContext {
  readonly clock = { now: () => 0 };
  readonly live = false;
  readonly detections: Detection[] = [];
  readonly tables: Record<string, TableRow[]> = {};
  emit(table: string, row: TableRow): void {
    (this.tables[table] ??= []).push(row);
  }
}

const env = (e: Record<string, unknown>): Envelope => ({ event: EventSchema.parse(e), raw: JSON.stringify(e), origin: { kind: 'file', name: 't', line: 1 } });

describe('promise stage', () => {
  const msg = (id: string, ts: string, text: string, extra: Partial<EventInput> = {}) =>
    env({ id, type: 'message', ts, brand: 'acme', conversationId: 'c1', channel: 'chat', direction: 'outbound', agentId: 'a1', text, ...extra });

  it('emits extracted promises and, on event time, a detection for the one that broke', () => {
    const stage = new PromiseStage(parsePipelineConfig({ detect: { promises: { brand_timezones: { acme: 'America/New_York' } } } }));
    const ctx = new Ctx();
    stage.onEvents(
      [
        msg('m1', '2026-03-14T15:00:00Z', 'Sorry for the wait. We will update you by noon tomorrow.'),
        // Internal notes and inbound messages make no promises.
        msg('m2', '2026-03-14T15:01:00Z', 'I will call him back in 10 minutes.', { public: false }),
        msg('m3', '2026-03-14T15:02:00Z', 'I will call you back in 10 minutes.', { direction: 'inbound' }),
      ],
      ctx,
    );
    expect(ctx.tables.promises_extracted).toEqual([
      expect.objectContaining({ id: 'm1#0', message_id: 'm1', kind: 'update', due_at: Date.parse('2026-03-15T16:00:00Z'), utc_offset_minutes: -240, matched_text: 'noon tomorrow', lang: 'en' }),
    ]);
    stage.onTick(Date.parse('2026-03-15T16:31:00Z'), ctx);
    expect(brief(ctx.detections)).toEqual(['warning update c1 16:00', 'firing update c1 16:30']);
  });

  it('reads nothing when extraction is off but still tracks explicit promises', () => {
    const stage = new PromiseStage(parsePipelineConfig({ detect: { promises: { extract: false } } }));
    const ctx = new Ctx();
    stage.onEvents(
      [
        msg('m1', '2026-03-14T10:00:00Z', 'I will call you back in 10 minutes.'),
        env({ id: 'p1', type: 'promise', ts: '2026-03-14T10:00:00Z', brand: 'acme', conversationId: 'c1', promiseId: 'P1', action: 'made', dueAt: '2026-03-14T10:10:00Z', kind: 'callback' }),
      ],
      ctx,
    );
    expect(ctx.tables.promises_extracted).toBeUndefined();
    stage.onFlush(T('11:00'), ctx);
    expect(brief(ctx.detections)).toEqual(['warning callback c1 10:10', 'firing callback c1 10:40']);
  });
});
