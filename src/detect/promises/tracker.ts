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
import type { PromiseKind } from '../../contract/events.js';
import type { Detection } from '../../pipeline/stage.js';

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

type Phase = 'pending' | 'due' | 'broken';

interface State extends TrackedPromise {
  phase: Phase;
}

export interface TrackerOptions {
  graceMs: number;
  matchWindowMs: number;
  /** Broken promises are forgotten this long after they broke (bounded memory). */
  retainBrokenMs?: number;
}

/** Kinds an outbound public message fulfils. */
const KEPT_BY_REPLY: ReadonlySet<PromiseKind> = new Set(['callback', 'update']);

export function sameCommitment(a: { kind: PromiseKind; madeAt: number }, b: { kind: PromiseKind; madeAt: number }, windowMs: number): boolean {
  const kinds = a.kind === b.kind || a.kind === 'other' || b.kind === 'other';
  return kinds && Math.abs(a.madeAt - b.madeAt) <= windowMs;
}

export class PromiseTracker {
  private readonly open = new Map<string, State>();
  /** Keys of open promises by brand and conversation. */
  private readonly byConversation = new Map<string, Set<string>>();
  private pending: Detection[] = [];

  constructor(private readonly options: TrackerOptions) {}

  get size(): number {
    return this.open.size;
  }

  private convKey(brand: string, conversationId: string): string {
    return `${brand}\u0000${conversationId}`;
  }

  private inConversation(brand: string, conversationId: string): State[] {
    const keys = this.byConversation.get(this.convKey(brand, conversationId));
    return keys ? [...keys].map((k) => this.open.get(k)!).filter(Boolean) : [];
  }

  private remove(s: State, at: number, why: string): void {
    this.open.delete(s.key);
    const ck = this.convKey(s.brand, s.conversationId);
    const set = this.byConversation.get(ck);
    set?.delete(s.key);
    if (set && set.size === 0) this.byConversation.delete(ck);
    if (s.phase !== 'pending') this.pending.push(this.detection(s, 'resolved', at, why));
  }

  /** A promise was made. An extracted one that duplicates an explicit one is ignored, and vice versa. */
  made(p: TrackedPromise): void {
    for (const other of this.inConversation(p.brand, p.conversationId)) {
      if (other.explicit === p.explicit) continue;
      if (!sameCommitment(other, p, this.options.matchWindowMs)) continue;
      if (p.explicit) this.remove(other, p.madeAt, 'superseded by an explicit promise event');
      else return;
    }
    const existing = this.open.get(p.key);
    // A `made` event again for the same promise reschedules it.
    const s: State = { ...p, phase: existing && p.dueAt <= existing.dueAt ? existing.phase : 'pending' };
    this.open.set(p.key, s);
    const ck = this.convKey(p.brand, p.conversationId);
    let set = this.byConversation.get(ck);
    if (!set) this.byConversation.set(ck, (set = new Set()));
    set.add(p.key);
  }

  /** An explicit `kept` or `cancelled` event for a promise id. */
  settled(brand: string, conversationId: string, promiseId: string, at: number, action: 'kept' | 'cancelled'): void {
    for (const s of this.inConversation(brand, conversationId)) {
      if (s.promiseId === promiseId) this.remove(s, at, action === 'kept' ? 'kept' : 'cancelled');
    }
  }

  /** A public outbound message (or call) in a conversation: keeps its callback and update promises. */
  replied(brand: string, conversationId: string, at: number): void {
    for (const s of this.inConversation(brand, conversationId)) {
      if (KEPT_BY_REPLY.has(s.kind) && at > s.madeAt) this.remove(s, at, at <= s.dueAt ? 'kept' : 'kept late');
    }
  }

  /** The conversation's ticket was solved or closed: keeps its fix promises. */
  solved(brand: string, conversationId: string, at: number): void {
    for (const s of this.inConversation(brand, conversationId)) {
      if (s.kind === 'fix' && at > s.madeAt) this.remove(s, at, at <= s.dueAt ? 'kept' : 'kept late');
    }
  }

  /** Advances time: promises fall due (warning), then break after the grace period (firing). */
  tick(now: number): Detection[] {
    const retain = this.options.retainBrokenMs ?? 86_400_000;
    for (const s of [...this.open.values()]) {
      if (s.phase === 'pending' && now > s.dueAt) {
        s.phase = 'due';
        this.pending.push(this.detection(s, 'warning', s.dueAt, 'due now'));
      }
      if (s.phase === 'due' && now > s.dueAt + this.options.graceMs) {
        s.phase = 'broken';
        this.pending.push(this.detection(s, 'firing', s.dueAt + this.options.graceMs, 'broken'));
      }
      if (s.phase === 'broken' && now > s.dueAt + this.options.graceMs + retain) {
        // Still broken; forgotten without a `resolved` so the alert stays as it was.
        this.open.delete(s.key);
        this.byConversation.get(this.convKey(s.brand, s.conversationId))?.delete(s.key);
      }
    }
    return this.drain();
  }

  /** Detections produced by made/settled/replied/solved since the last call. */
  drain(): Detection[] {
    const out = this.pending;
    this.pending = [];
    return out;
  }

  private detection(s: State, state: Detection['state'], at: number, why: string): Detection {
    const who = s.agentId ? ` by ${s.agentId}` : '';
    const due = new Date(s.dueAt).toISOString().slice(0, 16).replace('T', ' ');
    const summary =
      state === 'resolved'
        ? `${s.kind} promise${who} in conversation ${s.conversationId}: ${why}`
        : `${s.kind} promise${who} in conversation ${s.conversationId} was due ${due} UTC and is ${state === 'warning' ? 'not kept yet' : 'broken'}`;
    return {
      kind: 'promise',
      key: `promise:${s.brand}:${s.conversationId}:${s.key}`,
      brand: s.brand,
      state,
      at,
      severity: state === 'firing' ? 'warning' : 'info',
      summary,
      labels: {
        conversation_id: s.conversationId,
        kind: s.kind,
        source: s.explicit ? 'explicit' : 'extracted',
        ...(s.agentId ? { agent_id: s.agentId } : {}),
        ...(s.promiseId ? { promise_id: s.promiseId } : {}),
      },
      values: { overdue_secs: Math.max(0, Math.round((at - s.dueAt) / 1000)) },
    };
  }
}
