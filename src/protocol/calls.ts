/**
 * Shapes of Cloudflare's Realtime SFU ("Calls") HTTP API, as `calls-openapi.yaml` defines them.
 * Shared by the browser client, the backend proxy and the embedded SFU.
 */

export type SdpType = 'offer' | 'answer';

export interface SessionDescription {
  type: SdpType;
  sdp: string;
}

export type TrackLocation = 'local' | 'remote';
export type SimulcastOrdering = 'none' | 'asciibetical';

export interface SimulcastOptions {
  preferredRid?: string;
  priorityOrdering?: SimulcastOrdering;
  ridNotAvailable?: SimulcastOrdering;
}

export interface TrackObject {
  location?: TrackLocation;
  mid?: string;
  sessionId?: string;
  trackName?: string;
  bidirectionalMediaStream?: boolean;
  kind?: string;
  simulcast?: SimulcastOptions;
}

/** A top-level or per-item failure, as the Calls API reports it. */
export interface CallsErrorFields {
  errorCode?: CallsErrorCode;
  errorDescription?: string;
}

export type TrackResult = TrackObject & CallsErrorFields;

export interface NewSessionRequest {
  sessionDescription?: SessionDescription;
}
export interface NewSessionResponse extends CallsErrorFields {
  sessionId: string;
  sessionDescription?: SessionDescription;
}

export interface TracksRequest {
  sessionDescription?: SessionDescription;
  tracks?: TrackObject[];
  autoDiscover?: boolean;
}
export interface TracksResponse extends CallsErrorFields {
  requiresImmediateRenegotiation?: boolean;
  sessionDescription?: SessionDescription;
  tracks?: TrackResult[];
}

export interface RenegotiateRequest {
  sessionDescription: SessionDescription;
}
export interface RenegotiateResponse extends CallsErrorFields {
  sessionDescription?: SessionDescription;
}

export interface CloseTracksRequest {
  tracks: { mid: string }[];
  force: boolean;
  sessionDescription?: SessionDescription;
}
export interface CloseTracksResponse extends CallsErrorFields {
  sessionDescription?: SessionDescription;
  tracks?: ({ mid: string } & CallsErrorFields)[];
  requiresImmediateRenegotiation?: boolean;
}

export interface UpdateTracksRequest {
  tracks: TrackObject[];
}
export interface UpdateTracksResponse extends CallsErrorFields {
  requiresImmediateRenegotiation?: boolean;
  tracks?: TrackResult[];
}

export type ResourceStatus = 'active' | 'inactive' | 'initializing';

export interface SessionTrackState extends TrackObject {
  status: ResourceStatus;
}
export interface SessionDataChannelState {
  location: TrackLocation;
  sessionId?: string;
  dataChannelName: string;
  id: number;
  status: ResourceStatus;
}
export interface GetSessionStateResponse extends CallsErrorFields {
  tracks: SessionTrackState[];
  dataChannels: SessionDataChannelState[];
}

export interface DataChannelObject {
  location?: TrackLocation;
  sessionId?: string;
  dataChannelName?: string;
  ordered?: boolean;
  maxRetransmits?: number;
  maxPacketLifeTime?: number;
  waitForAck?: boolean;
  canReply?: boolean;
  id?: number;
}
export type DataChannelResult = DataChannelObject & CallsErrorFields;

export interface DataChannelsRequest {
  dataChannels: DataChannelObject[];
}
export interface DataChannelsResponse extends CallsErrorFields {
  dataChannels?: DataChannelResult[];
}
export interface EstablishDataChannelsRequest {
  sessionDescription?: SessionDescription;
  dataChannel: DataChannelObject;
}
export interface EstablishDataChannelsResponse extends CallsErrorFields {
  sessionDescription?: SessionDescription;
  requiresImmediateRenegotiation?: boolean;
  dataChannel?: DataChannelObject;
}
export interface CloseDataChannelsRequest {
  dataChannels: DataChannelObject[];
}

/** Error codes of calls-api.md §3: the only ones Cloudflare's SFU (and the embedded one) answers with. */
export const CALLS_API_ERROR_CODES = [
  'unauthorized',
  'not_found',
  'decoding_error',
  'invalid_params',
  'payload_too_large',
  'session_error',
  'invalid_session_description',
  'not_found_track_error',
  'empty_track_error',
  'repeated_local_track_error',
  'update_track_error',
  'close_track_error',
  'retryable_transient_error',
  'temporarily_unavailable_error',
  'transport_unavailable_error',
  'backend_error',
  'internal_error',
] as const;

/**
 * Every code our stack answers with: Cloudflare's, plus our own refusals: the backend proxy's, and 408
 * `request_timeout` (proxy and embedded SFU) for a request body that trickles.
 */
export const CALLS_ERROR_CODES = [
  ...CALLS_API_ERROR_CODES,
  'rate_limited',
  'forbidden',
  'request_timeout',
] as const;
export type CallsErrorCode = (typeof CALLS_ERROR_CODES)[number];

/** A request-level Calls error body: `{errorCode, errorDescription}`. */
export interface CallsErrorBody {
  errorCode: CallsErrorCode;
  errorDescription: string;
}

/** Most tracks one `tracks/new` call may carry. */
export const MAX_TRACKS_PER_CALL = 64;

/** The reserved data channel that `datachannels/establish` opens. */
export const SERVER_EVENTS_CHANNEL = 'server-events';

export function isCallsErrorBody(value: unknown): value is CallsErrorBody {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { errorCode?: unknown }).errorCode === 'string' &&
    typeof (value as { errorDescription?: unknown }).errorDescription === 'string'
  );
}
