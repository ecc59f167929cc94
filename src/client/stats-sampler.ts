/**
 * Turns a peer connection's cumulative `getStats()` counters into per-participant, per-track samples over
 * the interval since the last call. Pure apart from the counters it remembers: node tests feed it plain
 * stats objects. Which track is whose comes from the caller (pulls by mid, our own sources by mid).
 */
import type { StatsSample, TrackSample } from '../protocol/analytics.ts';
import type { TrackSource } from '../protocol/presence.ts';
import { classifyTracks } from './quality.ts';

/** One entry of an `RTCStatsReport`, as read here. */
export type StatEntry = { id: string; type: string } & Record<string, unknown>;

export interface InboundOwner {
  participantId: string;
  source: TrackSource;
  /** The simulcast layer asked for, if any. */
  layer?: string;
}

export interface SamplerContext {
  selfId: string;
  /** Pulled tracks by their transceiver's mid. */
  inbound: ReadonlyMap<string, InboundOwner>;
  /** What we publish, by the sending transceiver's mid. */
  outbound: ReadonlyMap<string, TrackSource>;
  /**
   * The frame rate each sent video track was opened with, by mid: the camera's rate where the stats have no
   * `media-source` frame rate (Firefox).
   */
  sourceFps?: ReadonlyMap<string, number>;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const LIMITATIONS = ['none', 'cpu', 'bandwidth', 'other'] as const;
const RANK = { none: 0, other: 1, cpu: 2, bandwidth: 3 } as const;

interface Building {
  participantId: string;
  local: boolean;
  track: TrackSample;
  /** Height of the encoding that set fps/width/height (the largest active layer wins). */
  topHeight: number;
}

export class StatsSampler {
  readonly #counters = new Map<string, Record<string, number>>();
  #lastAt: number | undefined;

  /** A new peer connection: its counters start from zero. */
  reset(): void {
    this.#counters.clear();
    this.#lastAt = undefined;
  }

