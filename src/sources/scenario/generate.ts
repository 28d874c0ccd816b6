/**
 * @module sources/scenario/generate
 * The built-in crisis: an airline's check-in and booking systems go down. Seeded and deterministic:
 * the same seed and start give the same events, byte for byte.
 *
 * The story (minutes from the start, 6 hours in all):
 * -   0–110 calm baseline; agents answer promptly.
 * - 110     customers notice first: upset inbound starts to surge on chat, social and tickets.
 * - 125     the incident is declared; hundreds of customers are marked as affected (`impact`).
 * - 135,150 the brand posts public updates, then goes quiet until 215: a public silence of 65 min.
 * - 110–240 agents fall behind; a critical case waits while easier ones are answered; promises are
 *           made, some kept, some late, some broken; affected customers who never write are
 *           partly reached out to.
 * - 240–300 recovery; the incident is resolved at 285; calm again until 360.
 * A second brand runs a quiet baseline throughout (no crisis: a control).
 *
 * @example
 * const { events, script } = generateScenario({ seed: 7, start: Date.parse('2026-03-14T06:00:00Z') });
 */
import type { EventInput } from '../../contract/events.js';
import { AGENT, BROADCASTS, LANGUAGE_MIX, PHRASES } from './phrases.js';
import { rng, samplers } from './random.js';

export interface ScenarioOptions {
  seed?: number;
  /** Epoch ms of minute 0. */
  start?: number;
  /** Multiplies customer volume (1 gives about 3,000 conversations). */
  scale?: number;
  brand?: string;
  controlBrand?: string;
}

/** Where the story put things: what detectors should find (tests and evaluation read this). */
export interface ScenarioScript {
  seed: number;
  start: number;
  end: number;
  brand: string;
  controlBrand: string;
  incidentId: string;
  incidentDeclaredAt: number;
  incidentResolvedAt: number;
  /** When upset volume surges and subsides. */
  surge: { from: number; peak: number; to: number };
  /** The brand's public silence during the crisis: last broadcast before it, first after it. */
  brandSilence: { from: number; to: number };
  /** A chat left unanswered on purpose. */
  silentChat: { conversationId: string; openedAt: number; repliedAt: number };
  /** A critical case answered after many lower-severity ones opened later. */
  invertedCritical: { conversationId: string; openedAt: number; firstReplyAt: number };
  impactedCustomers: number;
  /** Affected customers who never write in. */
  silentSufferers: number;
  /** Of those, reached proactively by the brand. */
  proactivelyReached: number;
  promises: { made: number; kept: number; late: number; broken: number; open: number };
  /** Lines in the emitted stream that are not valid events (each must become a dead letter). */
  garbage: number;
  /** The id of the inbound message whose text carries an HTML/script payload. */
  hostileMessageId: string;
}

export interface Scenario {
  /** Valid events, sorted by time. */
  events: EventInput[];
  /** Invalid lines with the time they are emitted at. */
  garbage: { ts: number; line: string }[];
  script: ScenarioScript;
}

const MIN = 60_000;
export const DEFAULT_SCENARIO_START = Date.parse('2026-03-14T06:00:00Z');

type Channel = 'chat' | 'social' | 'ticket' | 'email';
type Severity = 'critical' | 'high' | 'normal' | 'low';

/** Reply time in minutes at calm load, by channel. */
const BASE_REPLY_MIN: Record<Channel, number> = { chat: 1.5, social: 8, ticket: 25, email: 40 };

