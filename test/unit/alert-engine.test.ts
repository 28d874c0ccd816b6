import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AlertEngine, type AlertRecord, type InhibitSettings, type MemberChange, type RuleSettings, type Signal } from '../../src/alert/engine.js';
import type { AlertNotification } from '../../src/alert/sink.js';
import { groupSummary } from '../../src/alert/summary.js';

const T0 = Date.parse('2026-03-14T10:00:00Z');
const S = 1000;
const MIN = 60 * S;

function rule(name: string, o: Partial<RuleSettings> = {}): RuleSettings {
  return {
    name,
    forMs: 0,
    keepFiringForMs: 0,
    renotifyMs: 60 * MIN,
    groupBy: [],
    groupWaitMs: 0,
    groupIntervalMs: 5 * MIN,
    notify: true,
    notifyResolved: true,
    ...o,
  };
}

function silence(conv: string, at: number, active = true, brand = 'acme', channel = 'chat'): Signal {
  return {
    rule: 'customer_silence',
    key: `${brand}|${conv}`,
    brand,
    active,
    at,
    severity: 'warning',
    summary: `customer waiting on ${conv}`,
    labels: { channel, conversation_id: conv },
    values: { wait_secs: 300 },
  };
}

function brandSilence(at: number, active = true, brand = 'acme'): Signal {
  return { rule: 'brand_silence', key: brand, brand, active, at, severity: 'critical', summary: `${brand} silent in public`, labels: {}, values: {} };
}

function setup(rules: RuleSettings[], inhibit: InhibitSettings[] = [], maxListed?: number) {
  const records: AlertRecord[] = [];
  const sent: AlertNotification[] = [];
  const members: MemberChange[] = [];
  const engine = new AlertEngine({
    rules,
    inhibit,
    hooks: { record: (r) => records.push(r), notify: (n) => sent.push(n), member: (c) => members.push(c), groupSummary },
    ...(maxListed !== undefined ? { maxListed } : {}),
  });
  const states = (key: string) => records.filter((r) => r.alertKey === key && r.state !== 'notified').map((r) => [r.state, r.at - T0]);
  return { engine, records, sent, members, states };
}

/**
 * The alert ids each notification listed, rebuilt from the membership changes the way view
 * alert_episodes reads them: a run covers every notification of its group from the one it joined
 * with to the one it left with (an open run: up to the group's latest).
 */
function listedFromChanges(sent: AlertNotification[], members: MemberChange[]): Map<string, Set<string>> {
  const seqOf = new Map<string, { group: string; seq: number }>();
  const perGroup = new Map<string, string[]>();
  for (const n of sent) {
    const list = perGroup.get(n.key) ?? [];
    seqOf.set(n.id!, { group: n.key, seq: list.length });
    list.push(n.id!);
    perGroup.set(n.key, list);
  }
  const out = new Map<string, Set<string>>(sent.map((n) => [n.id!, new Set<string>()]));
  const joins = new Map<string, MemberChange[]>();
  const leaves = new Map<string, MemberChange[]>();
  for (const c of members) {
    const m = c.change === 'joined' ? joins : leaves;
    m.set(c.alertId, [...(m.get(c.alertId) ?? []), c]);
  }
  for (const [alertId, js] of joins) {
    const ls = leaves.get(alertId) ?? [];
    js.forEach((j, k) => {
      const from = seqOf.get(j.notificationId)!;
      const list = perGroup.get(from.group)!;
      const to = ls[k] ? seqOf.get(ls[k]!.notificationId)!.seq : list.length - 1;
      for (let i = from.seq; i <= to; i++) out.get(list[i]!)!.add(alertId);
    });
  }
  return out;
}

const inhibit: InhibitSettings[] = [{ sourceRules: ['brand_silence'], targetRules: ['customer_silence'], equal: ['brand'] }];