  /**
   * Samples since the last call (none on the first, which only records counters). `now` is a monotonic
   * clock in ms, `at` the wall clock stamped on the samples.
   */
  sample(stats: Iterable<StatEntry>, ctx: SamplerContext, now: number, at: number): StatsSample[] {
    const entries = [...stats];
    const byId = new Map(entries.map((e) => [e.id, e]));
    const first = this.#lastAt === undefined;
    const intervalMs = first ? 0 : now - this.#lastAt!;
    this.#lastAt = now;
    const pair = selectedPair(entries, byId);
    const rttMs =
      num(pair?.currentRoundTripTime) !== undefined ? num(pair?.currentRoundTripTime)! * 1000 : undefined;
    const available = num(pair?.availableOutgoingBitrate);
    const remoteByLocal = new Map<string, StatEntry>();
    for (const e of entries)
      if (e.type === 'remote-inbound-rtp' && typeof e.localId === 'string') remoteByLocal.set(e.localId, e);

    const tracks = new Map<string, Building>();
    const delta = (e: StatEntry, field: string): number => {
      const value = num(e[field]) ?? 0;
      let seen = this.#counters.get(e.id);
      if (!seen) this.#counters.set(e.id, (seen = {}));
      const before = seen[field];
      seen[field] = value;
      return before === undefined ? value : Math.max(0, value - before);
    };
    const seconds = intervalMs / 1000;

    for (const e of entries) {
      if (e.type !== 'inbound-rtp' && e.type !== 'outbound-rtp') continue;
      const kind = e.kind === 'video' ? 'video' : e.kind === 'audio' ? 'audio' : undefined;
      const mid = typeof e.mid === 'string' ? e.mid : undefined;
      if (!kind || mid === undefined) continue;
      const inbound = e.type === 'inbound-rtp';
      const owner = inbound
        ? ctx.inbound.get(mid)
        : ctx.outbound.has(mid)
          ? { participantId: ctx.selfId, source: ctx.outbound.get(mid)! }
          : undefined;
      if (!owner) continue;
      const key = `${owner.participantId}:${owner.source}:${inbound ? 'recv' : 'send'}`;
      let b = tracks.get(key);
      if (!b) {
        b = {
          participantId: owner.participantId,
          local: !inbound,
          topHeight: -1,
          track: {
            direction: inbound ? 'recv' : 'send',
            kind,
            source: owner.source,
            bitrate: 0,
            packets: 0,
            packetsLost: 0,
            lossRatio: 0,
            ...(rttMs !== undefined ? { rttMs: Math.round(rttMs) } : {}),
          },
        };
        tracks.set(key, b);
      }
      const t = b.track;
      const bytes = delta(e, inbound ? 'bytesReceived' : 'bytesSent');
      const packets = delta(e, inbound ? 'packetsReceived' : 'packetsSent');
      t.bitrate += seconds > 0 ? Math.round((bytes * 8) / seconds) : 0;
      t.packets += packets;
      if (inbound) {
        t.packetsLost += delta(e, 'packetsLost');
        const jitter = num(e.jitter);
        if (jitter !== undefined) t.jitterMs = Math.round(jitter * 1000);
        if (kind === 'video') {
          t.freezeCount = (t.freezeCount ?? 0) + delta(e, 'freezeCount');
          t.freezeMs = (t.freezeMs ?? 0) + Math.round(delta(e, 'totalFreezesDuration') * 1000);
          const layer = 'layer' in owner ? owner.layer : undefined;
          if (layer !== undefined) t.layer = layer;
        }
      } else {
        const remote = remoteByLocal.get(e.id);
        if (remote) {
          t.packetsLost += delta(remote, 'packetsLost');
          const jitter = num(remote.jitter);
          if (jitter !== undefined) t.jitterMs = Math.round(jitter * 1000);
          const rtt = num(remote.roundTripTime);
          if (rtt !== undefined && t.rttMs === undefined) t.rttMs = Math.round(rtt * 1000);
        }
        if (kind === 'video') {
          const source = typeof e.mediaSourceId === 'string' ? byId.get(e.mediaSourceId) : undefined;
          const sourceFps = num(source?.framesPerSecond) ?? ctx.sourceFps?.get(mid);
          if (sourceFps !== undefined) t.sourceFps = Math.round(sourceFps);
          const reason = LIMITATIONS.find((l) => l === e.qualityLimitationReason);
          if (reason && (t.qualityLimitation === undefined || RANK[reason] > RANK[t.qualityLimitation]))
            t.qualityLimitation = reason;
          if (available !== undefined) t.availableOutgoingBitrate = Math.round(available);
        }
      }
      const height = num(e.frameHeight);
      if (
        kind === 'video' &&
        height !== undefined &&
        height > b.topHeight &&
        (num(e.framesPerSecond) ?? 0) > 0
      ) {
        b.topHeight = height;
        t.height = height;
        const width = num(e.frameWidth);
        if (width !== undefined) t.width = width;
        t.fps = Math.round(num(e.framesPerSecond)!);
      } else if (kind === 'video' && t.fps === undefined && packets > 0) {
        t.fps = Math.round(num(e.framesPerSecond) ?? 0);
      }
    }
    if (first) return [];

    const byParticipant = new Map<string, { local: boolean; tracks: TrackSample[] }>();
    for (const b of tracks.values()) {
      const t = b.track;
      t.lossRatio = t.packets + t.packetsLost > 0 ? round4(t.packetsLost / (t.packets + t.packetsLost)) : 0;
      let p = byParticipant.get(b.participantId);
      if (!p) byParticipant.set(b.participantId, (p = { local: b.local, tracks: [] }));
      p.tracks.push(t);
    }
    return [...byParticipant].map(([participantId, p]) => ({
      at,
      intervalMs: Math.round(intervalMs),
      participantId,
      local: p.local,
      tracks: p.tracks,
      ...classifyTracks(p.tracks),
    }));
  }
}

const round4 = (n: number) => Math.round(n * 10_000) / 10_000;

/** The candidate pair in use: the transport's selected one (Chrome), or the one marked selected (Firefox). */
function selectedPair(entries: StatEntry[], byId: Map<string, StatEntry>): StatEntry | undefined {
  for (const e of entries) {
    if (e.type === 'transport' && typeof e.selectedCandidatePairId === 'string')
      return byId.get(e.selectedCandidatePairId);
  }
  return entries.find(
    (e) =>
      e.type === 'candidate-pair' && (e.selected === true || e.nominated === true) && e.state === 'succeeded',
  );
}
