/**
 * Presence protocol of `GET /api/rooms/{room}` (a WebSocket): who is in the room, which tracks they publish,
 * their state, moderation and breakouts. JSON text frames, one message each, discriminated by `type`.
 *
 * The first client message must be `join` carrying the room token (never put the token in the URL: URLs end
 * up in logs). Chat does not go through presence: it uses a Calls data channel on each sender's session, which
 * presence announces (`session`) so that participants without tracks can chat too.
 *
 * Viewers receive chat but do not send it: every sender's channel is pulled by everyone else, so letting each
 * viewer of a large event send would cost a channel per viewer at every participant, and the proxy keeps the
 * simple rule that viewers publish nothing, data channels included.
 */

import type { Metadata } from './metadata.ts';
import type { ActiveRecording } from './recording.ts';

export type TrackKind = 'audio' | 'video';
export type TrackSource = 'camera' | 'microphone' | 'screen';

/** One simulcast encoding the publisher sends (rid as in `sendEncodings`). */
export interface SimulcastLayer {
  rid: string;
  width?: number;
  height?: number;
  maxBitrate?: number;
}

/** A published track, as others need it to pull: `tracks/new` `{location:'remote', sessionId, trackName}`. */
export interface PublishedTrack {
  sessionId: string;
  trackName: string;
  kind: TrackKind;
  source: TrackSource;
  /** Present when the track is simulcast; best layer first. */
  simulcast?: SimulcastLayer[];
}

export interface ParticipantState {
  muted: boolean;
  cameraOff: boolean;
  speaking: boolean;
  handRaised: boolean;
}

export type ParticipantRole = 'host' | 'guest' | 'viewer';

/** The Calls session a participant sends on, and whether it carries the `chat` data channel. */
export interface ParticipantSession {
  sessionId: string;
  chat: boolean;
}

export interface Participant {
  id: string;
  /** The token's `sub`: the same person in two tabs is two participants with one userId. */
  userId: string;
  name: string;
  role: ParticipantRole;
  state: ParticipantState;
  tracks: PublishedTrack[];
  /** Breakout the participant is in; null in the main room. */
  breakout: string | null;
  /** False while the socket is gone and the participant may still resume. */
  connected: boolean;
  /** Announced with a `session` message; absent until then. */
  session?: ParticipantSession;
  /** Set by the page (`avatar-url`): an `https:` or `data:image/` URL; untrusted, only ever an `<img src>`. */
  avatarUrl?: string;
  /** Set by the page (`metadata`): checked with `checkMetadata`; untrusted, only ever rendered as text. */
  metadata?: Metadata;
}

/** What a participant says about themselves beyond the token's name (`join` and `profile`). */
export interface ParticipantProfile {
  name?: string;
  avatarUrl?: string;
  metadata?: Metadata;
}

// ---- client -> server -------------------------------------------------------------------------------

export interface JoinMessage {
  type: 'join';
  token: string;
  /** From a previous welcome: resumes that participant (same id, tracks kept) within the grace period. */
  resumeToken?: string;
  state?: Partial<ParticipantState>;
  profile?: ParticipantProfile;
}
export interface PublishMessage {
  type: 'publish';
  tracks: PublishedTrack[];
}
export interface UnpublishMessage {
  type: 'unpublish';
  trackNames: string[];
}
export interface StateMessage {
  type: 'state';
  state: Partial<ParticipantState>;
}
/** The caller's Calls session (again after a replacement); `chat` once its chat channel is published. */
export interface SessionMessage {
  type: 'session';
  session: ParticipantSession;
}
export interface HeartbeatMessage {
  type: 'heartbeat';
}
export interface LeaveMessage {
  type: 'leave';
}
/** Host only: ask a participant to mute their microphone (or turn off their camera). */
export interface MuteRequestMessage {
  type: 'mute-request';
  participantId: string;
  kind?: TrackKind;
}
/** Host only: remove a participant; the user cannot rejoin this room with a token for the same `sub`. */
export interface RemoveMessage {
  type: 'remove';
  participantId: string;
}
/** Host only: put participants into breakouts (null = main room). Others keep their current place. */
export interface AssignBreakoutsMessage {
  type: 'assign-breakouts';
  assignments: Record<string, string | null>;
}
/** Host only: bring everyone back to the main room. */
export interface EndBreakoutsMessage {
  type: 'end-breakouts';
}

