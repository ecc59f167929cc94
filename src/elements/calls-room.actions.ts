/**
 * The actions `<calls-room>` provides to its children (`<calls-controls>`, `<calls-tile>`, `<calls-chat>`)
 * through context: its public methods, with the errors of the built-in buttons reported as `calls-error`
 * only (never thrown into a click handler).
 */
import type { VideoPreference } from '../client/room-types.ts';
import type { RoomActions, RoomUi } from './context.ts';

/** The element's methods the actions call. */
export interface ActionsHost {
  _ui: RoomUi;
  join(): Promise<void>;
  leave(): void;
  setMicrophoneEnabled(enabled: boolean): Promise<void>;
  setCameraEnabled(enabled: boolean): Promise<void>;
  startScreenShare(): Promise<void>;
  stopScreenShare(): Promise<void>;
  send(data: unknown): void;
  selectDevice(kind: MediaDeviceKind, deviceId: string): Promise<void>;
  muteParticipant(participantId: string): void;
  removeParticipant(participantId: string): void;
  toggleChat(open?: boolean): void;
  raiseHand(): void;
  lowerHand(): void;
  react(emoji: string): void;
  togglePictureInPicture(): Promise<void>;
  muteAll(): void;
  lock(): void;
  unlock(): void;
  endMeeting(): void;
  admit(participantId: string): void;
  deny(participantId: string): void;
}

/** For the built-in buttons: the error is reported as `calls-error` already. */
export function quiet(action: () => void): void {
  try {
    action();
  } catch {
    // reported
  }
}

export function roomActions(
  el: ActionsHost,
  setVideoPreference: (key: string, preference: VideoPreference) => void,
): RoomActions {
  return {
    join: () => el.join(),
    leave: () => el.leave(),
    setMicrophoneEnabled: (on) => el.setMicrophoneEnabled(on),
    setCameraEnabled: (on) => el.setCameraEnabled(on),
    startScreenShare: () => el.startScreenShare(),
    stopScreenShare: () => el.stopScreenShare(),
    send: (data) => quiet(() => el.send(data)),
    selectDevice: (kind, id) => el.selectDevice(kind, id),
    setVideoPreference,
    moderate: (id, action) => (action === 'mute' ? el.muteParticipant(id) : el.removeParticipant(id)),
    setPinned: (key) => {
      el._ui = { ...el._ui, pinned: key };
    },
    setChatOpen: (open) => el.toggleChat(open),
    setHand: (raised) => quiet(() => (raised ? el.raiseHand() : el.lowerHand())),
    react: (emoji) => quiet(() => el.react(emoji)),
    togglePictureInPicture: () => void el.togglePictureInPicture().catch(() => undefined),
    host: (action) =>
      quiet(() =>
        action === 'mute-all'
          ? el.muteAll()
          : action === 'lock'
            ? el.lock()
            : action === 'unlock'
              ? el.unlock()
              : el.endMeeting(),
      ),
    admit: (id, admit) => quiet(() => (admit ? el.admit(id) : el.deny(id))),
  };
}
