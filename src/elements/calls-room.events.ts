/** Which room notifications `<calls-room>` forwards as `calls-*` events, and how each event is built. */
import type { RoomError, RoomNotification } from '../client/room.ts';
import {
  CallsActiveSpeakerChangeEvent,
  CallsConnectionStateChangeEvent,
  CallsErrorEvent,
  CallsHandRaisedEvent,
  CallsJoinedEvent,
  CallsKnockEvent,
  CallsLockedChangeEvent,
  CallsParticipantUpdatedEvent,
  CallsReactionEvent,
  CallsLeftEvent,
  CallsMessageEvent,
  CallsNetworkQualityChangeEvent,
  CallsParticipantJoinedEvent,
  CallsParticipantLeftEvent,
  CallsStatsEvent,
  CallsTrackPublishedEvent,
  CallsTrackSubscribedEvent,
  CallsTrackUnpublishedEvent,
} from './events.ts';
import type { CallsStrings } from './strings.ts';

/** Notifications the room handles itself rather than forwarding as a `calls-<type>` event. */
type HandledNotification = 'change' | 'error' | 'muted-by-host' | 'session-replaced' | 'recording-change';

/** A notification that is forwarded as the `calls-<type>` event. */
export type ForwardedNotification = Exclude<RoomNotification, { type: HandledNotification }>;

/**
 * The notifications that are `calls-<type>` events with the same fields as their detail. Every other
 * notification type must be listed in `HandledNotification`: a new one without either does not compile.
 */
const EVENTS = {
  joined: CallsJoinedEvent,
  left: CallsLeftEvent,
  'participant-joined': CallsParticipantJoinedEvent,
  'participant-left': CallsParticipantLeftEvent,
  'track-published': CallsTrackPublishedEvent,
  'track-unpublished': CallsTrackUnpublishedEvent,
  'track-subscribed': CallsTrackSubscribedEvent,
  message: CallsMessageEvent,
  'active-speaker-change': CallsActiveSpeakerChangeEvent,
  'connection-state-change': CallsConnectionStateChangeEvent,
  'participant-updated': CallsParticipantUpdatedEvent,
  'hand-raised': CallsHandRaisedEvent,
  reaction: CallsReactionEvent,
  knock: CallsKnockEvent,
  'locked-change': CallsLockedChangeEvent,
  'network-quality-change': CallsNetworkQualityChangeEvent,
  stats: CallsStatsEvent,
} satisfies Record<ForwardedNotification['type'], new (detail: never) => Event>;

export const isForwarded = (n: RoomNotification): n is ForwardedNotification => Object.hasOwn(EVENTS, n.type);

/** The `calls-<type>` event of a forwarded notification, its detail the notification's other fields. */
export function notificationEvent(n: ForwardedNotification): Event {
  const { type, ...detail } = n;
  const CallsEvent = EVENTS[type] as new (detail: object) => Event;
  return new CallsEvent(detail);
}

/** `calls-error` for a room error, its message translated through `strings.errors`. */
export function errorEvent(error: RoomError, strings: CallsStrings): CallsErrorEvent {
  return new CallsErrorEvent({
    code: error.code,
    message: strings.errors[error.code] ?? error.message,
    cause: error.message,
    fatal: error.fatal,
    ...(error.addresses.length ? { addresses: error.addresses } : {}),
  });
}
