/** The Room model's public shapes: immutable snapshots, notifications, errors and options. */
import type { Metadata } from '../protocol/metadata.ts';
import type {
  LeaveReason,
  ParticipantRole,
  ParticipantState,
  TrackSource,
  WaitingParticipant,
} from '../protocol/presence.ts';
import type { Reaction } from '../protocol/reactions.ts';
import type { ActiveRecording } from '../protocol/recording.ts';
import type { QualityReason, StatsSample } from '../protocol/analytics.ts';

/**
 * The room's lifecycle; recovering links are a `ConnectionState` (`reconnecting`), not a status. `waiting`:
 * the room's lobby holds us until a host lets us in (no Calls session, no one's media).
 */
export type RoomStatus = 'idle' | 'joining' | 'waiting' | 'joined' | 'left' | 'failed';

/** Overall connection, as `calls-connection-state-change` reports it. */
export type ConnectionState = 'new' | 'connecting' | 'connected' | 'reconnecting' | 'disconnected';

/** One participant as the page sees it. Frozen; a change makes a new object. */
export interface ParticipantView {
  readonly id: string;
  readonly name: string;
  readonly role: ParticipantRole;
  readonly isLocal: boolean;
  readonly state: Readonly<ParticipantState>;
  readonly connected: boolean;
  readonly breakout: string | null;
  /** Media to render; local tracks for the local participant. */
  readonly camera: MediaStreamTrack | undefined;
  readonly microphone: MediaStreamTrack | undefined;
  readonly screen: MediaStreamTrack | undefined;
  readonly speaking: boolean;
  /** Their link as this browser measures it (`quality.ts`); `unknown` before any stats. */
  readonly quality: NetworkQuality;
  /** Set by their page (`avatar-url`); untrusted: only ever an image source. */
  readonly avatarUrl: string | undefined;
  /** Set by their page (`metadata`); untrusted: only ever text. */
  readonly metadata: Readonly<Metadata> | undefined;
  /** What made `quality` worse than `good` (`loss`, `rtt`, `bandwidth`, `cpu`), else null. */
  readonly qualityReason: QualityReason | null;
}

/** What `calls-participant-updated` says changed. */
export type ParticipantChange = 'microphone' | 'camera' | 'screen' | 'hand' | 'name' | 'avatar' | 'metadata';

export type NetworkQuality = 'unknown' | 'good' | 'fair' | 'poor';

/** A rendered video: a participant's camera, or their screen share in a tile of its own. */
export interface TileView {
  /** `${participantId}:${source}` */
  readonly key: string;
  readonly participantId: string;
  readonly source: 'camera' | 'screen';
}

export interface ChatMessage {
  readonly id: string;
  readonly from: string;
  readonly fromName: string;
  readonly text: string;
  readonly at: number;
  readonly isLocal: boolean;
}

export interface RoomState {
  readonly status: RoomStatus;
  readonly connection: ConnectionState;
  readonly room: string;
  readonly selfId: string | undefined;
  /** Everyone visible to us: the local participant first, then the others in our breakout by join order. */
  readonly participants: readonly ParticipantView[];
  readonly tiles: readonly TileView[];
  readonly activeSpeakerId: string | undefined;
  readonly messages: readonly ChatMessage[];
  /** Our breakout, null in the main room. */
  readonly breakout: string | null;
  readonly role: ParticipantRole | undefined;
  readonly microphoneEnabled: boolean;
  readonly cameraEnabled: boolean;
  readonly screenSharing: boolean;
  readonly canPublish: boolean;
  readonly chatEnabled: boolean;
  readonly devices: readonly DeviceInfo[];
  readonly selectedDevices: Readonly<Partial<Record<MediaDeviceKind, string>>>;
  readonly error: RoomError | undefined;
  /** No new participants may join (a host locked the room). */
  readonly locked: boolean;
  /** New participants wait in the lobby until a host lets them in. */
  readonly lobby: boolean;
  /** Hosts only: who waits in the lobby, oldest first. */
  readonly waiting: readonly WaitingParticipant[];
  /** Participants with a raised hand, in the order they raised it. */
  readonly hands: readonly string[];
}

export interface DeviceInfo {
  readonly kind: MediaDeviceKind;
  readonly deviceId: string;
  readonly label: string;
}

