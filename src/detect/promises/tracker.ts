/**
 * @module detect/promises/tracker
 * Live promise fulfilment, for alerts: which promises fell due without being kept. Explicit
 * promise events and extracted promises are merged the way the `promise_outcomes` view merges
 * them (the explicit one wins within the match window); a callback or update is kept by the next
 * public outbound message of the conversation, a fix by the ticket being solved, anything by an
 * explicit `kept` event. The stored truth is the view; this state only drives detections.
 *
 * @example
 * const t = new PromiseTracker({ graceMs: 1_800_000, matchWindowMs: 900_000 });
 * t.made({ key: 'p1', brand: 'b', conversationId: 'c', kind: 'callback', madeAt, dueAt, explicit: true });
 * const detections = t.tick(now);
 */
import { PROMISE_KINDS, type PromiseKind } from '../../contract/events.js';
import type { Detection } from '../../pipeline/stage.js';
import { DueHeap, grow } from '../compact/heap.js';

export interface TrackedPromise {
  key: string;
  brand: string;
  conversationId: string;
  kind: PromiseKind;
  madeAt: number;
  dueAt: number;
  explicit: boolean;
  agentId?: string;
  promiseId?: string;
}

export interface TrackerOptions {
  graceMs: number;
  matchWindowMs: number;
  /** Broken promises are forgotten this long after they broke (bounded memory). */
  retainBrokenMs?: number;
}

const NIL = -1;
/** Phases: a check is due at dueAt (pending), dueAt + grace (due), dueAt + grace + retain (broken: forget). */
const PENDING = 0;
const DUE = 1;
const BROKEN = 2;
const CALLBACK = PROMISE_KINDS.indexOf('callback');
const UPDATE = PROMISE_KINDS.indexOf('update');
const FIX = PROMISE_KINDS.indexOf('fix');
const OTHER = PROMISE_KINDS.indexOf('other');

/**
 * Open promises as columns indexed by slot (struct of arrays), found by key and chained per
 * conversation; brands and agents are interned. Each phase change is a due check in a min-heap.
 */
export class PromiseTracker {
  private keyOf: string[] = [];
  private convOf: string[] = [];
  private promiseIdOf: (string | undefined)[] = [];
  private brand = new Uint32Array(0);
  /** Agent code + 1 (0: no agent). */
  private agent = new Uint32Array(0);
  private kind = new Uint8Array(0);
  private phase = new Uint8Array(0);
  private explicit = new Uint8Array(0);
  private madeAt = new Float64Array(0);
  private dueAt = new Float64Array(0);
  /** Chain of a conversation's promises in the order made: the head's `prev` is the tail. `next` also chains free slots. */
  private prev = new Int32Array(0);
  private next = new Int32Array(0);
  /** Heap entry version; bumped when a slot is rescheduled or freed. */
  private ver = new Uint32Array(0);
  private readonly byKey = new Map<string, number>();
  private readonly brandCode = new Map<string, number>();
  private readonly brandName: string[] = [];
  /** Per brand code: conversation id → first promise's slot. */
  private readonly byConversation: Map<string, number>[] = [];
  /** Agents are few (staff) next to their promises: one string each. */
  private readonly agentCode = new Map<string, number>();
  private readonly agentName: string[] = [];
  private readonly heap = new DueHeap();
  private free = NIL;
  private used = 0;
  private count = 0;
  private readonly retainMs: number;
  private pending: Detection[] = [];

  constructor(private readonly options: TrackerOptions) {
    this.retainMs = options.retainBrokenMs ?? 86_400_000;
  }

  get size(): number {
    return this.count;
  }

  /** What the state holds, for benchmarks. */
  stats(): { promises: number; capacity: number; heapEntries: number; columnBytes: number; heapBytes: number } {
    const typed = [this.brand, this.agent, this.kind, this.phase, this.explicit, this.madeAt, this.dueAt, this.prev, this.next, this.ver];
    const columnBytes = typed.reduce((n, a) => n + a.byteLength, 0) + 8 * (this.keyOf.length + this.convOf.length + this.promiseIdOf.length);
    return { promises: this.count, capacity: this.ver.length, heapEntries: this.heap.size, columnBytes, heapBytes: this.heap.bytes };
  }

  private brandOf(brand: string): number {
    let b = this.brandCode.get(brand);
    if (b === undefined) {
      b = this.brandName.length;
      this.brandCode.set(brand, b);
      this.brandName.push(brand);
      this.byConversation.push(new Map());
    }
    return b;
  }

  private agentOf(agentId: string | undefined): number {
    if (agentId === undefined) return 0;
    let a = this.agentCode.get(agentId);
    if (a === undefined) {
      a = this.agentName.length;
      this.agentCode.set(agentId, a);
      this.agentName.push(agentId);
    }
    return a + 1;
  }

