/* eslint-disable @typescript-eslint/require-await -- the fakes stand in for async APIs */
/**
 * Fakes of the Room's boundaries (mediasoup-client's FakeHandler): a Calls session, the presence socket and
 * media devices, so everything above them runs in Node. They record what was asked of them.
 */
import { CallsItemError } from '../../src/client/calls-api.ts';
import type { CallsSession, MediaPort, PresencePort, RoomDependencies } from '../../src/client/ports.ts';
import type { PresenceClientOptions, PresenceStatus } from '../../src/client/presence-client.ts';
import type { PullRequest, PullUpdate, SfuSessionState } from '../../src/client/sfu-session.ts';
import { DEFAULT_PARTICIPANT_STATE } from '../../src/protocol/presence.ts';
import type {
  ClientMessage,
  Participant,
  ServerMessage,
  WelcomeMessage,
} from '../../src/protocol/presence.ts';

let ids = 0;

/** A MediaStreamTrack as far as the Room looks at one. */
export class FakeTrack extends EventTarget {
  readonly id = `track-${++ids}`;
  enabled = true;
  readyState: MediaStreamTrackState = 'live';
  contentHint = '';
  constructor(readonly kind: 'audio' | 'video') {
    super();
  }
  stop(): void {
    this.readyState = 'ended';
  }
  getSettings(): MediaTrackSettings {
    return this.kind === 'video' ? { width: 1280, height: 720 } : {};
  }
}

export const asTrack = (t: FakeTrack) => t as unknown as MediaStreamTrack;

/** An RTCDataChannel that delivers what the test pushes with `receive`. */
export class FakeChannel extends EventTarget {
  readyState: RTCDataChannelState = 'open';
  readonly sent: string[] = [];
  readonly id = ++ids;
  constructor(readonly label: string) {
    super();
  }
  send(data: string): void {
    this.sent.push(data);
  }
  close(): void {
    this.readyState = 'closed';
  }
  receive(data: unknown): void {
    this.dispatchEvent(Object.assign(new Event('message'), { data }));
  }
}

export interface FakePull {
  mid: string;
  sessionId: string;
  trackName: string;
  rid: string | undefined;
  track: FakeTrack;
}

/** One Calls session: pulls and publishes succeed at once unless told otherwise. */
export class FakeSession extends EventTarget implements CallsSession {
  readonly sessionId = `session-${++ids}`;
  state: SfuSessionState = 'connected';
  readonly announcedAddresses: string[] = [];
  readonly pulls = new Map<string, FakePull>();
  /** Every pull ever asked for, in order (`sessionId/trackName`). */
  readonly pullLog: string[] = [];
  readonly updates: { mid: string; update: PullUpdate }[] = [];
  readonly closed: string[] = [];
  readonly published = new Map<string, string>();
  readonly chatOut: FakeChannel[] = [];
  readonly chatIn = new Map<string, FakeChannel>();
  /** Every published data channel by name, and every pull by `sessionId/name`. */
  readonly channelsOut = new Map<string, FakeChannel>();
  readonly channelsIn = new Map<string, { channel: FakeChannel; waitForAck: boolean }>();
  /** Inbound packet counters by mid, as getStats reports them. */
  readonly inbound = new Map<string, { packetsLost: number; packetsReceived: number }>();
  #mids = 0;

  readonly peerConnection = Object.assign(new EventTarget(), {
    getTransceivers: () => [],
    getStats: async () => {
      const report = new Map<string, object>();
      for (const [mid, s] of this.inbound) report.set(mid, { type: 'inbound-rtp', mid, ...s });
      return report;
    },
  }) as unknown as RTCPeerConnection;

