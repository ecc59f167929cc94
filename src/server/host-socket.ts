/**
 * A server's end of a WebSocket as the socket hosts see it (presence, a support line), runtime-neutral:
 * Node's `ws` and Workers' WebSocketPair both fit. Sends and closes never throw at the host: a socket that is
 * going away reports it through its close event.
 */
export interface HostSocket {
  send(text: string): void;
  close(code: number, reason: string): void;
  /** Bytes queued but not yet sent, where the runtime tells (Node's `ws`). */
  bufferedAmount?(): number;
}

export function safeSend(socket: HostSocket, text: string): void {
  try {
    socket.send(text);
  } catch {
    // The socket is going away; its close event cleans up.
  }
}

/** Closes with a reason cut to what a close frame holds. */
export function safeClose(socket: HostSocket, code: number, reason: string): void {
  try {
    socket.close(code, reason.slice(0, 120));
  } catch {
    // already closing
  }
}

/**
 * One socket's frame budget: `rate` frames per second, up to `burst` at once. A refused frame asks the host
 * to tell the sender at most once a second, so a flood does not turn into a flood of errors.
 */
export class FrameBudget {
  private tokens: number;
  private lastRefill: number;
  private toldAt = Number.NEGATIVE_INFINITY;

  constructor(
    readonly rate: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.lastRefill = now;
  }

  /** `ok`, or refused with `tell` when the sender should hear of it now. */
  take(now: number): { ok: true } | { ok: false; tell: boolean } {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.lastRefill) / 1000) * this.rate);
    this.lastRefill = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { ok: true };
    }
    const tell = now - this.toldAt >= 1000;
    if (tell) this.toldAt = now;
    return { ok: false, tell };
  }
}