/** Changes the caller's name, avatar or metadata (what is absent stays). */
export interface ProfileMessage {
  type: 'profile';
  profile: ParticipantProfile;
}
/** Host only: asks everyone else to mute their microphone. */
export interface MuteAllMessage {
  type: 'mute-all';
}
/** Host only: no new participants (`locked`), or new ones wait until a host admits them (`lobby`). */
export interface RoomSettingsMessage {
  type: 'room-settings';
  settings: Partial<RoomSettings>;
}
/** Host only: lets a waiting participant in (`admit`) or sends them away (`deny`). */
export interface AdmitMessage {
  type: 'admit' | 'deny';
  participantId: string;
}
/** Host only: everyone leaves with reason `ended`. */
export interface EndMeetingMessage {
  type: 'end-meeting';
}

export type ClientMessage =
  | JoinMessage
  | ProfileMessage
  | MuteAllMessage
  | RoomSettingsMessage
  | AdmitMessage
  | EndMeetingMessage
  | PublishMessage
  | UnpublishMessage
  | StateMessage
  | SessionMessage
  | HeartbeatMessage
  | LeaveMessage
  | MuteRequestMessage
  | RemoveMessage
  | AssignBreakoutsMessage
  | EndBreakoutsMessage;

export type ClientMessageType = ClientMessage['type'];

// ---- server -> client -------------------------------------------------------------------------------

export interface WelcomeMessage {
  type: 'welcome';
  room: string;
  participantId: string;
  /** Send it in the next `join` after a dropped socket to resume this participant. */
  resumeToken: string;
  resumed: boolean;
  /** Everyone in the room, the caller included. */
  participants: Participant[];
  /** Send a `heartbeat` at least this often. */
  heartbeatIntervalMs: number;
  /** A participant not heard from for this long is removed. */
  staleAfterMs: number;
  /** The recording running in the room, if any (everyone is shown it). */
  recording?: ActiveRecording | null;
}
export interface ParticipantJoinedMessage {
  type: 'participant-joined';
  participant: Participant;
}
export type LeaveReason = 'left' | 'stale' | 'removed' | 'disconnected' | 'ended';
export interface ParticipantLeftMessage {
  type: 'participant-left';
  participantId: string;
  reason: LeaveReason;
}
export interface TracksPublishedMessage {
  type: 'tracks-published';
  participantId: string;
  tracks: PublishedTrack[];
}
export interface TracksUnpublishedMessage {
  type: 'tracks-unpublished';
  participantId: string;
  trackNames: string[];
}
export interface ParticipantStateMessage {
  type: 'participant-state';
  participantId: string;
  state: ParticipantState;
  connected: boolean;
}
export interface ParticipantSessionMessage {
  type: 'participant-session';
  participantId: string;
  session: ParticipantSession;
}
export interface MuteRequestedMessage {
  type: 'mute-requested';
  by: string;
  kind: TrackKind;
}
/** Sent to a removed participant just before the server closes the socket. */
export interface RemovedMessage {
  type: 'removed';
  by: string;
}
/** Every participant's breakout (null = main room), after any change. */
export interface BreakoutsMessage {
  type: 'breakouts';
  assignments: Record<string, string | null>;
}
/** A recording started (`recording` set) or ended (null); sent to everyone connected. */
export interface RecordingMessage {
  type: 'recording';
  recording: ActiveRecording | null;
}
export interface HeartbeatAckMessage {
  type: 'heartbeat-ack';
}
export interface ParticipantProfileMessage {
  type: 'participant-profile';
  participantId: string;
  name: string;
  avatarUrl?: string;
  metadata?: Metadata;
}
export interface RoomSettings {
  locked: boolean;
  lobby: boolean;
}
/** The room's settings, after the welcome and after every change. */
export interface RoomSettingsChangedMessage {
  type: 'room-settings-changed';
  settings: RoomSettings;
  by?: string;
}
/** Raised hands, oldest first, after the welcome (when any) and after every change. */
export interface HandsMessage {
  type: 'hands';
  order: string[];
}
/** To a participant the lobby holds: no welcome until a host admits them. */
export interface WaitingMessage {
  type: 'waiting';
  participantId: string;
}
/** One participant waiting in the lobby, as hosts see them. */
export interface WaitingParticipant {
  id: string;
  name: string;
  role: ParticipantRole;
  avatarUrl?: string;
  metadata?: Metadata;
  since: number;
}
/** To hosts: who waits in the lobby, after their welcome (when anyone waits) and after every change. */
export interface LobbyMessage {
  type: 'lobby';
  waiting: WaitingParticipant[];
}
/** To everyone just before the server closes every socket: a host ended the meeting. */
export interface EndedMessage {
  type: 'ended';
  by: string;
}