  async publish(track: MediaStreamTrack, options: { trackName?: string } = {}) {
    await Promise.resolve();
    const mid = String(this.#mids++);
    const trackName = options.trackName ?? `t${mid}`;
    this.published.set(mid, trackName);
    void track;
    return { sessionId: this.sessionId, trackName, mid };
  }

  async pull(request: PullRequest) {
    this.pullLog.push(`${request.sessionId}/${request.trackName}`);
    await Promise.resolve();
    const mid = String(this.#mids++);
    const track = new FakeTrack(request.trackName.startsWith('microphone') ? 'audio' : 'video');
    const pull = {
      mid,
      sessionId: request.sessionId,
      trackName: request.trackName,
      rid: request.simulcast?.preferredRid,
      track,
    };
    this.pulls.set(mid, pull);
    request.onTrack?.(asTrack(track));
    return { track: asTrack(track), mid };
  }

  async updatePull(mid: string, update: PullUpdate) {
    this.updates.push({ mid, update });
    const pull = this.pulls.get(mid);
    if (pull && 'simulcast' in update) pull.rid = update.simulcast?.preferredRid;
  }

  async close(mids: readonly string[]) {
    for (const mid of mids) {
      this.closed.push(mid);
      this.pulls.delete(mid);
    }
  }

  async replaceTrack() {}
  async setEncodings() {}
  async establishDataChannels() {}

  async publishDataChannel(name: string) {
    const channel = new FakeChannel(name);
    if (name === 'chat') this.chatOut.push(channel);
    this.channelsOut.set(name, channel);
    return channel as unknown as RTCDataChannel;
  }

  /** Publisher sessions the SFU does not know (lost), for every fake session: their channels are not found. */
  static readonly gone = new Set<string>();

  async subscribeDataChannel(sessionId: string, name: string, options: { waitForAck?: boolean } = {}) {
    if (FakeSession.gone.has(sessionId))
      throw new CallsItemError(
        'not_found_track_error',
        `Data channel ${name} of session ${sessionId} not found`,
        name,
      );
    const channel = new FakeChannel(name);
    if (name === 'chat') this.chatIn.set(sessionId, channel);
    this.channelsIn.set(`${sessionId}/${name}`, { channel, waitForAck: options.waitForAck === true });
    return channel as unknown as RTCDataChannel;
  }

  async closeDataChannel(channel: RTCDataChannel) {
    channel.close();
  }

  closeSession(): void {
    this.state = 'closed';
  }

  /** ICE failed for good. */
  lose(): void {
    this.state = 'lost';
    this.dispatchEvent(new Event('session-lost'));
  }

  /** The pull of a publication, if there is one now. */
  pullOf(trackName: string): FakePull | undefined {
    return [...this.pulls.values()].find((p) => p.trackName === trackName);
  }
}

/** The presence socket: the test plays the server with `deliver`. */
export class FakePresence implements PresencePort {
  status: PresenceStatus = 'idle';
  readonly sent: ClientMessage[] = [];
  socket: WebSocket | undefined;
  closedWith: boolean | undefined;

  constructor(
    readonly options: PresenceClientOptions,
    private readonly welcome: WelcomeMessage,
  ) {}

  /** Set: the lobby holds this join (a `waiting` message) until the promise resolves. */
  lobby: Promise<void> | undefined;

  async connect(): Promise<WelcomeMessage> {
    await Promise.resolve();
    if (this.lobby) {
      this.options.onMessage({ type: 'waiting', participantId: this.welcome.participantId });
      await this.lobby;
    }
    this.status = 'open';
    this.options.onMessage(this.welcome);
    return this.welcome;
  }

  send(message: ClientMessage): void {
    this.sent.push(message);
  }

  close(leave = true): void {
    this.closedWith = leave;
    this.status = 'closed';
  }

  deliver(message: ServerMessage): void {
    this.options.onMessage(message);
  }
}

export class FakeMedia implements MediaPort {
  readonly available = true;
  readonly requests: MediaStreamConstraints[] = [];
  async getUserMedia(constraints: MediaStreamConstraints): Promise<MediaStream> {
    this.requests.push(constraints);
    const tracks = [
      ...(constraints.audio ? [new FakeTrack('audio')] : []),
      ...(constraints.video ? [new FakeTrack('video')] : []),
    ];
    return fakeStream(tracks);
  }
  async getDisplayMedia(): Promise<MediaStream> {
    return fakeStream([new FakeTrack('video')]);
  }
  enumerateDevices() {
    return Promise.resolve([] as MediaDeviceInfo[]);
  }
  onDeviceChange() {
    return () => undefined;
  }
}

function fakeStream(tracks: FakeTrack[]): MediaStream {
  return {
    getTracks: () => tracks.map(asTrack),
    getVideoTracks: () => tracks.filter((t) => t.kind === 'video').map(asTrack),
    getAudioTracks: () => tracks.filter((t) => t.kind === 'audio').map(asTrack),
  } as unknown as MediaStream;
}

export function participant(id: string, extra: Partial<Participant> = {}): Participant {
  return {
    id,
    userId: id,
    name: id.toUpperCase(),
    role: 'guest',
    state: { ...DEFAULT_PARTICIPANT_STATE },
    tracks: [],
    breakout: null,
    connected: true,
    ...extra,
  };
}

export function welcome(self: string, others: Participant[] = []): WelcomeMessage {
  return {
    type: 'welcome',
    room: 'r',
    participantId: self,
    resumeToken: 'resume',
    resumed: false,
    participants: [participant(self), ...others],
    heartbeatIntervalMs: 10_000,
    staleAfterMs: 30_000,
  };
}

/** A token the client can read (it does not verify). */
export function token(role: 'host' | 'guest' | 'viewer' = 'guest'): string {
  const body = Buffer.from(JSON.stringify({ sub: 'u', name: 'Me', room: 'r', role })).toString('base64url');
  return `e30.${body}.sig`;
}

/** All the fakes, wired as a Room's dependencies. */
export function fakeDependencies(welcomeMessage: WelcomeMessage) {
  const sessions: FakeSession[] = [];
  const presences: FakePresence[] = [];
  let failNext = 0;
  const media = new FakeMedia();
  const deps: RoomDependencies = {
    media,
    createSession: async () => {
      if (failNext > 0) {
        failNext--;
        throw new Error('sessions/new failed');
      }
      const session = new FakeSession();
      sessions.push(session);
      return session;
    },
    createPresence: (options) => {
      const presence = new FakePresence(options, welcomeMessage);
      presences.push(presence);
      return presence;
    },
    reconnectPolicy: { nextRetryDelayMs: ({ retryCount }) => (retryCount < 3 ? 0 : null) },
  };
  return {
    deps,
    sessions,
    presences,
    media,
    failSessions(n: number) {
      failNext = n;
    },
  };
}

/** Lets queued work run until `condition` holds (event-loop turns, no timers). */
export async function until(condition: () => boolean, turns = 1000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (condition()) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error('condition not met');
}

export const noFetch: typeof fetch = async () => new Response(JSON.stringify({ iceServers: [] }));
