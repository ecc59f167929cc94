/**
 * Sockets around one `SupportLine`: the token check of `enqueue` and `agent`, frame validation, per-socket and
 * per-user rate limits, minting the call rooms' tokens, storing the line after every change, and delivering
 * the line's effects in order. Runtime-neutral, so the Node server and the Durable Object share it.
 */
import {
  LINE_CLOSE_CODES,
  LINE_LIMITS,
  type LineErrorMessage,
  type LineServerMessage,
} from '../protocol/queue.ts';
import type { LineEventSink } from './line-events.ts';
import { parseLineMessage } from './queue-schema.ts';
import { SupportLine, type LineEffect, type LineSnapshot } from './support-line.ts';
import { createRoomToken, TokenError, verifyRoomToken } from './tokens.ts';
import { FrameBudget, safeClose, safeSend, type HostSocket } from './host-socket.ts';

/** The server's end of a support-line WebSocket. */
export type LineSocket = HostSocket;

export interface SupportLineHostOptions {
  queue: string;
  tokenSecret: string;
  maxWaiting: number;
  maxWaitMs: number;
  graceMs: number;
  /** Lifetime of the call rooms' tokens, seconds. */
  tokenTtlSeconds: number;
  /** What was stored before a restart. */
  restored?: LineSnapshot;
  /** Called with the line's state after every change, before anyone hears of it. */
  persist?: (snapshot: LineSnapshot) => void;
  events?: LineEventSink;
  now?: () => number;
  randomId?: () => string;
  messagesPerSecond?: number;
  messageBurst?: number;
  joinTimeoutMs?: number;
}

class LineConnection {
  joined = false;
  joining = false;
  closed = false;
  readonly budget: FrameBudget;
  queue: Promise<void> = Promise.resolve();
  constructor(
    readonly id: string,
    readonly socket: LineSocket,
    readonly openedAt: number,
    budget: { rate: number; burst: number },
  ) {
    this.budget = new FrameBudget(budget.rate, budget.burst, openedAt);
  }
}

export type { LineConnection };

export class SupportLineHost {
  readonly line: SupportLine;
  private readonly conns = new Map<string, LineConnection>();
  private readonly enqueues = new Map<string, number[]>();
  private readonly now: () => number;
  private readonly rate: number;
  private readonly burst: number;
  private next = 0;
  /** The last stored state, as JSON. */
  private stored: string | undefined;
  /** Effects are delivered one batch after another (minting a token is async). */
  private outbox: Promise<void> = Promise.resolve();

  constructor(private readonly options: SupportLineHostOptions) {
    this.now = options.now ?? Date.now;
    this.rate = options.messagesPerSecond ?? 10;
    this.burst = options.messageBurst ?? 20;
    const lineOptions = {
      queue: options.queue,
      maxWaiting: options.maxWaiting,
      maxWaitMs: options.maxWaitMs,
      graceMs: options.graceMs,
      ...(options.randomId ? { randomId: options.randomId } : {}),
    };
    this.line = options.restored
      ? SupportLine.restore(lineOptions, options.restored, this.now())
      : new SupportLine(lineOptions);
    this.stored = JSON.stringify(this.line.snapshot());
  }

  /** No sockets and nothing in the line. */
  get idle(): boolean {
    return this.conns.size === 0 && this.line.idle;
  }

  open(socket: LineSocket): LineConnection {
    const conn = new LineConnection(`c${++this.next}`, socket, this.now(), {
      rate: this.rate,
      burst: this.burst,
    });
    this.conns.set(conn.id, conn);
    return conn;
  }

  /** One text frame. Resolves when it has been handled and its effects delivered. */
  receive(conn: LineConnection, text: string): Promise<void> {
    if (conn.closed || !this.takeToken(conn)) return Promise.resolve();
    const parsed = parseLineMessage(text);
    conn.queue = conn.queue.then(async () => {
      if (conn.closed) return;
      if (!parsed.ok) {
        const { code, message, ref } = parsed;
        this.sendTo(conn, { type: 'error', code, message, ...(ref ? { ref } : {}) });
        return;
      }
      const msg = parsed.message;
      if (msg.type === 'enqueue' || msg.type === 'agent') {
        if (conn.joined || conn.joining) {
          this.sendTo(conn, {
            type: 'error',
            code: 'already-joined',
            message: 'already joined',
            ref: msg.type,
          });
          return;
        }
        conn.joining = true;
        try {
          await this.join(conn, msg);
        } finally {
          conn.joining = false;
        }
        return;
      }
      await this.apply(this.line.handle(conn.id, msg, this.now()));
    });
    return conn.queue;
  }

