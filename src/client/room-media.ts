/** Local media for the Room: devices, simulcast encodings, layer choice by tile size, audio levels. */
import type { SimulcastLayer } from '../protocol/presence.ts';
import type { MediaPort } from './ports.ts';
import { RoomError } from './room-types.ts';

/**
 * Rids that sort best to worst: Calls orders layers asciibetically (`priorityOrdering: 'asciibetical'`), so
 * `f` (full) < `h` (half) < `q` (quarter) means "best first" there too.
 */
export const SIMULCAST_RIDS = ['f', 'h', 'q'] as const;
export type SimulcastRid = (typeof SIMULCAST_RIDS)[number];

export const CAMERA = { width: 1280, height: 720, frameRate: 30 } as const;
const LAYER_BITRATES = [1_200_000, 600_000, 200_000] as const;

export function cameraEncodings(
  simulcast: boolean,
  maxBitrate?: number,
  maxFramerate?: number,
): RTCRtpEncodingParameters[] {
  const top = maxBitrate && maxBitrate > 0 ? maxBitrate : LAYER_BITRATES[0];
  const scale = top / LAYER_BITRATES[0];
  const fps = maxFramerate && maxFramerate > 0 ? { maxFramerate } : {};
  if (!simulcast) return [{ maxBitrate: top, ...fps }];
  return SIMULCAST_RIDS.map((rid, i) => ({
    rid,
    maxBitrate: Math.round(LAYER_BITRATES[i]! * scale),
    scaleResolutionDownBy: 2 ** i,
    ...fps,
  }));
}

export function simulcastLayers(track: MediaStreamTrack): SimulcastLayer[] {
  const { width = CAMERA.width, height = CAMERA.height } = track.getSettings();
  return SIMULCAST_RIDS.map((rid, i) => ({
    rid,
    width: Math.round(width / 2 ** i),
    height: Math.round(height / 2 ** i),
    maxBitrate: LAYER_BITRATES[i]!,
  }));
}

/** The smallest layer at least as tall as the tile (in device pixels), or the best one. */
export function layerForHeight(layers: readonly SimulcastLayer[] | undefined, height: number): string {
  if (!layers || layers.length === 0) return SIMULCAST_RIDS[1];
  const sorted = [...layers].sort((a, b) => (a.height ?? 0) - (b.height ?? 0));
  // 10 % slack: a 170 px tile is served well enough by a 180 px layer, a 200 px one by 180 px too.
  const fit = sorted.find((l) => (l.height ?? 0) * 1.1 >= height);
  return (fit ?? sorted[sorted.length - 1]!).rid;
}

/** getUserMedia with errors mapped to the Room's codes. */
export async function getMedia(media: MediaPort, constraints: MediaStreamConstraints): Promise<MediaStream> {
  if (!media.available) {
    throw new RoomError('media-failed', 'no media devices (needs HTTPS)');
  }
  try {
    return await media.getUserMedia(constraints);
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    if (name === 'NotAllowedError' || name === 'SecurityError') {
      throw new RoomError('media-denied', 'media access denied', false, error);
    }
    if (name === 'NotFoundError' || name === 'OverconstrainedError') {
      throw new RoomError('media-not-found', 'no camera or microphone', false, error);
    }
    throw new RoomError('media-failed', `media failed: ${String(error)}`, false, error);
  }
}

export function videoConstraints(deviceId?: string): MediaTrackConstraints {
  return {
    width: { ideal: CAMERA.width },
    height: { ideal: CAMERA.height },
    frameRate: { ideal: CAMERA.frameRate },
    ...(deviceId ? { deviceId: { exact: deviceId } } : {}),
  };
}

export function audioConstraints(deviceId?: string): MediaTrackConstraints {
  return {
    echoCancellation: true,
    noiseSuppression: true,
    autoGainControl: true,
    ...(deviceId ? { deviceId: { exact: deviceId } } : {}),
  };
}

/** Audio level (0..1) of a received track, from its receiver's synchronization sources: no Web Audio needed. */
export function receiverLevel(receiver: RTCRtpReceiver): number {
  let level = 0;
  for (const s of receiver.getSynchronizationSources()) level = Math.max(level, s.audioLevel ?? 0);
  return level;
}

/** Audio level (0..1) of what a sender sends, from its `media-source` stats. */
export async function senderLevel(sender: RTCRtpSender): Promise<number> {
  const stats = await sender.getStats();
  let level = 0;
  stats.forEach((r: { type: string; audioLevel?: number }) => {
    if (r.type === 'media-source' && typeof r.audioLevel === 'number') level = Math.max(level, r.audioLevel);
  });
  return level;
}

/** Speaking with hysteresis: on above `on`, off only after `holdMs` below `off`. */
export class SpeakingDetector {
  #speaking = false;
  #lastLoud = 0;
  constructor(
    private readonly on = 0.04,
    private readonly off = 0.02,
    private readonly holdMs = 600,
  ) {}
  update(level: number, now: number): boolean {
    if (level >= this.on) {
      this.#speaking = true;
      this.#lastLoud = now;
    } else if (level >= this.off && this.#speaking) {
      this.#lastLoud = now;
    } else if (this.#speaking && now - this.#lastLoud > this.holdMs) {
      this.#speaking = false;
    }
    return this.#speaking;
  }
}
