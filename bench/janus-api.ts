/**
 * A small client of the Janus HTTP API (https://janus.conf.meetecho.com/docs/rest.html): one session, its
 * plugin handles, a long-poll loop that delivers asynchronous events by transaction, and keepalives. Only what
 * the bench's VideoRoom adapter needs.
 */
import { randomBytes } from 'node:crypto';

export interface Jsep {
  type: 'offer' | 'answer';
  sdp: string;
}

export interface JanusEvent {
  janus: string;
  transaction?: string;
  sender?: number;
  plugindata?: { plugin: string; data: Record<string, unknown> };
  jsep?: Jsep;
  data?: { id?: number };
  error?: { code: number; reason: string };
}

export class JanusError extends Error {
  constructor(
    readonly request: string,
    readonly reason: string,
  ) {
    super(`janus ${request}: ${reason}`);
  }
}

const KEEPALIVE_MS = 25_000;
/** Janus answers in milliseconds; this long without its event, it is stuck or gone. */
const EVENT_TIMEOUT_MS = 30_000;

export class JanusSession {
  private readonly waiting = new Map<string, (e: JanusEvent) => void>();
  private closed = false;
  private readonly keepalive: NodeJS.Timeout;
  private readonly polling: Promise<void>;

  private constructor(
    private readonly base: string,
    readonly id: number,
  ) {
    this.keepalive = setInterval(() => {
      this.post({ janus: 'keepalive' }).catch(() => undefined);
    }, KEEPALIVE_MS);
    this.polling = this.poll();
  }

  static async create(base: string): Promise<JanusSession> {
    const res = await request(base, { janus: 'create', transaction: randomBytes(6).toString('hex') });
    if (res.janus !== 'success' || !res.data?.id) throw new JanusError('create', describe(res));
    return new JanusSession(base, res.data.id);
  }

  async attach(plugin: string): Promise<JanusHandle> {
    const res = await this.post({ janus: 'attach', plugin });
    if (res.janus !== 'success' || !res.data?.id) throw new JanusError('attach', describe(res));
    return new JanusHandle(this, res.data.id);
  }

  /**
   * A request on the session or one of its handles. Requests Janus acknowledges first ("ack") resolve with the
   * event carrying the same transaction, which arrives through the long poll.
   */
  async post(body: Record<string, unknown>, handle?: number): Promise<JanusEvent> {
    const transaction = randomBytes(6).toString('hex');
    let timer: NodeJS.Timeout | undefined;
    const event = new Promise<JanusEvent>((resolve, reject) => {
      this.waiting.set(transaction, resolve);
      timer = setTimeout(() => {
        this.waiting.delete(transaction);
        reject(new JanusError(String(body.janus), `no event within ${EVENT_TIMEOUT_MS / 1000} s`));
      }, EVENT_TIMEOUT_MS);
    });
    try {
      const res = await request(`${this.base}/${this.id}${handle ? `/${handle}` : ''}`, {
        ...body,
        transaction,
      });
      if (res.janus !== 'ack') {
        this.waiting.delete(transaction);
        return res;
      }
      return await event;
    } finally {
      clearTimeout(timer);
      this.waiting.delete(transaction);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.keepalive);
    await this.post({ janus: 'destroy' }).catch(() => undefined);
    await this.polling;
  }

  private async poll(): Promise<void> {
    while (!this.closed) {
      let events: JanusEvent[];
      try {
        const res = await fetch(`${this.base}/${this.id}?maxev=20&rid=${Date.now()}`);
        const body = (await res.json()) as JanusEvent | JanusEvent[];
        events = Array.isArray(body) ? body : [body];
      } catch {
        if (this.closed) return;
        await new Promise((r) => setTimeout(r, 200)); // Janus restarting or gone; retry, as its own clients do
        continue;
      }
      for (const e of events) {
        const resolve = e.transaction ? this.waiting.get(e.transaction) : undefined;
        if (!resolve) continue; // webrtcup, media, slowlink, keepalive: nothing waits for them
        this.waiting.delete(e.transaction!);
        resolve(e);
      }
    }
  }
}

export class JanusHandle {
  constructor(
    private readonly session: JanusSession,
    readonly id: number,
  ) {}

  /** A plugin message; returns the plugin's reply data (an error reply throws) and the jsep it carried. */
  async message(
    body: Record<string, unknown>,
    jsep?: Jsep,
  ): Promise<{ data: Record<string, unknown>; jsep?: Jsep }> {
    const res = await this.session.post({ janus: 'message', body, ...(jsep ? { jsep } : {}) }, this.id);
    const data = res.plugindata?.data;
    if (!data || res.janus === 'error') throw new JanusError(String(body.request), describe(res));
    if (typeof data.error === 'string') throw new JanusError(String(body.request), data.error);
    return { data, ...(res.jsep ? { jsep: res.jsep } : {}) };
  }

  async detach(): Promise<void> {
    await this.session.post({ janus: 'detach' }, this.id);
  }
}

async function request(url: string, body: Record<string, unknown>): Promise<JanusEvent> {
  const res = await fetch(url, { method: 'POST', body: JSON.stringify(body) });
  if (!res.ok) throw new JanusError(String(body.janus), `HTTP ${res.status}`);
  return (await res.json()) as JanusEvent;
}

function describe(res: JanusEvent): string {
  return res.error ? `${res.error.code} ${res.error.reason}` : `unexpected reply ${res.janus}`;
}
