/**
 * The boundaries of the Room, as interfaces chosen by a factory (mediasoup-client's handler factory): the
 * real ones in browsers, fakes in node tests (test/client/fakes.ts).
 */
import type { CallsApi } from './calls-api.ts';
import type { PresenceClient, PresenceClientOptions } from './presence-client.ts';
import type { ReconnectPolicy } from './reconnect-policy.ts';
import { SfuSession, type SfuSessionOptions } from './sfu-session.ts';

/** What the Room uses of one Calls session (one RTCPeerConnection). */
export type CallsSession = Pick<
  SfuSession,
  | 'sessionId'
  | 'peerConnection'
  | 'state'
  | 'announcedAddresses'
  | 'publish'
  | 'pull'
  | 'updatePull'
  | 'close'
  | 'replaceTrack'
  | 'setEncodings'
  | 'establishDataChannels'
  | 'publishDataChannel'
  | 'subscribeDataChannel'
  | 'closeDataChannel'
  | 'closeSession'
  | 'addEventListener'
>;

/** What the Room uses of the presence socket. */
export type PresencePort = Pick<PresenceClient, 'status' | 'socket' | 'connect' | 'send' | 'close'>;

/** Cameras, microphones, screens and the device list. */
export interface MediaPort {
  /** False where there are no media devices (a page not on HTTPS). */
  readonly available: boolean;
  getUserMedia(constraints: MediaStreamConstraints): Promise<MediaStream>;
  getDisplayMedia(options: DisplayMediaStreamOptions): Promise<MediaStream>;
  /** Undefined where devices cannot be listed. */
  enumerateDevices(): Promise<MediaDeviceInfo[]> | undefined;
  /** Calls `listener` on every `devicechange`; returns the unsubscribe. */
  onDeviceChange(listener: () => void): () => void;
}

/** The Room's collaborators; each defaults to the real one. */
export interface RoomDependencies {
  createSession?: (api: CallsApi, options: SfuSessionOptions) => Promise<CallsSession>;
  createPresence?: (options: PresenceClientOptions) => PresencePort;
  media?: MediaPort;
  reconnectPolicy?: ReconnectPolicy;
}

/** `navigator.mediaDevices`, looked up at each call (a page may grant or replace it later). */
export const browserMedia: MediaPort = {
  get available() {
    return !!globalThis.navigator?.mediaDevices?.getUserMedia;
  },
  getUserMedia: (constraints) => navigator.mediaDevices.getUserMedia(constraints),
  getDisplayMedia: (options) => navigator.mediaDevices.getDisplayMedia(options),
  enumerateDevices: () => globalThis.navigator?.mediaDevices?.enumerateDevices?.(),
  onDeviceChange(listener) {
    const media = globalThis.navigator?.mediaDevices;
    if (!media?.addEventListener) return () => undefined;
    media.addEventListener('devicechange', listener);
    return () => media.removeEventListener('devicechange', listener);
  },
};

export const createSfuSession = (api: CallsApi, options: SfuSessionOptions): Promise<CallsSession> =>
  SfuSession.create(api, options);
