/**
 * The presence WebSocket (`{endpoint}/rooms/{room}`): joins with the room token, keeps the socket alive with
 * heartbeats, and after a dropped socket reconnects with exponential backoff and full jitter, resuming the
 * same participant with the welcome's `resumeToken`.
 */
import {
  PRESENCE_CLOSE_CODES,
  type ClientMessage,
  type ParticipantProfile,
  type ParticipantState,
  type ServerMessage,
  type WelcomeMessage,
} from '../protocol/presence.ts';

export type PresenceStatus = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface PresenceClientOptions {
  /** `ws:` or `wss:` URL of the room. */
  url: string;
  /** A valid room token, asked for before every (re)connect. */
  token: () => Promise<string>;
  /** State sent with every join (so a resume restores it too). */
  state?: () => Partial<ParticipantState>;
  /** Name, avatar and metadata sent with every join. */
  profile?: () => ParticipantProfile;
  onMessage: (message: ServerMessage) => void;
  onStatus?: (status: PresenceStatus) => void;
  /** The socket closed for good: removed, unauthorized, room full, or out of attempts. */
  onFatal?: (code: PresenceFatalCode, message: string) => void;
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Reconnect attempts in a row before giving up. */
  attempts?: number;
  /** How long a connect may take until the welcome. */
  timeoutMs?: number;
}

export type PresenceFatalCode =
  'unauthorized' | 'removed' | 'room-full' | 'replaced' | 'unreachable' | 'locked' | 'denied' | 'ended';

const FATAL_CLOSES: Record<number, PresenceFatalCode> = {
  [PRESENCE_CLOSE_CODES.unauthorized]: 'unauthorized',
  [PRESENCE_CLOSE_CODES.removed]: 'removed',
  [PRESENCE_CLOSE_CODES.roomFull]: 'room-full',
  [PRESENCE_CLOSE_CODES.replaced]: 'replaced',
  [PRESENCE_CLOSE_CODES.locked]: 'locked',
  [PRESENCE_CLOSE_CODES.denied]: 'denied',
  [PRESENCE_CLOSE_CODES.ended]: 'ended',
};

export class PresenceClient {
  readonly #o: PresenceClientOptions;
  #socket: WebSocket | undefined;
  #status: PresenceStatus = 'idle';
  #resumeToken: string | undefined;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #failures = 0;
  #outbox: ClientMessage[] = [];
  #welcomed = false;

  constructor(options: PresenceClientOptions) {
    this.#o = options;
  }

  get status(): PresenceStatus {
    return this.#status;
  }

  /** The current socket (tests drop it to exercise the resume). */
  get socket(): WebSocket | undefined {
    return this.#socket;
  }

  /** Connects and resolves with the first welcome; rejects when the first connect fails. */
  connect(): Promise<WelcomeMessage> {
    return new Promise((resolve, reject) => {
      this.#open({ resolve, reject });
    });
  }

  /** Sends now when welcomed; otherwise queued until the next welcome (joins are not queued). */
  send(message: ClientMessage): void {
    if (this.#welcomed && this.#socket?.readyState === WebSocket.OPEN) {
      this.#socket.send(JSON.stringify(message));
    } else if (this.#status !== 'closed') {
      this.#outbox.push(message);
    }
  }

