/** The `calls-*` DOM events: one class each, bubbling and composed, typed in `GlobalEventHandlersEventMap`. */
import type { ChatMessage, ConnectionState, ParticipantView, RoomErrorCode } from '../client/room-types.ts';
import type { QualityReason, StatsSample } from '../protocol/analytics.ts';
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
    'calls-network-quality-change': CallsNetworkQualityChangeEvent;
    'calls-stats': CallsStatsEvent;
  }
}
