/**
 * Every text the elements show or announce. `lang` picks a built-in table; the `strings` property of
 * `<calls-room>` overrides any entry. Functions take untrusted names; results are only ever bound as text.
 */
import type { RoomErrorCode } from '../client/room-types.ts';
import { queueEn, type QueueStrings } from './queue-strings.ts';

export interface CallsStrings {
  join: string;
  leave: string;
  joining: string;
  reconnecting: string;
  left: string;
  you: string;
  microphone: string;
  camera: string;
  screenShare: string;
  chat: string;
  speaker: string;
  muted: string;
  cameraOff: string;
  speaking: string;
  pin: string;
  unpin: string;
  /** Host controls on a participant's tile. */
  mute: string;
  remove: string;
  /** Shown and announced when a host turned off your microphone (`audio`) or camera (`video`). */
  mutedByHost: Record<'audio' | 'video', string>;
  controls: string;
  participants: string;
  send: string;
  chatPlaceholder: string;
  chatLog: string;
  noMessages: string;
  dismiss: string;
  yourName: string;
  /** Network quality of a participant: `good`, `fair`, `poor`. */
  quality: Record<'good' | 'fair' | 'poor', string>;
  /** What made it worse, after the quality: `Poor connection (packet loss)`. */
  qualityReason: Record<'loss' | 'rtt' | 'bandwidth' | 'cpu', string>;
  screenOf: (name: string) => string;
  joined: (name: string) => string;
  leftRoom: (name: string) => string;
  /** Hand raising and reactions. */
  raiseHand: string;
  handRaised: (name: string) => string;
  hands: string;
  reactions: string;
  pictureInPicture: string;
  /** The lobby: what a waiting participant sees, and the hosts' notice. */
  waiting: string;
  cancel: string;
  admit: string;
  deny: string;
  knocking: (name: string) => string;
  /** Host controls of the whole room. */
  muteAll: string;
  lock: string;
  endMeeting: string;
  ended: string;
  errors: Record<RoomErrorCode, string>;
  /** The support line's waiting view (`<calls-room queue>`). */
  queue: QueueStrings;
  /** The recording indicator, the hosts' Record control and what the live region says about recording. */
  recording: RecordingStrings;
}

export interface RecordingStrings {
  record: string;
  stop: string;
  /** The indicator's text while the room records. */
  indicator: string;
  /** The indicator's accessible label: who started it. */
  startedBy: (name: string) => string;
  /** Announced to everyone. */
  started: (name: string) => string;
  stopped: string;
  /** Announced to the recording host when the recording ended early. */
  failed: string;
}

