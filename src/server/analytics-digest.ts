/**
 * What the analytics pipeline moves and stores, for Node and Workers alike: the message a route produces
 * (a checked client batch, or server events), the digest one message adds to a call's figures, and the
 * shapes the dashboard reads. Pure: the Node store applies digests to its maps, the Queue consumer to D1.
 *
 * Server-side events (a support queue's waited / answered / abandoned / ended, say) are a second message
 * origin: `{origin: 'server', room, at, events}` with event types of their own, stored in the same events
 * table with no participant, counted in the same calls.
 */
import { mosEstimate } from '../protocol/analytics.ts';
import type { CheckedBatch } from './analytics-schema.ts';

/** A room's call: batches more than this apart start a new one. */
export const CALL_GAP_MS = 10 * 60_000;

/** An event a server part records (not from a page): a type of its own and flat, small data. */
export interface ServerEvent {
  type: string;
  at: number;
  participantId?: string;
  data?: Record<string, string | number | boolean | null>;
}

export type AnalyticsMessage =
  | { origin: 'client'; receivedAt: number; sub: string; batch: CheckedBatch }
  | { origin: 'server'; receivedAt: number; room: string; events: ServerEvent[] };

/** What one message adds to its participant's row (sums, so rows merge in any order). */
export interface ParticipantDelta {
  samples: number;
  sendBpsSum: number;
  sendN: number;
  recvBpsSum: number;
  recvN: number;
  packets: number;
  lost: number;
  rttSum: number;
  rttN: number;
  jitterSum: number;
  jitterN: number;
  freezes: number;
  freezeMs: number;
  errors: number;
  reconnects: number;
  replacements: number;
  /** Join phases, ms since join() (the first report of each wins). */
  phases: Partial<Record<'token' | 'session' | 'transport' | 'joined' | 'first-frame', number>>;
  leftReason: string | undefined;
}

export interface Point {
  participantId: string;
  at: number;
  sendKbps: number;
  recvKbps: number;
  lossPct: number;
  rttMs: number | null;
  freezes: number;
}

export interface StoredEvent {
  participantId: string | null;
  at: number;
  type: string;
  data: string;
}

export interface Digest {
  room: string;
  at: number;
  sub: string | null;
  participantId: string | null;
  participant: ParticipantDelta | undefined;
  points: Point[];
  events: StoredEvent[];
}

export function emptyDelta(): ParticipantDelta {
  return {
    samples: 0,
    sendBpsSum: 0,
    sendN: 0,
    recvBpsSum: 0,
    recvN: 0,
    packets: 0,
    lost: 0,
    rttSum: 0,
    rttN: 0,
    jitterSum: 0,
    jitterN: 0,
    freezes: 0,
    freezeMs: 0,
    errors: 0,
    reconnects: 0,
    replacements: 0,
    phases: {},
    leftReason: undefined,
  };
}

/**
 * What tells one client batch from every other: a reporter sends a batch again (a retried fetch, a beacon
 * of a batch still in flight when the page went away) with the same `seq` and `sentAt`, and a Queue may
 * deliver a message twice; stores count each key once. Server events have no key.
 */
export function batchKey(message: AnalyticsMessage): string | undefined {
  if (message.origin !== 'client') return undefined;
  const b = message.batch;
  return `${b.room}\n${b.participantId}\n${b.seq}\n${b.sentAt}`;
}

/** The reporter's own experience: what it sends (its local sample) and everything it receives. */
export function digest(message: AnalyticsMessage): Digest {
  if (message.origin === 'server') {
    return {
      room: message.room,
      at: message.receivedAt,
      sub: null,
      participantId: null,
      participant: undefined,
      points: [],
      events: message.events.map((e) => ({
        participantId: e.participantId ?? null,
        at: e.at,
        type: `server:${e.type}`,
        data: JSON.stringify(e.data ?? {}),
      })),
    };
  }
  const { batch } = message;
  const d = emptyDelta();
  const byTime = new Map<number, Point>();
  for (const s of batch.samples) {
    d.samples++;
    let p = byTime.get(s.at);
    if (!p) {
      p = {
        participantId: batch.participantId,
        at: s.at,
        sendKbps: 0,
        recvKbps: 0,
        lossPct: 0,
        rttMs: null,
        freezes: 0,
      };
      byTime.set(s.at, p);
    }
    let send = 0;
    let recv = 0;
    let packets = 0;
    let lost = 0;
    for (const t of s.tracks) {
      if (t.direction === 'send') send += t.bitrate;
      else {
        recv += t.bitrate;
        if (t.kind === 'audio' || !s.tracks.some((x) => x.direction === 'recv' && x.kind === 'audio')) {
          packets += t.packets + t.packetsLost;
          lost += t.packetsLost;
        }
        if (t.jitterMs !== undefined) {
          d.jitterSum += t.jitterMs;
          d.jitterN++;
        }
        d.freezes += t.freezeCount ?? 0;
        d.freezeMs += t.freezeMs ?? 0;
        p.freezes += t.freezeCount ?? 0;
      }
      if (t.rttMs !== undefined) {
        d.rttSum += t.rttMs;
        d.rttN++;
        p.rttMs = Math.max(p.rttMs ?? 0, t.rttMs);
      }
    }
    if (s.local) {
      d.sendBpsSum += send;
      d.sendN++;
      p.sendKbps += Math.round(send / 1000);
    } else {
      d.recvBpsSum += recv;
      d.recvN++;
      p.recvKbps += Math.round(recv / 1000);
    }
    d.packets += packets;
    d.lost += lost;
  }
  for (const p of byTime.values()) {
    const ofTime = batch.samples.filter((s) => s.at === p.at && !s.local);
    let packets = 0;
    let lost = 0;
    for (const s of ofTime)
      for (const t of s.tracks)
        if (t.kind === 'audio') {
          packets += t.packets + t.packetsLost;
          lost += t.packetsLost;
        }
    p.lossPct = packets > 0 ? Math.round((lost / packets) * 10_000) / 100 : 0;
  }
  const events: StoredEvent[] = [];
  for (const e of batch.events) {
    switch (e.type) {
      case 'join-phase':
        d.phases[e.phase] ??= Math.round(e.ms);
        break;
      case 'error':
        d.errors++;
        break;
      case 'reconnecting':
        d.reconnects++;
        break;
      case 'session-replaced':
        d.replacements++;
        break;
      case 'left':
        d.leftReason = e.reason;
        break;
      case 'quality-change':
        break;
    }
    const { type, at, ...data } = e;
    events.push({ participantId: batch.participantId, at, type, data: JSON.stringify(data) });
  }
  return {
    room: batch.room,
    at: message.receivedAt,
    sub: message.sub,
    participantId: batch.participantId,
    participant: d,
    points: [...byTime.values()],
    events,
  };
}

