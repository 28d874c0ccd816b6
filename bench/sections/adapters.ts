/**
 * Adapters: the CSV framer and the twcs adapter on a generated TWCS-shaped file (threads of customer
 * tweets and company replies, quoted text with commas, quotes and line breaks, float-formatted ids),
 * then the same file through the whole pipeline into DuckDB; and the JSON adapters' mapping rate.
 * The real twcs.csv is about 2.8 M rows and 500 MB.
 */
import { createReadStream, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePipelineConfig } from '../../src/config/pipeline.js';
import type { RawRecord } from '../../src/contract/records.js';
import { Normalizer } from '../../src/normalize/normalize.js';
import { buildPipeline, buildSource } from '../../src/pipeline/build.js';
import { csvFramer } from '../../src/sources/file/csv.js';
import { CACHE, fmtRate, rate } from '../workload.js';
import type { BenchResult } from './index.js';

const COMPANIES = ['AcmeHelp', 'BetaCare', 'GammaSupport', 'DeltaAir'];
const CUSTOMER = ['my order never arrived, tracking says "delivered"', 'app crashes at login,\nagain and again', 'no signal since 8am!!', 'charged twice, refund please'];
const REPLY = ['Sorry to hear that! Can you DM us the order number? ^AB', 'We are looking into it, thanks for your patience.', 'Please try updating to the latest version, then let us know.'];

function rows(): number {
  return Number(process.env.BENCH_TWCS_ROWS ?? 300_000);
}

/** A TWCS-shaped CSV: threads of 2–4 tweets, about 150 bytes a row. Written once, cached. */
function twcsFile(n = rows()): string {
  mkdirSync(CACHE, { recursive: true });
  const path = join(CACHE, `twcs-${n}.csv`);
  if (existsSync(path)) return path;
  const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
  const out: string[] = ['tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id'];
  let id = 1;
  let t = Date.UTC(2017, 9, 1);
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const date = (ms: number) => {
    const d = new Date(ms);
    return `${days[d.getUTCDay()]} ${months[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, '0')} ${d.toISOString().slice(11, 19)} +0000 ${d.getUTCFullYear()}`;
  };
  while (out.length - 1 < n) {
    const company = COMPANIES[id % COMPANIES.length]!;
    const customer = 100000 + (id % 50000);
    const len = 2 + (id % 3);
    const ids = Array.from({ length: len }, (_, k) => id + k);
    for (let k = 0; k < len && out.length - 1 < n; k++) {
      const inbound = k % 2 === 0;
      const text = inbound ? `@${company} ${CUSTOMER[(id + k) % CUSTOMER.length]}` : `@${customer} ${REPLY[(id + k) % REPLY.length]}`;
      const tid = k === len - 1 && k % 2 === 1 ? `${ids[k]}.0` : String(ids[k]);
      out.push([tid, inbound ? customer : company, inbound ? 'True' : 'False', date(t), q(text), k + 1 < len ? String(ids[k + 1]) : '', k > 0 ? String(ids[k - 1]) : ''].join(','));
      t += 7_000;
    }
    id += len;
  }
  writeFileSync(path, out.join('\n') + '\n');
  return path;
}

async function frameOnly(path: string): Promise<{ ms: number; records: number; mapped: number }> {
  const n = new Normalizer({ format: 'twcs', maxEventBytes: 1 << 20 });
  const t0 = performance.now();
  let records = 0;
  let mapped = 0;
  let batch: RawRecord[] = [];
  for await (const r of csvFramer()(createReadStream(path, { highWaterMark: 1 << 20 }), path, { maxRecordBytes: 1 << 26, onBytes: () => undefined })) {
    records++;
    batch.push(r);
    if (batch.length === 5000) {
      mapped += n.normalize(batch).events.length;
      batch = [];
    }
  }
  mapped += n.normalize(batch).events.length;
  return { ms: performance.now() - t0, records, mapped };
}

async function splitOnly(path: string): Promise<{ ms: number; records: number }> {
  const t0 = performance.now();
  let records = 0;
  for await (const _ of csvFramer()(createReadStream(path, { highWaterMark: 1 << 20 }), path, { maxRecordBytes: 1 << 26, onBytes: () => undefined })) records++;
  return { ms: performance.now() - t0, records };
}

interface PipelineRun {
  ms: number;
  stored: number;
  /** Peak RSS of this process so far (the kernel's high-water mark), MiB. */
  peakMiB: number;
  /** Rows of alert_notification_members, notifications, alerts firing at the end, silences abandoned. */
  members: number;
  notifications: number;
  firing: number;
  abandoned: number;
}

