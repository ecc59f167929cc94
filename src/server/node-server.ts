/**
 * The backend on Node: the Hono app on @hono/node-server, presence WebSockets through `ws` (Hono's
 * `upgradeWebSocket`), rooms held in this process, the built widget at `/calls-room.js`, and the built demo
 * served when it exists.
 */
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { serve, upgradeWebSocket, type ServerType } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Context } from 'hono';
import type { WSContext } from 'hono/ws';
import { WebSocketServer } from 'ws';
import { PRESENCE_LIMITS } from '../protocol/presence.ts';
import { NODE_SERVER_TIMEOUTS } from '../protocol/request-body.ts';
import type { RoomRole } from '../protocol/token.ts';
import type { AnalyticsBackend } from './analytics-digest.ts';
import { dashboardFileHandler, nodeAnalytics } from './analytics-node.ts';
import { createApp, type RoomsBackend } from './app.ts';
import { DASHBOARD_FILES } from './dashboard-page.ts';
import { FileLineStore } from './node-line-store.ts';
import { NodeQueues } from './node-queues.ts';
import { FileRoomStore } from './node-store.ts';
import { analyticsLineSink, teeLineSinks } from './line-analytics.ts';
import { logSink, type LineEventSink } from './line-events.ts';
import { PresenceHost, type Connection } from './presence-host.ts';
import { NodeRecordings, nodeRecordingStore } from './recording-node.ts';
import { parseRecordingSettings, type RecordingSettings } from './recording-settings.ts';
import type { AccessDecision } from './session-bindings.ts';
import type { Settings } from './settings.ts';
import { widgetFileHandler } from './widget-files.ts';
import { WIDGET_FILES } from './widget-headers.ts';

export interface StartBackendOptions {
  settings: Settings;
  /** Calls API base the proxy forwards to (the embedded SFU's URL when CALLS_API is unset). */
  callsApi: string;
  port?: number;
  host?: string;
  /** Directory served at `/` (default: dist/demo when it exists). `false` serves nothing. */
  staticDir?: string | false;
  /**
   * Directory of the built widget, served at `/calls-room.js` and `/calls-room.js.map` whatever `staticDir`
   * is (default: dist/widget, which `npm run build:widget` writes). `false` serves neither.
   */
  widgetDir?: string | false;
  /** Clock for presence (tests move it by hand and call `tick()`). */
  now?: () => number;
  /** How often rooms are swept for stale participants; `false` = only when `tick()` is called. */
  tickIntervalMs?: number | false;
  /** Keep session ownership and removals here across restarts (`settings.dataDir`); unset: in memory only. */
  dataDir?: string;
  log?: (line: string) => void;
  /** How long a request body may take to arrive before 408 (default BODY_LIMITS.timeoutMs). */
  bodyTimeoutMs?: number;
  /** Call-quality analytics; by default files under `dataDir` (memory only without one). */
  analytics?: AnalyticsBackend;
  /** Where support-line events go (analytics); default: one line each through `log`. */
  lineEvents?: LineEventSink;
  /** Where recordings go (default: `recordings` in `dataDir`; without a data directory, no recordings). */
  recordings?: RecordingSettings;
}

export interface RunningBackend {
  url: string;
  port: number;
  rooms: NodeRooms;
  analytics: AnalyticsBackend;
  /** Support lines (`/api/queues/*`). */
  queues: NodeQueues;
  /** Each room's recorder state; undefined without recordings. */
  recordings: NodeRecordings | undefined;
  /** Runs stale removal and resume expiry now. */
  tick(): void;
  close(): Promise<void>;
}

/** Rooms in this process, created on first use and dropped when idle; with a store, restored at start. */
export class NodeRooms implements RoomsBackend {
  private readonly hosts = new Map<string, PresenceHost>();
  constructor(
    private readonly settings: Settings,
    private readonly now: () => number,
    private readonly store?: FileRoomStore,
  ) {
    for (const [room, stored] of store?.rooms() ?? []) {
      const host = this.get(room);
      for (const sub of stored.banned) host.room.bindings.ban(sub);
      // The unjoined-binding expiry counts from now: owners get the same time to rejoin as after a bind.
      for (const [id, b] of stored.sessions) host.room.bindings.bind(id, { sub: b.sub, role: b.role }, now());
    }
  }

  get(room: string): PresenceHost {
    let host = this.hosts.get(room);
    if (!host) {
      host = new PresenceHost({
        room,
        tokenSecret: this.settings.tokenSecret,
        sizeLimit: this.settings.roomSizeLimit,
        resumeGraceMs: this.settings.resumeGraceMs,
        seatsPerUser: this.settings.seatsPerUser,
        now: this.now,
      });
      this.hosts.set(room, host);
    }
    return host;
  }

  peek(room: string): PresenceHost | undefined {
    return this.hosts.get(room);
  }

  get count(): number {
    return this.hosts.size;
  }

  bindSession(
    room: string,
    sessionId: string,
    owner: { sub: string; role: 'host' | 'guest' | 'viewer' },
  ): Promise<AccessDecision> {
    const host = this.get(room);
    const decision = host.bindSession(sessionId, owner);
    const binding = host.room.bindings.binding(sessionId);
    if (decision.ok && binding) this.store?.bind(room, sessionId, binding);
    return Promise.resolve(decision);
  }