  /** First slot of a conversation's promises, or -1. */
  private head(brand: string, conversationId: string): number {
    const b = this.brandCode.get(brand);
    return b === undefined ? NIL : (this.byConversation[b]!.get(conversationId) ?? NIL);
  }

  private alloc(): number {
    let s = this.free;
    if (s !== NIL) {
      this.free = this.next[s]!;
      return s;
    }
    s = this.used++;
    if (s >= this.ver.length) {
      const n = Math.max(256, s + 1);
      this.brand = grow(this.brand, n);
      this.agent = grow(this.agent, n);
      this.kind = grow(this.kind, n);
      this.phase = grow(this.phase, n);
      this.explicit = grow(this.explicit, n);
      this.madeAt = grow(this.madeAt, n);
      this.dueAt = grow(this.dueAt, n);
      this.prev = grow(this.prev, n);
      this.next = grow(this.next, n);
      this.ver = grow(this.ver, n);
    }
    this.keyOf.push('');
    this.convOf.push('');
    this.promiseIdOf.push(undefined);
    return s;
  }

  /** Appends a slot to its conversation's chain. */
  private link(s: number): void {
    const m = this.byConversation[this.brand[s]!]!;
    const id = this.convOf[s]!;
    const h = m.get(id);
    this.next[s] = NIL;
    if (h === undefined) {
      m.set(id, s);
      this.prev[s] = s;
      return;
    }
    const tail = this.prev[h]!;
    this.next[tail] = s;
    this.prev[s] = tail;
    this.prev[h] = s;
  }

  private unlink(s: number): void {
    const m = this.byConversation[this.brand[s]!]!;
    const id = this.convOf[s]!;
    const h = m.get(id)!;
    const n = this.next[s]!;
    if (s === h) {
      if (n === NIL) m.delete(id);
      else {
        this.prev[n] = this.prev[s]!;
        m.set(id, n);
      }
      return;
    }
    const p = this.prev[s]!;
    this.next[p] = n;
    if (n === NIL) this.prev[h] = p;
    else this.prev[n] = p;
  }

  /** Drops a promise; its slot is reused and its heap entry goes stale. */
  private release(s: number): void {
    this.byKey.delete(this.keyOf[s]!);
    this.unlink(s);
    this.ver[s]!++;
    this.keyOf[s] = '';
    this.convOf[s] = '';
    this.promiseIdOf[s] = undefined;
    this.next[s] = this.free;
    this.free = s;
    this.count--;
  }

  /** Queues the check of the phase's end. */
  private schedule(s: number): void {
    const ph = this.phase[s]!;
    const due = this.dueAt[s]!;
    const at = ph === PENDING ? due : ph === DUE ? due + this.options.graceMs : due + this.options.graceMs + this.retainMs;
    this.heap.push(at, s, ++this.ver[s]!);
  }

  private remove(s: number, at: number, why: string): void {
    if (this.phase[s] !== PENDING) this.pending.push(this.detection(s, 'resolved', at, why));
    this.release(s);
  }

  /** A promise was made. An extracted one that duplicates an explicit one is ignored, and vice versa. */
  made(p: TrackedPromise): void {
    const kind = PROMISE_KINDS.indexOf(p.kind);
    const explicit = p.explicit ? 1 : 0;
    const window = this.options.matchWindowMs;
    for (let s = this.head(p.brand, p.conversationId), nx = NIL; s !== NIL; s = nx) {
      nx = this.next[s]!;
      if (this.explicit[s] === explicit) continue;
      // The same commitment: same kind (or either 'other') made within the match window.
      const k = this.kind[s]!;
      if (!(k === kind || k === OTHER || kind === OTHER) || Math.abs(this.madeAt[s]! - p.madeAt) > window) continue;
      if (p.explicit) this.remove(s, p.madeAt, 'superseded by an explicit promise event');
      else return;
    }
    const b = this.brandOf(p.brand);
    let s = this.byKey.get(p.key);
    // A `made` event again for the same promise reschedules it.
    let phase = PENDING;
    if (s !== undefined) {
      if (p.dueAt <= this.dueAt[s]!) phase = this.phase[s]!;
      if (this.brand[s] !== b || this.convOf[s] !== p.conversationId) {
        this.unlink(s);
        this.brand[s] = b;
        this.convOf[s] = p.conversationId;
        this.link(s);
      }
    } else {
      s = this.alloc();
      this.byKey.set(p.key, s);
      this.keyOf[s] = p.key;
      this.brand[s] = b;
      this.convOf[s] = p.conversationId;
      this.link(s);
      this.count++;
    }
    this.kind[s] = kind;
    this.explicit[s] = explicit;
    this.madeAt[s] = p.madeAt;
    this.dueAt[s] = p.dueAt;
    this.agent[s] = this.agentOf(p.agentId);
    this.promiseIdOf[s] = p.promiseId;
    this.phase[s] = phase;
    this.schedule(s);
  }

