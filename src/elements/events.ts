/** The `calls-*` DOM events: one class each, bubbling and composed, typed in `GlobalEventHandlersEventMap`. */
import type {
  ChatMessage,
  ConnectionState,
  ParticipantChange,
  ParticipantView,
  RoomErrorCode,
} from '../client/room-types.ts';
import type { LeaveReason, TrackSource, WaitingParticipant } from '../protocol/presence.ts';
import type { Reaction } from '../protocol/reactions.ts';
import type { QualityReason, StatsSample } from '../protocol/analytics.ts';

abstract class CallsEvent<D> extends Event {
  readonly detail: D;
  constructor(type: string, detail: D) {
    super(type, { bubbles: true, composed: true });
    this.detail = Object.freeze(detail);
  }
}

export class CallsJoinedEvent extends CallsEvent<{ participantId: string; room: string }> {
  static readonly eventName = 'calls-joined';
  constructor(detail: { participantId: string; room: string }) {
    super(CallsJoinedEvent.eventName, detail);
  }
}

export class CallsLeftEvent extends CallsEvent<{ reason: LeaveReason | 'error' }> {
  static readonly eventName = 'calls-left';
  constructor(detail: { reason: LeaveReason | 'error' }) {
    super(CallsLeftEvent.eventName, detail);
  }
}

export class CallsParticipantJoinedEvent extends CallsEvent<{ participant: ParticipantView }> {
  static readonly eventName = 'calls-participant-joined';
  constructor(detail: { participant: ParticipantView }) {
    super(CallsParticipantJoinedEvent.eventName, detail);
  }
}

export class CallsParticipantLeftEvent extends CallsEvent<{
  participant: ParticipantView;
  reason: LeaveReason | 'breakout';
}> {
  static readonly eventName = 'calls-participant-left';
  constructor(detail: { participant: ParticipantView; reason: LeaveReason | 'breakout' }) {
    super(CallsParticipantLeftEvent.eventName, detail);
  }
}

export interface TrackDetail {
  participantId: string;
  source: TrackSource;
  trackName: string;
}

export class CallsTrackPublishedEvent extends CallsEvent<TrackDetail> {
  static readonly eventName = 'calls-track-published';
  constructor(detail: TrackDetail) {
    super(CallsTrackPublishedEvent.eventName, detail);
  }
}

export class CallsTrackUnpublishedEvent extends CallsEvent<TrackDetail> {
  static readonly eventName = 'calls-track-unpublished';
  constructor(detail: TrackDetail) {
    super(CallsTrackUnpublishedEvent.eventName, detail);
  }
}

export class CallsTrackSubscribedEvent extends CallsEvent<TrackDetail & { track: MediaStreamTrack }> {
  static readonly eventName = 'calls-track-subscribed';
  constructor(detail: TrackDetail & { track: MediaStreamTrack }) {
    super(CallsTrackSubscribedEvent.eventName, detail);
  }
}

export class CallsMessageEvent extends CallsEvent<{ message: ChatMessage; data: unknown }> {
  static readonly eventName = 'calls-message';
  constructor(detail: { message: ChatMessage; data: unknown }) {
    super(CallsMessageEvent.eventName, detail);
  }
}

export class CallsActiveSpeakerChangeEvent extends CallsEvent<{ participantId: string | undefined }> {
  static readonly eventName = 'calls-active-speaker-change';
  constructor(detail: { participantId: string | undefined }) {
    super(CallsActiveSpeakerChangeEvent.eventName, detail);
  }
}

export class CallsConnectionStateChangeEvent extends CallsEvent<{
  state: ConnectionState;
  previous: ConnectionState;
}> {
  static readonly eventName = 'calls-connection-state-change';
  constructor(detail: { state: ConnectionState; previous: ConnectionState }) {
    super(CallsConnectionStateChangeEvent.eventName, detail);
  }
}

export interface RecordingChangeDetail {
  /** `started` and `stopped` for everyone (from presence); `failed` for the host whose recorder broke. */
  action: 'started' | 'stopped' | 'failed';
  recordingId: string;
  /** Who started it: the token's `sub` and name. */
  startedBy: { userId: string; name: string };
}

/** A recording started, stopped or failed in the room. */
export class CallsRecordingChangeEvent extends CallsEvent<RecordingChangeDetail> {
  static readonly eventName = 'calls-recording-change';
  constructor(detail: RecordingChangeDetail) {
    super(CallsRecordingChangeEvent.eventName, detail);
  }
}

export interface NetworkQualityDetail {
  participantId: string;
  quality: 'good' | 'fair' | 'poor';
  /** What made it worse than `good`: `loss`, `rtt`, `bandwidth` or `cpu`; null when good. */
  reason: QualityReason | null;
}