  private async join(
    conn: LineConnection,
    msg: Extract<Parameters<SupportLine['handle']>[1], { type: 'enqueue' | 'agent' }>,
  ): Promise<void> {
    let claims;
    try {
      claims = await verifyRoomToken(msg.token, this.options.tokenSecret, {
        room: this.options.queue,
        now: this.now(),
      });
    } catch (e) {
      const why = e instanceof TokenError ? e.message : 'invalid token';
      this.fatal(conn, { type: 'error', code: 'unauthorized', message: why, ref: msg.type, fatal: true });
      return;
    }
    if (conn.closed) return;
    const now = this.now();
    if (msg.type === 'agent') {
      if (!claims.agent) {
        this.fatal(conn, {
          type: 'error',
          code: 'not-agent',
          message: 'this token does not make you an agent of this line (no agent claim)',
          ref: msg.type,
          fatal: true,
        });
        return;
      }
      conn.joined = true;
      await this.apply(
        this.line.agentJoin(
          conn.id,
          {
            sub: claims.sub,
            name: claims.name,
            ...(msg.available !== undefined ? { available: msg.available } : {}),
          },
          now,
        ),
      );
      return;
    }
    if (!msg.resume && !this.takeEnqueue(claims.sub, now)) {
      this.fatal(conn, {
        type: 'error',
        code: 'rate-limited',
        message: `at most ${LINE_LIMITS.enqueuesPerMinute} calls per minute`,
        ref: msg.type,
        fatal: true,
      });
      return;
    }
    conn.joined = true;
    await this.apply(
      this.line.enqueue(
        conn.id,
        {
          sub: claims.sub,
          name: claims.name,
          metadata: msg.metadata ?? {},
          ...(msg.resume ? { resume: msg.resume } : {}),
        },
        now,
      ),
    );
  }

  /** The socket closed; `code` is what the client sent (1000 and 1001 mean it left on purpose). */
  closed(conn: LineConnection, code?: number): Promise<void> {
    if (conn.closed) return Promise.resolve();
    conn.closed = true;
    this.conns.delete(conn.id);
    const clean = code === 1000 || code === 1001;
    // After its queued frames: a cancel that arrived just before the close is handled first.
    return conn.queue.then(() => this.apply(this.line.disconnect(conn.id, clean, this.now())));
  }

  /** Join timeouts, stale sockets, grace periods and the waiting-time limit; call every second or so. */
  tick(): Promise<void> {
    const now = this.now();
    for (const conn of this.conns.values()) {
      if (!conn.joined && !conn.joining && now - conn.openedAt > (this.options.joinTimeoutMs ?? 10_000)) {
        this.fatal(conn, {
          type: 'error',
          code: 'unauthorized',
          message: 'no enqueue or agent in time',
          fatal: true,
        });
      }
    }
    for (const [sub, times] of this.enqueues) {
      if (times.every((t) => now - t > 60_000)) this.enqueues.delete(sub);
    }
    return this.apply(this.line.tick(now));
  }

  /** Closes every socket without telling the line (server shutdown: clients come back to a restored line). */
  closeAll(code = 1001, reason = 'server going away'): void {
    for (const conn of [...this.conns.values()]) {
      conn.closed = true;
      this.conns.delete(conn.id);
      try {
        conn.socket.close(code, reason);
      } catch {
        // already closing
      }
    }
  }

  private apply(effects: LineEffect[]): Promise<void> {
    if (effects.length === 0) return this.outbox;
    // Stored before anyone hears of it: a restart never forgets what a client was told. Only when the line
    // changed: heartbeats and refusals write nothing.
    if (this.options.persist) {
      const snapshot = this.line.snapshot();
      const text = JSON.stringify(snapshot);
      if (text !== this.stored) {
        this.stored = text;
        this.options.persist(snapshot);
      }
    }
    this.outbox = this.outbox.then(() => this.deliver(effects)).catch(() => undefined);
    return this.outbox;
  }

  private async deliver(effects: LineEffect[]): Promise<void> {
    for (const effect of effects) {
      if (effect.kind === 'event') {
        try {
          this.options.events?.record(effect.event);
        } catch {
          // A sink's failure is not the line's.
        }
        continue;
      }
      if (effect.kind === 'close') {
        const conn = this.conns.get(effect.conn);
        if (conn) this.closeConn(conn, effect.code, effect.reason);
        continue;
      }
      let message = effect.message;
      if (effect.grant && 'token' in message) {
        const { token } = await createRoomToken({
          secret: this.options.tokenSecret,
          ...effect.grant,
          ttlSeconds: this.options.tokenTtlSeconds,
          now: this.now(),
        });
        message = { ...message, token };
      }
      const text = JSON.stringify(message);
      for (const id of effect.to) {
        const conn = this.conns.get(id);
        if (conn) safeSend(conn.socket, text);
      }
    }
  }

  private takeEnqueue(sub: string, now: number): boolean {
    const recent = (this.enqueues.get(sub) ?? []).filter((t) => now - t < 60_000);
    if (recent.length >= LINE_LIMITS.enqueuesPerMinute) return false;
    recent.push(now);
    this.enqueues.set(sub, recent);
    return true;
  }

  private takeToken(conn: LineConnection): boolean {
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

  private sendTo(conn: LineConnection, message: LineServerMessage): void {
    if (!conn.closed) safeSend(conn.socket, JSON.stringify(message));
  }

  private fatal(conn: LineConnection, error: LineErrorMessage): void {
    this.sendTo(conn, error);
    this.closeConn(
      conn,
      error.code === 'unauthorized' ? LINE_CLOSE_CODES.unauthorized : LINE_CLOSE_CODES.closed,
      error.code,
    );
  }

  private closeConn(conn: LineConnection, code: number, reason: string): void {
    if (conn.closed) return;
    conn.closed = true;
    this.conns.delete(conn.id);
    safeClose(conn.socket, code, reason);
  }
}
