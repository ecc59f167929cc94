/**
 * Sockets around one `PresenceRoom`: token check on `join`, frame validation, per-socket rate limit, and delivery of
 * the room's effects. Runtime-neutral (Node `ws` and Workers' WebSocketPair both fit `PresenceSocket`), so the
 * Node server and the Durable Object share it.
 */
import { PRESENCE_CLOSE_CODES, type ErrorMessage, type ServerMessage } from '../protocol/presence.ts';
import type { RoomRole } from '../protocol/token.ts';
import { parseClientMessage } from './presence-schema.ts';
import { PresenceRoom, type RoomEffect } from './presence-room.ts';
import type { AccessDecision } from './session-bindings.ts';
import { TokenError, verifyRoomToken } from './tokens.ts';
import { FrameBudget, safeClose, safeSend, type HostSocket } from './host-socket.ts';

/** The server's end of a presence WebSocket. */
export type PresenceSocket = HostSocket;

/** A socket that lets this much pile up unread is dropped (it may resume) instead of growing without bound. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

export interface PresenceHostOptions {
  room: string;
  tokenSecret: string;
  sizeLimit: number;
  resumeGraceMs: number;
  staleAfterMs?: number;
  requireBoundSessions?: boolean;
  /** Participants one user may hold at once (see `PresenceRoom`). */
  seatsPerUser?: number;
  now?: () => number;
  randomId?: () => string;
  /** Messages per second per socket (sustained) and burst. */
  messagesPerSecond?: number;
  messageBurst?: number;
  /** A socket that has not joined within this many ms is closed. */
  joinTimeoutMs?: number;
}

export class Connection {
  participantId: string | undefined;
  joining = false;
  closed = false;
  readonly budget: FrameBudget;
  /** Serializes handling: the async token check of `join` must finish before later frames. */
  queue: Promise<void> = Promise.resolve();

  constructor(
    readonly socket: PresenceSocket,
    readonly openedAt: number,
    budget: { rate: number; burst: number },
  ) {
    this.budget = new FrameBudget(budget.rate, budget.burst, openedAt);
  }
}

export class PresenceHost {
  readonly room: PresenceRoom;
  private readonly conns = new Set<Connection>();
  private readonly byParticipant = new Map<string, Connection>();
  private readonly now: () => number;
  private readonly rate: number;
  private readonly burst: number;
  private readonly joinTimeoutMs: number;

  constructor(private readonly options: PresenceHostOptions) {
    this.now = options.now ?? Date.now;
    this.rate = options.messagesPerSecond ?? 20;
    this.burst = options.messageBurst ?? 40;
    this.joinTimeoutMs = options.joinTimeoutMs ?? 10_000;
    this.room = new PresenceRoom({
      name: options.room,
      sizeLimit: options.sizeLimit,
      resumeGraceMs: options.resumeGraceMs,
      ...(options.staleAfterMs !== undefined ? { staleAfterMs: options.staleAfterMs } : {}),
      requireBoundSessions: options.requireBoundSessions ?? true,
      ...(options.seatsPerUser !== undefined ? { seatsPerUser: options.seatsPerUser } : {}),
      ...(options.randomId ? { randomId: options.randomId } : {}),
    });
  }

  get connectionCount(): number {
    return this.conns.size;
  }

  /** Nothing to keep: no sockets, participants or bindings. */
  get idle(): boolean {
    return this.conns.size === 0 && this.room.idle;
  }

  open(socket: PresenceSocket): Connection {
    const conn = new Connection(socket, this.now(), { rate: this.rate, burst: this.burst });
    this.conns.add(conn);
    return conn;
  }

  /** One text frame from a socket. Resolves when it has been handled. */
  receive(conn: Connection, text: string): Promise<void> {
    if (conn.closed) return Promise.resolve();
    if (!this.takeToken(conn)) return Promise.resolve();
    const parsed = parseClientMessage(text);
    conn.queue = conn.queue.then(async () => {
      if (conn.closed) return;
      if (!parsed.ok) {
        this.sendTo(conn, {
          type: 'error',
          code: parsed.code,
          message: parsed.message,
          ...(parsed.ref ? { ref: parsed.ref } : {}),
        });
        return;
      }
      const msg = parsed.message;
      if (msg.type === 'join') {
        if (conn.participantId !== undefined || conn.joining) {
          this.sendTo(conn, {
            type: 'error',
            code: 'already-joined',
            message: 'this socket has joined already',
            ref: 'join',
          });
          return;
        }
        conn.joining = true;
        try {
          await this.join(conn, msg.token, msg.resumeToken, msg.state, msg.profile);
        } finally {
          conn.joining = false;
        }
        return;
      }
      if (conn.participantId === undefined) {
        this.sendTo(conn, { type: 'error', code: 'not-joined', message: 'send join first', ref: msg.type });
        return;
      }
      this.apply(this.room.handle(conn.participantId, msg, this.now()));
    });
    return conn.queue;
  }

