/**
 * The backend as a Cloudflare Worker: the same Hono app, with each room in a Durable Object (`RoomObject`)
 * that runs the same `PresenceHost`/`PresenceRoom` as Node. The Worker holds the Calls app secret; browsers only ever
 * hold room tokens.
 */
import {
  consumeAnalytics,
  workerAnalytics,
  type AnalyticsEnv,
  type MessageBatch,
} from './analytics-worker.ts';
import { createApp, type RoomsBackend } from './app.ts';
import type { RoomRole } from '../protocol/token.ts';
import { PresenceHost } from './presence-host.ts';
import type { RecordingService } from './recording-service.ts';
import {
  answerRecordingRpc,
  roomRecordingService,
  sweepWorkerRecordings,
  workerRecordings,
} from './recording-worker.ts';
import type { AccessDecision, SessionBinding } from './session-bindings.ts';
import { parseSettings, SettingsError, type Settings } from './settings.ts';
import { DurableQueues } from './worker-queues.ts';

export { QueueObject } from './worker-queues.ts';

// ---- the few Workers runtime types we use (kept local: no @cloudflare/workers-types dependency) ----------
export interface DurableObjectId {
  toString(): string;
}
export interface DurableObjectStub {
  fetch(request: Request): Promise<Response>;
}
export interface DurableObjectNamespace {
  idFromName(name: string): DurableObjectId;
  get(id: DurableObjectId): DurableObjectStub;
}
export interface DurableObjectStorage {
  get<T>(key: string): Promise<T | undefined>;
  list<T>(options: { prefix: string }): Promise<Map<string, T>>;
  put(key: string, value: unknown): Promise<void>;
  delete(keys: string[]): Promise<number>;
  getAlarm(): Promise<number | null>;
  setAlarm(time: number): Promise<void>;
}
export interface DurableObjectState {
  storage: DurableObjectStorage;
  blockConcurrencyWhile<T>(fn: () => Promise<T>): Promise<T>;
}
interface WorkersWebSocket {
  accept(): void;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'message', listener: (event: { data: string | ArrayBuffer }) => void): void;
  addEventListener(type: 'close' | 'error', listener: () => void): void;
}
declare const WebSocketPair: { new (): { 0: WorkersWebSocket; 1: WorkersWebSocket } };

export interface WorkerEnv extends AnalyticsEnv {
  ROOMS: DurableObjectNamespace;
  /** Support lines, one `QueueObject` per queue (wrangler.toml); without it `/api/queues/*` answers 404. */
  QUEUES?: DurableObjectNamespace;
  /** "true" enables `POST /__test/advance/{room}` (moves presence time): only for tests in Miniflare. */
  TEST_HOOKS?: string;
  [setting: string]: unknown;
}

const ROOM_HEADER = 'x-calls-room';
const INTERNAL = 'https://room.internal';

/** Rooms as Durable Objects, one per room name. */
class DurableRooms implements RoomsBackend {
  constructor(private readonly ns: DurableObjectNamespace) {}

  private stub(room: string): DurableObjectStub {
    return this.ns.get(this.ns.idFromName(room));
  }

