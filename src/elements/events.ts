/** The `calls-*` DOM events: one class each, bubbling and composed, typed in `GlobalEventHandlersEventMap`. */
import type { ChatMessage, ConnectionState, ParticipantView, RoomErrorCode } from '../client/room-types.ts';
import type { LeaveReason, TrackSource } from '../protocol/presence.ts';

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

declare global {
  interface GlobalEventHandlersEventMap {
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
  }
}