export const ROOM_ERROR_CODES = [
  'token-unauthorized',
  'token-forbidden',
  'token-failed',
  'backend-unreachable',
  'presence-failed',
  'room-full',
  'removed',
  'media-denied',
  'media-not-found',
  'media-failed',
  'screen-share-failed',
  'sfu-failed',
  'media-unreachable',
  'publish-failed',
  'subscribe-failed',
  'chat-failed',
  'not-joined',
  /** Support line (`<calls-room queue>`): no agent signed in. */
  'queue-closed',
  'queue-full',
  /** Waited longer than the line's limit. */
  'queue-timeout',
  /** The line could not be reached, refused the token, or the page's metadata. */
  'queue-failed',
  /** The room is locked: no new participants. */
  'room-locked',
  /** A host did not let us in from the lobby. */
  'lobby-denied',
  /** A host method called without a host token. */
  'host-only',
  /** A value the page passed was refused (metadata, avatar URL, name, reaction): `cause` says why. */
  'invalid-input',
  /** Too many reactions in a short time. */
  'rate-limited',
  /** `startRecording()`/`stopRecording()` by someone who is not a host. */
  'recording-forbidden',
  /** `startRecording()` while the room records already (one recording at a time per room). */
  'recording-in-progress',
  /** The recording could not start, or ended early (recorder or upload failed). */
  'recording-failed',
  /** A part of the widget loaded on demand (the call engine, `calls-room-engine.js`) could not be fetched. */
  'load-failed',
] as const;
/** Stable error codes: pages switch on them, and `strings` has a message for each. */
export type RoomErrorCode = (typeof ROOM_ERROR_CODES)[number];

export class RoomError extends Error {
  override readonly name = 'RoomError';
  constructor(
    readonly code: RoomErrorCode,
    message: string,
    /** False when the room carries on (a failed screen share); true when the join failed or the room ended. */
    readonly fatal = false,
    override readonly cause?: unknown,
    /** With `media-unreachable`: the addresses the SFU announced, which the browser could not reach. */
    readonly addresses: readonly string[] = [],
  ) {
    super(message);
  }
}

/** What a tile wants to receive of a video track. */
export interface VideoPreference {
  /** False while the tile is not visible: the pull is closed. */
  visible: boolean;
  /** Rendered height in device pixels; picks the simulcast layer. */
  height: number;
}

/** Typed notifications, one per `calls-*` event of the element. */
export type RoomNotification =
  | { type: 'change'; state: RoomState }
  | { type: 'joined'; participantId: string; room: string }
  | { type: 'left'; reason: LeaveReason | 'error' }
  | { type: 'participant-joined'; participant: ParticipantView }
  | { type: 'participant-left'; participant: ParticipantView; reason: LeaveReason | 'breakout' }
  | { type: 'track-published'; participantId: string; source: TrackSource; trackName: string }
  | { type: 'track-unpublished'; participantId: string; source: TrackSource; trackName: string }
  | {
      type: 'track-subscribed';
      participantId: string;
      source: TrackSource;
      trackName: string;
      track: MediaStreamTrack;
    }
  | { type: 'message'; message: ChatMessage; data: unknown }
  | { type: 'active-speaker-change'; participantId: string | undefined }
  | { type: 'connection-state-change'; state: ConnectionState; previous: ConnectionState }
  | { type: 'session-replaced'; sessionId: string }
  /** A host turned off our microphone (`audio`) or camera (`video`). */
  | { type: 'muted-by-host'; kind: 'audio' | 'video' }
  | { type: 'participant-updated'; participant: ParticipantView; changes: readonly ParticipantChange[] }
  | { type: 'hand-raised'; participantId: string; position: number }
  | { type: 'reaction'; participantId: string; emoji: Reaction }
  /** Hosts: someone is waiting in the lobby. */
  | { type: 'knock'; participant: WaitingParticipant }
  | { type: 'locked-change'; locked: boolean }
  /** A recording started (`recording` set) or ended in the room; presence tells everyone. */
  | { type: 'recording-change'; recording: ActiveRecording | null; previous: ActiveRecording | null }
  /** A participant's link quality changed (local included). */
  | {
      type: 'network-quality-change';
      participantId: string;
      quality: Exclude<NetworkQuality, 'unknown'>;
      reason: QualityReason | null;
    }
  /** The 10 s samples, one per participant with tracks (what the analytics send). */
  | { type: 'stats'; samples: readonly StatsSample[] }
  | { type: 'error'; error: RoomError };

export interface RoomOptions {
  /** Backend base URL (`/api` on the page's origin by default). */
  endpoint: string;
  /** Token endpoint; `{endpoint}/token` by default. */
  tokenEndpoint?: string;
  /** A pre-minted room token: no fetch. */
  token?: string;
  room: string;
  name: string;
  /** Start states. */
  muted?: boolean;
  cameraOff?: boolean;
  simulcast?: boolean;
  /** Top layer bitrate in bits per second. */
  maxBitrate?: number;
  maxFramerate?: number;
  chat?: boolean;
  /** Send call-quality analytics to `{endpoint}/analytics` (default true). */
  analytics?: boolean;
  fetch?: typeof fetch;
  /** Shown instead of the initial (checked with `avatarUrlProblem`). */
  avatarUrl?: string;
  /** Carried in presence to everyone (checked with `checkMetadata`). */
  metadata?: Metadata;
}
