/**
 * Analytics on Workers: the route produces each accepted message to the Queue bound as `ANALYTICS`; the same
 * Worker's `queue()` handler keeps each delivered batch of messages in R2 (`ANALYTICS_RAW`) as one NDJSON
 * object, then folds every message into D1 (`ANALYTICS_DB`): calls, participants (their summed figures),
 * chart points and events. A message that fails the schema again is acknowledged and dropped (it can never
 * succeed); one whose write fails is retried, and after the Queue's retries goes to its dead-letter queue.
 * Calls are grouped as on Node (`CALL_GAP_MS`); set the consumer's `max_concurrency = 1` so two deliveries
 * never start the same room's call twice.
 */
import {
  CALL_GAP_MS,
  batchKey,
  digest,
  emptyDelta,
  mergeDelta,
  participantRow,
  percentile,
  type AnalyticsBackend,
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
import { analyticsBatchSchema } from './analytics-schema.ts';

// ---- the few Workers runtime types we use (kept local, as in worker.ts) ---------------------------------
export interface Queue<T> {
  send(body: T): Promise<void>;
}
interface D1Result<T> {
  results: T[];
}
interface D1PreparedStatement {
  bind(...values: unknown[]): D1PreparedStatement;
  first<T>(): Promise<T | null>;
  all<T>(): Promise<D1Result<T>>;
  run(): Promise<unknown>;
}
export interface D1Database {
  prepare(sql: string): D1PreparedStatement;
  batch(statements: D1PreparedStatement[]): Promise<unknown>;
}
export interface R2Bucket {
  put(key: string, value: string, options?: { httpMetadata?: { contentType?: string } }): Promise<unknown>;
}
export interface QueueMessage<T> {
  body: T;
  ack(): void;
  retry(): void;
}
export interface MessageBatch<T> {
  queue: string;
  messages: readonly QueueMessage<T>[];
}

export interface AnalyticsEnv {
  ANALYTICS?: Queue<AnalyticsMessage>;
  ANALYTICS_DB?: D1Database;
  ANALYTICS_RAW?: R2Bucket;
}

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS calls (id TEXT PRIMARY KEY, room TEXT NOT NULL, started_at INTEGER NOT NULL,
     last_at INTEGER NOT NULL, participants INTEGER NOT NULL DEFAULT 0)`,
  'CREATE INDEX IF NOT EXISTS calls_room_last ON calls (room, last_at)',
  'CREATE INDEX IF NOT EXISTS calls_last ON calls (last_at)',
  `CREATE TABLE IF NOT EXISTS participants (call_id TEXT NOT NULL, participant_id TEXT NOT NULL, sub TEXT,
     first_at INTEGER NOT NULL, last_at INTEGER NOT NULL, joined_ms INTEGER, first_frame_ms INTEGER,
     figures TEXT NOT NULL, PRIMARY KEY (call_id, participant_id))`,
  `CREATE TABLE IF NOT EXISTS points (call_id TEXT NOT NULL, participant_id TEXT NOT NULL, at INTEGER NOT NULL,
     send_kbps INTEGER, recv_kbps INTEGER, loss_pct REAL, rtt_ms INTEGER, freezes INTEGER)`,
  'CREATE INDEX IF NOT EXISTS points_call ON points (call_id, at)',
  `CREATE TABLE IF NOT EXISTS events (call_id TEXT NOT NULL, participant_id TEXT, at INTEGER NOT NULL,
     type TEXT NOT NULL, data TEXT NOT NULL)`,
  'CREATE INDEX IF NOT EXISTS events_call ON events (call_id, at)',
  // One row per client batch applied: a repeat (a retried fetch, a beacon, a redelivery) is dropped.
  'CREATE TABLE IF NOT EXISTS batches (key TEXT PRIMARY KEY, at INTEGER NOT NULL)',
];

const ready = new WeakMap<D1Database, Promise<unknown>>();
function ensureSchema(db: D1Database): Promise<unknown> {
  let p = ready.get(db);
  if (!p) {
    p = db.batch(SCHEMA.map((sql) => db.prepare(sql)));
    p.catch(() => ready.delete(db));
    ready.set(db, p);
  }
  return p;
}

/** The backend's analytics on Workers, or undefined when the bindings are not there. */
export function workerAnalytics(env: AnalyticsEnv): AnalyticsBackend | undefined {
  const queue = env.ANALYTICS;
  const db = env.ANALYTICS_DB;
  if (!queue || !db) return undefined;
  return { sink: { submit: (m) => queue.send(m) }, reader: new D1Analytics(db) };
}

/** The Queue consumer. */
export async function consumeAnalytics(batch: MessageBatch<unknown>, env: AnalyticsEnv): Promise<void> {
  const db = env.ANALYTICS_DB;
  if (!db) {
    for (const m of batch.messages) m.retry();
    return;
  }
  const checked = batch.messages.map((m) => ({ m, message: recheck(m.body) }));
  const good = checked.filter((x) => x.message !== undefined);
  if (env.ANALYTICS_RAW && good.length > 0) {
    const first = good[0]!.message!.receivedAt;
    const day = new Date(first).toISOString().slice(0, 10);
    const key = `raw/${day}/${first}-${crypto.randomUUID()}.ndjson`;
    await env.ANALYTICS_RAW.put(key, good.map((x) => JSON.stringify(x.message)).join('\n') + '\n', {
      httpMetadata: { contentType: 'application/x-ndjson' },
    });
  }
  await ensureSchema(db);
  const store = new D1Analytics(db);
  for (const { m, message } of checked) {
    if (!message) {
      console.warn('analytics: dropped a message that fails the schema');
      m.ack();
      continue;
    }
    try {
      await store.apply(message);
      m.ack();
    } catch (error) {
      console.error(`analytics: write failed, retrying: ${String(error)}`);
      m.retry();
    }
  }
}

/** Messages come from our own route, but a queue is a boundary: checked again. */
function recheck(body: unknown): AnalyticsMessage | undefined {
  const m = body as Partial<AnalyticsMessage> | null;
  if (!m || typeof m !== 'object' || typeof m.receivedAt !== 'number') return undefined;
  if (m.origin === 'client' && typeof m.sub === 'string') {
    const batch = analyticsBatchSchema.safeParse(m.batch);
    return batch.success
      ? { origin: 'client', receivedAt: m.receivedAt, sub: m.sub, batch: batch.data }
      : undefined;
  }
  if (m.origin === 'server' && typeof m.room === 'string' && Array.isArray(m.events))
    return m as AnalyticsMessage;
  return undefined;
}

interface CallDb {
  id: string;
  room: string;
  started_at: number;
  last_at: number;
  participants: number;
}
interface ParticipantDb {
  participant_id: string;
  sub: string | null;
  first_at: number;
  last_at: number;
  figures: string;
}

const callRow = (r: CallDb): CallRow => ({
  id: r.id,
  room: r.room,
  startedAt: r.started_at,
  lastAt: r.last_at,
  participants: r.participants,
});

export class D1Analytics implements AnalyticsReader {
  constructor(private readonly db: D1Database) {}

  async apply(message: AnalyticsMessage): Promise<boolean> {
    const key = batchKey(message);
    const db = this.db;
    if (key !== undefined) {
      const seen = await db.prepare('SELECT 1 AS seen FROM batches WHERE key = ?').bind(key).first();
      if (seen) return false;
    }
    const d = digest(message);
    const current = await db
      .prepare('SELECT * FROM calls WHERE room = ? ORDER BY last_at DESC LIMIT 1')
      .bind(d.room)
      .first<CallDb>();
    let callId: string;
    const writes: D1PreparedStatement[] = [];
    // In the same transaction: a repeat applied meanwhile by another consumer fails this one whole.
    if (key !== undefined) {
      writes.push(db.prepare('INSERT INTO batches (key, at) VALUES (?, ?)').bind(key, d.at));
    }
    if (current && d.at - current.last_at <= CALL_GAP_MS) {
      callId = current.id;
    } else {
      callId = `${d.room}.${d.at}`;
      writes.push(
        db
          .prepare('INSERT INTO calls (id, room, started_at, last_at, participants) VALUES (?, ?, ?, ?, 0)')
          .bind(callId, d.room, d.at, d.at),
      );
    }
    if (d.participantId && d.participant) {
      const existing = await db
        .prepare('SELECT * FROM participants WHERE call_id = ? AND participant_id = ?')
        .bind(callId, d.participantId)
        .first<ParticipantDb>();
      if (existing && existing.sub !== d.sub) return false;
      const figures = existing ? (JSON.parse(existing.figures) as ParticipantDelta) : emptyDelta();
      mergeDelta(figures, d.participant);
      writes.push(
        db
          .prepare(
            `INSERT INTO participants (call_id, participant_id, sub, first_at, last_at, joined_ms, first_frame_ms, figures)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (call_id, participant_id) DO UPDATE SET last_at = excluded.last_at,
               joined_ms = excluded.joined_ms, first_frame_ms = excluded.first_frame_ms, figures = excluded.figures`,
          )
          .bind(
            callId,
            d.participantId,
            d.sub,
            existing?.first_at ?? d.at,
            d.at,
            figures.phases.joined ?? null,
            figures.phases['first-frame'] ?? null,
            JSON.stringify(figures),
          ),
      );
    }
    for (const p of d.points) {
      writes.push(
        db
          .prepare(
            'INSERT INTO points (call_id, participant_id, at, send_kbps, recv_kbps, loss_pct, rtt_ms, freezes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
          )
          .bind(callId, p.participantId, p.at, p.sendKbps, p.recvKbps, p.lossPct, p.rttMs, p.freezes),
      );
    }
    for (const e of d.events) {
      writes.push(
        db
          .prepare('INSERT INTO events (call_id, participant_id, at, type, data) VALUES (?, ?, ?, ?, ?)')
          .bind(callId, e.participantId, e.at, e.type, e.data),
      );
    }
    writes.push(
      db
        .prepare(
          `UPDATE calls SET last_at = MAX(last_at, ?),
             participants = (SELECT COUNT(*) FROM participants WHERE call_id = ?) WHERE id = ?`,
        )
        .bind(d.at, callId, callId),
    );
    try {
      await db.batch(writes);
    } catch (error) {
      if (key !== undefined && /UNIQUE constraint failed: batches\.key/.test(String(error))) return false;
      throw error;
    }
    return true;
  }

  async calls(scope: Scope, since: number, limit: number): Promise<CallRow[]> {
    await ensureSchema(this.db);
    const q = scope.all
      ? this.db
          .prepare('SELECT * FROM calls WHERE last_at >= ? ORDER BY started_at DESC LIMIT ?')
          .bind(since, limit)
      : this.db
          .prepare('SELECT * FROM calls WHERE room = ? AND last_at >= ? ORDER BY started_at DESC LIMIT ?')
          .bind(scope.room, since, limit);
    return (await q.all<CallDb>()).results.map(callRow);
  }

  async call(scope: Scope, id: string): Promise<CallDetail | undefined> {
    await ensureSchema(this.db);
    const c = await this.db.prepare('SELECT * FROM calls WHERE id = ?').bind(id).first<CallDb>();
    if (!c || (!scope.all && scope.room !== c.room)) return undefined;
    const [participants, points, events] = await Promise.all([
      this.db.prepare('SELECT * FROM participants WHERE call_id = ?').bind(id).all<ParticipantDb>(),
      this.db
        .prepare(
          `SELECT participant_id AS participantId, at, send_kbps AS sendKbps, recv_kbps AS recvKbps,
             loss_pct AS lossPct, rtt_ms AS rttMs, freezes FROM points WHERE call_id = ? ORDER BY at LIMIT 20000`,
        )
        .bind(id)
        .all<Point>(),
      this.db
        .prepare(
          'SELECT participant_id AS participantId, at, type, data FROM events WHERE call_id = ? ORDER BY at LIMIT 5000',
        )
        .bind(id)
        .all<StoredEvent>(),
    ]);
    return {
      call: callRow(c),
      participants: participants.results.map((p) =>
        participantRow(p.participant_id, p.first_at, p.last_at, JSON.parse(p.figures) as ParticipantDelta),
      ),
      points: points.results,
      events: events.results,
    };
  }

  async joinTimes(scope: Scope, since: number): Promise<JoinTimes> {
    await ensureSchema(this.db);
    const where = scope.all ? 'c.last_at >= ?' : 'c.room = ? AND c.last_at >= ?';
    const args = scope.all ? [since] : [scope.room, since];
    const rows = await this.db
      .prepare(
        `SELECT p.joined_ms AS joined, p.first_frame_ms AS firstFrame FROM participants p
           JOIN calls c ON c.id = p.call_id WHERE ${where} LIMIT 100000`,
      )
      .bind(...args)
      .all<{ joined: number | null; firstFrame: number | null }>();
    const count = await this.db
      .prepare(`SELECT COUNT(*) AS n FROM calls c WHERE ${where}`)
      .bind(...args)
      .first<{ n: number }>();
    const joined = rows.results.map((r) => r.joined).filter((v): v is number => v !== null);
    const first = rows.results.map((r) => r.firstFrame).filter((v): v is number => v !== null);
    return {
      calls: count?.n ?? 0,
      joins: joined.length,
      joinedP50: percentile(joined, 50),
      joinedP95: percentile(joined, 95),
      firstFrameP50: percentile(first, 50),
      firstFrameP95: percentile(first, 95),
    };
  }

  async owner(room: string, participantId: string): Promise<string | undefined> {
    await ensureSchema(this.db);
    const row = await this.db
      .prepare(
        `SELECT p.sub FROM participants p WHERE p.participant_id = ? AND p.call_id =
           (SELECT id FROM calls WHERE room = ? ORDER BY last_at DESC LIMIT 1)`,
      )
      .bind(participantId, room)
      .first<{ sub: string | null }>();
    return row?.sub ?? undefined;
  }
}
