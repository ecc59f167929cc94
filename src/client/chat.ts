/**
 * Chat over Calls data channels: the message log with its limits (long-lived), and one session's channels,
 * our published `chat` channel and the ones we subscribe to (dropped whole with their session).
 */
import type { Participant } from '../protocol/presence.ts';
import { CallsItemError } from './calls-api.ts';
import type { CallsSession } from './ports.ts';
import type { ChatMessage, RoomErrorCode } from './room-types.ts';
import type { DataChannelReliability } from './sfu-session-types.ts';

export const CHAT_CHANNEL = 'chat';
export const MAX_CHAT_CHARS = 4000;
/** Received payloads longer than this are dropped unread (a 4,000-character text is well under it). */
export const MAX_CHAT_PAYLOAD = MAX_CHAT_CHARS * 4;
export const MAX_MESSAGES = 500;

/** A chat message as the page gets it: text messages are logged, `data` is whatever was sent. */
export interface ChatDelivery {
  readonly message: ChatMessage;
  readonly data: unknown;
}

type Sender = Pick<Participant, 'id' | 'name'>;

/** The message log: at most `MAX_MESSAGES`, texts cut at `MAX_CHAT_CHARS`. */
export class ChatLog {
  #messages: readonly ChatMessage[] = [];

  get messages(): readonly ChatMessage[] {
    return this.#messages;
  }

  /** What we send: the wire payload and the delivery to show locally. */
  outgoing(data: unknown, from: Sender, now = Date.now()): { payload: string; delivery: ChatDelivery } {
    const text = typeof data === 'string' ? data.slice(0, MAX_CHAT_CHARS) : undefined;
    const body = { id: crypto.randomUUID(), at: now, ...(text !== undefined ? { text } : { data }) };
    const delivery = this.#add(
      { id: body.id, from: from.id, fromName: from.name, at: now },
      text,
      text ?? data,
      true,
    );
    return { payload: JSON.stringify(body), delivery };
  }

  /** A received payload from `from`; undefined when it is not a chat message or its sender is unknown. */
  incoming(raw: unknown, from: Sender | undefined): ChatDelivery | undefined {
    if (typeof raw !== 'string' || raw.length > MAX_CHAT_PAYLOAD || !from) return undefined;
    let body: { id?: unknown; at?: unknown; text?: unknown; data?: unknown };
    try {
      body = JSON.parse(raw) as typeof body;
    } catch {
      return undefined;
    }
    if (!body || typeof body !== 'object') return undefined;
    const text = typeof body.text === 'string' ? body.text.slice(0, MAX_CHAT_CHARS) : undefined;
    const meta = {
      id: typeof body.id === 'string' ? body.id : crypto.randomUUID(),
      from: from.id,
      fromName: from.name,
      at: typeof body.at === 'number' ? body.at : Date.now(),
    };
    return this.#add(meta, text, text ?? body.data, false);
  }

  #add(
    meta: Pick<ChatMessage, 'id' | 'from' | 'fromName' | 'at'>,
    text: string | undefined,
    data: unknown,
    isLocal: boolean,
  ): ChatDelivery {
    const message: ChatMessage = Object.freeze({ ...meta, text: text ?? '', isLocal });
    if (text !== undefined) this.#messages = [...this.#messages, message].slice(-MAX_MESSAGES);
    return { message, data };
  }
}

/** One session's scope as its parts see it: the session, and whether it is still the room's. */
export interface Scope {
  readonly session: CallsSession;
  readonly live: boolean;
}

export interface ChatChannelsListener {
  /** Our channel is published: announce the session. */
  published(): void;
  received(sessionId: string, raw: unknown): void;
  failed(error: unknown, code: RoomErrorCode): void;
}

/** A named channel every participant publishes and pulls from everyone visible. */
export interface ChannelKind {
  name: string;
  reliability: DataChannelReliability;
  /**
   * Pull with `waitForAck`: the SFU holds what the publisher sends until our channel exists and says so (our
   * first message, which the SFU consumes), so messages sent right after we subscribed are not lost.
   */
  waitForAck: boolean;
}

