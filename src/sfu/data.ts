/**
 * Data channel pub/sub: a publisher's channel fans every message out to its subscriptions; at most one
 * subscription may reply (`canReply`); `waitForAck` holds delivery until the subscriber's first message: what the
 * publisher sends meanwhile is kept (up to `HELD_LIMITS`) and delivered, in order, right after that message.
 */
import type { DataMessage, DataPipe } from './engine/channel.ts';

export interface DataSettings {
  ordered?: boolean | undefined;
  maxRetransmits?: number | undefined;
  maxPacketLifeTime?: number | undefined;
}

export class DataPublication {
  readonly subscriptions = new Set<DataSubscription>();
  replier: DataSubscription | undefined;
  closed = false;

  constructor(
    readonly sessionId: string,
    readonly name: string,
    readonly pipe: DataPipe,
    readonly settings: DataSettings,
  ) {
    pipe.onMessage((message) => {
      if (this.closed) return;
      for (const sub of this.subscriptions) sub.deliver(message);
    });
  }

  close(): void {
    this.closed = true;
    this.pipe.close();
    for (const sub of [...this.subscriptions]) sub.close();
  }
}

/** What a `waitForAck` subscription keeps for its subscriber at most; beyond it the oldest are dropped. */
export const HELD_LIMITS = { messages: 1024, bytes: 1024 * 1024 } as const;

export class DataSubscription {
  acked: boolean;
  closed = false;
  private ackTimer: ReturnType<typeof setTimeout> | undefined;
  private held: DataMessage[] = [];
  private heldBytes = 0;

  constructor(
    readonly publication: DataPublication,
    readonly pipe: DataPipe,
    options: { waitForAck: boolean; canReply: boolean; ackWaitMs: number; onExpired: () => void },
  ) {
    this.acked = !options.waitForAck;
    publication.subscriptions.add(this);
    if (options.canReply) publication.replier = this;
    if (!this.acked) {
      this.ackTimer = setTimeout(() => {
        if (!this.acked) {
          this.close();
          options.onExpired();
        }
      }, options.ackWaitMs);
    }
    pipe.onMessage((message) => this.fromSubscriber(message));
  }

  set canReply(value: boolean) {
    if (value) this.publication.replier = this;
    else if (this.publication.replier === this) this.publication.replier = undefined;
  }

  get canReply(): boolean {
    return this.publication.replier === this;
  }

  deliver(message: DataMessage): void {
    if (this.closed) return;
    if (this.acked) {
      this.pipe.send(message);
      return;
    }
    this.held.push(message);
    this.heldBytes += sizeOf(message);
    while (this.held.length > HELD_LIMITS.messages || this.heldBytes > HELD_LIMITS.bytes) {
      this.heldBytes -= sizeOf(this.held.shift()!);
    }
  }

  private fromSubscriber(message: DataMessage): void {
    if (this.closed) return;
    if (!this.acked) {
      // The acknowledgement is consumed, never forwarded.
      this.acked = true;
      clearTimeout(this.ackTimer);
      const held = this.held;
      this.held = [];
      this.heldBytes = 0;
      for (const m of held) this.pipe.send(m);
      return;
    }
    if (this.canReply && !this.publication.closed) this.publication.pipe.send(message);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.ackTimer);
    this.held = [];
    this.publication.subscriptions.delete(this);
    if (this.publication.replier === this) this.publication.replier = undefined;
    this.pipe.close();
  }
}

function sizeOf(message: DataMessage): number {
  return typeof message === 'string' ? message.length * 3 : message.byteLength;
}