  /** Leaves the room and closes for good. */
  close(leave = true): void {
    if (this.#status === 'closed') return;
    if (leave && this.#welcomed && this.#socket?.readyState === WebSocket.OPEN) {
      this.#socket.send(JSON.stringify({ type: 'leave' } satisfies ClientMessage));
    }
    this.#setStatus('closed');
    this.#stop();
    this.#socket?.close(1000, 'left');
    this.#socket = undefined;
  }

  #open(first?: { resolve: (w: WelcomeMessage) => void; reject: (e: Error) => void }): void {
    this.#setStatus(first ? 'connecting' : 'reconnecting');
    this.#welcomed = false;
    let settled = false;
    const fail = (code: PresenceFatalCode, message: string, retry: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      this.#stop();
      if (this.#status === 'closed') return;
      if (first) {
        this.#setStatus('closed');
        first.reject(new PresenceError(code, message));
        return;
      }
      if (!retry || ++this.#failures >= (this.#o.attempts ?? 10)) {
        this.#setStatus('closed');
        this.#o.onFatal?.(code, message);
        return;
      }
      this.#scheduleRetry();
    };
    const timer = setTimeout(() => {
      this.#socket?.close();
      fail('unreachable', 'presence timeout', true);
    }, this.#o.timeoutMs ?? 10_000);

    void this.#o
      .token()
      .then((token) => {
        if (this.#status === 'closed' || settled) return;
        let socket: WebSocket;
        try {
          socket = new WebSocket(this.#o.url);
        } catch (error) {
          fail('unreachable', String(error), false);
          return;
        }
        this.#socket = socket;
        socket.addEventListener('open', () => {
          const join: ClientMessage = { type: 'join', token };
          if (this.#resumeToken) join.resumeToken = this.#resumeToken;
          const state = this.#o.state?.();
          if (state) join.state = state;
          const profile = this.#o.profile?.();
          if (profile && Object.keys(profile).length > 0) join.profile = profile;
          socket.send(JSON.stringify(join));
        });
        socket.addEventListener('message', (event) => {
          if (this.#socket !== socket) return;
          let message: ServerMessage;
          try {
            message = JSON.parse(String(event.data)) as ServerMessage;
          } catch {
            return;
          }
          if (message.type === 'welcome') {
            settled = true;
            clearTimeout(timer);
            this.#failures = 0;
            this.#resumeToken = message.resumeToken;
            this.#welcomed = true;
            this.#startHeartbeat(socket, message.heartbeatIntervalMs);
            this.#setStatus('open');
            this.#o.onMessage(message);
            const queued = this.#outbox;
            this.#outbox = [];
            for (const m of queued) this.send(m);
            first?.resolve(message);
            first = undefined;
            return;
          }
          // The lobby holds us: waiting for a host is not a timeout.
          if (message.type === 'waiting') clearTimeout(timer);
          if (message.type === 'error' && message.fatal) {
            const code: PresenceFatalCode =
              message.code === 'unauthorized' ||
              message.code === 'room-full' ||
              message.code === 'removed' ||
              message.code === 'locked' ||
              message.code === 'denied'
                ? message.code
                : message.code === 'seat-limit'
                  ? 'room-full' // no seat for this user: to the page, the room is full
                  : 'unreachable';
            this.#resumeToken = undefined;
            fail(code, message.message, false);
            this.#socket = undefined;
          }
          this.#o.onMessage(message);
        });
        socket.addEventListener('close', (event) => {
          if (this.#socket !== socket) return;
          this.#socket = undefined;
          const fatal = FATAL_CLOSES[event.code];
          if (fatal) {
            settled = false;
            fail(fatal, event.reason || fatal, false);
            return;
          }
          if (settled && this.#status === 'open') {
            // A dropped socket after a welcome: resume.
            settled = false;
            fail('unreachable', 'presence socket closed', true);
            return;
          }
          fail('unreachable', `presence socket closed (${event.code})`, !first);
        });
      })
      .catch((error: unknown) => {
        fail('unauthorized', error instanceof Error ? error.message : String(error), false);
      });
  }

  #scheduleRetry(): void {
    const base = this.#o.initialDelayMs ?? 250;
    const max = this.#o.maxDelayMs ?? 8000;
    const ceiling = Math.min(max, base * 2 ** Math.max(0, this.#failures - 1));
    this.#setStatus('reconnecting');
    // Full jitter: a room's worth of clients dropped together does not come back together.
    this.#retryTimer = setTimeout(() => this.#open(), Math.random() * ceiling);
  }

  #startHeartbeat(socket: WebSocket, intervalMs: number): void {
    clearInterval(this.#heartbeat);
    this.#heartbeat = setInterval(
      () => {
        if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: 'heartbeat' }));
      },
      Math.max(1000, intervalMs * 0.8),
    );
  }

  #stop(): void {
    clearInterval(this.#heartbeat);
    clearTimeout(this.#retryTimer);
    this.#heartbeat = undefined;
    this.#welcomed = false;
  }

  #setStatus(status: PresenceStatus): void {
    if (status === this.#status) return;
    this.#status = status;
    this.#o.onStatus?.(status);
  }
}

export class PresenceError extends Error {
  override readonly name = 'PresenceError';
  constructor(
    readonly code: PresenceFatalCode,
    message: string,
  ) {
    super(message);
  }
}