  /** An explicit `kept` or `cancelled` event for a promise id. */
  settled(brand: string, conversationId: string, promiseId: string, at: number, action: 'kept' | 'cancelled'): void {
    for (let s = this.head(brand, conversationId), nx = NIL; s !== NIL; s = nx) {
      nx = this.next[s]!;
      if (this.promiseIdOf[s] === promiseId) this.remove(s, at, action === 'kept' ? 'kept' : 'cancelled');
    }
  }

  /** A public outbound message (or call) in a conversation: keeps its callback and update promises. */
  replied(brand: string, conversationId: string, at: number): void {
    for (let s = this.head(brand, conversationId), nx = NIL; s !== NIL; s = nx) {
      nx = this.next[s]!;
      const k = this.kind[s];
      if ((k === CALLBACK || k === UPDATE) && at > this.madeAt[s]!) this.remove(s, at, at <= this.dueAt[s]! ? 'kept' : 'kept late');
    }
  }

  /** The conversation's ticket was solved or closed: keeps its fix promises. */
  solved(brand: string, conversationId: string, at: number): void {
    for (let s = this.head(brand, conversationId), nx = NIL; s !== NIL; s = nx) {
      nx = this.next[s]!;
      if (this.kind[s] === FIX && at > this.madeAt[s]!) this.remove(s, at, at <= this.dueAt[s]! ? 'kept' : 'kept late');
    }
  }

  /**
   * Advances time: promises fall due (warning), then break after the grace period (firing), in time
   * order. Costs what changes, not what is open: a heap holds each promise's next check.
   */
  tick(now: number): Detection[] {
    const heap = this.heap;
    while (heap.size > 0 && heap.topDue < now) {
      const s = heap.topSlot;
      const v = heap.topVer;
      heap.pop();
      if (v !== this.ver[s]) continue;
      const ph = this.phase[s]!;
      if (ph === PENDING) {
        this.phase[s] = DUE;
        this.pending.push(this.detection(s, 'warning', this.dueAt[s]!, 'due now'));
        this.schedule(s);
      } else if (ph === DUE) {
        this.phase[s] = BROKEN;
        this.pending.push(this.detection(s, 'firing', this.dueAt[s]! + this.options.graceMs, 'broken'));
        this.schedule(s);
      } else {
        // Still broken; forgotten without a `resolved` so the alert stays as it was.
        this.release(s);
      }
    }
    // Kept promises leave their entry until its time: drop the stale ones once they outnumber the live.
    if (heap.size > 2 * this.count + 1024) heap.compact((s, v) => v === this.ver[s]);
    return this.drain();
  }

  /** Detections produced by made/settled/replied/solved since the last call. */
  drain(): Detection[] {
    const out = this.pending;
    this.pending = [];
    return out;
  }

  private detection(s: number, state: Detection['state'], at: number, why: string): Detection {
    const brand = this.brandName[this.brand[s]!]!;
    const conversationId = this.convOf[s]!;
    const kind = PROMISE_KINDS[this.kind[s]!]!;
    const agentId = this.agent[s] ? this.agentName[this.agent[s]! - 1] : undefined;
    const promiseId = this.promiseIdOf[s];
    const dueAt = this.dueAt[s]!;
    const who = agentId ? ` by ${agentId}` : '';
    const due = new Date(dueAt).toISOString().slice(0, 16).replace('T', ' ');
    const summary =
      state === 'resolved'
        ? `${kind} promise${who} in conversation ${conversationId}: ${why}`
        : `${kind} promise${who} in conversation ${conversationId} was due ${due} UTC and is ${state === 'warning' ? 'not kept yet' : 'broken'}`;
    return {
      kind: 'promise',
      key: `promise:${brand}:${conversationId}:${this.keyOf[s]!}`,
      brand,
      state,
      at,
      severity: state === 'firing' ? 'warning' : 'info',
      summary,
      labels: {
        conversation_id: conversationId,
        kind,
        source: this.explicit[s] ? 'explicit' : 'extracted',
        ...(agentId ? { agent_id: agentId } : {}),
        ...(promiseId ? { promise_id: promiseId } : {}),
      },
      values: { overdue_secs: Math.max(0, Math.round((at - dueAt) / 1000)) },
    };
  }
}
