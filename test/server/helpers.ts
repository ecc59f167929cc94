/** Helpers for backend tests: settings, a recording fake Calls API, presence clients that wait on events. */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import type { ClientMessage, ServerMessage } from '../../src/protocol/presence.ts';
import type { RoomRole } from '../../src/protocol/token.ts';
import { parseSettings, type Settings } from '../../src/server/settings.ts';
import { createRoomToken } from '../../src/server/tokens.ts';

export const TOKEN_SECRET = 'test-token-secret-0123456789abcdef0123456789';
export const APP_SECRET = 'test-app-secret-never-leaks-1234567890';
export const APP_ID = 'test-app';
/** Lets `POST /api/token` mint host tokens in tests (`DEV_HOST_KEY`). */
export const DEV_HOST_KEY = 'test-dev-host-key-0123456789';

export function testSettings(extra: Record<string, string> = {}): Settings {
  return parseSettings(
    {
      CALLS_API: 'http://127.0.0.1:9/v1',
      CALLS_APP_ID: APP_ID,
      CALLS_APP_SECRET: APP_SECRET,
      TOKEN_SECRET,
      OPEN_TOKENS: 'true',
      ALLOWED_ORIGINS: '*',
      ...extra,
    },
    'node',
  );
}

export async function token(
  room: string,
  sub: string,
  role: RoomRole = 'guest',
  name = sub,
): Promise<string> {
  return (await createRoomToken({ secret: TOKEN_SECRET, sub, name, room, role })).token;
}

/** A manual clock for presence tests. */
export class FakeClock {
  constructor(public t = Date.now()) {}
  now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

/** A presence WebSocket client that records every message. */
export class PresenceClient {
  readonly messages: ServerMessage[] = [];
  closed: { code: number; reason: string } | undefined;
  private readonly listeners = new Set<() => void>();

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.messages.push(JSON.parse((data as Buffer).toString()) as ServerMessage);
      for (const l of [...this.listeners]) l();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: String(reason) };
      for (const l of [...this.listeners]) l();
    });
  }

  static async connect(url: string, headers: Record<string, string> = {}): Promise<PresenceClient> {
    const ws = new WebSocket(url, { headers });
    const client = new PresenceClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res: IncomingMessage) =>
        reject(new Error(`HTTP ${res.statusCode}`)),
      );
    });
    return client;
  }

  send(message: ClientMessage | Record<string, unknown>): void {
    this.ws.send(JSON.stringify(message));
  }

  sendRaw(text: string): void {
    this.ws.send(text);
  }

  /** Waits for the first message (after index `from`) matching `match`. */
  next<T extends ServerMessage['type']>(
    type: T,
    match: (m: Extract<ServerMessage, { type: T }>) => boolean = () => true,
    from = 0,
    timeoutMs = 5000,
  ): Promise<Extract<ServerMessage, { type: T }>> {
    const find = () =>
      this.messages
        .slice(from)
        .find((m): m is Extract<ServerMessage, { type: T }> => m.type === type && match(m as never));
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = find();
        if (found) {
          this.listeners.delete(check);
          clearTimeout(timer);
          resolve(found);
        } else if (this.closed) {
          this.listeners.delete(check);
          clearTimeout(timer);
          reject(new Error(`socket closed (${this.closed.code}) before a ${type} message`));
        }
      };
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        reject(new Error(`timed out waiting for ${type}; got ${this.messages.map((m) => m.type).join(',')}`));
      }, timeoutMs);
      this.listeners.add(check);
      check();
    });
  }

  waitClosed(timeoutMs = 5000): Promise<{ code: number; reason: string }> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.closed) {
          this.listeners.delete(check);
          clearTimeout(timer);
          resolve(this.closed);
        }
      };
      const timer = setTimeout(() => reject(new Error('socket did not close')), timeoutMs);
      this.listeners.add(check);
      check();
    });
  }

  /** Sends a join and waits for its welcome. */
  async join(tok: string, extra: Partial<ClientMessage & { type: 'join' }> = {}) {
    const from = this.messages.length;
    this.send({ type: 'join', token: tok, ...extra });
    return this.next('welcome', () => true, from);
  }

  close(): void {
    this.ws.close();
  }

  terminate(): void {
    this.ws.terminate();
  }
}

export interface RecordedCall {
  method: string;
  path: string;
  auth: string | undefined;
  body: string;
}

/** A stand-in Calls API: records calls and answers like the real one for the shapes the proxy cares about. */
export async function startFakeCalls(): Promise<{
  url: string;
  calls: RecordedCall[];
  close(): Promise<void>;
  server: Server;
}> {
  const calls: RecordedCall[] = [];
  let n = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      const path = req.url ?? '';
      calls.push({ method: req.method ?? '', path, auth: req.headers.authorization, body });
      const send = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      if (req.headers.authorization !== `Bearer ${APP_SECRET}`)
        return send(401, { errorCode: 'unauthorized', errorDescription: 'bad secret' });
      if (path.includes('/sessions/new'))
        return send(201, { sessionId: `s${String(++n).padStart(31, '0')}` });
      if (path.endsWith('/upstream-error'))
        return send(410, { errorCode: 'session_error', errorDescription: 'gone' });
      let parsed: unknown;
      try {
        parsed = body ? JSON.parse(body) : {};
      } catch {
        return send(400, { errorCode: 'decoding_error', errorDescription: 'Failed to decode body as JSON' });
      }
      return send(200, { echo: parsed });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    calls,
    server,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
