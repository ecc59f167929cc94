/**
 * The Room's notifications in `<calls-room>`: what the element does about each (state, notices, the live
 * region's announcements, reaction bursts, the lobby's waiting preview, recording) and which it forwards to
 * the page as `calls-*` DOM events (calls-room.events.ts).
 */
import type { RoomError, RoomNotification, RoomState } from '../client/room-types.ts';
import type { RoomUi } from './context.ts';
import { isForwarded, notificationEvent, type ForwardedNotification } from './calls-room.events.ts';
import type { PrejoinPreview } from './calls-room.prejoin.ts';
import type { ReactionBursts } from './calls-room.reactions.ts';
import type { RoomRecorder } from './calls-room.recording.ts';
import { CallsMutedByHostEvent } from './events.ts';
import type { CallsStrings } from './strings.ts';

/** The element's state the notifications change. */
export interface NotifiedHost extends HTMLElement {
  _state: RoomState;
  _ui: RoomUi;
  _announcement: string;
  _notice: 'audio' | 'video' | 'ended' | '';
  readonly noReactions: boolean;
  readonly updateComplete: Promise<boolean>;
  readonly renderRoot: HTMLElement | DocumentFragment;
}

export interface NotificationParts {
  strings(): CallsStrings;
  error(error: RoomError): void;
  bursts: ReactionBursts;
  recorder: RoomRecorder;
  waitingPreview: PrejoinPreview;
  /** The room was joined (a host with `lobby` turns the room's lobby on). */
  joined(): void;
  /** True once after a join the user started from the UI: focus then moves to the controls. */
  takeFocusAfterJoin(): boolean;
}

export function onNotification(el: NotifiedHost, parts: NotificationParts, n: RoomNotification): void {
  if (isForwarded(n)) {
    beforeEvent(el, parts, n);
    el.dispatchEvent(notificationEvent(n));
    return;
  }
  switch (n.type) {
    case 'change':
      if ((n.state.status === 'waiting') !== (el._state.status === 'waiting')) {
        if (n.state.status === 'waiting') void parts.waitingPreview.start();
        else parts.waitingPreview.stop();
      }
      el._state = n.state;
      return;
    case 'muted-by-host':
      el._notice = n.kind;
      el._announcement = parts.strings().mutedByHost[n.kind];
      el.dispatchEvent(new CallsMutedByHostEvent({ kind: n.kind }));
      return;
    case 'error':
      parts.error(n.error);
      return;
    case 'recording-change':
      parts.recorder.changed(n.recording, n.previous);
      return;
    case 'session-replaced':
      // Internal: the pulls and publications have moved to the new session; nothing for the page.
      return;
  }
}

/** What the room itself does about a notification before the page hears of it. */
function beforeEvent(el: NotifiedHost, parts: NotificationParts, n: ForwardedNotification): void {
  const strings = () => parts.strings();
  if (n.type === 'joined') {
    parts.joined();
    if (parts.takeFocusAfterJoin()) {
      void el.updateComplete.then(() => el.renderRoot.querySelector<HTMLElement>('calls-controls')?.focus());
    }
  } else if (n.type === 'left' && n.reason === 'ended') {
    el._notice = 'ended';
    el._announcement = strings().ended;
  } else if (n.type === 'reaction') {
    if (!el.noReactions) parts.bursts.show(n.participantId, n.emoji);
  } else if (n.type === 'knock') {
    el._announcement = strings().knocking(n.participant.name);
  } else if (n.type === 'hand-raised') {
    const who = el._state.participants.find((p) => p.id === n.participantId);
    if (who) el._announcement = strings().handRaised(who.name);
  } else if (n.type === 'left') {
    parts.recorder.reset();
  } else if (n.type === 'participant-joined') {
    el._announcement = strings().joined(n.participant.name);
  } else if (n.type === 'participant-left') {
    el._announcement = strings().leftRoom(n.participant.name);
    if (el._ui.pinned?.startsWith(`${n.participant.id}:`)) el._ui = { ...el._ui, pinned: undefined };
  }
}