describe('alert lifecycle', () => {
  it('waits out for_secs as pending, then fires at the exact crossing time even if the clock jumps past it', () => {
    const { engine, sent, states } = setup([rule('customer_silence', { forMs: 2 * MIN })]);
    engine.apply([silence('c1', T0)], T0);
    expect(states('customer_silence|acme|c1')).toEqual([['pending', 0]]);
    engine.advance(T0 + 2 * MIN - 1);
    expect(sent).toHaveLength(0);
    engine.advance(T0 + 10 * MIN);
    expect(states('customer_silence|acme|c1')).toEqual([
      ['pending', 0],
      ['firing', 2 * MIN],
    ]);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ state: 'firing', count: 1, key: 'customer_silence|brand=acme', at: T0 + 2 * MIN, summary: 'customer waiting on c1' });
  });

  it('a condition that ends during for_secs never fires and never pages', () => {
    const { engine, sent, states } = setup([rule('customer_silence', { forMs: 2 * MIN })]);
    engine.apply([silence('c1', T0)], T0);
    engine.apply([silence('c1', T0 + MIN, false)], T0 + MIN);
    engine.advance(T0 + 30 * MIN);
    expect(states('customer_silence|acme|c1')).toEqual([
      ['pending', 0],
      ['inactive', MIN],
    ]);
    expect(sent).toHaveLength(0);
  });

  it('no storm: one firing row and one notification per key however often the detector repeats itself', () => {
    const { engine, sent, states } = setup([rule('customer_silence')]);
    for (let i = 0; i < 50; i++) engine.apply([silence('c1', T0 + i * S)], T0 + i * S);
    engine.advance(T0 + 20 * MIN);
    expect(states('customer_silence|acme|c1')).toEqual([['firing', 0]]);
    expect(sent).toHaveLength(1);
  });

  it('re-notifies a still-firing, unchanged group after renotify, not before', () => {
    const { engine, sent } = setup([rule('customer_silence', { renotifyMs: 30 * MIN, groupIntervalMs: 5 * MIN })]);
    engine.apply([silence('c1', T0)], T0);
    engine.advance(T0 + 29 * MIN);
    expect(sent).toHaveLength(1);
    engine.advance(T0 + 30 * MIN);
    expect(sent.map((n) => n.at! - T0)).toEqual([0, 30 * MIN]);
    engine.advance(T0 + 61 * MIN);
    expect(sent.map((n) => n.at! - T0)).toEqual([0, 30 * MIN, 60 * MIN]);
    expect(sent.every((n) => n.state === 'firing' && n.count === 1)).toBe(true);
  });

  it('keep_firing_for: a condition that flaps back inside the window stays one firing alert; one that stays away resolves after it', () => {
    const { engine, sent, states } = setup([rule('spike', { keepFiringForMs: 5 * MIN })]);
    const spike = (at: number, active: boolean): Signal => ({ rule: 'spike', key: 'acme|chat', brand: 'acme', active, at, severity: 'warning', summary: 'spike', labels: { channel: 'chat' }, values: {} });
    engine.apply([spike(T0, true)], T0);
    engine.apply([spike(T0 + 2 * MIN, false)], T0 + 2 * MIN);
    engine.apply([spike(T0 + 4 * MIN, true)], T0 + 4 * MIN); // back inside the window
    engine.apply([spike(T0 + 10 * MIN, false)], T0 + 10 * MIN);
    engine.advance(T0 + 14 * MIN);
    expect(states('spike|acme|chat')).toEqual([['firing', 0]]);
    engine.advance(T0 + 15 * MIN);
    expect(states('spike|acme|chat')).toEqual([
      ['firing', 0],
      ['resolved', 15 * MIN],
    ]);
    engine.advance(T0 + 30 * MIN);
    expect(sent.map((n) => n.state)).toEqual(['firing', 'resolved']);
  });

  it('resolve_after: an alert its detector stops confirming resolves by itself, with the reason', () => {
    const { engine, sent, records } = setup([rule('promise', { resolveAfterMs: 60 * MIN, notifyResolved: false, renotifyMs: 24 * 60 * MIN })]);
    const broken = (at: number): Signal => ({ rule: 'promise', key: 'p1', brand: 'acme', active: true, at, severity: 'warning', summary: 'callback promise broken', labels: {}, values: {} });
    engine.apply([broken(T0)], T0);
    engine.apply([broken(T0 + 30 * MIN)], T0 + 30 * MIN); // confirmed again: the hour restarts
    engine.advance(T0 + 89 * MIN);
    expect(engine.counts().firing).toBe(1);
    engine.advance(T0 + 91 * MIN);
    const resolved = records.filter((r) => r.state === 'resolved');
    expect(resolved.map((r) => [r.at - T0, r.reason])).toEqual([[90 * MIN, 'not confirmed for 3600 s (resolve_after_secs)']]);
    expect(sent.map((n) => n.state)).toEqual(['firing']); // notify_resolved off: no "resolved" page
  });

  it("a resolved alert says what the detector said at the end, or 'Resolved:' and its summary", () => {
    const { engine, sent, records } = setup([rule('spike'), rule('customer_silence')]);
    const spike = (at: number, active: boolean, summary: string): Signal => ({ rule: 'spike', key: 'acme|*', brand: 'acme', active, at, severity: 'warning', summary, labels: { channel: '*' }, values: {} });
    engine.apply([spike(T0, true, 'Spike: 40 upset per minute'), silence('c1', T0)], T0);
    engine.apply([spike(T0 + MIN, false, 'Spike over: back to 3 per minute'), silence('c1', T0 + MIN, false)], T0 + MIN);
    engine.advance(T0 + 10 * MIN);
    expect(sent.filter((n) => n.state === 'resolved').map((n) => n.summary).sort()).toEqual(['Resolved: customer waiting on c1', 'Spike over: back to 3 per minute']);
    expect(records.find((r) => r.state === 'resolved' && r.rule === 'spike')!.summary).toBe('Spike over: back to 3 per minute');
  });

  it('keep_firing_for counts from when the end is learnt, not from an end the detector dated back', () => {
    const { engine, states } = setup([rule('spike', { keepFiringForMs: 5 * MIN })]);
    const spike = (at: number, active: boolean): Signal => ({ rule: 'spike', key: 'acme|chat', brand: 'acme', active, at, severity: 'warning', summary: 'spike', labels: {}, values: {} });
    engine.apply([spike(T0, true)], T0);
    engine.advance(T0 + 10 * MIN); // live: the clock runs on
    engine.apply([spike(T0 + 2 * MIN, false)], T0 + 10 * MIN); // learnt at 10:10 that it ended at 10:02
    engine.apply([spike(T0 + 12 * MIN, true)], T0 + 12 * MIN); // ...and taken back at 10:12
    engine.advance(T0 + 30 * MIN);
    expect(states('spike|acme|chat')).toEqual([['firing', 0]]);
  });

  it('a resolved alert that fires again later is a new episode with a new id', () => {
    const { engine, records } = setup([rule('customer_silence')]);
    engine.apply([silence('c1', T0), silence('c1', T0 + MIN, false), silence('c1', T0 + 10 * MIN)], T0 + 10 * MIN);
    const firing = records.filter((r) => r.state === 'firing');
    expect(firing).toHaveLength(2);
    expect(firing[0]!.alertId).not.toBe(firing[1]!.alertId);
    expect(firing.every((r) => r.alertKey === 'customer_silence|acme|c1')).toBe(true);
  });
});