export const CHAT_KIND: ChannelKind = {
  name: CHAT_CHANNEL,
  reliability: { ordered: true },
  waitForAck: true,
};

/** What the subscriber sends first on a `waitForAck` pull (consumed by the SFU, never forwarded). */
export const ACK_MESSAGE = 'ready';

/** One session's channels of one kind (chat by default): ours, and those we pull. */
export class ChatChannels {
  #out: RTCDataChannel | undefined;
  #publishing: Promise<void> | undefined;
  /** By publisher session: our pull's channel, or where it stands (`gone`: that session has no channel). */
  readonly #in = new Map<string, RTCDataChannel | 'pending' | 'gone'>();
  readonly #pending = new Set<Promise<unknown>>();

  constructor(
    private readonly scope: Scope,
    private readonly listener: ChatChannelsListener,
    private readonly kind: ChannelKind = CHAT_KIND,
  ) {}

  /** Resolves once every pull asked for so far exists at the SFU (open or not), or failed. */
  async subscribed(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  get published(): boolean {
    return this.#out !== undefined;
  }

  /** Our channel can take a message now. */
  get open(): boolean {
    return this.#out?.readyState === 'open';
  }

  /** Publishes our channel once (a failed attempt may be repeated). */
  publish(): Promise<void> {
    this.#publishing ??= this.#publish().catch((error: unknown) => {
      this.#publishing = undefined;
      throw error;
    });
    return this.#publishing;
  }

  async #publish(): Promise<void> {
    const channel = await this.scope.session.publishDataChannel(this.kind.name, this.kind.reliability);
    if (!this.scope.live) return;
    this.#out = channel;
    this.listener.published();
  }

  send(payload: string): void {
    this.#out?.send(payload);
  }

  /** True once that session's channel is subscribed and open. */
  ready(sessionId: string): boolean {
    const channel = this.#in.get(sessionId);
    return typeof channel === 'object' && channel.readyState === 'open';
  }

  /** Subscribes to the chat of exactly these sessions. */
  reconcile(wanted: ReadonlySet<string>): void {
    const { session } = this.scope;
    for (const [sessionId, channel] of this.#in) {
      if (wanted.has(sessionId)) continue;
      this.#in.delete(sessionId);
      if (typeof channel === 'object') session.closeDataChannel(channel).catch(() => undefined);
    }
    for (const sessionId of wanted) {
      if (this.#in.has(sessionId)) continue;
      this.#in.set(sessionId, 'pending');
      const { name, reliability, waitForAck } = this.kind;
      const pull = session
        .subscribeDataChannel(sessionId, name, { ...reliability, ...(waitForAck ? { waitForAck } : {}) })
        .then((channel) => {
          if (!this.scope.live || this.#in.get(sessionId) !== 'pending') {
            if (this.scope.live) session.closeDataChannel(channel).catch(() => undefined);
            return;
          }
          this.#in.set(sessionId, channel);
          channel.addEventListener('message', (event) => this.listener.received(sessionId, event.data));
          if (!waitForAck) return;
          const ack = () => channel.send(ACK_MESSAGE);
          if (channel.readyState === 'open') ack();
          else channel.addEventListener('open', ack, { once: true });
        })
        .catch((error: unknown) => {
          // No longer wanted (that publisher replaced its session meanwhile): the failure is moot.
          if (this.#in.get(sessionId) !== 'pending') return;
          // A channel is announced only once published, so the SFU not knowing it means that session is gone
          // (a publisher whose SFU session was lost, not yet on its new one): presence will announce the new
          // session, which reconcile then pulls. Not an error, and not asked again.
          if (error instanceof CallsItemError && error.errorCode === 'not_found_track_error') {
            this.#in.set(sessionId, 'gone');
            return;
          }
          this.#in.delete(sessionId);
          this.listener.failed(error, 'chat-failed');
        })
        .finally(() => this.#pending.delete(pull));
      this.#pending.add(pull);
    }
  }

  dispose(): void {
    this.#in.clear();
    this.#out = undefined;
  }
}
