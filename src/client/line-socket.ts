/**
 * One support-line WebSocket (`{endpoint}/queues/{queue}`): says who it is on every (re)connect (`hello`: an
 * `enqueue` with `resume`, or `agent`), keeps the socket alive with heartbeats, and after a dropped socket or a
 * backend restart reconnects with exponential backoff and full jitter. Closes the server means for good (done,
 * refused, replaced) end it.
 */
import {
  LINE_CLOSE_CODES,
  LINE_LIMITS,
  type LineClientMessage,
  type LineServerMessage,
} from '../protocol/queue.ts';

export type LineSocketStatus = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface LineSocketOptions {
  /** `ws:` or `wss:` URL of the line. */
  url: string;
  /** The first message of every connect. */
  hello: () => Promise<LineClientMessage>;
  onMessage: (message: LineServerMessage) => void;
  onStatus?: (status: LineSocketStatus) => void;
  /** The socket closed for good (not by `close()`): the server's code and reason, or out of attempts. */
  onEnd: (code: number, reason: string) => void;
  /** Reconnect attempts in a row before giving up (default 30: about two minutes). */
  attempts?: number;
}

const FINAL = new Set<number>([
  LINE_CLOSE_CODES.done,
  LINE_CLOSE_CODES.unauthorized,
  LINE_CLOSE_CODES.closed,
  LINE_CLOSE_CODES.replaced,
]);

export class LineSocket {
  readonly #o: LineSocketOptions;
  #socket: WebSocket | undefined;
  #status: LineSocketStatus = 'connecting';
  #failures = 0;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #retry: ReturnType<typeof setTimeout> | undefined;

  constructor(options: LineSocketOptions) {
    this.#o = options;
  }

  get status(): LineSocketStatus {
    return this.#status;
  }

  start(): void {
    this.#open();
  }

  send(message: LineClientMessage): boolean {
    if (this.#socket?.readyState !== WebSocket.OPEN) return false;
    this.#socket.send(JSON.stringify(message));
    return true;
  }

  /** Closes for good (1000: the server takes it as leaving on purpose). */
  close(): void {
    if (this.#status === 'closed') return;
    this.#set('closed');
    this.#stopTimers();
    this.#socket?.close(1000, 'done');
    this.#socket = undefined;
  }

  #open(): void {
    void this.#o
      .hello()
      .then((hello) => {
        if (this.#status === 'closed') return;
        const socket = new WebSocket(this.#o.url);
        this.#socket = socket;
        socket.addEventListener('open', () => {
          socket.send(JSON.stringify(hello));
          this.#failures = 0;
          this.#set('open');
          clearInterval(this.#heartbeat);
          this.#heartbeat = setInterval(() => {
            if (socket.readyState === WebSocket.OPEN) socket.send('{"type":"heartbeat"}');
          }, LINE_LIMITS.heartbeatIntervalMs);
        });
        socket.addEventListener('message', (event) => {
          if (this.#socket !== socket) return;
          try {
            this.#o.onMessage(JSON.parse(String(event.data)) as LineServerMessage);
          } catch {
            // not ours
          }
        });
        socket.addEventListener('close', (event) => {
          if (this.#socket !== socket || this.#status === 'closed') return;
          this.#socket = undefined;
          clearInterval(this.#heartbeat);
          if (FINAL.has(event.code)) this.#end(event.code, event.reason);
          else this.#again(event.code, event.reason);
        });
      })
      .catch((error: unknown) => this.#end(LINE_CLOSE_CODES.unauthorized, String(error)));
  }

  #again(code: number, reason: string): void {
    if (++this.#failures > (this.#o.attempts ?? 30)) {
      this.#end(code, reason || 'the support line cannot be reached');
      return;
    }
    this.#set('reconnecting');
    const ceiling = Math.min(4000, 250 * 2 ** (this.#failures - 1));
    this.#retry = setTimeout(() => this.#open(), Math.random() * ceiling);
  }

  #end(code: number, reason: string): void {
    if (this.#status === 'closed') return;
    this.#set('closed');
    this.#stopTimers();
    this.#o.onEnd(code, reason);
  }

  #stopTimers(): void {
    clearInterval(this.#heartbeat);
    clearTimeout(this.#retry);
  }

  #set(status: LineSocketStatus): void {
    if (status === this.#status) return;
    this.#status = status;
    this.#o.onStatus?.(status);
  }
}

/** The line's URL for a backend endpoint (`/api` or absolute). */
export function lineUrl(endpoint: string, queue: string): string {
  const base = new URL(endpoint || '/api', globalThis.location?.href).href.replace(/\/+$/, '');
  const url = new URL(`${base}/queues/${encodeURIComponent(queue)}`);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.href;
}