describe('grouping', () => {
  it('300 silences of one brand within group_wait are one notification with a count of 300', () => {
    const { engine, sent, records } = setup([rule('customer_silence', { groupWaitMs: 60 * S })]);
    const signals = Array.from({ length: 300 }, (_, i) => silence(`c${i}`, T0 + i * 100, true, 'acme', i % 3 === 0 ? 'social' : 'chat'));
    engine.apply(signals, T0 + 30 * S);
    expect(sent).toHaveLength(0);
    engine.advance(T0 + 60 * S);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ count: 300, state: 'firing', brand: 'acme', key: 'customer_silence|brand=acme', truncated: 280 });
    // The page lists 20 of them (the longest waiting first); the count and the sentence cover all 300.
    expect(sent[0]!.alerts!.map((a) => a.key)).toEqual(Array.from({ length: 20 }, (_, i) => `customer_silence|acme|c${i}`));
    // The first one waited 5 min when it fired and 1 min more by the notification.
    expect(sent[0]!.summary).toBe('300 customers waiting for a reply from acme: chat 200, social 100; longest 6 min');
    expect(records.filter((r) => r.state === 'firing')).toHaveLength(300);
    expect(records.filter((r) => r.state === 'notified')).toHaveLength(1);
  });

  it('with group_wait 0 the first alert pages at once and later ones are batched per group_interval', () => {
    const { engine, sent } = setup([rule('customer_silence', { groupWaitMs: 0, groupIntervalMs: 5 * MIN })]);
    engine.apply([silence('c0', T0)], T0);
    expect(sent.map((n) => n.count)).toEqual([1]);
    const more = Array.from({ length: 120 }, (_, i) => silence(`c${i + 1}`, T0 + S + i * 2 * S));
    engine.apply(more, T0 + 4 * MIN);
    expect(sent).toHaveLength(1);
    engine.advance(T0 + 5 * MIN);
    expect(sent.map((n) => n.count)).toEqual([1, 121]);
  });

  it('separate brands are separate groups; group_by splits further', () => {
    const { engine, sent } = setup([rule('customer_silence', { groupBy: ['channel'] })]);
    engine.apply([silence('a1', T0, true, 'acme', 'chat'), silence('a2', T0, true, 'acme', 'social'), silence('b1', T0, true, 'beta', 'chat')], T0);
    expect(sent.map((n) => n.key).sort()).toEqual(['customer_silence|brand=acme|channel=chat', 'customer_silence|brand=acme|channel=social', 'customer_silence|brand=beta|channel=chat']);
  });

  it('sends one resolved notification when the notified alerts of a group resolve', () => {
    const { engine, sent } = setup([rule('customer_silence', { groupWaitMs: 10 * S })]);
    engine.apply([silence('c1', T0), silence('c2', T0)], T0 + 10 * S);
    engine.apply([silence('c1', T0 + MIN, false), silence('c2', T0 + 2 * MIN, false)], T0 + 2 * MIN);
    engine.advance(T0 + 20 * MIN);
    expect(sent.map((n) => [n.state, n.count])).toEqual([
      ['firing', 2],
      ['resolved', 2],
    ]);
    expect(sent[1]!.summary).toBe('Resolved: 2 customers of acme got a reply');
    expect(sent[1]!.endsAt).toBe(T0 + 2 * MIN);
  });

  it('with notify_resolved off, alerts leaving a group page nobody; only newcomers do', () => {
    const { engine, sent } = setup([rule('customer_silence', { notifyResolved: false, groupIntervalMs: 5 * MIN })]);
    engine.apply([silence('c1', T0), silence('c2', T0), silence('c3', T0)], T0);
    engine.apply([silence('c1', T0 + MIN, false)], T0 + MIN);
    engine.advance(T0 + 10 * MIN);
    expect(sent.map((n) => n.count)).toEqual([3]);
    engine.apply([silence('c4', T0 + 11 * MIN)], T0 + 11 * MIN);
    engine.advance(T0 + 15 * MIN);
    // Newcomers are listed first.
    expect(sent.map((n) => [n.count, n.alerts!.map((a) => a.key.split('|')[2])])).toEqual([
      [3, ['c1', 'c2', 'c3']],
      [3, ['c4', 'c2', 'c3']],
    ]);
  });

  it('a group of 3,000 re-notified for days stores 3,000 member rows, not one per alert per page, and every page stays small', () => {
    const { engine, sent, members } = setup([rule('customer_silence', { renotifyMs: 60 * MIN })]);
    engine.apply(
      Array.from({ length: 3000 }, (_, i) => silence(`c${i}`, T0 + i * S, true, 'acme', i % 4 === 0 ? 'social' : 'chat')),
      T0 + 3000 * S,
    );
    engine.advance(T0 + 3 * 24 * 60 * MIN);
    // One page for the first, one for the rest at the next interval, then one an hour for three days.
    expect(sent.length).toBeGreaterThan(70);
    expect(members).toHaveLength(3000);
    expect(members.every((m) => m.change === 'joined')).toBe(true);
    const last = sent.at(-1)!;
    expect(last).toMatchObject({ count: 3000, truncated: 2980 });
    expect(last.alerts).toHaveLength(20);
    expect(last.summary).toMatch(/^3000 customers waiting for a reply from acme: chat 2250, social 750; longest 3 d/);
    expect(JSON.stringify(last).length).toBeLessThan(20_000);
    // Every page's listing, rebuilt from the runs, is the whole group at that time.
    const listed = listedFromChanges(sent, members);
    expect(sent.map((n) => listed.get(n.id!)!.size)).toEqual(sent.map((n) => n.count));
  });

  it('carries what changed for sinks that keep state (Alertmanager), outside the JSON', () => {
    const { engine, sent } = setup([rule('customer_silence', { groupIntervalMs: 5 * MIN })]);
    engine.apply([silence('c1', T0), silence('c2', T0)], T0);
    engine.apply([silence('c3', T0 + MIN), silence('c1', T0 + MIN, false)], T0 + MIN);
    engine.advance(T0 + 5 * MIN);
    const keys = (xs: { key: string }[]) => xs.map((x) => x.key.split('|')[2]);
    expect(sent.map((n) => [keys(n.changes!.joined), keys(n.changes!.resolved), n.changes!.left])).toEqual([
      [['c1', 'c2'], [], []],
      [['c3'], ['c1'], []],
    ]);
    expect(JSON.parse(JSON.stringify(sent[1]))).not.toHaveProperty('changes');
  });

  it('an alert that fires and resolves before its group is flushed pages nobody', () => {
    const { engine, sent } = setup([rule('customer_silence', { groupWaitMs: 60 * S })]);
    engine.apply([silence('c1', T0), silence('c1', T0 + 10 * S, false)], T0 + 10 * S);
    engine.advance(T0 + 30 * MIN);
    expect(sent).toHaveLength(0);
  });
});

