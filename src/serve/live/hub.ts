/**
 * @module serve/live/hub
 * Pushes the live page its updates over server-sent events. After every committed batch the hub
 * sends at once a summary of what was stored and detected (`commit`), then a fresh snapshot of the
 * views (`snapshot`), computed once per distinct brand × range however many browsers watch it and
 * at most every `min_interval_ms`; every second it sends the pipeline clock (`clock`) so waiting
 * times tick between batches. The pipeline's live stage feeds it; the server's routes attach
 * browsers to it; both find it through {@link liveHubFor}.
 *
 * @example
 * const hub = liveHubFor(db);
 * hub.attachPipeline({ clock, live: true });
 * hub.publish(commitInfo); // from the live stage's afterCommit
 */
import type { ServerResponse } from 'node:http';
import type { Clock } from '../../contract/clock.js';
import type { CommitInfo } from '../../pipeline/stage.js';
import type { Database } from '../../store/database.js';
import { ActiveDetections } from './active.js';
import type { ClockTick, CommitSummary, MessageRow, Snapshot } from './page/types.js';
import type { RangeRequest } from './range.js';
import { ViewReader } from './reader.js';
import { loadSnapshot } from './snapshot.js';

export interface LiveHubOptions {
  /** Least time between two snapshots of one brand × range (they cost a few hundred ms of queries). */
  minIntervalMs?: number;
  /** How often the clock is sent (also the keep-alive). */
  clockEveryMs?: number;
  /** Seconds a brand may stay quiet in public during a crisis (shown red past it). */
  brandSilenceThresholdSecs?: number;
  log?: (line: string) => void;
}

interface Client {
  res: ServerResponse;
  group: Group;
}

interface Group {
  key: string;
  req: RangeRequest;
  clients: Set<Client>;
  dirty: boolean;
  running: boolean;
  timer: NodeJS.Timeout | undefined;
  lastAt: number;
  /** When a snapshot was last sent (a stale one is still sent if the page would otherwise wait longer than STALE_MAX_MS). */
  lastSentAt: number;
  last: Snapshot | undefined;
}

const STALE_MAX_MS = 2000;

const MAX_TEXT = 500;