  private async rpc(room: string, path: string, body: unknown): Promise<AccessDecision> {
    const res = await this.stub(room).fetch(
      new Request(`${INTERNAL}${path}`, {
        method: 'POST',
        headers: { [ROOM_HEADER]: room, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
    );
    return (await res.json()) as AccessDecision;
  }

  bindSession(room: string, sessionId: string, owner: { sub: string; role: 'host' | 'guest' | 'viewer' }) {
    return this.rpc(room, '/internal/bind', { sessionId, owner });
  }

  authorize(
    room: string,
    caller: { sub: string; role?: RoomRole },
    check: { sessionId?: string; pullFrom?: string[] },
  ) {
    return this.rpc(room, '/internal/authorize', { caller: { sub: caller.sub, role: caller.role }, check });
  }

  presence(room: string, c: { req: { raw: Request } }): Promise<Response> {
    const headers = new Headers(c.req.raw.headers);
    headers.set(ROOM_HEADER, room);
    return this.stub(room).fetch(new Request(`${INTERNAL}/internal/presence`, { headers }));
  }
}

let cached: { env: WorkerEnv; app: ReturnType<typeof createApp>; settings: Settings } | undefined;

function appFor(env: WorkerEnv) {
  if (cached?.env !== env) {
    const settings = parseSettings(env, 'worker');
    const recordings = workerRecordings(
      env,
      (room) => env.ROOMS.get(env.ROOMS.idFromName(room)),
      ROOM_HEADER,
    );
    const app = createApp({
      settings,
      rooms: new DurableRooms(env.ROOMS),
      ...(env.QUEUES ? { queues: new DurableQueues(env.QUEUES) } : {}),
      ...(recordings ? { recordings } : {}),
      callsApi: settings.callsApi ?? '',
      log: (line) => console.log(line),
      analytics: workerAnalytics(env),
    });
    if (env.TEST_HOOKS === 'true') {
      app.post('/__test/advance/:room', async (c) => {
        const room = c.req.param('room');
        const stub = env.ROOMS.get(env.ROOMS.idFromName(room));
        return stub.fetch(
          new Request(`${INTERNAL}/internal/test-advance`, {
            method: 'POST',
            headers: { [ROOM_HEADER]: room },
            body: await c.req.text(),
          }),
        );
      });
    }
    cached = { env, app, settings };
  }
  return cached;
}

export default {
  fetch(request: Request, env: WorkerEnv, ctx: unknown): Promise<Response> | Response {
    try {
      return appFor(env).app.fetch(request, env, ctx as never);
    } catch (error) {
      if (error instanceof SettingsError) {
        // Name the setting, never its value.
        console.error(error.message);
        return Response.json(
          { errorCode: 'internal_error', errorDescription: error.message },
          { status: 500 },
        );
      }
      throw error;
    }
  },
  /** The `ANALYTICS` Queue's consumer: batches into D1 and R2 (analytics-worker.ts). */
  queue(batch: MessageBatch<unknown>, env: WorkerEnv): Promise<void> {
    return consumeAnalytics(batch, env);
  },
  /** The Cron Trigger (wrangler.toml): recordings past their retention are deleted in every room. */
  async scheduled(controller: { scheduledTime: number }, env: WorkerEnv): Promise<void> {
    await sweepWorkerRecordings(env, controller.scheduledTime);
  },
};

/**
 * One room: presence sockets plus the room's Calls session bindings and removed users (both kept in storage,
 * so an evicted object comes back knowing them; presence itself lives as long as its sockets).
 */
export class RoomObject {
  private host: PresenceHost | undefined;
  private recordings: RecordingService | undefined;
  private restored: Map<string, SessionBinding> | undefined;
  /** Binding ids in storage; ticks delete the ones the room dropped (leave, removal, expiry). */
  private readonly persisted = new Set<string>();
  private banned: string[] = [];
  private offset = 0;
  private alarmPending = false;

  constructor(
    private readonly state: DurableObjectState,
    private readonly env: WorkerEnv,
  ) {
    void state.blockConcurrencyWhile(async () => {
      const stored = await state.storage.list<SessionBinding>({ prefix: 's:' });
      this.restored = new Map([...stored].map(([k, v]) => [k.slice(2), v]));
      for (const id of this.restored.keys()) this.persisted.add(id);
      this.banned = (await state.storage.get<string[]>('banned')) ?? [];
    });
  }

  private now = (): number => Date.now() + this.offset;

  private hostFor(room: string): PresenceHost {
    if (!this.host) {
      const settings = appFor(this.env).settings;
      this.host = new PresenceHost({
        room,
        tokenSecret: settings.tokenSecret,
        sizeLimit: settings.roomSizeLimit,
        resumeGraceMs: settings.resumeGraceMs,
        seatsPerUser: settings.seatsPerUser,
        now: this.now,
      });
      for (const sub of this.banned) this.host.room.bindings.ban(sub);
      // The unjoined-binding expiry counts from now: owners get the same time to rejoin as after a bind.
      const now = this.now();
      for (const [id, b] of this.restored ?? []) {
        this.host.room.bindings.bind(id, { sub: b.sub, role: b.role }, now);
      }
    }
    return this.host;
  }

  async fetch(request: Request): Promise<Response> {
    const room = request.headers.get(ROOM_HEADER);
    if (!room) return new Response('missing room', { status: 400 });
    const host = this.hostFor(room);
    const path = new URL(request.url).pathname;
    switch (path) {
      case '/internal/bind': {
        const { sessionId, owner } = (await request.json()) as {
          sessionId: string;
          owner: { sub: string; role: 'host' | 'guest' | 'viewer' };
        };
        const decision = host.bindSession(sessionId, owner);
        if (decision.ok) {
          const binding = host.room.bindings.binding(sessionId);
          if (binding) {
            this.persisted.add(sessionId);
            await this.state.storage.put(`s:${sessionId}`, binding);
          }
        }
        await this.ensureAlarm();
        return Response.json(decision);
      }
      case '/internal/authorize': {
        const { caller, check } = (await request.json()) as {
          caller: { sub: string; role?: RoomRole };
          check: { sessionId?: string; pullFrom?: string[] };
        };
        return Response.json(host.authorize(caller, check));
      }
      case '/internal/presence':
        return this.accept(host);
      case '/internal/recording': {
        if (!this.recordings) {
          this.recordings = roomRecordingService(this.env, room, (s) => host.setRecording(s), this.now);
          // An evicted object's alarm must find the room again to finalize a recording left running.
          await this.state.storage.put('recording-room', room);
        }
        const response = await answerRecordingRpc(this.recordings, request);
        await this.ensureAlarm();
        return response;
      }
      case '/internal/test-advance': {
        if (this.env.TEST_HOOKS !== 'true') return new Response('not found', { status: 404 });
        const { ms } = (await request.json()) as { ms: number };
        this.offset += ms;
        await this.tick();
        return Response.json({ ok: true });
      }
      default:
        return new Response('not found', { status: 404 });
    }
  }

  private async accept(host: PresenceHost): Promise<Response> {
    const pair = new WebSocketPair();
    const client = pair[0];
    const server = pair[1];
    server.accept();
    const conn = host.open({
      send: (text) => server.send(text),
      close: (code, reason) => server.close(code, reason),
    });
    server.addEventListener('message', (event) => {
      const text = typeof event.data === 'string' ? event.data : new TextDecoder().decode(event.data);
      void host.receive(conn, text).then(() => this.persistBans());
    });
    server.addEventListener('close', () => host.closed(conn));
    server.addEventListener('error', () => host.closed(conn));
    await this.ensureAlarm();
    return new Response(null, { status: 101, webSocket: client } as ResponseInit);
  }

  /** Removals by a host are rare: store the list whenever it grew. */
  private async persistBans(): Promise<void> {
    const banned = this.host?.room.bindings.bannedUsers() ?? [];
    if (banned.length === this.banned.length) return;
    this.banned = banned;
    await this.state.storage.put('banned', banned);
  }

  /** Stale removal runs on a 1 s alarm while the room has anyone or anything in it. */
  private async ensureAlarm(): Promise<void> {
    if (this.alarmPending) return;
    this.alarmPending = true;
    await this.state.storage.setAlarm(Date.now() + 1000);
  }

  async alarm(): Promise<void> {
    this.alarmPending = false;
    if (!this.recordings) {
      const room = await this.state.storage.get<string>('recording-room');
      if (room) {
        this.recordings = roomRecordingService(
          this.env,
          room,
          (s) => this.hostFor(room).setRecording(s),
          this.now,
        );
      }
    }
    await this.tick();
    if ((this.host && !this.host.idle) || this.recordings?.active) await this.ensureAlarm();
  }

  private async tick(): Promise<void> {
    await this.recordings?.tick();
    if (!this.host) return;
    this.host.tick();
    await this.persistBans();
    const live = new Set(this.host.room.bindings.sessionIds());
    const gone = [...this.persisted].filter((id) => !live.has(id));
    for (const id of gone) this.persisted.delete(id);
    if (gone.length > 0) await this.state.storage.delete(gone.map((id) => `s:${id}`));
  }
}
