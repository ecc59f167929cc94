/**
 * The one classification of a participant's link: `good`, `fair` or `poor` with what made it so. The tile's
 * quality dot, `calls-network-quality-change` and the analytics samples all use it. Worst rule wins; on a
 * tie the order is loss, RTT, bandwidth, CPU (loss and delay are what a user hears first).
 */
import type { QualityLevel, QualityReason, TrackSample } from '../protocol/analytics.ts';

export interface Quality {
  quality: QualityLevel;
  reason: QualityReason | null;
}

export const QUALITY_THRESHOLDS = {
  loss: { fair: 0.02, poor: 0.08 },
  rttMs: { fair: 300, poor: 600 },
  /** Sent video below this while the encoder says it is held back by bandwidth, bits per second. */
  sendVideoBps: { fair: 300_000, poor: 150_000 },
  /** Estimated outgoing bandwidth below this, bits per second (any media sent). */
  availableBps: { poor: 150_000 },
  /** Received video frame rate below this while frames arrive (the sender or its link cannot keep up). */
  recvFps: { fair: 12, poor: 6 },
  /** Sent video frame rate below this while the encoder says the CPU holds it back. */
  cpuFps: { poor: 10 },
  /**
   * Sent video frame rate below these while the camera delivers at least `sourceFps`: the encoder drops
   * frames to stay within a bitrate it cannot do without (a capped or congested link).
   */
  sendFps: { fair: 12, poor: 6, sourceFps: 15 },
} as const;

const RANK: Record<QualityLevel, number> = { good: 0, fair: 1, poor: 2 };

/** The classification of one participant's tracks over one interval. */
export function classifyTracks(tracks: readonly TrackSample[]): Quality {
  const t = QUALITY_THRESHOLDS;
  let best: Quality = { quality: 'good', reason: null };
  const worse = (quality: QualityLevel, reason: QualityReason) => {
    if (RANK[quality] > RANK[best.quality]) best = { quality, reason };
  };
  let lost = 0;
  let packets = 0;
  let rtt: number | undefined;
  // Audio's loss where there is audio: a simulcast layer switch on the SFU may jump the video's sequence
  // numbers, which the receiver counts as lost.
  const withAudio = tracks.some((s) => s.kind === 'audio' && s.packets > 0);
  for (const s of tracks) {
    if (s.rttMs !== undefined) rtt = Math.max(rtt ?? 0, s.rttMs);
    if (withAudio && s.kind !== 'audio') continue;
    lost += s.packetsLost;
    packets += s.packets + s.packetsLost;
  }
  const loss = packets > 0 ? lost / packets : 0;
  if (loss >= t.loss.poor) worse('poor', 'loss');
  else if (loss >= t.loss.fair) worse('fair', 'loss');
  if (rtt !== undefined && rtt >= t.rttMs.poor) worse('poor', 'rtt');
  else if (rtt !== undefined && rtt >= t.rttMs.fair) worse('fair', 'rtt');

  for (const s of tracks) {
    if (s.kind !== 'video') continue;
    if (s.direction === 'send') {
      if (s.availableOutgoingBitrate !== undefined && s.availableOutgoingBitrate < t.availableBps.poor)
        worse('poor', 'bandwidth');
      if (s.qualityLimitation === 'bandwidth') {
        worse(s.bitrate < t.sendVideoBps.poor ? 'poor' : 'fair', 'bandwidth');
      }
      if (s.qualityLimitation === 'cpu') worse((s.fps ?? 0) < t.cpuFps.poor ? 'poor' : 'fair', 'cpu');
      else if (
        s.source === 'camera' &&
        s.packets > 0 &&
        s.fps !== undefined &&
        (s.sourceFps ?? 0) >= t.sendFps.sourceFps
      ) {
        if (s.fps < t.sendFps.poor) worse('poor', 'bandwidth');
        else if (s.fps < t.sendFps.fair) worse('fair', 'bandwidth');
      }
    } else if (s.fps !== undefined && s.packets > 0 && s.source === 'camera') {
      if (s.fps < t.recvFps.poor) worse('poor', 'bandwidth');
      else if (s.fps < t.recvFps.fair) worse('fair', 'bandwidth');
    }
  }
  return best;
}