function sse(res: ServerResponse, event: string, data: unknown): boolean {
  // JSON.stringify never emits a raw newline, so one `data:` line carries the whole message.
  return res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

export class LiveHub {
  readonly active = new ActiveDetections();
  private readonly groups = new Map<string, Group>();
  private readonly options: Required<Omit<LiveHubOptions, 'log'>> & Pick<LiveHubOptions, 'log'>;
  private clock: Clock | undefined;
  private live = false;
  private newestTs: number | null = null;
  private reader: Promise<ViewReader> | undefined;
  /** Committed batches published so far: tells a snapshot computed across a commit from a fresh one. */
  private seq = 0;
  private clockTimer: NodeJS.Timeout | undefined;
  private lastTick: { wall: number; now: number; rate: number } | undefined;
  private closed = false;

  constructor(
    private readonly db: Database,
    options: LiveHubOptions = {},
  ) {
    this.options = {
      minIntervalMs: options.minIntervalMs ?? 400,
      clockEveryMs: options.clockEveryMs ?? 1000,
      brandSilenceThresholdSecs: options.brandSilenceThresholdSecs ?? 1800,
      log: options.log,
    };
  }

  /** Settings from the pipeline (the stage calls this when it is built). */
  configure(options: Pick<LiveHubOptions, 'brandSilenceThresholdSecs'>): void {
    if (options.brandSilenceThresholdSecs !== undefined) this.options.brandSilenceThresholdSecs = options.brandSilenceThresholdSecs;
  }

  /** The pipeline's clock: live pages tick on it; replays show the newest data's time. */
  attachPipeline(p: { clock: Clock; live: boolean }): void {
    this.clock = p.clock;
    this.live = p.live;
  }

  get clients(): number {
    let n = 0;
    for (const g of this.groups.values()) n += g.clients.size;
    return n;
  }

  private getReader(): Promise<ViewReader> {
    this.reader ??= ViewReader.open(this.db);
    return this.reader;
  }

  /** The snapshot for one brand × range (the JSON route and the first SSE message use it). */
  async snapshot(req: RangeRequest): Promise<Snapshot> {
    const reader = await this.getReader();
    return reader.consistent((r) =>
      loadSnapshot(r, req, {
        active: this.active,
        live: this.live,
        ...(this.live && this.clock ? { now: this.clock.now() } : {}),
        brandSilenceThresholdSecs: this.options.brandSilenceThresholdSecs,
      }),
    );
  }

  /** Attaches a browser: SSE headers, the first snapshot, then updates until it goes away. */
  async attach(res: ServerResponse, req: RangeRequest): Promise<void> {
    if (this.closed) throw new Error('the live hub is closed');
    // Computed before the stream opens, so a bad period id is a plain 400.
    const first = await this.snapshot(req);
    const key = first.range.query;
    let group = this.groups.get(key);
    if (!group) {
      group = { key, req: { ...req, brand: first.brand ?? undefined }, clients: new Set(), dirty: false, running: false, timer: undefined, lastAt: Date.now(), lastSentAt: Date.now(), last: first };
      this.groups.set(key, group);
    }
    const client: Client = { res, group };
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      // Proxies (nginx) must not buffer the stream.
      'x-accel-buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    sse(res, 'snapshot', first);
    sse(res, 'clock', this.tick());
    group.clients.add(client);
    this.ensureClock();
    res.on('close', () => {
      group!.clients.delete(client);
      if (group!.clients.size === 0) {
        clearTimeout(group!.timer);
        this.groups.delete(group!.key);
      }
    });
  }

  /** Called after every committed batch or tick (the live stage's afterCommit). */
  publish(info: CommitInfo): void {
    this.seq++;
    this.active.apply(info.detections);
    for (const e of info.events) if (this.newestTs === null || e.event.ts > this.newestTs) this.newestTs = e.event.ts;
    if (this.groups.size === 0) return;
    const summary = this.summarize(info);
    for (const g of this.groups.values()) {
      for (const c of g.clients) sse(c.res, 'commit', summary);
      this.schedule(g);
    }
  }

  private summarize(info: CommitInfo): CommitSummary {
    const byType: Record<string, number> = {};
    const messages: MessageRow[] = [];
    let newest: number | null = null;
    for (const env of info.events) {
      const e = env.event;
      byType[e.type] = (byType[e.type] ?? 0) + 1;
      if (newest === null || e.ts > newest) newest = e.ts;
      if (e.type === 'message' && e.direction === 'inbound') {
        messages.push({
          id: e.id,
          ts: e.ts,
          brand: e.brand,
          channel: e.channel,
          conversation_id: e.conversationId,
          text: e.text === undefined ? null : e.text.length > MAX_TEXT ? `${e.text.slice(0, MAX_TEXT)}…` : e.text,
          upset: env.upset?.score ?? null,
          upset_label: env.upset?.label ?? null,
        });
      }
    }
    messages.sort((a, b) => b.ts - a.ts);
    return {
      stored: info.events.length,
      dead_letters: info.deadLetters,
      newest_ts: newest,
      by_type: byType,
      messages: messages.slice(0, 10),
      detections: info.detections.slice(-50).map((d) => ({ kind: d.kind, key: d.key, brand: d.brand, state: d.state, severity: d.severity, summary: d.summary, at: d.at })),
    };
  }

  private schedule(g: Group): void {
    g.dirty = true;
    if (g.running || g.timer) return;
    const wait = Math.max(0, this.options.minIntervalMs - (Date.now() - g.lastAt));
    g.timer = setTimeout(() => {
      g.timer = undefined;
      void this.refresh(g);
    }, wait);
  }

  private async refresh(g: Group): Promise<void> {
    if (this.closed || g.clients.size === 0) return;
    g.dirty = false;
    g.running = true;
    const seq = this.seq;
    try {
      const snap = await this.snapshot(g.req);
      g.last = snap;
      // A batch committed while this was computed, and the pages already show its summary: this
      // snapshot would step them back. The next one follows at once; under a steady stream of
      // batches a slightly stale one still goes out every STALE_MAX_MS.
      if (this.seq === seq || Date.now() - g.lastSentAt >= STALE_MAX_MS) {
        g.lastSentAt = Date.now();
        for (const c of g.clients) sse(c.res, 'snapshot', snap);
      }
    } catch (err) {
      const message = (err as Error).message;
      this.options.log?.(`crisiscx: live page refresh failed: ${message}`);
      for (const c of g.clients) sse(c.res, 'problem', { message });
    } finally {
      g.running = false;
      g.lastAt = Date.now();
      if (g.dirty) this.schedule(g);
    }
  }

  /** The pipeline clock and its rate against the wall (estimated between ticks). */
  tick(): ClockTick {
    const wall = Date.now();
    if (!this.live || !this.clock) {
      const asOf = this.newestTs ?? [...this.groups.values()].find((g) => g.last?.as_of != null)?.last?.as_of ?? null;
      return { now: asOf ?? wall, rate: 0, live: false };
    }
    const now = this.clock.now();
    let rate = this.lastTick?.rate ?? 1;
    if (this.lastTick && wall - this.lastTick.wall >= 200) rate = (now - this.lastTick.now) / (wall - this.lastTick.wall);
    if (!this.lastTick || wall - this.lastTick.wall >= 200) this.lastTick = { wall, now, rate };
    return { now, rate: Math.max(0, rate), live: true };
  }

  private ensureClock(): void {
    if (this.clockTimer) return;
    this.clockTimer = setInterval(() => {
      if (this.groups.size === 0) {
        clearInterval(this.clockTimer);
        this.clockTimer = undefined;
        return;
      }
      const t = this.tick();
      for (const g of this.groups.values()) for (const c of g.clients) sse(c.res, 'clock', t);
    }, this.options.clockEveryMs);
    this.clockTimer.unref();
  }

  /** Ends every stream and the read connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.clockTimer);
    for (const g of this.groups.values()) {
      clearTimeout(g.timer);
      for (const c of g.clients) c.res.end();
    }
    this.groups.clear();
    const r = this.reader;
    this.reader = undefined;
    if (r) (await r.catch(() => undefined))?.close();
    hubs.delete(this.db);
  }
}

const hubs = new WeakMap<Database, LiveHub>();

/** The hub of a database: the live stage and the server's routes share it. */
export function liveHubFor(db: Database, options?: LiveHubOptions): LiveHub {
  let h = hubs.get(db);
  if (!h) {
    h = new LiveHub(db, options);
    hubs.set(db, h);
  }
  return h;
}

