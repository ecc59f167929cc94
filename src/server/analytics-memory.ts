/**
 * Analytics figures held in memory: calls per room, participants per call, chart points and events. The
 * Node store fills it from its files; tests and the benchmark use it alone. The same rules as the D1
 * consumer: a room's batches more than CALL_GAP_MS apart start a new call, and a participant id belongs to
 * the user who reported it first (a later report by another user is dropped).
 */
import {
  batchKey,
  CALL_GAP_MS,
  digest,
  emptyDelta,
  mergeDelta,
  participantRow,
  percentile,
  type AnalyticsMessage,
  type AnalyticsReader,
  type CallDetail,
  type CallRow,
  type JoinTimes,
  type ParticipantDelta,
  type Point,
  type Scope,
  type StoredEvent,
} from './analytics-digest.ts';

/** Kept per call, newest last; older ones are dropped (the raw batches keep everything). */
const MAX_POINTS_PER_CALL = 20_000;
const MAX_EVENTS_PER_CALL = 5_000;
/** Batch keys remembered to drop repeats; the oldest are forgotten first (a repeat comes within minutes). */
const MAX_SEEN_BATCHES = 200_000;

interface CallState {
  row: CallRow;
  participants: Map<string, { sub: string | null; firstAt: number; lastAt: number; delta: ParticipantDelta }>;
  points: Point[];
  events: StoredEvent[];
}

const visible = (scope: Scope, room: string) => scope.all || scope.room === room;

export class MemoryAnalytics implements AnalyticsReader {
  readonly #calls = new Map<string, CallState>();
  readonly #current = new Map<string, string>();
  readonly #seen = new Set<string>();

  /** Applies one message; false when it was dropped (a repeat, or a participant id another user owns). */
  apply(message: AnalyticsMessage): boolean {
    const key = batchKey(message);
    if (key !== undefined && this.#seen.has(key)) return false;
    const d = digest(message);
    const call = this.#callFor(d.room, d.at);
    if (d.participantId && d.participant) {
      const existing = call.participants.get(d.participantId);
      if (existing && existing.sub !== d.sub) return false;
      if (existing) {
        mergeDelta(existing.delta, d.participant);
        existing.lastAt = d.at;
      } else {
        const delta = emptyDelta();
        mergeDelta(delta, d.participant);
        call.participants.set(d.participantId, { sub: d.sub, firstAt: d.at, lastAt: d.at, delta });
        call.row.participants = call.participants.size;
      }
    }
    if (key !== undefined) this.#remember(key);
    call.points.push(...d.points);
    if (call.points.length > MAX_POINTS_PER_CALL)
      call.points.splice(0, call.points.length - MAX_POINTS_PER_CALL);
    call.events.push(...d.events);
    if (call.events.length > MAX_EVENTS_PER_CALL)
      call.events.splice(0, call.events.length - MAX_EVENTS_PER_CALL);
    call.row.lastAt = Math.max(call.row.lastAt, d.at);
    return true;
  }

  #remember(key: string): void {
    this.#seen.add(key);
    if (this.#seen.size > MAX_SEEN_BATCHES) {
      const oldest = this.#seen.values().next();
      if (!oldest.done) this.#seen.delete(oldest.value);
    }
  }

  #callFor(room: string, at: number): CallState {
    const id = this.#current.get(room);
    const current = id ? this.#calls.get(id) : undefined;
    if (current && at - current.row.lastAt <= CALL_GAP_MS) return current;
    const row: CallRow = { id: `${room}.${at}`, room, startedAt: at, lastAt: at, participants: 0 };
    const state: CallState = { row, participants: new Map(), points: [], events: [] };
    this.#calls.set(row.id, state);
    this.#current.set(room, row.id);
    return state;
  }

  calls(scope: Scope, since: number, limit: number): Promise<CallRow[]> {
    const rows = [...this.#calls.values()]
      .map((c) => c.row)
      .filter((r) => visible(scope, r.room) && r.lastAt >= since)
      .sort((a, b) => b.startedAt - a.startedAt)
      .slice(0, limit)
      .map((r) => ({ ...r }));
    return Promise.resolve(rows);
  }

  call(scope: Scope, id: string): Promise<CallDetail | undefined> {
    const c = this.#calls.get(id);
    if (!c || !visible(scope, c.row.room)) return Promise.resolve(undefined);
    return Promise.resolve({
      call: { ...c.row },
      participants: [...c.participants].map(([pid, p]) => participantRow(pid, p.firstAt, p.lastAt, p.delta)),
      points: c.points.slice(),
      events: c.events.slice(),
    });
  }

  joinTimes(scope: Scope, since: number): Promise<JoinTimes> {
    const joined: number[] = [];
    const first: number[] = [];
    let calls = 0;
    for (const c of this.#calls.values()) {
      if (!visible(scope, c.row.room) || c.row.lastAt < since) continue;
      calls++;
      for (const p of c.participants.values()) {
        if (p.delta.phases.joined !== undefined) joined.push(p.delta.phases.joined);
        if (p.delta.phases['first-frame'] !== undefined) first.push(p.delta.phases['first-frame']);
      }
    }
    return Promise.resolve({
      calls,
      joins: joined.length,
      joinedP50: percentile(joined, 50),
      joinedP95: percentile(joined, 95),
      firstFrameP50: percentile(first, 50),
      firstFrameP95: percentile(first, 95),
    });
  }

  owner(room: string, participantId: string): Promise<string | undefined> {
    const id = this.#current.get(room);
    const sub = id ? this.#calls.get(id)?.participants.get(participantId)?.sub : undefined;
    return Promise.resolve(sub ?? undefined);
  }
}