describe('inhibition', () => {
  it('holds back per-conversation pages while the brand-level alert fires, but stores them, flagged', () => {
    const { engine, sent, records } = setup([rule('customer_silence'), rule('brand_silence')], inhibit);
    engine.apply([brandSilence(T0)], T0);
    const many = Array.from({ length: 40 }, (_, i) => silence(`c${i}`, T0 + MIN + i * S));
    many.push(silence('other', T0 + MIN, true, 'beta'));
    engine.apply(many, T0 + 2 * MIN);
    engine.advance(T0 + 20 * MIN);
    expect(sent.map((n) => [n.rule, n.brand, n.count])).toEqual([
      ['brand_silence', 'acme', 1],
      ['customer_silence', 'beta', 1],
    ]);
    const acmeFiring = records.filter((r) => r.state === 'firing' && r.rule === 'customer_silence' && r.brand === 'acme');
    expect(acmeFiring).toHaveLength(40);
    expect(acmeFiring.every((r) => r.inhibited && r.inhibitedBy === 'brand_silence|acme')).toBe(true);
  });

  it('pages the alerts still firing once the brand-level alert resolves', () => {
    const { engine, sent } = setup([rule('customer_silence', { groupIntervalMs: 5 * MIN }), rule('brand_silence')], inhibit);
    engine.apply([brandSilence(T0), silence('c1', T0 + MIN), silence('c2', T0 + MIN)], T0 + MIN);
    engine.apply([brandSilence(T0 + 3 * MIN, false)], T0 + 3 * MIN);
    engine.advance(T0 + 6 * MIN);
    const cs = sent.filter((n) => n.rule === 'customer_silence');
    expect(cs.map((n) => [n.state, n.count, n.at! - T0])).toEqual([['firing', 2, 6 * MIN]]);
  });

  it('a brand-level alert firing at the same instant as the silences wins the race', () => {
    const { engine, sent } = setup([rule('customer_silence'), rule('brand_silence')], inhibit);
    engine.apply([silence('c1', T0), brandSilence(T0)], T0);
    expect(sent.map((n) => n.rule)).toEqual(['brand_silence']);
    expect(sent[0]!.values).toMatchObject({ count: 1 });
  });
});

