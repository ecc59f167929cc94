/**
 * Call-quality analytics as the widget sends them to `POST {endpoint}/analytics` and as the backend stores
 * them: 10 s samples per participant and track, join phases and other events. Names and chat never appear
 * here: participants are their ids. Types only, plus the limits both sides check and the MOS estimate.
 */
import type { LeaveReason, TrackSource } from './presence.ts';

export const ANALYTICS_VERSION = 1;

/** What the widget keeps within and the backend refuses beyond. */
export const ANALYTICS_LIMITS = {
  /** One batch's body, bytes (a beacon's body is capped at 64 KiB by browsers). */
  maxBatchBytes: 48 * 1024,
  maxSamplesPerBatch: 60,
  maxTracksPerSample: 16,
  maxEventsPerBatch: 100,
  /** Batches per participant (token `sub` + participant id) per minute, sustained, and burst. */
  batchesPerMinute: 12,
  batchBurst: 6,
  /** How far a batch's clock may be from the backend's, ms (older batches are refused, not stored). */
  maxClockSkewMs: 10 * 60_000,
} as const;

/** How often the widget takes a sample and how often it sends what it has (unless the page hides). */
export const ANALYTICS_TIMING = { sampleMs: 10_000, flushMs: 30_000 } as const;

export type QualityLevel = 'good' | 'fair' | 'poor';
/** What made a participant's quality worse than `good`. */
export type QualityReason = 'loss' | 'rtt' | 'bandwidth' | 'cpu';

export interface TrackSample {
  /** `send`: what this browser publishes; `recv`: what it receives of `participantId`. */
  direction: 'send' | 'recv';
  kind: 'audio' | 'video';
  source: TrackSource;
  /** Bits per second over the interval. */
  bitrate: number;
  packets: number;
  packetsLost: number;
  /** Lost / (lost + arrived) over the interval, 0..1 (for `send`: as the SFU reports it back). */
  lossRatio: number;
  jitterMs?: number;
  /** Round-trip time to the SFU, ms. */
  rttMs?: number;
  fps?: number;
  /** Frames per second the camera or screen delivers to the encoder (`send` video). */
  sourceFps?: number;
  width?: number;
  height?: number;
  /** Freezes over the interval and their total length (received video). */
  freezeCount?: number;
  freezeMs?: number;
  /** Why the encoder holds back (`send` video): `none`, `cpu`, `bandwidth` or `other`. */
  qualityLimitation?: 'none' | 'cpu' | 'bandwidth' | 'other';
  /** Estimated outgoing bandwidth, bits per second (`send`). */
  availableOutgoingBitrate?: number;
  /** Simulcast layer received (`recv` video), `f` / `h` / `q`; empty when the track has one encoding. */
  layer?: string;
}

/** One participant as one browser saw it over one interval: the `calls-stats` detail, and what is sent. */
export interface StatsSample {
  /** Epoch ms at the end of the interval. */
  at: number;
  intervalMs: number;
  /** Whose tracks: the sender for `send`, the remote participant for `recv`. */
  participantId: string;
  local: boolean;
  tracks: TrackSample[];
  quality: QualityLevel;
  reason: QualityReason | null;
}

export type JoinPhase = 'token' | 'session' | 'transport' | 'joined' | 'first-frame';

/** What happened, at epoch ms `at`. */
export type AnalyticsEvent =
  /** `ms` since `join()` began. */
  | { type: 'join-phase'; at: number; phase: JoinPhase; ms: number }
  | { type: 'error'; at: number; code: string; fatal: boolean }
  | { type: 'reconnecting'; at: number }
  | { type: 'session-replaced'; at: number }
  | {
      type: 'quality-change';
      at: number;
      participantId: string;
      quality: QualityLevel;
      reason: QualityReason | null;
    }
  | { type: 'left'; at: number; reason: LeaveReason | 'error' };

/** The body of `POST {endpoint}/analytics`. */
export interface AnalyticsBatch {
  v: typeof ANALYTICS_VERSION;
  room: string;
  /** The reporting participant (the presence id of this browser's seat). */
  participantId: string;
  /** The reporter's current Calls session: the backend checks that the token's user owns it. */
  sessionId?: string;
  /** Counts up per reporter; with `sentAt` it names the batch, and a batch sent again (a retry, a beacon) counts once. */
  seq: number;
  sentAt: number;
  samples: StatsSample[];
  events: AnalyticsEvent[];
  /** Only in a beacon's body (it cannot carry headers): the scoped token from an earlier answer. */
  beaconToken?: string;
}

/** What `POST {endpoint}/analytics` answers: a token that may only report for this room and participant. */
export interface AnalyticsAccepted {
  accepted: number;
  beaconToken: string;
}

/**
 * Mean opinion score (1..4.5) by the simplified E-model that Twilio's and others' preflight tools use:
 * effective latency from RTT and jitter, the R factor lowered by latency and loss.
 */
export function mosEstimate(rttMs: number, jitterMs: number, lossPercent: number): number {
  const latency = rttMs + jitterMs * 2 + 10;
  let r = latency < 160 ? 93.2 - latency / 40 : 93.2 - (latency - 120) / 10;
  r -= lossPercent * 2.5;
  r = Math.max(0, Math.min(100, r));
  const mos = 1 + 0.035 * r + 0.000007 * r * (r - 60) * (100 - r);
  return Math.round(Math.max(1, Math.min(4.5, mos)) * 100) / 100;
}