export class CallsNetworkQualityChangeEvent extends CallsEvent<NetworkQualityDetail> {
  static readonly eventName = 'calls-network-quality-change';
  constructor(detail: NetworkQualityDetail) {
    super(CallsNetworkQualityChangeEvent.eventName, detail);
  }
}

export class CallsStatsEvent extends CallsEvent<{ samples: readonly StatsSample[] }> {
  static readonly eventName = 'calls-stats';
  constructor(detail: { samples: readonly StatsSample[] }) {
    super(CallsStatsEvent.eventName, detail);
  }
}

export interface ErrorDetail {
  /** Stable: switch on it. */
  code: RoomErrorCode;
  /** Translated through `strings.errors`. */
  message: string;
  /** The technical cause, in English, for logs. */
  cause: string;
  /** True when the room ended or never started. */
  fatal: boolean;
  /** With `media-unreachable`: the addresses the SFU announced for media, none of which this browser reached. */
  addresses?: readonly string[];
}

export class CallsErrorEvent extends CallsEvent<ErrorDetail> {
  static readonly eventName = 'calls-error';
  constructor(detail: ErrorDetail) {
    super(CallsErrorEvent.eventName, detail);
  }
}

export class CallsParticipantUpdatedEvent extends CallsEvent<{
  participant: ParticipantView;
  changes: readonly ParticipantChange[];
}> {
  static readonly eventName = 'calls-participant-updated';
  constructor(detail: { participant: ParticipantView; changes: readonly ParticipantChange[] }) {
    super(CallsParticipantUpdatedEvent.eventName, detail);
  }
}

export class CallsHandRaisedEvent extends CallsEvent<{ participantId: string; position: number }> {
  static readonly eventName = 'calls-hand-raised';
  constructor(detail: { participantId: string; position: number }) {
    super(CallsHandRaisedEvent.eventName, detail);
  }
}

export class CallsReactionEvent extends CallsEvent<{ participantId: string; emoji: Reaction }> {
  static readonly eventName = 'calls-reaction';
  constructor(detail: { participantId: string; emoji: Reaction }) {
    super(CallsReactionEvent.eventName, detail);
  }
}

export class CallsKnockEvent extends CallsEvent<{ participant: WaitingParticipant }> {
  static readonly eventName = 'calls-knock';
  constructor(detail: { participant: WaitingParticipant }) {
    super(CallsKnockEvent.eventName, detail);
  }
}

export class CallsMutedByHostEvent extends CallsEvent<{ kind: 'audio' | 'video' }> {
  static readonly eventName = 'calls-muted-by-host';
  constructor(detail: { kind: 'audio' | 'video' }) {
    super(CallsMutedByHostEvent.eventName, detail);
  }
}

export class CallsLockedChangeEvent extends CallsEvent<{ locked: boolean }> {
  static readonly eventName = 'calls-locked-change';
  constructor(detail: { locked: boolean }) {
    super(CallsLockedChangeEvent.eventName, detail);
  }
}

export class CallsPipChangeEvent extends CallsEvent<{
  active: boolean;
  mode: 'document' | 'video' | undefined;
}> {
  static readonly eventName = 'calls-pip-change';
  constructor(detail: { active: boolean; mode: 'document' | 'video' | undefined }) {
    super(CallsPipChangeEvent.eventName, detail);
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'calls-participant-updated': CallsParticipantUpdatedEvent;
    'calls-hand-raised': CallsHandRaisedEvent;
    'calls-reaction': CallsReactionEvent;
    'calls-knock': CallsKnockEvent;
    'calls-muted-by-host': CallsMutedByHostEvent;
    'calls-locked-change': CallsLockedChangeEvent;
    'calls-pip-change': CallsPipChangeEvent;
    'calls-joined': CallsJoinedEvent;
    'calls-left': CallsLeftEvent;
    'calls-participant-joined': CallsParticipantJoinedEvent;
    'calls-participant-left': CallsParticipantLeftEvent;
    'calls-track-published': CallsTrackPublishedEvent;
    'calls-track-unpublished': CallsTrackUnpublishedEvent;
    'calls-track-subscribed': CallsTrackSubscribedEvent;
    'calls-message': CallsMessageEvent;
    'calls-active-speaker-change': CallsActiveSpeakerChangeEvent;
    'calls-connection-state-change': CallsConnectionStateChangeEvent;
    'calls-error': CallsErrorEvent;
    'calls-recording-change': CallsRecordingChangeEvent;
    'calls-network-quality-change': CallsNetworkQualityChangeEvent;
    'calls-stats': CallsStatsEvent;
  }
}
