/**
 * What we send: microphone, camera and screen on the current session. The one owner of whether the
 * microphone and camera are on: the tracks' `enabled`, the snapshot and presence's state all follow it.
 */
import type { ClientMessage, ParticipantState, PublishedTrack, TrackSource } from '../protocol/presence.ts';
import type { Scope } from './chat.ts';
import { toRoomError } from './errors.ts';
import type { MediaPort } from './ports.ts';
import {
  audioConstraints,
  cameraEncodings,
  getMedia,
  senderLevel,
  simulcastLayers,
  videoConstraints,
} from './room-media.ts';
import { RoomError } from './room-types.ts';

export interface LocalPublication {
  source: TrackSource;
  /** Undefined while the camera is off (the publication stays, sending nothing). */
  track: MediaStreamTrack | undefined;
  trackName: string;
  mid: string;
  published: PublishedTrack;
}

export interface PublisherOptions {
  media: MediaPort;
  /** Start states, as the Room's options say them. */
  muted?: boolean | undefined;
  cameraOff?: boolean | undefined;
  simulcast?: boolean | undefined;
  maxBitrate?: number | undefined;
  maxFramerate?: number | undefined;
}

export interface PublisherHost {
  /** The current session's scope, undefined before joining and while it is being replaced. */
  scope(): Scope | undefined;
  canPublish(): boolean;
  /** Runs alongside each publish (chat's channel, the first time). */
  beforePublish(scope: Scope): Promise<void>;
  send(message: ClientMessage): void;
  published(source: TrackSource, trackName: string): void;
  unpublished(source: TrackSource, trackName: string): void;
  fail(error: RoomError): void;
  changed(): void;
}

export class Publisher {
  readonly #local = new Map<TrackSource, LocalPublication>();
  readonly #media: MediaPort;
  readonly #simulcast: boolean;
  #limits: { maxBitrate?: number | undefined; maxFramerate?: number | undefined };
  #micOn: boolean;
  #camOn: boolean;
  #selected: Partial<Record<MediaDeviceKind, string>> = {};
  /** What a lost session published, until the next one publishes it again. */
  #suspended: LocalPublication[] = [];

  constructor(
    options: PublisherOptions,
    private readonly host: PublisherHost,
  ) {
    this.#media = options.media;
    this.#micOn = !options.muted;
    this.#camOn = !options.cameraOff;
    this.#simulcast = options.simulcast !== false;
    this.#limits = { maxBitrate: options.maxBitrate, maxFramerate: options.maxFramerate };
  }