  private async join(
    conn: Connection,
    token: string,
    resumeToken: string | undefined,
    state: Parameters<PresenceRoom['join']>[0]['state'],
    profile?: Parameters<PresenceRoom['join']>[0]['profile'],
  ): Promise<void> {
    let claims;
    try {
      claims = await verifyRoomToken(token, this.options.tokenSecret, {
        room: this.options.room,
        now: this.now(),
      });
    } catch (e) {
      const why = e instanceof TokenError ? e.message : 'invalid token';
      this.fatal(
        conn,
        { type: 'error', code: 'unauthorized', message: why, ref: 'join', fatal: true },
        PRESENCE_CLOSE_CODES.unauthorized,
      );
      return;
    }
    if (conn.closed) return;
    const result = this.room.join(
      {
        sub: claims.sub,
        name: claims.name,
        role: claims.role,
        ...(resumeToken !== undefined ? { resumeToken } : {}),
        ...(state !== undefined ? { state } : {}),
        ...(profile !== undefined ? { profile } : {}),
      },
      this.now(),
    );
    if (!result.ok) {
      const code =
        result.error.code === 'room-full' || result.error.code === 'seat-limit'
          ? PRESENCE_CLOSE_CODES.roomFull
          : result.error.code === 'locked'
            ? PRESENCE_CLOSE_CODES.locked
            : PRESENCE_CLOSE_CODES.removed;
      this.fatal(conn, result.error, code);
      return;
    }
    const previous = this.byParticipant.get(result.participantId);
    if (previous && previous !== conn) {
      // A resume while the old socket still looked open: the new socket wins, the old one goes quietly.
      previous.participantId = undefined;
      this.closeConn(previous, PRESENCE_CLOSE_CODES.replaced, 'replaced by a newer connection');
    }
    conn.participantId = result.participantId;
    this.byParticipant.set(result.participantId, conn);
    this.apply(result.effects);
  }

  /** The socket closed (either side). */
  closed(conn: Connection, force = false): void {
    if (!this.conns.has(conn) && !force) return;
    conn.closed = true;
    this.conns.delete(conn);
    const id = conn.participantId;
    if (id !== undefined && this.byParticipant.get(id) === conn) {
      this.byParticipant.delete(id);
      this.apply(this.room.disconnect(id, this.now()));
    }
  }

  /** Stale removal, resume expiry and join timeouts; call every second or so. */
  tick(): void {
    const now = this.now();
    for (const conn of [...this.conns]) {
      if (conn.participantId === undefined && !conn.joining && now - conn.openedAt > this.joinTimeoutMs) {
        this.fatal(
          conn,
          { type: 'error', code: 'unauthorized', message: 'no join in time', fatal: true },
          PRESENCE_CLOSE_CODES.unauthorized,
        );
      }
    }
    this.apply(this.room.tick(now));
  }

  bindSession(sessionId: string, owner: { sub: string; role: RoomRole }): AccessDecision {
    return this.room.bindings.bind(sessionId, owner, this.now());
  }

  /** `role` (from the token) matters for a new session: the lobby keeps waiting participants from making one. */
  authorize(
    caller: { sub: string; role?: RoomRole },
    check: { sessionId?: string; pullFrom?: string[] },
  ): AccessDecision {
    if (check.sessionId === undefined && !this.room.mayCreateSession(caller.sub, caller.role ?? 'guest')) {
      return { ok: false, reason: 'this room is locked, or you wait in its lobby until a host lets you in' };
    }
    return this.room.bindings.authorize(caller, check);
  }

  /** Shows everyone the room's running recording (null: none). */
  setRecording(recording: Parameters<PresenceRoom['setRecording']>[0]): void {
    this.apply(this.room.setRecording(recording));
  }

  /** Closes every socket (server shutdown). */
  closeAll(code = 1001, reason = 'server going away'): void {
    for (const conn of [...this.conns]) this.closeConn(conn, code, reason);
  }

  private apply(effects: RoomEffect[]): void {
    for (const effect of effects) {
      if (effect.kind === 'send') {
        const text = JSON.stringify(effect.message);
        for (const id of effect.to) {
          const conn = this.byParticipant.get(id);
          if (conn && !conn.closed) this.deliver(conn, text);
        }
      } else {
        const conn = this.byParticipant.get(effect.participantId);
        if (conn) {
          this.byParticipant.delete(effect.participantId);
          conn.participantId = undefined;
          this.closeConn(conn, effect.code, effect.reason);
        }
      }
    }
  }

  private deliver(conn: Connection, text: string): void {
    if ((conn.socket.bufferedAmount?.() ?? 0) > MAX_BUFFERED_BYTES) {
      // Too slow to keep up: close it; the room treats it as a dropped socket, so the client can resume.
      this.closeConn(conn, 1008, 'too slow to keep up');
      this.closed(conn, true);
      return;
    }
    safeSend(conn.socket, text);
  }

  private takeToken(conn: Connection): boolean {
    const taken = conn.budget.take(this.now());
    if (!taken.ok && taken.tell) {
      this.sendTo(conn, {
        type: 'error',
        code: 'rate-limited',
        message: `at most ${this.rate} messages per second`,
      });
    }
    return taken.ok;
  }

  private sendTo(conn: Connection, message: ServerMessage): void {
    if (!conn.closed) safeSend(conn.socket, JSON.stringify(message));
  }

  private fatal(conn: Connection, error: ErrorMessage, code: number): void {
    this.sendTo(conn, error);
    this.closeConn(conn, code, error.code);
  }

  private closeConn(conn: Connection, code: number, reason: string): void {
    if (conn.closed) return;
    conn.closed = true;
    this.conns.delete(conn);
    safeClose(conn.socket, code, reason);
  }
}