export const PRESENCE_ERROR_CODES = [
  'bad-json',
  'unknown-type',
  'invalid-message',
  'too-large',
  'rate-limited',
  'unauthorized',
  'forbidden',
  'room-full',
  /** The user (token `sub`) already holds as many participants in the room as one user may. */
  'seat-limit',
  'not-joined',
  'already-joined',
  'unknown-participant',
  'removed',
  /** The room is locked: no new participants. */
  'locked',
  /** A host did not let the caller in from the lobby. */
  'denied',
  /** A host ended the meeting. */
  'ended',
] as const;
export type PresenceErrorCode = (typeof PRESENCE_ERROR_CODES)[number];

export interface ErrorMessage {
  type: 'error';
  code: PresenceErrorCode;
  message: string;
  /** The `type` of the client message that caused it, when known. */
  ref?: string;
  /** True when the server closes the socket after this error (unauthorized, room-full, seat-limit, removed). */
  fatal?: boolean;
}

export type ServerMessage =
  | WelcomeMessage
  | ParticipantJoinedMessage
  | ParticipantLeftMessage
  | TracksPublishedMessage
  | TracksUnpublishedMessage
  | ParticipantStateMessage
  | ParticipantSessionMessage
  | MuteRequestedMessage
  | RemovedMessage
  | BreakoutsMessage
  | RecordingMessage
  | HeartbeatAckMessage
  | ParticipantProfileMessage
  | RoomSettingsChangedMessage
  | HandsMessage
  | WaitingMessage
  | LobbyMessage
  | EndedMessage
  | ErrorMessage;

export type ServerMessageType = ServerMessage['type'];

// ---- limits and tiny helpers ---------------------------------------------------------------------

export const PRESENCE_LIMITS = {
  /** Largest client frame, in UTF-16 code units of the JSON text. */
  maxMessageChars: 16 * 1024,
  maxTracksPerParticipant: 16,
  heartbeatIntervalMs: 5_000,
  staleAfterMs: 15_000,
} as const;

/** WebSocket close codes the server uses (4000-4999 are for applications). */
export const PRESENCE_CLOSE_CODES = {
  unauthorized: 4001,
  removed: 4003,
  roomFull: 4009,
  replaced: 4010,
  stale: 4011,
  locked: 4012,
  denied: 4013,
  ended: 4014,
  left: 1000,
} as const;

export const DEFAULT_PARTICIPANT_STATE: ParticipantState = {
  muted: false,
  cameraOff: false,
  speaking: false,
  handRaised: false,
};

/** Whose tracks a participant should see: those in the same breakout (or both in the main room). */
export function sameBreakout(a: Pick<Participant, 'breakout'>, b: Pick<Participant, 'breakout'>): boolean {
  return a.breakout === b.breakout;
}

/** The participants whose tracks `self` should pull. */
export function visibleParticipants(self: Participant, all: readonly Participant[]): Participant[] {
  return all.filter((p) => p.id !== self.id && sameBreakout(self, p));
}