  /** What we publish by the sending transceiver's mid (for the stats sampler). */
  outbound(): Map<string, TrackSource> {
    return new Map([...this.#local.values()].map((p) => [p.mid, p.source]));
  }

  get microphoneOn(): boolean {
    return this.#micOn;
  }

  get cameraOn(): boolean {
    return this.#camOn;
  }

  get selectedDevices(): Readonly<Partial<Record<MediaDeviceKind, string>>> {
    return this.#selected;
  }

  has(source: TrackSource): boolean {
    return this.#local.has(source);
  }

  track(source: TrackSource): MediaStreamTrack | undefined {
    return this.#local.get(source)?.track;
  }

  /** What presence should say of our microphone and camera. */
  presenceState(): Pick<ParticipantState, 'muted' | 'cameraOff'> {
    return { muted: !this.#micOn, cameraOff: !this.#camOn };
  }

  /** Everything published on the current session, as presence announces it. */
  announcements(): PublishedTrack[] {
    return [...this.#local.values()].map((l) => l.published);
  }

  /** The microphone's level as sent (0 while muted). */
  async microphoneLevel(pc: RTCPeerConnection): Promise<number | undefined> {
    const mic = this.#local.get('microphone');
    if (!mic?.track || !this.#micOn) return undefined;
    const sender = pc.getTransceivers().find((t) => t.mid === mic.mid)?.sender;
    return sender ? senderLevel(sender).catch(() => 0) : undefined;
  }

  /** The join's media: a muted join does not open the microphone either (unmuting asks for it). */
  async acquireInitial(): Promise<MediaStreamTrack[]> {
    const wantVideo = this.#camOn;
    const wantAudio = this.#micOn;
    if (!wantVideo && !wantAudio) return [];
    try {
      const stream = await getMedia(this.#media, {
        ...(wantAudio ? { audio: audioConstraints() } : {}),
        ...(wantVideo ? { video: videoConstraints() } : {}),
      });
      return stream.getTracks();
    } catch (error) {
      if (!(error instanceof RoomError) || error.code !== 'media-not-found' || !wantVideo || !wantAudio)
        throw error;
      // One of the two is missing: take what exists, and say what does not.
      const tracks: MediaStreamTrack[] = [];
      for (const c of [{ audio: audioConstraints() }, { video: videoConstraints() }]) {
        try {
          tracks.push(...(await getMedia(this.#media, c)).getTracks());
        } catch {
          // reported below
        }
      }
      if (tracks.length === 0) throw error;
      this.host.fail(error);
      return tracks;
    }
  }

  /** Publishes tracks (one `tracks/new`), then announces them through presence. */
  async publish(scope: Scope, tracks: MediaStreamTrack[], screen?: 'screen'): Promise<void> {
    if (!this.host.canPublish()) return;
    const { session } = scope;
    const jobs = tracks.map(async (track): Promise<LocalPublication> => {
      const source: TrackSource = screen ?? (track.kind === 'audio' ? 'microphone' : 'camera');
      if (source === 'microphone') track.enabled = this.#micOn;
      const encodings =
        source === 'camera'
          ? cameraEncodings(this.#simulcast, this.#limits.maxBitrate, this.#limits.maxFramerate)
          : source === 'screen'
            ? [{ maxBitrate: 2_500_000, maxFramerate: 15 }]
            : undefined;
      const trackName = `${source}-${crypto.randomUUID().slice(0, 8)}`;
      const result = await session.publish(track, {
        trackName,
        ...(encodings ? { sendEncodings: encodings } : {}),
      });
      const published: PublishedTrack = {
        sessionId: result.sessionId,
        trackName,
        kind: track.kind === 'video' ? 'video' : 'audio',
        source,
        ...(source === 'camera' && this.#simulcast ? { simulcast: simulcastLayers(track) } : {}),
      };
      const cameraOff = source === 'camera' && !this.#camOn;
      if (cameraOff) {
        track.stop();
        await session.replaceTrack(result.mid, null);
      }
      return { source, track: cameraOff ? undefined : track, trackName, mid: result.mid, published };
    });
    const settled = await Promise.allSettled([this.host.beforePublish(scope), ...jobs]);
    if (!scope.live) {
      for (const t of tracks) t.stop();
      return;
    }
    const pubs: LocalPublication[] = [];
    for (const [i, r] of settled.entries()) {
      if (r.status === 'fulfilled' && r.value) pubs.push(r.value);
      else if (r.status === 'rejected') {
        if (i > 0) tracks[i - 1]?.stop();
        this.host.fail(toRoomError(r.reason, i === 0 ? 'chat-failed' : 'publish-failed'));
      }
    }
    for (const pub of pubs) this.#local.set(pub.source, pub);
    if (pubs.length > 0) this.host.send({ type: 'publish', tracks: pubs.map((p) => p.published) });
    for (const pub of pubs) this.host.published(pub.source, pub.trackName);
    this.host.changed();
  }

  async setMicrophoneEnabled(enabled: boolean): Promise<void> {
    this.#micOn = enabled;
    const pub = this.#local.get('microphone');
    const scope = this.host.scope();
    if (pub?.track) pub.track.enabled = enabled;
    else if (enabled && scope && this.host.canPublish()) {
      try {
        const stream = await getMedia(this.#media, { audio: audioConstraints(this.#selected.audioinput) });
        await this.publish(scope, stream.getTracks());
      } catch (error) {
        this.#micOn = false;
        this.host.fail(toRoomError(error, 'media-failed'));
      }
    }
    this.host.send({ type: 'state', state: { muted: !this.#micOn } });
    this.host.changed();
  }

  async setCameraEnabled(enabled: boolean): Promise<void> {
    this.#camOn = enabled;
    const pub = this.#local.get('camera');
    const scope = this.host.scope();
    try {
      if (!enabled && pub?.track) {
        pub.track.stop();
        pub.track = undefined;
        if (scope) await scope.session.replaceTrack(pub.mid, null);
      } else if (enabled && !pub?.track && scope && this.host.canPublish()) {
        const stream = await getMedia(this.#media, { video: videoConstraints(this.#selected.videoinput) });
        const track = stream.getVideoTracks()[0]!;
        if (pub) {
          pub.track = track;
          await scope.session.replaceTrack(pub.mid, track);
        } else {
          await this.publish(scope, [track]);
        }
      }
    } catch (error) {
      this.#camOn = false;
      this.host.fail(toRoomError(error, 'media-failed'));
    }
    this.host.send({ type: 'state', state: { cameraOff: !this.#camOn } });
    this.host.changed();
  }

  async startScreenShare(): Promise<void> {
    const scope = this.host.scope();
    if (!scope || this.#local.has('screen') || !this.host.canPublish()) return;
    let stream: MediaStream;
    try {
      stream = await this.#media.getDisplayMedia({ video: { frameRate: 15 }, audio: false });
    } catch (error) {
      const denied = error instanceof Error && error.name === 'NotAllowedError';
      this.host.fail(
        new RoomError('screen-share-failed', denied ? 'screen share denied' : String(error), false, error),
      );
      return;
    }
    const track = stream.getVideoTracks()[0]!;
    track.contentHint = 'detail';
    track.addEventListener('ended', () => void this.stopScreenShare());
    await this.publish(scope, [track], 'screen');
  }

  async stopScreenShare(): Promise<void> {
    const pub = this.#local.get('screen');
    if (!pub) return;
    this.#local.delete('screen');
    pub.track?.stop();
    this.host.send({ type: 'unpublish', trackNames: [pub.trackName] });
    this.host.unpublished('screen', pub.trackName);
    this.host.changed();
    await this.host
      .scope()
      ?.session.close([pub.mid])
      .catch(() => undefined);
  }

  /** Switches a device; a published track is replaced in place (no renegotiation). */
  async selectDevice(kind: MediaDeviceKind, deviceId: string): Promise<void> {
    this.#selected = { ...this.#selected, [kind]: deviceId };
    const scope = this.host.scope();
    const source = kind === 'videoinput' ? 'camera' : kind === 'audioinput' ? 'microphone' : undefined;
    const pub = source ? this.#local.get(source) : undefined;
    if (scope && pub?.track) {
      try {
        const stream = await getMedia(
          this.#media,
          kind === 'videoinput'
            ? { video: videoConstraints(deviceId) }
            : { audio: audioConstraints(deviceId) },
        );
        const track = stream.getTracks()[0]!;
        track.enabled = pub.source === 'microphone' ? this.#micOn : true;
        await scope.session.replaceTrack(pub.mid, track);
        pub.track.stop();
        pub.track = track;
      } catch (error) {
        this.host.fail(toRoomError(error, 'media-failed'));
      }
    }
    this.host.changed();
  }

  /** New camera limits, applied to the live sender's encodings (every simulcast layer scaled): no renegotiation. */
  async setCameraLimits(maxBitrate?: number, maxFramerate?: number): Promise<void> {
    this.#limits = { maxBitrate, maxFramerate };
    const pub = this.#local.get('camera');
    const scope = this.host.scope();
    if (!pub || !scope) return;
    const encodings = cameraEncodings(this.#simulcast, maxBitrate, maxFramerate);
    await scope.session
      .setEncodings(
        pub.mid,
        encodings.map((e) => ({ maxFramerate: undefined, ...e })),
      )
      .catch((error: unknown) => this.host.fail(toRoomError(error, 'publish-failed')));
  }

  /** The session is lost: what it published waits for the next one. */
  suspend(): void {
    this.#suspended = [...this.#local.values()];
    this.#local.clear();
  }

  /** Publishes again on a new session what the lost one published, and withdraws the old announcements. */
  async republish(scope: Scope): Promise<void> {
    const old = this.#suspended;
    this.#suspended = [];
    this.host.send({ type: 'unpublish', trackNames: old.map((p) => p.trackName) });
    const live = old.filter((p) => p.track && p.track.readyState === 'live');
    const screen = live.find((p) => p.source === 'screen');
    await this.publish(
      scope,
      live.filter((p) => p.source !== 'screen').map((p) => p.track!),
    );
    if (screen?.track) await this.publish(scope, [screen.track], 'screen');
  }

  /** Leaving: every local track stops. */
  stop(): void {
    for (const pub of [...this.#local.values(), ...this.#suspended]) pub.track?.stop();
    this.#local.clear();
    this.#suspended = [];
  }
}
