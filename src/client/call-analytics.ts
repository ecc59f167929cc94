/**
 * What one participant's call reports to the backend: the join phases (token, session, transport, joined,
 * first remote frame), errors by code, reconnects, session replacements, the leave reason, quality changes
 * and the 10 s samples. It listens to the Room's notifications; names and chat never reach it.
 */
import type { JoinPhase } from '../protocol/analytics.ts';
import { AnalyticsReporter } from './analytics-reporter.ts';
import type { RoomNotification } from './room-types.ts';

export interface CallAnalyticsHost {
  /** Total frames decoded over received video so far. */
  framesDecoded(): Promise<number>;
}

const PHASES: Record<string, JoinPhase> = { token: 'token', session: 'session', transport: 'transport' };
const FIRST_FRAME_POLL_MS = 100;
const FIRST_FRAME_GIVE_UP_MS = 60_000;

export class CallAnalytics {
  #joinStart: number | undefined;
  #firstFrame: 'waiting' | 'polling' | 'done' = 'waiting';
  #poll: ReturnType<typeof setInterval> | undefined;
  readonly #onHide = () => this.reporter.sendNow();
  readonly #onVisibility = () => {
    if (globalThis.document?.visibilityState === 'hidden') this.reporter.sendNow();
  };

  constructor(
    readonly reporter: AnalyticsReporter,
    private readonly host: CallAnalyticsHost,
    private readonly clock: { now(): number; wall(): number } = {
      now: () => performance.now(),
      wall: () => Date.now(),
    },
  ) {
    globalThis.addEventListener?.('pagehide', this.#onHide);
    globalThis.document?.addEventListener('visibilitychange', this.#onVisibility);
  }

  /** A join mark of the Room (`join` starts the clock). */
  mark(name: string): void {
    if (name === 'join') this.#joinStart = this.clock.now();
    else if (PHASES[name]) this.#phase(PHASES[name]);
  }

  notified(n: RoomNotification): void {
    const at = this.clock.wall();
    switch (n.type) {
      case 'joined':
        this.#phase('joined');
        void this.reporter.flush();
        return;
      case 'track-subscribed':
        if (n.track.kind === 'video') this.#watchFirstFrame();
        return;
      case 'error':
        this.reporter.event({ type: 'error', at, code: n.error.code, fatal: n.error.fatal });
        // A failed join has no `left`: send what there is once the room has said all it will now.
        if (n.error.fatal)
          queueMicrotask(() => {
            this.reporter.sendNow();
            this.dispose();
          });
        return;
      case 'connection-state-change':
        if (n.state === 'reconnecting') this.reporter.event({ type: 'reconnecting', at });
        return;
      case 'session-replaced':
        this.reporter.event({ type: 'session-replaced', at });
        return;
      case 'network-quality-change':
        this.reporter.event({
          type: 'quality-change',
          at,
          participantId: n.participantId,
          quality: n.quality,
          reason: n.reason,
        });
        return;
      case 'stats':
        this.reporter.samples(n.samples);
        return;
      case 'left':
        this.reporter.event({ type: 'left', at, reason: n.reason });
        this.reporter.sendNow();
        this.dispose();
        return;
      case 'change':
      case 'participant-joined':
      case 'participant-left':
      case 'track-published':
      case 'track-unpublished':
      case 'message':
      case 'active-speaker-change':
      case 'muted-by-host':
      case 'participant-updated':
      case 'hand-raised':
      case 'reaction':
      case 'knock':
      case 'locked-change':
      case 'recording-change':
        // Names and chat never go into analytics; the rest is not about quality.
        return;
    }
  }

  dispose(): void {
    clearInterval(this.#poll);
    globalThis.removeEventListener?.('pagehide', this.#onHide);
    globalThis.document?.removeEventListener('visibilitychange', this.#onVisibility);
    this.reporter.close();
  }

  #phase(phase: JoinPhase): void {
    if (this.#joinStart === undefined) return;
    const ms = Math.round(this.clock.now() - this.#joinStart);
    this.reporter.event({ type: 'join-phase', at: this.clock.wall(), phase, ms });
  }

  /** The first remote video frame decoded: polled briefly, only until it comes. */
  #watchFirstFrame(): void {
    if (this.#firstFrame !== 'waiting') return;
    this.#firstFrame = 'polling';
    const started = this.clock.now();
    this.#poll = setInterval(() => {
      void this.host.framesDecoded().then((frames) => {
        if (this.#firstFrame !== 'polling') return;
        if (frames > 0) {
          this.#firstFrame = 'done';
          clearInterval(this.#poll);
          this.#phase('first-frame');
          void this.reporter.flush();
        } else if (this.clock.now() - started > FIRST_FRAME_GIVE_UP_MS) {
          this.#firstFrame = 'done';
          clearInterval(this.#poll);
        }
      });
    }, FIRST_FRAME_POLL_MS);
  }
}

export interface CallAnalyticsOptions {
  endpoint: string;
  room: string;
  fetch: typeof fetch;
  token(): Promise<string>;
  /** Our presence id, once the room has one. */
  selfId(): string | undefined;
  sessionId(): string | undefined;
  stats(): Promise<RTCStatsReport | undefined>;
}

/** A Room's analytics: the reporter to `{endpoint}/analytics`, with beacons where the browser has them. */
export function createCallAnalytics(
  o: CallAnalyticsOptions,
  clock?: { now(): number; wall(): number },
): CallAnalytics {
  // Before presence names us (a join that fails on the way), this attempt's own id.
  const attemptId = `join-${crypto.randomUUID()}`;
  const reporter = new AnalyticsReporter({
    url: `${o.endpoint.replace(/\/+$/, '')}/analytics`,
    room: o.room,
    fetch: o.fetch,
    token: () => o.token(),
    identity: () => {
      const sessionId = o.sessionId();
      return { participantId: o.selfId() ?? attemptId, ...(sessionId ? { sessionId } : {}) };
    },
    ...(typeof navigator !== 'undefined' && navigator.sendBeacon
      ? { beacon: (url: string, body: Blob) => navigator.sendBeacon(url, body) }
      : {}),
  });
  return new CallAnalytics(
    reporter,
    {
      framesDecoded: async () => {
        const stats = await o.stats().catch(() => undefined);
        let frames = 0;
        stats?.forEach((r: { type: string; kind?: string; framesDecoded?: number }) => {
          if (r.type === 'inbound-rtp' && r.kind === 'video') frames += r.framesDecoded ?? 0;
        });
        return frames;
      },
    },
    clock,
  );
}
