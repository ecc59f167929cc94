/**
 * Sends analytics batches to `POST {endpoint}/analytics`, never in the call's way: samples and events queue
 * here (bounded: the oldest go first) and leave every 30 s, when the room is left, and when the page hides.
 *
 * The room token travels only in the `Authorization` header. A beacon (`pagehide`) cannot send headers, so
 * it carries, in its body, the scoped token the backend answered the last batch with: that one can only
 * report analytics for this room and participant for a short while, never reach the Calls proxy or presence.
 * Before any answer (or without beacons) the last batch goes as a `keepalive` fetch with the header instead.
 */
import {
  ANALYTICS_LIMITS,
  ANALYTICS_TIMING,
  ANALYTICS_VERSION,
  type AnalyticsAccepted,
  type AnalyticsBatch,
  type AnalyticsEvent,
  type StatsSample,
} from '../protocol/analytics.ts';

export interface ReporterOptions {
  /** `{endpoint}/analytics`. */
  url: string;
  room: string;
  fetch: typeof fetch;
  /** The room token (refreshed as the Room refreshes it). */
  token(): Promise<string>;
  /** Who reports, once known: the presence id and current Calls session. */
  identity(): { participantId: string; sessionId?: string } | undefined;
  /** `navigator.sendBeacon` where there is one. */
  beacon?: (url: string, body: Blob) => boolean;
  flushMs?: number;
}

/** Pages hold at most this many items while the backend cannot be reached. */
const MAX_QUEUED = 600;

export class AnalyticsReporter {
  readonly #o: ReporterOptions;
  #samples: StatsSample[] = [];
  #events: AnalyticsEvent[] = [];
  #seq = 0;
  /** The batch taken but not yet acknowledged: sent again as it is (same seq and sentAt), so it counts once. */
  #unsent: AnalyticsBatch | undefined;
  #beaconToken: string | undefined;
  #lastToken: string | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #sending = false;
  #closed = false;
  /** Batches refused as malformed are dropped, not retried; a 401/403 stops the reporter. */
  #refusals = 0;

  constructor(options: ReporterOptions) {
    this.#o = options;
    this.#timer = setInterval(() => void this.flush(), options.flushMs ?? ANALYTICS_TIMING.flushMs);
  }

  get pending(): number {
    const unsent = this.#unsent ? this.#unsent.samples.length + this.#unsent.events.length : 0;
    return this.#samples.length + this.#events.length + unsent;
  }

  event(e: AnalyticsEvent): void {
    if (this.#closed) return;
    this.#events.push(e);
    this.#trim();
  }

  samples(list: readonly StatsSample[]): void {
    if (this.#closed) return;
    this.#samples.push(...list.map(trimSample));
    this.#trim();
  }

  /** Sends what is queued (one batch at a time; the rest waits for the next flush). */
  async flush(): Promise<void> {
    if (this.#sending || this.#closed || this.pending === 0) return;
    const batch = this.#unsent ?? this.#take();
    if (!batch) return;
    // Repeats count once on the backend only within its clock window: a batch that failed for that long is
    // sent as a new one.
    if (Date.now() - batch.sentAt > ANALYTICS_LIMITS.maxClockSkewMs / 2) batch.sentAt = Date.now();
    this.#unsent = batch;
    this.#sending = true;
    try {
      const token = await this.#o.token();
      this.#lastToken = token;
      const res = await this.#o.fetch(this.#o.url, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(batch),
      });
      if (res.ok) {
        this.#unsent = undefined;
        const answer = (await res.json()) as Partial<AnalyticsAccepted>;
        if (typeof answer.beaconToken === 'string') this.#beaconToken = answer.beaconToken;
      } else if (res.status === 401 || res.status === 403 || res.status === 404) {
        this.close();
      } else if (res.status !== 429 && res.status < 500) {
        this.#unsent = undefined;
        if (++this.#refusals > 3) this.close();
      }
    } catch {
      // Unreachable: the same batch goes again at the next flush.
    } finally {
      this.#sending = false;
    }
  }

  /**
   * The page is going away (or the room was left): what is queued goes now, by beacon when we hold a
   * beacon token, else by a keepalive fetch. Nothing is awaited.
   */
  sendNow(): void {
    if (this.#closed) return;
    // A batch in flight may die with the page: it goes again, and the backend counts it once.
    const batches = this.#unsent ? [this.#unsent] : [];
    this.#unsent = undefined;
    while (batches.length < 4 && this.pending > 0) {
      const batch = this.#take();
      if (!batch) break;
      batches.push(batch);
    }
    for (const batch of batches) {
      if (this.#beaconToken && this.#o.beacon) {
        const body = new Blob([JSON.stringify({ ...batch, beaconToken: this.#beaconToken })], {
          type: 'text/plain',
        });
        if (this.#o.beacon(this.#o.url, body)) continue;
      }
      if (!this.#lastToken) return;
      void this.#o
        .fetch(this.#o.url, {
          method: 'POST',
          keepalive: true,
          headers: { authorization: `Bearer ${this.#lastToken}`, 'content-type': 'application/json' },
          body: JSON.stringify(batch),
        })
        .catch(() => undefined);
    }
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#timer);
    this.#unsent = undefined;
    this.#samples = [];
    this.#events = [];
  }

  /** The next batch within the limits, or undefined before we know who we are. */
  #take(): AnalyticsBatch | undefined {
    const who = this.#o.identity();
    if (!who) return undefined;
    const batch: AnalyticsBatch = {
      v: ANALYTICS_VERSION,
      room: this.#o.room,
      participantId: who.participantId,
      ...(who.sessionId ? { sessionId: who.sessionId } : {}),
      seq: ++this.#seq,
      sentAt: Date.now(),
      samples: [],
      events: [],
    };
    let size = JSON.stringify(batch).length + 200;
    while (this.#events.length > 0 && batch.events.length < ANALYTICS_LIMITS.maxEventsPerBatch) {
      const n = JSON.stringify(this.#events[0]).length + 1;
      if (size + n > ANALYTICS_LIMITS.maxBatchBytes) break;
      size += n;
      batch.events.push(this.#events.shift()!);
    }
    while (this.#samples.length > 0 && batch.samples.length < ANALYTICS_LIMITS.maxSamplesPerBatch) {
      const n = JSON.stringify(this.#samples[0]).length + 1;
      if (size + n > ANALYTICS_LIMITS.maxBatchBytes) break;
      size += n;
      batch.samples.push(this.#samples.shift()!);
    }
    return batch;
  }

  #trim(): void {
    const over = this.pending - MAX_QUEUED;
    if (over > 0) this.#samples.splice(0, Math.min(over, this.#samples.length));
  }
}

function trimSample(s: StatsSample): StatsSample {
  return s.tracks.length > ANALYTICS_LIMITS.maxTracksPerSample
    ? { ...s, tracks: s.tracks.slice(0, ANALYTICS_LIMITS.maxTracksPerSample) }
    : s;
}