describe('timeline', () => {
  it('gives the same rows and notifications whatever the batch boundaries (replays)', () => {
    const signals: Signal[] = [];
    for (let i = 0; i < 60; i++) {
      signals.push(silence(`c${i % 12}`, T0 + i * 37 * S, i % 3 !== 2, i % 2 ? 'acme' : 'beta'));
      if (i % 20 === 5) signals.push(brandSilence(T0 + i * 37 * S, i % 40 === 5));
    }
    const run = (batch: number) => {
      const { engine, records, sent } = setup(
        [rule('customer_silence', { forMs: 90 * S, groupWaitMs: 30 * S }), rule('brand_silence', { keepFiringForMs: MIN })],
        inhibit,
      );
      for (let i = 0; i < signals.length; i += batch) {
        const part = signals.slice(i, i + batch);
        engine.apply(part, part[part.length - 1]!.at);
      }
      engine.advance(T0 + 3 * 3600 * S);
      return { records, sent: sent.map((n) => [n.id, n.count, n.state]) };
    };
    const one = run(1);
    expect(run(7)).toEqual(one);
    expect(run(1000)).toEqual(one);
    expect(one.sent.length).toBeGreaterThan(3);
  });

  it('invariants hold for any sequence of conditions (property)', () => {
    const arb = fc.array(
      fc.record({ conv: fc.integer({ min: 0, max: 4 }), dt: fc.integer({ min: 0, max: 10 * MIN }), active: fc.boolean(), brandLevel: fc.boolean() }),
      { maxLength: 80 },
    );
    fc.assert(
      fc.property(arb, fc.integer({ min: 0, max: 3 * MIN }), fc.integer({ min: 0, max: 3 * MIN }), (steps, forMs, keepMs) => {
        const { engine, records, sent, members } = setup(
          [rule('customer_silence', { forMs, keepFiringForMs: keepMs, groupWaitMs: 20 * S }), rule('brand_silence')],
          inhibit,
          1000,
        );
        let t = T0;
        for (const s of steps) {
          t += s.dt;
          engine.apply([s.brandLevel ? brandSilence(t, s.active) : silence(`c${s.conv}`, t, s.active)], t);
        }
        engine.advance(t + 24 * 3600 * S);
        // Each episode goes pending? → firing → resolved, or pending → inactive, in time order (or is still open).
        const byId = new Map<string, AlertRecord[]>();
        for (const r of records) if (r.state !== 'notified') byId.set(r.alertId, [...(byId.get(r.alertId) ?? []), r]);
        for (const rows of byId.values()) {
          const seq = rows.map((r) => r.state).join('>');
          expect(['pending>firing>resolved', 'firing>resolved', 'pending>inactive', 'pending>firing', 'firing']).toContain(seq);
          for (let i = 1; i < rows.length; i++) expect(rows[i]!.at).toBeGreaterThanOrEqual(rows[i - 1]!.at);
        }
        // One alert per key at a time: episodes of a key never overlap.
        const byKey = new Map<string, [number, number][]>();
        for (const rows of byId.values()) {
          const k = rows[0]!.alertKey;
          byKey.set(k, [...(byKey.get(k) ?? []), [rows[0]!.at, rows[rows.length - 1]!.at]]);
        }
        for (const spans of byKey.values()) {
          spans.sort((a, b) => a[0] - b[0]);
          for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1]);
        }
        // A firing notification counts its firing members, and never carries an alert held back at that time.
        for (const n of sent) {
          if (n.state === 'firing') expect(n.alerts!.filter((a) => a.state === 'firing')).toHaveLength(n.count);
        }
        // The membership changes stored say exactly which alerts each notification listed.
        const listed = listedFromChanges(sent, members);
        for (const n of sent) expect([...listed.get(n.id!)!].sort()).toEqual(n.alerts!.map((a) => a.id).sort());
        // A day later, exactly the conditions whose last word was "active" are firing, none pending.
        const last = new Map<string, boolean>();
        for (const s of steps) last.set(s.brandLevel ? 'brand' : `c${s.conv}`, s.active);
        expect(engine.counts()).toMatchObject({ pending: 0, firing: [...last.values()].filter(Boolean).length });
      }),
      { numRuns: 300 },
    );
  });
});
