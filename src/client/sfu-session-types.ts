/** SfuSession's public shapes: its states, errors, events and options, and the pure helpers of its requests. */
import type { SimulcastOptions } from '../protocol/calls.ts';
import { CallsItemError } from './calls-api.ts';
import type { ItemOutcome } from './negotiation-queue.ts';

export type SfuSessionState = 'new' | 'connecting' | 'connected' | 'disconnected' | 'lost' | 'closed';

export type SfuSessionErrorCode =
  | 'session_lost'
  | 'session_closed'
  | 'publish_timeout'
  | 'track_timeout'
  | 'connect_timeout'
  | 'media_unreachable'
  | 'unknown_mid'
  | 'bad_response';

/** A failure of the session itself rather than of one Calls request. */
export class SfuSessionError extends Error {
  override readonly name = 'SfuSessionError';
  constructor(
    readonly code: SfuSessionErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export class SfuSessionStateEvent extends Event {
  static readonly eventName = 'state-change';
  constructor(readonly state: SfuSessionState) {
    super(SfuSessionStateEvent.eventName);
  }
}

/** The session cannot recover: the owner must make a new session and re-publish and re-pull (calls-api.md §9.6). */
export class SfuSessionLostEvent extends Event {
  static readonly eventName = 'session-lost';
  constructor(readonly reason: string) {
    super(SfuSessionLostEvent.eventName);
  }
}

export interface SfuSessionEventMap {
  'state-change': SfuSessionStateEvent;
  'session-lost': SfuSessionLostEvent;
}

export interface SfuSessionOptions {
  /** May be a promise: it is awaited alongside `sessions/new`, not before it. */
  iceServers?: RTCIceServer[] | Promise<RTCIceServer[]>;
  /** Passed to `sessions/new`. */
  correlationId?: string;
  /** How long ICE may stay `disconnected` before the session counts as lost (partytracks: 7 s). */
  disconnectedTimeoutMs?: number;
  /** While ICE is `disconnected`, how often to ask the SFU whether it still has the session. */
  probeIntervalMs?: number;
  /** How long `publish` waits for the first bytes to leave. */
  publishTimeoutMs?: number;
  /** How long a pull waits for its `track` event after the SFU's offer (partytracks: 5 s). */
  trackTimeoutMs?: number;
  /** How long `establishDataChannels` waits for the transport to connect. */
  connectTimeoutMs?: number;
}

export interface PublishOptions {
  /** The publication's name; a random UUID by default, as partytracks does. */
  trackName?: string;
  sendEncodings?: RTCRtpEncodingParameters[];
}

/** What others need to pull a publication: `(sessionId, trackName)`. `mid` only means something on this session. */
export interface PublishResult {
  sessionId: string;
  trackName: string;
  mid: string;
}

export interface PullRequest {
  /** The publisher's session. */
  sessionId: string;
  trackName: string;
  simulcast?: SimulcastOptions;
  /**
   * Called with the track as soon as the browser has it (the SFU's offer applied), before `renegotiate`
   * returns: a `<video>` given it then is ready when the first frame arrives. The pull may still fail.
   */
  onTrack?: (track: MediaStreamTrack) => void;
}

export interface PulledTrack {
  track: MediaStreamTrack;
  mid: string;
}

/** Change the layer of a pull, or point its transceiver at another publication (no SDP either way). */
export type PullUpdate =
  { simulcast: SimulcastOptions } | { sessionId: string; trackName: string; simulcast?: SimulcastOptions };

export interface CloseOptions {
  /** Stop forwarding without an SDP exchange (cleanup, or a session that is not connected). */
  force?: boolean;
}

/** Must match between the publisher and every subscriber of a channel. */
export interface DataChannelReliability {
  ordered?: boolean;
  maxRetransmits?: number;
  maxPacketLifeTime?: number;
}

export interface SubscribeDataChannelOptions extends DataChannelReliability {
  waitForAck?: boolean;
  canReply?: boolean;
}

export const DEFAULTS: Required<Omit<SfuSessionOptions, 'iceServers' | 'correlationId'>> = {
  disconnectedTimeoutMs: 7000,
  probeIntervalMs: 2000,
  publishTimeoutMs: 15_000,
  trackTimeoutMs: 5000,
  connectTimeoutMs: 10_000,
};

export function closeOutcomes(
  mids: readonly string[],
  results: readonly ({ mid: string } & { errorCode?: string; errorDescription?: string })[] | undefined,
): ItemOutcome<void>[] {
  return mids.map((mid) => {
    const result = results?.find((r) => r.mid === mid);
    // `close_track_error`: absent or already closed, which is what the caller wanted.
    if (result?.errorCode && result.errorCode !== 'close_track_error') {
      return {
        ok: false,
        error: new CallsItemError(result.errorCode, result.errorDescription ?? '', `mid ${mid}`),
      };
    }
    return { ok: true, value: undefined };
  });
}

type TrackResult = { mid?: string; errorCode?: string; errorDescription?: string };

/**
 * The mid of one pull's result, taken out of `remaining`: matched by (sessionId, trackName), each result
 * used once, so the same publication may be pulled twice.
 */
export function takePullResult(
  remaining: (TrackResult & { sessionId?: string; trackName?: string })[],
  item: { sessionId: string; trackName: string },
): ItemOutcome<string> {
  const index = remaining.findIndex((r) => r.sessionId === item.sessionId && r.trackName === item.trackName);
  const result = index >= 0 ? remaining.splice(index, 1)[0] : undefined;
  const label = `${item.sessionId}/${item.trackName}`;
  if (!result) return { ok: false, error: new SfuSessionError('bad_response', `no result for ${label}`) };
  if (result.errorCode) {
    return { ok: false, error: new CallsItemError(result.errorCode, result.errorDescription ?? '', label) };
  }
  if (!result.mid) return { ok: false, error: new SfuSessionError('bad_response', `no mid for ${label}`) };
  return { ok: true, value: result.mid };
}

export function simulcastOf(request: { simulcast?: SimulcastOptions | undefined }): {
  simulcast?: SimulcastOptions;
} {
  return request.simulcast ? { simulcast: request.simulcast } : {};
}

export function reliabilityOf({
  ordered,
  maxRetransmits,
  maxPacketLifeTime,
}: DataChannelReliability): DataChannelReliability {
  return defined({ ordered, maxRetransmits, maxPacketLifeTime });
}

/** The object without its undefined fields. */
export function defined<T extends object>(object: T): T {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined)) as T;
}