// ---- what the dashboard reads ----------------------------------------------------------------------------

export interface CallRow {
  id: string;
  room: string;
  startedAt: number;
  lastAt: number;
  participants: number;
}

export interface ParticipantRow {
  participantId: string;
  firstAt: number;
  lastAt: number;
  phases: ParticipantDelta['phases'];
  sendKbps: number | null;
  recvKbps: number | null;
  lossPct: number | null;
  rttMs: number | null;
  jitterMs: number | null;
  freezes: number;
  freezeMs: number;
  mos: number | null;
  errors: number;
  reconnects: number;
  replacements: number;
  leftReason: string | null;
}

export interface CallDetail {
  call: CallRow;
  participants: ParticipantRow[];
  points: Point[];
  events: StoredEvent[];
}

export interface JoinTimes {
  calls: number;
  joins: number;
  joinedP50: number | null;
  joinedP95: number | null;
  firstFrameP50: number | null;
  firstFrameP95: number | null;
}

/** Who may read what: an operator everything, a host their room. */
export type Scope = { all: true } | { all: false; room: string };

/** The dashboard's reads, the same on Node and on D1. */
export interface AnalyticsReader {
  calls(scope: Scope, since: number, limit: number): Promise<CallRow[]>;
  call(scope: Scope, id: string): Promise<CallDetail | undefined>;
  joinTimes(scope: Scope, since: number): Promise<JoinTimes>;
  /** The user (token `sub`) that first reported as this participant of the room's current call, if any. */
  owner(room: string, participantId: string): Promise<string | undefined>;
}

/** Where the route puts accepted messages: straight into the store (Node), or onto a Queue (Workers). */
export interface AnalyticsSink {
  submit(message: AnalyticsMessage): Promise<void>;
}

export interface AnalyticsBackend {
  sink: AnalyticsSink;
  reader: AnalyticsReader;
}

/** A participant's row from its summed figures. */
export function participantRow(
  participantId: string,
  firstAt: number,
  lastAt: number,
  d: ParticipantDelta,
): ParticipantRow {
  const avg = (sum: number, n: number) => (n > 0 ? Math.round(sum / n) : null);
  const lossPct = d.packets > 0 ? Math.round((d.lost / d.packets) * 10_000) / 100 : null;
  const rtt = avg(d.rttSum, d.rttN);
  const jitter = avg(d.jitterSum, d.jitterN);
  return {
    participantId,
    firstAt,
    lastAt,
    phases: d.phases,
    sendKbps: d.sendN > 0 ? Math.round(d.sendBpsSum / d.sendN / 1000) : null,
    recvKbps: d.recvN > 0 ? Math.round(d.recvBpsSum / d.recvN / 1000) : null,
    lossPct,
    rttMs: rtt,
    jitterMs: jitter,
    freezes: d.freezes,
    freezeMs: d.freezeMs,
    mos: rtt !== null ? mosEstimate(rtt, jitter ?? 0, lossPct ?? 0) : null,
    errors: d.errors,
    reconnects: d.reconnects,
    replacements: d.replacements,
    leftReason: d.leftReason ?? null,
  };
}

/** Adds b's figures to a's (phases: the first report of each wins). */
export function mergeDelta(a: ParticipantDelta, b: ParticipantDelta): void {
  const keys = [
    'samples',
    'sendBpsSum',
    'sendN',
    'recvBpsSum',
    'recvN',
    'packets',
    'lost',
    'rttSum',
    'rttN',
    'jitterSum',
    'jitterN',
    'freezes',
    'freezeMs',
    'errors',
    'reconnects',
    'replacements',
  ] as const;
  for (const k of keys) a[k] += b[k];
  for (const [phase, ms] of Object.entries(b.phases)) {
    const key = phase as keyof ParticipantDelta['phases'];
    a.phases[key] ??= ms;
  }
  if (b.leftReason) a.leftReason = b.leftReason;
}

export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((x, y) => x - y);
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.max(0, Math.min(sorted.length - 1, rank))]!;
}