export function generateScenario(options: ScenarioOptions = {}): Scenario {
  const seed = options.seed ?? 42;
  const start = options.start ?? DEFAULT_SCENARIO_START;
  const scale = options.scale ?? 1;
  const brand = options.brand ?? 'aurora-air';
  const control = options.controlBrand ?? 'northwind-telecom';
  const rand = rng(seed);
  const at = (minute: number) => start + Math.round(minute * MIN);
  const iso = (ms: number) => new Date(ms).toISOString();
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const chance = (p: number) => rand() < p;
  const { expo, poisson } = samplers(rand);
  const lang = () => {
    let r = rand();
    for (const [l, w] of LANGUAGE_MIX) {
      if ((r -= w) <= 0) return l;
    }
    return 'en';
  };
  const fill = (s: string) => s.replace('{f}', `AU${100 + Math.floor(rand() * 900)}`).replace('{n}', String(10000 + Math.floor(rand() * 90000)));

  const events: EventInput[] = [];
  let seq = 0;
  // Ids carry the seed and start, so a replay of the same run is idempotent and a new run is new.
  const runTag = `s${seed}-${new Date(start).toISOString().slice(0, 16).replace(/[-:]/g, '')}`;
  const nextId = (prefix: string) => `${runTag}-${prefix}-${String(++seq).padStart(6, '0')}`;

  const incidentId = 'INC-2026-0314-CHECKIN';
  const declared = at(125);
  const resolved = at(285);
  const surge = { from: at(110), peak: at(165), to: at(240) };
  const end = at(360);

  /** Inbound rate per minute for the crisis brand (all channels). */
  const rate = (m: number): number => {
    const base = 1.6 + 0.3 * Math.sin((m / 360) * Math.PI); // gentle morning rise
    if (m < 110 || m >= 300) return base;
    if (m < 165) return base + ((m - 110) / 55) * 14; // ramp to ~16/min
    if (m < 240) return base + 14 - ((m - 165) / 75) * 6;
    return base + 8 * (1 - (m - 240) / 60);
  };
  /** How far agents are behind: multiplies reply times. */
  const load = (m: number): number => {
    if (m < 112 || m >= 310) return 1;
    if (m < 170) return 1 + ((m - 112) / 58) * 9;
    if (m < 250) return 10 - ((m - 170) / 80) * 5;
    return 5 - ((m - 250) / 60) * 4;
  };
  const inCrisis = (m: number) => m >= 110 && m < 300;

  // Incident and affected customers.
  events.push({ id: nextId('inc'), type: 'incident', ts: iso(declared), brand, source: 'statuspage', incidentId, action: 'declared', title: 'Check-in and booking systems down', severity: 'critical' });
  events.push({ id: nextId('inc'), type: 'incident', ts: iso(resolved), brand, source: 'statuspage', incidentId, action: 'resolved', title: 'Check-in and booking systems down', severity: 'critical' });
  const impacted = Math.round(400 * scale);
  const impactedIds: string[] = [];
  for (let i = 0; i < impacted; i++) {
    const customerId = `cust-aff-${String(i + 1).padStart(5, '0')}`;
    impactedIds.push(customerId);
    events.push({ id: nextId('imp'), type: 'impact', ts: iso(at(126 + rand() * 10)), brand, source: 'ops-flight-system', customerId, incidentId, severity: chance(0.1) ? 'high' : 'normal' });
  }
  // 45 % of the affected customers will write in; the rest are silent sufferers.
  const writers = impactedIds.filter(() => chance(0.45));
  const writerSet = new Set(writers);
  const silent = impactedIds.filter((c) => !writerSet.has(c));
  let writerCursor = 0;

  // Broadcasts: two early updates, then 65 minutes of public silence.
  const bc = (minute: number, channel: 'social' | 'status_page', text: string) =>
    events.push({ id: nextId('bc'), type: 'broadcast', ts: iso(at(minute)), brand, source: channel === 'social' ? 'x' : 'statuspage', channel, text, incidentId });
  bc(135, 'status_page', BROADCASTS.first);
  bc(135.5, 'social', BROADCASTS.first);
  bc(150, 'social', BROADCASTS.second);
  bc(215, 'social', BROADCASTS.late);
  bc(215.2, 'status_page', BROADCASTS.late);
  bc(250, 'social', BROADCASTS.recovering);
  bc(285, 'status_page', BROADCASTS.resolved);
  bc(285.3, 'social', BROADCASTS.resolved);

  const promiseCounts = { made: 0, kept: 0, late: 0, broken: 0, open: 0 };
  let conv = 0;

  interface Conversation {
    brand: string;
    channel: Channel;
    openedMin: number;
    severity: Severity;
    upset: boolean;
    lang: string;
    customerId: string;
    forceReplyMin?: number;
    text?: string;
    id?: string;
  }

  const conversation = (c: Conversation): { conversationId: string; firstReplyAt: number } => {
    const conversationId = `${runTag}-${c.id ?? `${c.channel}-${String(++conv).padStart(6, '0')}`}`;
    const agentId = `agent-${String(1 + Math.floor(rand() * 24)).padStart(2, '0')}`;
    const ph = PHRASES[c.lang] ?? PHRASES.en!;
    const opened = at(c.openedMin);
    const source = c.channel === 'social' ? 'x' : c.channel === 'chat' ? 'chatwoot' : 'zendesk';
    const msg = (ts: number, direction: 'inbound' | 'outbound', text: string, extra: Partial<Record<string, unknown>> = {}) => {
      const offsetIso = direction === 'inbound' && c.lang === 'hi' ? toOffsetIso(ts, 330) : iso(ts);
      events.push({
        id: nextId('msg'),
        type: 'message',
        ts: offsetIso,
        brand: c.brand,
        source,
        conversationId,
        channel: c.channel,
        direction,
        ...(direction === 'inbound' ? { customerId: c.customerId, lang: chance(0.7) ? c.lang : undefined } : { agentId }),
        text,
        ...extra,
      } as EventInput);
    };
    const hasTicket = c.channel !== 'social' || c.severity === 'critical';
    if (hasTicket) {
      events.push({ id: nextId('tkt'), type: 'ticket', ts: iso(opened), brand: c.brand, source, conversationId, action: 'opened', severity: c.severity, status: 'new', customerId: c.customerId, channel: c.channel, topic: c.upset ? pick(['outage', 'refund', 'rebooking']) : pick(['booking', 'billing', 'baggage']) });
    }
    msg(opened, 'inbound', c.text ?? fill(c.upset ? pick(ph.upset) : pick(ph.calm)), c.channel === 'social' && chance(0.3) ? { sentiment: c.upset ? -0.6 - rand() * 0.4 : rand() * 0.5 } : {});

    // When the first public reply comes.
    const m = c.openedMin;
    const sevFactor = c.severity === 'critical' ? 0.35 : c.severity === 'high' ? 0.7 : c.severity === 'low' ? 1.4 : 1;
    const replyMin = c.forceReplyMin ?? m + Math.max(0.3, expo(BASE_REPLY_MIN[c.channel] * (c.brand === brand ? load(m) : 1) * sevFactor));
    const replyAt = at(Math.min(replyMin, 358));

    // Customers chase when kept waiting; some switch channel.
    const chaseEvery = c.channel === 'chat' ? 12 : c.channel === 'social' ? 30 : 60;
    for (let t = m + chaseEvery; t < replyMin - 1 && t < 358; t += chaseEvery * (1 + rand())) {
      msg(at(t), 'inbound', pick(ph.chase));
    }
    // An internal note while waiting ends no silence.
    if (replyMin - m > 20 && chance(0.3)) {
      events.push({ id: nextId('msg'), type: 'message', ts: iso(at(Math.min(m + (replyMin - m) / 2, 358))), brand: c.brand, source, conversationId, channel: c.channel, direction: 'outbound', agentId, text: 'Internal: customer affected by the outage, waiting for rebooking tool.', public: false });
    }
    if (replyMin >= 358) return { conversationId, firstReplyAt: replyAt };
    const replyLang = c.lang === 'es' ? 'es' : 'en';
    const makesPromise = c.brand === brand && inCrisis(m) && c.upset && chance(0.12);
    if (makesPromise) {
      const p = pick(AGENT.promise.filter((x) => x.kind !== 'refund' || chance(0.3)));
      const promiseId = `prm-${conversationId}`;
      msg(replyAt, 'outbound', p[replyLang]);
      const due = replyAt + p.hours * 60 * MIN;
      events.push({ id: nextId('prm'), type: 'promise', ts: iso(replyAt), brand: c.brand, source, conversationId, promiseId, action: 'made', dueAt: iso(due), kind: p.kind, agentId, text: p[replyLang] });
      promiseCounts.made++;
      if (due > end) promiseCounts.open++;
      else {
        const r = rand();
        if (r < 0.55) {
          const keptAt = replyAt + (due - replyAt) * (0.4 + rand() * 0.5);
          msg(keptAt, 'outbound', 'As promised, here is your update: you are rebooked, details by e-mail.');
          if (chance(0.5)) events.push({ id: nextId('prm'), type: 'promise', ts: iso(keptAt), brand: c.brand, source, conversationId, promiseId, action: 'kept', agentId });
          promiseCounts.kept++;
        } else if (r < 0.75 && due + 20 * MIN < end) {
          msg(due + (10 + rand() * 10) * MIN, 'outbound', 'Sorry for the delay, here is the update we promised.');
          promiseCounts.late++;
        } else promiseCounts.broken++;
      }
    } else {
      msg(replyAt, 'outbound', pick(AGENT.ack[replyLang]));
    }
    // The customer's pleasantry after the reply: must open no silence.
    if (chance(0.3)) msg(replyAt + (0.5 + rand() * 3) * MIN, 'inbound', pick(ph.thanks));
    // Solve, and sometimes a rating.
    const solvedAt = replyAt + expo(30) * MIN;
    if (hasTicket && solvedAt < end) {
      events.push({ id: nextId('tkt'), type: 'ticket', ts: iso(solvedAt), brand: c.brand, source, conversationId, action: 'solved', severity: c.severity, status: 'solved', customerId: c.customerId, channel: c.channel });
      if (chance(0.35)) {
        const score = c.upset ? 1 + Math.floor(rand() * 3) : 4 + Math.floor(rand() * 2);
        events.push({ id: nextId('csat'), type: 'csat', ts: iso(solvedAt + 5 * MIN), brand: c.brand, source, conversationId, score, customerId: c.customerId });
      }
    }
    return { conversationId, firstReplyAt: replyAt };
  };

  const channelFor = (m: number): Channel => {
    const r = rand();
    if (inCrisis(m)) return r < 0.35 ? 'social' : r < 0.7 ? 'chat' : r < 0.92 ? 'ticket' : 'email';
    return r < 0.3 ? 'social' : r < 0.65 ? 'chat' : r < 0.9 ? 'ticket' : 'email';
  };
  const severityFor = (upset: boolean): Severity => {
    const r = rand();
    if (upset) return r < 0.06 ? 'critical' : r < 0.3 ? 'high' : r < 0.9 ? 'normal' : 'low';
    return r < 0.01 ? 'critical' : r < 0.1 ? 'high' : r < 0.75 ? 'normal' : 'low';
  };

  let customerSeq = 0;
  for (let m = 0; m < 357; m++) {
    // Crisis brand.
    const n = poisson(rate(m) * scale);
    for (let i = 0; i < n; i++) {
      const minute = m + rand();
      const upset = inCrisis(minute) ? chance(0.72) : chance(0.08);
      const affected = minute >= 126 && minute < 300 && upset && writerCursor < writers.length && chance(0.5);
      const customerId = affected ? writers[writerCursor++]! : `cust-${String(++customerSeq).padStart(6, '0')}`;
      conversation({ brand, channel: channelFor(minute), openedMin: minute, severity: severityFor(upset), upset, lang: lang(), customerId });
    }
    // Control brand: a quiet, healthy baseline.
    const nc = poisson(0.5 * scale);
    for (let i = 0; i < nc; i++) {
      const minute = m + rand();
      const upset = chance(0.08);
      conversation({ brand: control, channel: channelFor(0), openedMin: minute, severity: severityFor(upset), upset, lang: lang(), customerId: `nw-${String(++customerSeq).padStart(6, '0')}` });
    }
  }

  // Scripted: a chat nobody answers for 45 minutes.
  const silentChat = conversation({ brand, channel: 'chat', openedMin: 160, severity: 'high', upset: true, lang: 'en', customerId: 'cust-scripted-chat', forceReplyMin: 205, id: 'chat-scripted-silence', text: 'My flight AU451 is cancelled and I am stuck in Lisbon with no hotel. Please answer!' });
  // Scripted: a critical case left waiting while easier cases are answered.
  const inverted = conversation({ brand, channel: 'ticket', openedMin: 140, severity: 'critical', upset: true, lang: 'en', customerId: 'cust-scripted-critical', forceReplyMin: 235, id: 'ticket-scripted-critical', text: 'My father is stranded at the gate without his insulin, it is in his checked bag. Please help urgently.' });
  // Hostile text in a public post (must show as text on every page).
  const hostileConv = conversation({ brand, channel: 'social', openedMin: 170, severity: 'normal', upset: true, lang: 'en', customerId: 'cust-hostile', id: 'social-hostile', text: '<script>alert("xss")</script> <img src=x onerror=alert(1)> \u202Eworst airline\u202C' });
  const hostileMessageId = events.find((e) => e.type === 'message' && (e as { conversationId?: string }).conversationId === hostileConv.conversationId)!.id;

  // Proactive outreach to some silent sufferers.
  let reached = 0;
  for (const customerId of silent) {
    if (!chance(0.25)) continue;
    reached++;
    const ts = at(190 + rand() * 70);
    events.push({ id: nextId('msg'), type: 'message', ts: iso(ts), brand, source: 'braze', conversationId: `${runTag}-outreach-${customerId}`, channel: chance(0.5) ? 'email' : 'sms', direction: 'outbound', customerId, agentId: 'outreach-bot', text: 'Your flight is affected by our systems outage. You can rebook for free in the app; we will contact you with updates.' });
  }

  events.sort((a, b) => toMs(a.ts) - toMs(b.ts) || (a.id < b.id ? -1 : 1));

  const garbage = [
    { ts: at(60), line: JSON.stringify({ id: 'bad-direction-1', type: 'message', ts: iso(at(60)), brand, conversationId: 'chat-x', channel: 'chat', direction: 'in', text: 'hello' }) },
    { ts: at(130), line: `{"id":"bad-truncated-1","type":"ticket","ts":"${iso(at(130))}","conversationId":"tic` },
    { ts: at(200), line: JSON.stringify({ id: 'bad-ts-1', type: 'message', ts: 'yesterday', brand, conversationId: 'chat-y', channel: 'chat', direction: 'inbound' }) },
  ];

  const script: ScenarioScript = {
    seed,
    start,
    end,
    brand,
    controlBrand: control,
    incidentId,
    incidentDeclaredAt: declared,
    incidentResolvedAt: resolved,
    surge,
    brandSilence: { from: at(150), to: at(215) },
    silentChat: { conversationId: silentChat.conversationId, openedAt: at(160), repliedAt: silentChat.firstReplyAt },
    invertedCritical: { conversationId: inverted.conversationId, openedAt: at(140), firstReplyAt: inverted.firstReplyAt },
    impactedCustomers: impacted,
    silentSufferers: silent.length,
    proactivelyReached: reached,
    promises: promiseCounts,
    garbage: garbage.length,
    hostileMessageId,
  };
  return { events, garbage, script };
}

function toMs(ts: EventInput['ts']): number {
  return typeof ts === 'number' ? ts : Date.parse(String(ts));
}

/** ISO time in a fixed offset (minutes east of UTC), e.g. 2026-03-14T15:30:00.000+05:30. */
function toOffsetIso(ms: number, offsetMin: number): string {
  const local = new Date(ms + offsetMin * MIN).toISOString().slice(0, -1);
  const sign = offsetMin >= 0 ? '+' : '-';
  const abs = Math.abs(offsetMin);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** The scenario as NDJSON lines in time order, garbage lines included. */
export function scenarioLines(s: Scenario): { ts: number; line: string }[] {
  const lines = s.events.map((e) => ({ ts: toMs(e.ts), line: JSON.stringify(e) }));
  for (const g of s.garbage) lines.push(g);
  return lines.sort((a, b) => a.ts - b.ts);
}