async function pipeline(path: string): Promise<PipelineRun> {
  const db = join(tmpdir(), `crisiscx-bench-${process.pid}-twcs.duckdb`);
  rmSync(db, { force: true });
  const config = parsePipelineConfig({ database: db, sources: [{ type: 'file', paths: [path], format: 'twcs' }], serve: { enabled: false } }, 'bench');
  const source = buildSource(config.sources[0]!, config);
  const built = await buildPipeline(config);
  const t0 = performance.now();
  await built.pipeline.runSource(source);
  await built.pipeline.flush();
  const ms = performance.now() - t0;
  const stored = built.pipeline.stats.stored;
  const peakMiB = (process.resourceUsage().maxRSS * 1024) / 2 ** 20;
  // The alert history a replay of days of tweets leaves: membership changes (not every member at
  // every re-notify), and how many customers nobody ever answered are still firing at the end.
  const [a] = await built.db.query<{ members: bigint; notifications: bigint; firing: bigint; abandoned: bigint }>(
    `SELECT (SELECT count(*) FROM alert_notification_members) AS members,
            (SELECT count(*) FROM alerts WHERE state = 'notified') AS notifications,
            (SELECT count(*) FROM alerts_firing) AS firing,
            (SELECT count(*) FROM alerts WHERE state = 'resolved' AND rule = 'customer_silence' AND summary LIKE '%abandoned%') AS abandoned`,
  );
  await built.close();
  rmSync(db, { force: true });
  rmSync(`${db}.wal`, { force: true });
  return { ms, stored, peakMiB, members: Number(a!.members), notifications: Number(a!.notifications), firing: Number(a!.firing), abandoned: Number(a!.abandoned) };
}

/** The JSON adapters' mapping rate (parse + map + contract check), on copies of their fixtures. */
function jsonAdapters(): BenchResult[] {
  const out: BenchResult[] = [];
  const samples: Record<string, { line: unknown; options?: { brandAccounts: string[] } }> = {
    zendesk: { line: { id: 1, ticket_id: 5, created_at: '2026-03-14T10:00:00Z', updater_id: 9, via: 'Mail', child_events: [{ id: 2, event_type: 'Create', requester_id: 9, priority: 'high', status: 'new' }, { id: 3, event_type: 'Comment', author_id: 9, body: 'No signal since 8am', public: true }] } },
    chatwoot: { line: { event: 'message_created', id: 1, content: 'is the internet down??', created_at: '2026-03-14T12:00:05.000Z', message_type: 'incoming', private: false, sender: { id: 7, type: 'contact' }, conversation: { id: 41, channel: 'Channel::WebWidget', contact_inbox: { contact_id: 7 } } } },
    x: { line: { data: { id: '19', text: '@AcmeHelp down again', author_id: '42', conversation_id: '19', created_at: '2026-03-14T12:00:00.000Z', lang: 'en' }, includes: { users: [{ id: '42', username: 'jo' }] } }, options: { brandAccounts: ['@AcmeHelp'] } },
  };
  for (const [format, s] of Object.entries(samples)) {
    const n = new Normalizer({ format, maxEventBytes: 1 << 20, ...s.options });
    const records: RawRecord[] = [];
    for (let i = 0; i < 5000; i++) {
      const v = structuredClone(s.line) as Record<string, unknown>;
      v.id = typeof v.id === 'number' ? i + 1 : v.id;
      records.push({ bytes: Buffer.from(JSON.stringify(v)), origin: { kind: 'file', name: 'bench', line: i + 1 } });
    }
    const t0 = performance.now();
    let events = 0;
    for (let k = 0; k < 40; k++) events += n.normalize(records).events.length;
    const r = rate(40 * records.length, performance.now() - t0);
    process.stdout.write(`   ${format}: ${fmtRate(r)} records mapped (${events / (40 * records.length)} events each)\n`);
    out.push({ section: 'adapters', figure: `${format} records mapped`, value: fmtRate(r) });
  }
  return out;
}

export async function adapters(): Promise<BenchResult[]> {
  const path = twcsFile();
  const mib = statSync(path).size / 2 ** 20;
  process.stdout.write(`   twcs workload: ${rows()} rows, ${mib.toFixed(0)} MiB\n`);
  const s = await splitOnly(path);
  const splitMiBs = mib / (s.ms / 1000);
  process.stdout.write(`   CSV framer alone: ${s.records} rows in ${(s.ms / 1000).toFixed(1)} s = ${fmtRate(rate(s.records, s.ms))} (${splitMiBs.toFixed(0)} MiB/s)\n`);
  const f = await frameOnly(path);
  process.stdout.write(`   framer + twcs adapter + contract check: ${f.mapped} events in ${(f.ms / 1000).toFixed(1)} s = ${fmtRate(rate(f.records, f.ms))}\n`);
  const p = await pipeline(path);
  const pRate = rate(p.stored, p.ms);
  process.stdout.write(`   twcs file → DuckDB, all stages: ${p.stored} events in ${(p.ms / 1000).toFixed(1)} s = ${fmtRate(pRate)}; peak RSS of the bench process ${p.peakMiB.toFixed(0)} MiB\n`);
  process.stdout.write(
    `   alerts left behind: ${p.notifications} notifications, ${p.members} alert_notification_members rows (membership changes), ${p.firing} alerts firing at the end, ${p.abandoned} customer silences abandoned (abandon_after_secs)\n`,
  );
  return [
    { section: 'adapters', figure: 'CSV framer', value: `${fmtRate(rate(s.records, s.ms))} (${splitMiBs.toFixed(0)} MiB/s)` },
    { section: 'adapters', figure: 'CSV framer + twcs mapping', value: fmtRate(rate(f.records, f.ms)) },
    // The whole 2.8 M-row dataset in under 5 minutes on this machine.
    { section: 'adapters', figure: 'twcs file → DuckDB, all stages', value: fmtRate(pRate), target: '≥ 10k/s', met: pRate >= 10_000 },
    { section: 'adapters', figure: 'twcs replay: alert_notification_members rows', value: `${p.members} (${p.notifications} notifications, ${p.firing} firing at the end)` },
    ...jsonAdapters(),
  ];
}
