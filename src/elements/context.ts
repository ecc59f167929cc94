/** What `<calls-room>` provides to its tiles and controls: a new object on every change. */
import { ContextConsumer, createContext } from '@lit/context';
import type { ReactiveControllerHost } from 'lit';
import type { RoomState, VideoPreference } from '../client/room-types.ts';
import type { CallsStrings } from './strings.ts';

export interface RoomActions {
  join(): Promise<void>;
  leave(): void;
  setMicrophoneEnabled(enabled: boolean): Promise<void>;
  setCameraEnabled(enabled: boolean): Promise<void>;
  startScreenShare(): Promise<void>;
  stopScreenShare(): Promise<void>;
  send(data: unknown): void;
  selectDevice(kind: MediaDeviceKind, deviceId: string): Promise<void>;
  setVideoPreference(tileKey: string, preference: VideoPreference): void;
  /** Host only: mute or remove a participant. */
  moderate(participantId: string, action: 'mute' | 'remove'): void;
  setPinned(tileKey: string | undefined): void;
  setChatOpen(open: boolean): void;
  setHand(raised: boolean): void;
  react(emoji: string): void;
  togglePictureInPicture(): void;
  /** Host only: the room-wide actions and the lobby. */
  host(action: 'mute-all' | 'lock' | 'unlock' | 'end'): void;
  admit(participantId: string, admit: boolean): void;
}

/** Buttons `controls` may list; all show by default. */
export const CONTROL_NAMES = [
  'microphone',
  'camera',
  'screen',
  'chat',
  'hand',
  'reactions',
  'pip',
  'devices',
  'host',
  'leave',
] as const;
export type ControlName = (typeof CONTROL_NAMES)[number];

/** State of the room's own UI, beside the room model's. */
export interface RoomUi {
  pinned: string | undefined;
  chatOpen: boolean;
  chat: boolean;
  layout: 'grid' | 'spotlight';
  /** The speaker chosen with `selectDevice('audiooutput', id)`; tiles apply it with `setSinkId`. */
  sinkId: string | undefined;
  /** The buttons the page wants (`controls`). */
  controls: ReadonlySet<ControlName>;
  reactions: boolean;
  /** A reaction each participant sent in the last moments, shown on their tile (`n` tells repeats apart). */
  recentReactions: ReadonlyMap<string, { emoji: string; n: number }>;
  pip: boolean;
}

export interface RoomContextValue {
  state: RoomState;
  actions: RoomActions;
  strings: CallsStrings;
  ui: RoomUi;
}

export const roomContext = createContext<RoomContextValue | undefined>(Symbol('calls-room'));

/** A child's subscription to the room: `value` is the latest context, and each change re-renders the host. */
export const consumeRoom = (host: ReactiveControllerHost & HTMLElement) =>
  new ContextConsumer(host, { context: roomContext, subscribe: true });
