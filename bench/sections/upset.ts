/**
 * The upset scorer alone, on the inbound messages of the bench workload (the scenario at scale:
 * twelve languages, `lang` present on about 70 % of them, some upstream sentiment): messages per
 * CPU-second with the language as sent, with it withheld (detected), and through the score stage
 * (repeat-contact context included). CPU time, not wall time, so a busy machine does not skew it.
 * Then the memory the repeat-contact state holds at its bound (`score.max_tracked_customers`).
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parsePipelineConfig } from '../../src/config/pipeline.js';
import { EventSchema } from '../../src/contract/events.js';
import type { Envelope } from '../../src/contract/records.js';
import type { StageContext } from '../../src/pipeline/stage.js';
import { ContactTracker } from '../../src/score/contacts.js';
import { createScoreStage, scorerFromConfig } from '../../src/score/stage.js';
import { workloadFile } from '../workload.js';
import type { BenchResult } from './index.js';

/** The pipeline's target is 300k events/s on 2 cores; this share of one core is what scoring may take. */
const TARGET_EVENTS_PER_SEC = 300_000;

function cpuRate(n: number, run: () => void, minMicros = 2_000_000): number {
  run(); // warm up
  const c0 = process.cpuUsage();
  let done = 0;
  while (process.cpuUsage(c0).user < minMicros) {
    run();
    done += n;
  }
  return done / (process.cpuUsage(c0).user / 1e6);
}

const fmt = (r: number) => `${(r / 1000).toFixed(1)}k/s`;
const MIB = 2 ** 20;

/**
 * JS heap the score stage's repeat-contact state holds once full: three times `max` customers write,
 * each in two conversations, with a fresh id string per message (as parsed events carry them), so
 * the bound is reached and every eviction path runs. Measured after full collections.
 */
function contactStateBytes(max: number): { bytes: number; customers: number; conversations: number } {
  // tsx does not pass --expose-gc; turn it on here so the figure is after a full collection.
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const channels = ['chat', 'social', 'email', 'ticket'];
  const id = (kind: string, n: number) => JSON.parse(`"s1-20260301T0600-${kind}-${String(n).padStart(7, '0')}"`) as string;
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  const t = new ContactTracker({ windowMs: 3_600_000, maxEntries: max });
  const customers = 2 * max;
  for (let i = 0; i < 3 * customers; i++) {
    const c = i % customers;
    t.inbound({ brand: i % 3 ? 'aurora-air' : 'northwind-telecom', conversationId: id('conv', 2 * c + (i % 2)), customerId: id('cust', c), channel: channels[i % 4]!, ts: 1_772_323_200_000 + i });
  }
  gc();
  gc();
  const bytes = process.memoryUsage().heapUsed - before;
  return { bytes, ...t.size };
}

export async function upsetScorer(): Promise<BenchResult[]> {
  const { path } = await workloadFile();
  const envs: Envelope[] = [];
  let lines = 0;
  for await (const line of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) {
    lines++;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      continue;
    }
    const r = EventSchema.safeParse(v);
    if (r.success && r.data.type === 'message') envs.push({ event: r.data, raw: line, origin: { kind: 'file', name: path, line: lines } });
    if (envs.length >= 400_000) break;
  }
  const inbound = envs.filter((e) => e.event.type === 'message' && e.event.direction === 'inbound');
  const inputs = inbound.map((e) => (e.event.type === 'message' ? { text: e.event.text, lang: e.event.lang, sentiment: e.event.sentiment } : {}));
  const share = inbound.length / lines;
  process.stdout.write(`   ${inputs.length} inbound messages (${(100 * share).toFixed(0)}% of ${lines} workload lines), ${(100 * inputs.filter((i) => i.lang).length / inputs.length).toFixed(0)}% with lang\n`);

  const config = parsePipelineConfig({}).score;
  const scorer = scorerFromConfig(config);
  const asSent = cpuRate(inputs.length, () => {
    for (const i of inputs) scorer.score(i);
  });
  const withheld = cpuRate(inputs.length, () => {
    for (const i of inputs) scorer.score({ text: i.text, sentiment: i.sentiment });
  });
  const ctx = { detections: [], emit() {}, clock: { now: () => 0 }, live: false } as unknown as StageContext;
  // Inbound messages per CPU-second through the stage (outbound ones pass through it too, as in the pipeline).
  const stageRate = cpuRate(inbound.length, () => {
    const stage = createScoreStage(config);
    for (let k = 0; k < envs.length; k += 5000) stage.onEvents!(envs.slice(k, k + 5000), ctx);
  });
  // The context part alone: the repeat-contact look-ups of the same messages (a fresh state per run, as above).
  const contactRate = cpuRate(inbound.length, () => {
    const t = new ContactTracker({ windowMs: config.repeat_contact_window_secs * 1000, maxEntries: config.max_tracked_customers });
    const out = new Uint8Array(3);
    for (const env of envs) {
      const e = env.event;
      if (e.type !== 'message') continue;
      if (e.direction === 'outbound') {
        if (e.public) t.reply(e.brand, e.conversationId, e.ts);
      } else t.inboundInto(e.brand, e.conversationId, e.customerId, e.channel, e.ts, out, 0);
    }
  });
  // Scoring cost per workload event, as a share of one core at the pipeline's target rate.
  const coreShare = (TARGET_EVENTS_PER_SEC * share) / stageRate;
  process.stdout.write(`   scorer, lang as sent: ${fmt(asSent)} messages per CPU-second; lang withheld: ${fmt(withheld)}; score stage (with context): ${fmt(stageRate)} inbound messages per CPU-second\n`);
  process.stdout.write(`   of which the repeat-contact look-ups alone (customers and conversations by id, over every message): ${fmt(contactRate)} inbound messages per CPU-second\n`);
  process.stdout.write(`   at ${TARGET_EVENTS_PER_SEC / 1000}k events/s the score stage needs ${(100 * coreShare).toFixed(0)}% of one core\n`);
  const state = contactStateBytes(config.max_tracked_customers);
  process.stdout.write(
    `   repeat-contact state at its bound (${state.customers} customers + ${state.conversations} conversations, ids included): ${(state.bytes / MIB).toFixed(0)} MiB JS heap, ${(state.bytes / (state.customers + state.conversations)).toFixed(0)} B per entry\n`,
  );
  return [
    { section: 'upset', figure: 'scorer, lang as sent', value: `${fmt(asSent)} per CPU-second` },
    { section: 'upset', figure: 'scorer, lang withheld', value: `${fmt(withheld)} per CPU-second` },
    { section: 'upset', figure: 'score stage (context included)', value: `${fmt(stageRate)} per CPU-second (contact look-ups alone ${fmt(contactRate)})` },
    {
      section: 'upset',
      figure: 'score stage share of one core at 300k events/s',
      value: `${(100 * coreShare).toFixed(0)}%`,
      target: '≤ 50%',
      met: coreShare <= 0.5,
    },
    { section: 'upset', figure: 'repeat-contact state at its bound', value: `${(state.bytes / MIB).toFixed(0)} MiB for ${state.customers / 1000}k customers + ${state.conversations / 1000}k conversations` },
  ];
}