export const en: CallsStrings = {
  join: 'Join',
  leave: 'Leave',
  joining: 'Joining…',
  reconnecting: 'Reconnecting…',
  left: 'You left the room.',
  you: 'You',
  microphone: 'Microphone',
  camera: 'Camera',
  screenShare: 'Share screen',
  chat: 'Chat',
  speaker: 'Speaker',
  muted: 'Muted',
  cameraOff: 'Camera off',
  speaking: 'Speaking',
  pin: 'Pin',
  unpin: 'Unpin',
  mute: 'Mute',
  remove: 'Remove',
  mutedByHost: { audio: 'A host muted your microphone.', video: 'A host turned off your camera.' },
  controls: 'Call controls',
  participants: 'Participants',
  send: 'Send',
  chatPlaceholder: 'Message everyone',
  chatLog: 'Chat messages',
  noMessages: 'No messages yet.',
  dismiss: 'Dismiss',
  yourName: 'Your name',
  quality: { good: 'Good connection', fair: 'Fair connection', poor: 'Poor connection' },
  qualityReason: {
    loss: 'packet loss',
    rtt: 'high delay',
    bandwidth: 'low bandwidth',
    cpu: 'busy processor',
  },
  screenOf: (name) => `${name}'s screen`,
  joined: (name) => `${name} joined`,
  leftRoom: (name) => `${name} left`,
  raiseHand: 'Raise hand',
  handRaised: (name) => `${name} raised their hand`,
  hands: 'Raised hands',
  reactions: 'Reactions',
  pictureInPicture: 'Picture-in-picture',
  waiting: 'Waiting for a host to let you in…',
  cancel: 'Cancel',
  admit: 'Admit',
  deny: 'Deny',
  knocking: (name) => `${name} is waiting to join`,
  muteAll: 'Mute all',
  lock: 'Lock room',
  endMeeting: 'End for all',
  ended: 'A host ended the meeting.',
  errors: {
    'token-unauthorized': 'You are not allowed to join this room.',
    'token-forbidden': 'You are not allowed to join this room.',
    'token-failed': 'Could not get access to the room. Please try again.',
    'backend-unreachable': 'The video service cannot be reached. Check your connection and try again.',
    'presence-failed': 'The connection to the room failed.',
    'room-full': 'This room is full.',
    removed: 'You were removed from the room.',
    'media-denied': 'Camera or microphone access was denied. Allow it in your browser to be seen and heard.',
    'media-not-found': 'No camera or microphone was found.',
    'media-failed': 'The camera or microphone could not be started.',
    'screen-share-failed': 'Screen sharing did not start.',
    'sfu-failed': 'The media connection failed.',
    'media-unreachable':
      'Audio and video cannot reach the server: the network blocks it, or the server announces an address this device cannot reach.',
    'publish-failed': 'Your camera or microphone could not be sent.',
    'subscribe-failed': 'Some video or audio could not be received.',
    'chat-failed': 'Chat is not available right now.',
    'not-joined': 'You are not in the room.',
    'queue-closed': 'No agent is available right now. Please try again later.',
    'queue-full': 'All agents are busy and the line is full. Please try again later.',
    'queue-timeout': 'Sorry, no agent could answer in time. Please try again later.',
    'queue-failed': 'The support line cannot be reached right now.',
    'room-locked': 'This room is locked.',
    'lobby-denied': 'A host did not let you in.',
    'host-only': 'Only a host can do that.',
    'invalid-input': 'That value was not accepted.',
    'rate-limited': 'Too many at once: wait a moment.',
    'recording-forbidden': 'Only hosts can record this call.',
    'recording-in-progress': 'This call is being recorded already.',
    'recording-failed': 'The recording failed. What was uploaded so far is kept.',
    'load-failed': 'The video call could not be loaded. Check your connection and try again.',
  },
  recording: {
    record: 'Record',
    stop: 'Stop recording',
    indicator: 'Recording',
    startedBy: (name) => `This call is being recorded (started by ${name})`,
    started: (name) => `${name} started recording this call`,
    stopped: 'Recording stopped',
    failed: 'The recording stopped because of an error',
  },
  queue: queueEn,
};

const TABLES: Record<string, CallsStrings> = { en };
/**
 * Built-in tables other than English, each a chunk beside the widget (`calls-room-strings-de.js`), loaded
 * by `loadStrings` once `lang` asks for it: a page in English never fetches them.
 */
const MORE: Record<string, () => Promise<{ strings: CallsStrings }>> = {
  de: () => import('./strings-de.ts'),
};
const loading = new Map<string, Promise<void>>();

const language = (lang: string | undefined) => (lang ?? '').toLowerCase().split('-')[0] ?? '';

/**
 * Loads the built-in table of `lang` unless it is here (or there is none, or it failed to load once: English
 * then); `undefined` when there is nothing to wait for. `<calls-room>` calls it itself.
 */
export function loadStrings(lang: string | undefined): Promise<void> | undefined {
  const code = language(lang);
  const load = MORE[code];
  if (TABLES[code] || !load) return undefined;
  let pending = loading.get(code);
  if (!pending) {
    pending = load().then(
      (m) => void (TABLES[code] = m.strings),
      () => void (TABLES[code] = en),
    );
    loading.set(code, pending);
  }
  return pending;
}

/** A partial override: any entry, and any error message. */
export type CallsStringsOverride = Partial<Omit<CallsStrings, 'errors' | 'recording'>> & {
  errors?: Partial<CallsStrings['errors']>;
  recording?: Partial<RecordingStrings>;
};

/** The table of `lang` (English until `loadStrings(lang)` has loaded it), with `override` on top. */
export function resolveStrings(lang: string | undefined, override?: CallsStringsOverride): CallsStrings {
  const base = TABLES[language(lang)] ?? en;
  if (!override) return base;
  return {
    ...base,
    ...override,
    errors: { ...base.errors, ...override.errors },
    recording: { ...base.recording, ...override.recording },
  };
}