  authorize(
    room: string,
    caller: { sub: string; role?: RoomRole },
    check: { sessionId?: string; pullFrom?: string[] },
  ): Promise<AccessDecision> {
    const host = this.hosts.get(room);
    if (!host) {
      // No room yet: nothing is bound, so only a fresh sessions/new (no session, no pulls) may pass.
      if (check.sessionId !== undefined) {
        return Promise.resolve({
          ok: false,
          gone: true,
          reason: `session ${check.sessionId} is not known in this room: create a new session`,
        });
      }
      const empty = (check.pullFrom ?? []).length === 0;
      return Promise.resolve(empty ? { ok: true } : { ok: false, reason: 'no such session in this room' });
    }
    return Promise.resolve(host.authorize(caller, check));
  }

  tick(): void {
    for (const [name, host] of this.hosts) {
      host.tick();
      this.persist(name, host);
      if (host.idle) this.hosts.delete(name);
    }
  }

  /** Stores what the room dropped (leave, removal, expiry) and whom it removed. */
  private persist(room: string, host: PresenceHost): void {
    this.store?.sync(room, host.room.bindings.sessionIds(), host.room.bindings.bannedUsers());
  }

  closeAll(): void {
    for (const host of this.hosts.values()) host.closeAll();
  }

  presence(room: string, c: Context): Promise<Response> {
    const host = this.get(room);
    let conn: Connection | undefined;
    const handler = upgradeWebSocket(() => ({
      onOpen: (_event: Event, ws: WSContext) => {
        const raw = ws.raw as { bufferedAmount?: number } | undefined;
        conn = host.open({
          send: (text) => ws.send(text),
          close: (code, reason) => ws.close(code, reason),
          bufferedAmount: () => raw?.bufferedAmount ?? 0,
        });
      },
      onMessage: (event: MessageEvent, _ws: WSContext) => {
        if (!conn) return;
        const data: unknown = event.data;
        const text = typeof data === 'string' ? data : new TextDecoder().decode(data as ArrayBuffer);
        void host.receive(conn, text).then(() => this.persist(room, host));
      },
      onClose: () => {
        if (conn) host.closed(conn);
      },
      onError: () => {
        if (conn) host.closed(conn);
      },
    }));
    return handler(c as Parameters<typeof handler>[0], () => Promise.resolve()) as Promise<Response>;
  }
}

const DEFAULT_STATIC = fileURLToPath(new URL('../../dist/demo', import.meta.url));
const DEFAULT_WIDGET = fileURLToPath(new URL('../../dist/widget', import.meta.url));

export async function startBackend(options: StartBackendOptions): Promise<RunningBackend> {
  const now = options.now ?? Date.now;
  const store = options.dataDir !== undefined ? new FileRoomStore(options.dataDir) : undefined;
  const rooms = new NodeRooms(options.settings, now, store);
  const analytics = options.analytics ?? nodeAnalytics(options.dataDir);
  const queues = new NodeQueues(
    options.settings,
    now,
    options.dataDir !== undefined ? new FileLineStore(options.dataDir) : undefined,
    options.lineEvents ??
      teeLineSinks(
        logSink(options.log ?? (() => undefined)),
        analyticsLineSink(analytics.sink, options.log ?? (() => undefined)),
      ),
  );
  const recordingSettings =
    options.recordings ??
    (options.dataDir !== undefined ? parseRecordingSettings({}, options.dataDir) : undefined);
  const recordingStore = recordingSettings && nodeRecordingStore(recordingSettings);
  const recordings =
    recordingSettings && recordingStore
      ? new NodeRecordings(
          recordingStore,
          recordingSettings,
          (room, status) => rooms.get(room).setRecording(status),
          now,
          options.log ?? (() => {}),
        )
      : undefined;
  void recordings?.resume();
  const app = createApp({
    analytics,
    settings: options.settings,
    rooms,
    queues,
    callsApi: options.callsApi,
    now,
    ...(options.log ? { log: options.log } : {}),
    ...(options.bodyTimeoutMs !== undefined ? { bodyTimeoutMs: options.bodyTimeoutMs } : {}),
    ...(recordings ? { recordings: recordings.recordings } : {}),
  });
  const widgetDir = options.widgetDir ?? DEFAULT_WIDGET;
  if (widgetDir) {
    for (const file of WIDGET_FILES) app.get(`/${file}`, widgetFileHandler(widgetDir, file));
  }
  for (const file of Object.keys(DASHBOARD_FILES) as (keyof typeof DASHBOARD_FILES)[])
    app.get(`/dashboard/${file}`, dashboardFileHandler(file));
  const staticDir = options.staticDir ?? (existsSync(DEFAULT_STATIC) ? DEFAULT_STATIC : false);
  if (staticDir) {
    // serveStatic resolves against the working directory.
    app.use('/*', serveStatic({ root: relative(process.cwd(), staticDir) || '.' }));
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: PRESENCE_LIMITS.maxMessageChars * 4 });
  const server: ServerType = await new Promise((resolve) => {
    const s = serve(
      {
        fetch: app.fetch,
        port: options.port ?? 8787,
        hostname: options.host ?? '127.0.0.1',
        websocket: { server: wss },
        serverOptions: { ...NODE_SERVER_TIMEOUTS },
      },
      () => resolve(s),
    );
  });
  const port = (server.address() as AddressInfo).port;
  const interval = options.tickIntervalMs ?? 1000;
  const tick = () => {
    rooms.tick();
    queues.tick();
    void recordings?.tick();
  };
  const timer = interval === false ? undefined : setInterval(tick, interval);
  timer?.unref();

  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    rooms,
    analytics,
    queues,
    tick,
    recordings,
    close: async () => {
      if (timer) clearInterval(timer);
      rooms.closeAll();
      queues.closeAll();
      wss.close();
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => {
        if ('closeAllConnections' in server) server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}
