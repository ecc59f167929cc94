/**
 * One Calls session and its one RTCPeerConnection, driven the way partytracks drives Cloudflare's SFU
 * (calls-clients.md §1): pushes with client offers, pulls with SFU offers answered through `/renegotiate`,
 * negotiated closes with a client offer, all serialized on one negotiation queue and batched per tick.
 */
import type { DataChannelObject, SessionDescription, SimulcastOptions } from '../protocol/calls.ts';
import { SERVER_EVENTS_CHANNEL } from '../protocol/calls.ts';
import {
  CallsApiError,
  CallsItemError,
  isSessionGone,
  type CallsApi,
  type NewSessionOptions,
} from './calls-api.ts';
import { NegotiationQueue, type ItemOutcome } from './negotiation-queue.ts';

export type SfuSessionState = 'new' | 'connecting' | 'connected' | 'disconnected' | 'lost' | 'closed';

export type SfuSessionErrorCode =
  | 'session_lost'
  | 'session_closed'
  | 'publish_timeout'
  | 'track_timeout'
  | 'connect_timeout'
  | 'media_unreachable'
  | 'unknown_mid'
  | 'bad_response';

/** A failure of the session itself rather than of one Calls request. */
export class SfuSessionError extends Error {
  override readonly name = 'SfuSessionError';
  constructor(
    readonly code: SfuSessionErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export class SfuSessionStateEvent extends Event {
  static readonly eventName = 'state-change';
  constructor(readonly state: SfuSessionState) {
    super(SfuSessionStateEvent.eventName);
  }
}

/** The session cannot recover: the owner must make a new session and re-publish and re-pull (calls-api.md §9.6). */
export class SfuSessionLostEvent extends Event {
  static readonly eventName = 'session-lost';
  constructor(readonly reason: string) {
    super(SfuSessionLostEvent.eventName);
  }
}

export interface SfuSessionEventMap {
  'state-change': SfuSessionStateEvent;
  'session-lost': SfuSessionLostEvent;
}

export interface SfuSessionOptions {
  /** May be a promise: it is awaited alongside `sessions/new`, not before it. */
  iceServers?: RTCIceServer[] | Promise<RTCIceServer[]>;
  /** Passed to `sessions/new`. */
  correlationId?: string;
  /** How long ICE may stay `disconnected` before the session counts as lost (partytracks: 7 s). */
  disconnectedTimeoutMs?: number;
  /** While ICE is `disconnected`, how often to ask the SFU whether it still has the session. */
  probeIntervalMs?: number;
  /** How long `publish` waits for the first bytes to leave. */
  publishTimeoutMs?: number;
  /** How long a pull waits for its `track` event after the SFU's offer (partytracks: 5 s). */
  trackTimeoutMs?: number;
  /** How long `establishDataChannels` waits for the transport to connect. */
  connectTimeoutMs?: number;
}

export interface PublishOptions {
  /** The publication's name; a random UUID by default, as partytracks does. */
  trackName?: string;
  sendEncodings?: RTCRtpEncodingParameters[];
}

/** What others need to pull a publication: `(sessionId, trackName)`. `mid` only means something on this session. */
export interface PublishResult {
  sessionId: string;
  trackName: string;
  mid: string;
}

export interface PullRequest {
  /** The publisher's session. */
  sessionId: string;
  trackName: string;
  simulcast?: SimulcastOptions;
  /**
   * Called with the track as soon as the browser has it (the SFU's offer applied), before `renegotiate`
   * returns: a `<video>` given it then is ready when the first frame arrives. The pull may still fail.
   */
  onTrack?: (track: MediaStreamTrack) => void;
}

export interface PulledTrack {
  track: MediaStreamTrack;
  mid: string;
}

/** Change the layer of a pull, or point its transceiver at another publication (no SDP either way). */
export type PullUpdate =
  { simulcast: SimulcastOptions } | { sessionId: string; trackName: string; simulcast?: SimulcastOptions };

export interface CloseOptions {
  /** Stop forwarding without an SDP exchange (cleanup, or a session that is not connected). */
  force?: boolean;
}

/** Must match between the publisher and every subscriber of a channel. */
export interface DataChannelReliability {
  ordered?: boolean;
  maxRetransmits?: number;
  maxPacketLifeTime?: number;
}

export interface SubscribeDataChannelOptions extends DataChannelReliability {
  waitForAck?: boolean;
  canReply?: boolean;
}

interface PublishItem {
  track: MediaStreamTrack;
  trackName: string;
  sendEncodings?: RTCRtpEncodingParameters[];
}

interface PullItemResult {
  mid: string;
  track: Promise<MediaStreamTrack>;
}

const DEFAULTS: Required<Omit<SfuSessionOptions, 'iceServers' | 'correlationId'>> = {
  disconnectedTimeoutMs: 7000,
  probeIntervalMs: 2000,
  publishTimeoutMs: 15_000,
  trackTimeoutMs: 5000,
  connectTimeoutMs: 10_000,
};

/** Typed listeners for the session's events (declarations only: EventTarget's own methods do the work). */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export interface SfuSession {
  addEventListener<K extends keyof SfuSessionEventMap>(
    type: K,
    listener: (event: SfuSessionEventMap[K]) => void,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | AddEventListenerOptions,
  ): void;
  removeEventListener<K extends keyof SfuSessionEventMap>(
    type: K,
    listener: (event: SfuSessionEventMap[K]) => void,
    options?: boolean | EventListenerOptions,
  ): void;
  removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | EventListenerOptions,
  ): void;
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class SfuSession extends EventTarget {
  readonly sessionId: string;
  readonly peerConnection: RTCPeerConnection;
  /** The SFU-opened `server-events` channel, once `establishDataChannels` has run. */
  serverEvents: RTCDataChannel | undefined;

  readonly #api: CallsApi;
  readonly #options: typeof DEFAULTS;
  readonly #queue = new NegotiationQueue();
  readonly #trackWaiters = new Map<string, (track: MediaStreamTrack) => void>();
  readonly #pulls = new Map<string, PullRequest>();
  #state: SfuSessionState = 'new';
  #disconnectedTimer: ReturnType<typeof setTimeout> | undefined;
  #probe: AbortController | undefined;
  #establish: Promise<void> | undefined;
  #connectedOnce = false;
  #lostReason = '';

  static async create(api: CallsApi, options: SfuSessionOptions = {}): Promise<SfuSession> {
    const request: NewSessionOptions = options.correlationId ? { correlationId: options.correlationId } : {};
    const [{ sessionId }, iceServers] = await Promise.all([
      api.newSession(request),
      options.iceServers ?? [],
    ]);
    if (typeof sessionId !== 'string' || sessionId === '') {
      throw new SfuSessionError('bad_response', 'sessions/new: no sessionId');
    }
    const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', iceServers });
    return new SfuSession(api, sessionId, pc, options);
  }

  private constructor(api: CallsApi, sessionId: string, pc: RTCPeerConnection, options: SfuSessionOptions) {
    super();
    this.#api = api;
    this.sessionId = sessionId;
    this.peerConnection = pc;
    // An option given as undefined keeps its default.
    this.#options = { ...DEFAULTS };
    for (const [key, value] of Object.entries(options) as [keyof typeof DEFAULTS, number][])
      if (value !== undefined && key in DEFAULTS) this.#options[key] = value;
    pc.addEventListener('track', (event) => {
      const mid = event.transceiver.mid;
      const waiter = mid === null ? undefined : this.#trackWaiters.get(mid);
      if (mid !== null && waiter) {
        this.#trackWaiters.delete(mid);
        waiter(event.track);
      }
    });
    pc.addEventListener('datachannel', (event) => {
      if (event.channel.label === SERVER_EVENTS_CHANNEL) this.serverEvents = event.channel;
    });
    pc.addEventListener('connectionstatechange', () => this.#onConnectionChange());
    pc.addEventListener('iceconnectionstatechange', () => this.#onConnectionChange());
  }

  get state(): SfuSessionState {
    return this.#state;
  }

  /**
   * The addresses the SFU announced as ICE candidates (from its last description), in its order: where the
   * media transport tries to connect.
   */
  get announcedAddresses(): string[] {
    const sdp = this.peerConnection.remoteDescription?.sdp ?? '';
    const addresses = [...sdp.matchAll(/^a=candidate:\S+ \d+ \S+ \d+ (\S+) \d+ typ /gm)].map((m) => m[1]!);
    return [...new Set(addresses)];
  }

  /** Lost or closed: nothing can be done on this session any more. */
  get #ended(): boolean {
    return this.#state === 'lost' || this.#state === 'closed';
  }

  /**
   * Publishes `track`. Resolves only once the sender has sent bytes, so that nobody it is announced to pulls
   * a publication the SFU has no packets for yet (`not_found_track_error`; partytracks #237).
   */
  async publish(track: MediaStreamTrack, options: PublishOptions = {}): Promise<PublishResult> {
    const trackName = options.trackName ?? crypto.randomUUID();
    const item: PublishItem = { track, trackName };
    if (options.sendEncodings) item.sendEncodings = options.sendEncodings;
    const { mid, transceiver } = await this.#publishBatch(item);
    try {
      await this.#waitForBytesSent(transceiver.sender);
    } catch (error) {
      // The caller never learns this mid, so the publication is ours to take back.
      void this.close([mid]).catch(() => undefined);
      throw error;
    }
    return { sessionId: this.sessionId, trackName, mid };
  }

  /** Pulls someone's publication into this session. Calls made in the same tick share one `tracks/new`. */
  async pull(request: PullRequest): Promise<PulledTrack> {
    const { mid, track } = await this.#pullBatch({ ...request });
    const { onTrack: _, ...kept } = request;
    this.#pulls.set(mid, kept);
    try {
      return { track: await track, mid };
    } catch (error) {
      void this.close([mid]).catch(() => undefined);
      throw error;
    }
  }

  /** `tracks/update` on a pull: no SDP, so it bypasses the queue as partytracks does. */
  async updatePull(mid: string, update: PullUpdate): Promise<void> {
    this.#assertUsable();
    const current = this.#pulls.get(mid);
    if (!current) throw new SfuSessionError('unknown_mid', `no pull on mid ${mid}`);
    const next: PullRequest =
      'sessionId' in update ? { ...update } : { ...current, simulcast: update.simulcast };
    const response = await this.#watch(
      this.#api.updateTracks(this.sessionId, {
        tracks: [
          {
            location: 'remote',
            mid,
            sessionId: next.sessionId,
            trackName: next.trackName,
            ...simulcastOf(next),
          },
        ],
      }),
    );
    const item = response.tracks?.find((t) => t.mid === mid) ?? response.tracks?.[0];
    if (item?.errorCode) throw new CallsItemError(item.errorCode, item.errorDescription ?? '', `mid ${mid}`);
    this.#pulls.set(mid, next);
  }

  /**
   * Closes publications or pulls by their mids on this session. Negotiated by default (stop the transceivers,
   * offer, `tracks/close`, apply the answer); `force` tells the SFU to stop forwarding without SDP. A mid
   * that is already closed counts as closed; on a lost or closed session there is nothing left to close.
   */
  async close(mids: readonly string[], options: CloseOptions = {}): Promise<void> {
    if (this.#ended) return;
    const batch = options.force ? this.#forceCloseBatch : this.#closeBatch;
    try {
      await Promise.all(mids.map((mid) => batch(mid)));
    } catch (error) {
      // Lost while the close waited its turn, or because of it (a 410): nothing is left to close.
      const ended =
        isSessionGone(error) ||
        (error instanceof SfuSessionError &&
          (error.code === 'session_lost' || error.code === 'session_closed'));
      if (!ended) throw error;
    }
  }

  /** Swaps the source of a publication (device switch, mute to black) without renegotiation. */
  async replaceTrack(mid: string, track: MediaStreamTrack | null): Promise<void> {
    await this.#transceiver(mid).sender.replaceTrack(track);
  }

  /** Changes a publication's encodings (bitrate, frame rate, active layers) without renegotiation. */
  async setEncodings(mid: string, encodings: readonly Partial<RTCRtpEncodingParameters>[]): Promise<void> {
    const sender = this.#transceiver(mid).sender;
    const parameters = sender.getParameters();
    // The number of encodings and their rids are fixed at negotiation; only their settings may change.
    parameters.encodings = parameters.encodings.map((current, i) => ({ ...current, ...encodings[i] }));
    await sender.setParameters(parameters);
  }

  /** Sets up the session's SCTP transport (`datachannels/establish`) once; later calls share the first. */
  establishDataChannels(): Promise<void> {
    this.#establish ??= this.#queue
      .run(async () => {
        this.#assertUsable();
        const response = await this.#watch(
          this.#api.establishDataChannels(this.sessionId, {
            dataChannel: { location: 'remote', dataChannelName: SERVER_EVENTS_CHANNEL },
          }),
        );
        if (response.sessionDescription?.type === 'offer')
          await this.#answerSfuOffer(response.sessionDescription);
        else throw new SfuSessionError('bad_response', 'datachannels/establish: no offer');
      })
      .then(() => this.#waitForTransport())
      .catch((error: unknown) => {
        this.#establish = undefined;
        throw error;
      });
    return this.#establish;
  }

  /** Publishes a data channel; every subscriber receives what is sent on the returned channel. */
  publishDataChannel(name: string, options: DataChannelReliability = {}): Promise<RTCDataChannel> {
    return this.#newDataChannel(name, { location: 'local' }, options);
  }

  /** Subscribes to another session's data channel. Without `canReply`, what is sent on it is dropped. */
  subscribeDataChannel(
    sessionId: string,
    name: string,
    options: SubscribeDataChannelOptions = {},
  ): Promise<RTCDataChannel> {
    const { waitForAck, canReply } = options;
    return this.#newDataChannel(
      name,
      { location: 'remote', sessionId, ...defined({ waitForAck, canReply }) },
      options,
    );
  }

  /** Closes a data channel this session published or subscribed to. */
  async closeDataChannel(channel: RTCDataChannel): Promise<void> {
    const id = channel.id;
    channel.close();
    if (id === null || this.#ended) return;
    const response = await this.#queue.run(() =>
      this.#watch(this.#api.closeDataChannels(this.sessionId, { dataChannels: [{ id }] })),
    );
    const item = response.dataChannels?.[0];
    if (item?.errorCode && item.errorCode !== 'close_track_error') {
      throw new CallsItemError(item.errorCode, item.errorDescription ?? '', `data channel ${id}`);
    }
  }

  /** Ends the session. Calls has no delete-session: the SFU drops it once the connection is gone. */
  closeSession(): void {
    if (this.#state === 'closed') return;
    this.#queue.close(new SfuSessionError('session_closed', 'session closed'));
    clearTimeout(this.#disconnectedTimer);
    this.#probe?.abort();
    this.peerConnection.close();
    this.#setState('closed');
  }

  readonly #publishBatch = this.#queue.batcher<PublishItem, { mid: string; transceiver: RTCRtpTransceiver }>(
    async (items) => {
      this.#assertUsable();
      const pc = this.peerConnection;
      const transceivers = items.map((item) =>
        pc.addTransceiver(item.track, {
          direction: 'sendonly',
          ...(item.sendEncodings ? { sendEncodings: item.sendEncodings } : {}),
        }),
      );
      const response = await this.#offer(
        'tracks/new',
        (sessionDescription) =>
          this.#api.newTracks(this.sessionId, {
            sessionDescription,
            tracks: items.map((item, i) => ({
              location: 'local',
              mid: transceivers[i]?.mid ?? '',
              trackName: item.trackName,
            })),
          }),
        () => {
          for (const t of transceivers) t.stop();
        },
      );
      const results = response.tracks ?? [];
      return items.map((item, i): ItemOutcome<{ mid: string; transceiver: RTCRtpTransceiver }> => {
        const transceiver = transceivers[i];
        const mid = transceiver?.mid;
        // A failed item comes back with `mid: ""` but keeps its trackName (calls-api.md §3).
        const result =
          results.find((r) => r.trackName === item.trackName) ?? results.find((r) => r.mid === mid);
        if (!transceiver || !mid || !result) {
          return { ok: false, error: new SfuSessionError('bad_response', `no result for ${item.trackName}`) };
        }
        if (result.errorCode) {
          return {
            ok: false,
            error: new CallsItemError(result.errorCode, result.errorDescription ?? '', item.trackName),
          };
        }
        return { ok: true, value: { mid, transceiver } };
      });
    },
  );

  readonly #pullBatch = this.#queue.batcher<PullRequest, PullItemResult>(async (items) => {
    this.#assertUsable();
    const response = await this.#watch(
      this.#api.newTracks(this.sessionId, {
        tracks: items.map((item) => ({
          location: 'remote',
          sessionId: item.sessionId,
          trackName: item.trackName,
          ...simulcastOf(item),
        })),
      }),
    );
    // Matched by (sessionId, trackName), each result used once so the same publication may be pulled twice.
    const remaining = [...(response.tracks ?? [])];
    const outcomes = items.map((item): ItemOutcome<PullItemResult> => {
      const index = remaining.findIndex(
        (r) => r.sessionId === item.sessionId && r.trackName === item.trackName,
      );
      const result = index >= 0 ? remaining.splice(index, 1)[0] : undefined;
      const label = `${item.sessionId}/${item.trackName}`;
      if (!result) return { ok: false, error: new SfuSessionError('bad_response', `no result for ${label}`) };
      if (result.errorCode) {
        return {
          ok: false,
          error: new CallsItemError(result.errorCode, result.errorDescription ?? '', label),
        };
      }
      if (!result.mid)
        return { ok: false, error: new SfuSessionError('bad_response', `no mid for ${label}`) };
      // Registered before setRemoteDescription, which fires the `track` events.
      const track = this.#waitForTrack(result.mid);
      if (item.onTrack) track.then(item.onTrack, () => undefined);
      return { ok: true, value: { mid: result.mid, track } };
    });
    if (response.sessionDescription?.type === 'offer') {
      try {
        await this.#answerSfuOffer(response.sessionDescription);
      } catch (error) {
        for (const o of outcomes) if (o.ok) this.#trackWaiters.delete(o.value.mid);
        throw error;
      }
    } else if (outcomes.some((o) => o.ok)) {
      throw new SfuSessionError('bad_response', 'tracks/new: no offer');
    }
    return outcomes;
  });

  readonly #closeBatch = this.#queue.batcher<string, void>(async (mids) => {
    if (this.#ended) return mids.map(() => ({ ok: true, value: undefined }));
    // partytracks skips the exchange on a PC that is not connected; the SFU still needs telling, without SDP.
    if (this.peerConnection.connectionState !== 'connected') return this.#forceClose(mids);
    const known = mids.filter((mid) => this.#findTransceiver(mid));
    for (const mid of known) this.#findTransceiver(mid)?.stop();
    let outcomes: ItemOutcome<void>[] = [];
    if (known.length > 0) {
      const response = await this.#offer('tracks/close', (sessionDescription) =>
        this.#api.closeTracks(this.sessionId, {
          tracks: known.map((mid) => ({ mid })),
          force: false,
          sessionDescription,
        }),
      );
      outcomes = closeOutcomes(known, response.tracks);
    }
    for (const mid of known) this.#pulls.delete(mid);
    return mids.map((mid) => {
      const i = known.indexOf(mid);
      return i >= 0
        ? (outcomes[i] ?? { ok: true, value: undefined })
        : { ok: false, error: new SfuSessionError('unknown_mid', `no transceiver with mid ${mid}`) };
    });
  });

  readonly #forceCloseBatch = this.#queue.batcher<string, void>((mids) => {
    if (this.#ended) {
      return Promise.resolve(mids.map(() => ({ ok: true as const, value: undefined })));
    }
    return this.#forceClose(mids);
  });

  async #forceClose(mids: readonly string[]): Promise<ItemOutcome<void>[]> {
    let outcomes: ItemOutcome<void>[];
    try {
      const response = await this.#watch(
        this.#api.closeTracks(this.sessionId, {
          tracks: mids.map((mid) => ({ mid })),
          force: true,
        }),
      );
      outcomes = closeOutcomes(mids, response.tracks);
    } catch (error) {
      // 410: the session is gone on the SFU, and with it everything it forwarded.
      if (!(error instanceof CallsApiError && error.status === 410)) throw error;
      outcomes = mids.map(() => ({ ok: true, value: undefined }));
    }
    // No SDP: the m-lines stay as they are, but local media stops so the page sees the close.
    for (const mid of mids) {
      const transceiver = this.#findTransceiver(mid);
      if (!transceiver) continue;
      if (this.#pulls.delete(mid)) transceiver.receiver.track.stop();
      else await transceiver.sender.replaceTrack(null);
    }
    return outcomes;
  }

  /**
   * Our offer, sent by `send`, and the SFU's answer applied. A failed request rolls the offer back (and runs
   * `undo`); an answer the browser rejects also leaves the PC stable.
   */
  async #offer<R extends { sessionDescription?: SessionDescription }>(
    label: string,
    send: (offer: SessionDescription) => Promise<R>,
    undo?: () => void,
  ): Promise<R> {
    const pc = this.peerConnection;
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    let response: R;
    try {
      response = await this.#watch(send({ type: 'offer', sdp: pc.localDescription?.sdp ?? offer.sdp ?? '' }));
      if (response.sessionDescription?.type !== 'answer')
        throw new SfuSessionError('bad_response', `${label}: no answer`);
    } catch (error) {
      await pc.setLocalDescription({ type: 'rollback' }).catch(() => undefined);
      undo?.();
      throw error;
    }
    try {
      await pc.setRemoteDescription(response.sessionDescription);
    } catch (error) {
      if (pc.signalingState === 'have-local-offer') {
        await pc.setLocalDescription({ type: 'rollback' }).catch(() => undefined);
      }
      throw error;
    }
    return response;
  }

  async #answerSfuOffer(offer: SessionDescription): Promise<void> {
    const pc = this.peerConnection;
    try {
      await pc.setRemoteDescription(offer);
      await pc.setLocalDescription(await pc.createAnswer());
    } catch (error) {
      // Back to stable, so that the next exchange on this session can still run.
      if (pc.signalingState === 'have-remote-offer') {
        await pc.setRemoteDescription({ type: 'rollback' }).catch(() => undefined);
      }
      throw error;
    }
    const sdp = pc.localDescription?.sdp;
    if (!sdp) throw new SfuSessionError('bad_response', 'no local answer');
    await this.#watch(this.#api.renegotiate(this.sessionId, { sessionDescription: { type: 'answer', sdp } }));
  }

  async #newDataChannel(
    label: string,
    object: DataChannelObject,
    options: DataChannelReliability,
  ): Promise<RTCDataChannel> {
    await this.establishDataChannels();
    const reliability = reliabilityOf(options);
    return this.#queue.run(async () => {
      this.#assertUsable();
      const response = await this.#watch(
        this.#api.newDataChannels(this.sessionId, {
          dataChannels: [{ ...object, dataChannelName: label, ...reliability }],
        }),
      );
      const item = response.dataChannels?.find((d) => d.dataChannelName === label);
      if (item?.errorCode) throw new CallsItemError(item.errorCode, item.errorDescription ?? '', label);
      if (typeof item?.id !== 'number')
        throw new SfuSessionError('bad_response', `no id for data channel ${label}`);
      return this.peerConnection.createDataChannel(label, { negotiated: true, id: item.id, ...reliability });
    });
  }

  #waitForTrack(mid: string): Promise<MediaStreamTrack> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#trackWaiters.delete(mid);
        reject(new SfuSessionError('track_timeout', `no track for mid ${mid}`));
      }, this.#options.trackTimeoutMs);
      this.#trackWaiters.set(mid, (track) => {
        clearTimeout(timer);
        resolve(track);
      });
    });
  }

  async #waitForBytesSent(sender: RTCRtpSender): Promise<void> {
    const deadline = Date.now() + this.#options.publishTimeoutMs;
    let delay = 5;
    for (;;) {
      this.#assertUsable();
      const stats = await sender.getStats();
      let sent = false;
      stats.forEach((report: { type: string; bytesSent?: number }) => {
        if (report.type === 'outbound-rtp' && (report.bytesSent ?? 0) > 0) sent = true;
      });
      if (sent) return;
      if (Date.now() > deadline) {
        throw new SfuSessionError(
          'publish_timeout',
          `no bytes sent within ${this.#options.publishTimeoutMs} ms`,
        );
      }
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 1.5, 100);
    }
  }

  /** The PeerConnection is connected and so is its SCTP transport: data channels can be allocated. */
  #waitForTransport(): Promise<void> {
    const pc = this.peerConnection;
    const ready = () =>
      pc.connectionState === 'connected' && (pc.sctp === null || pc.sctp.state === 'connected');
    if (ready()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (ready()) finish();
        else if (this.#ended) finish(this.#iceFailedFirst() ? this.#unreachable() : this.#unusable());
      };
      const timer = setTimeout(
        () =>
          finish(
            this.#connectedOnce
              ? new SfuSessionError('connect_timeout', 'transport not connected')
              : this.#unreachable(),
          ),
        this.#options.connectTimeoutMs,
      );
      const sctp = pc.sctp;
      const finish = (error?: Error) => {
        clearTimeout(timer);
        pc.removeEventListener('connectionstatechange', check);
        sctp?.removeEventListener('statechange', check);
        this.removeEventListener('state-change', check);
        if (error) reject(error);
        else resolve();
      };
      pc.addEventListener('connectionstatechange', check);
      sctp?.addEventListener('statechange', check);
      this.addEventListener('state-change', check);
    });
  }

  /** The media transport never connected and ICE or DTLS gave up (not a 410 or a close). */
  #iceFailedFirst(): boolean {
    return (
      this.#state === 'lost' &&
      !this.#connectedOnce &&
      /^(connectionState|iceConnectionState) /.test(this.#lostReason)
    );
  }

  /** What `media-unreachable` reports: no ICE+DTLS connection to any address the SFU announced. */
  #unreachable(): SfuSessionError {
    const addresses = this.announcedAddresses;
    const where = addresses.length
      ? `the SFU's addresses ${addresses.join(', ')}`
      : 'the SFU (no candidates)';
    return new SfuSessionError(
      'media_unreachable',
      `no media connection (ICE+DTLS) to ${where} within ${this.#options.connectTimeoutMs} ms`,
    );
  }

  #onConnectionChange(): void {
    if (this.#ended) return;
    const pc = this.peerConnection;
    const ice = pc.iceConnectionState;
    if (pc.connectionState === 'connected') this.#connectedOnce = true;
    if (pc.connectionState === 'failed' || pc.connectionState === 'closed') {
      this.#lose(`connectionState ${pc.connectionState}`);
      return;
    }
    if (ice === 'failed' || ice === 'closed') {
      this.#lose(`iceConnectionState ${ice}`);
      return;
    }
    if (ice === 'disconnected') {
      this.#disconnectedTimer ??= setTimeout(
        () => this.#lose(`ICE disconnected for ${this.#options.disconnectedTimeoutMs} ms`),
        this.#options.disconnectedTimeoutMs,
      );
      if (!this.#probe) {
        this.#probe = new AbortController();
        void this.#probeWhileDisconnected(this.#probe.signal);
      }
    } else {
      clearTimeout(this.#disconnectedTimer);
      this.#disconnectedTimer = undefined;
      this.#probe?.abort();
      this.#probe = undefined;
    }
    this.#setState(pc.connectionState);
  }

  /** A Calls request on this session. A 410 means the SFU no longer has it: lost now, not at the next ICE check. */
  #watch<T>(request: Promise<T>): Promise<T> {
    return request.catch((error: unknown) => {
      if (isSessionGone(error))
        this.#lose(`the SFU dropped the session (${error.status} ${error.errorCode})`);
      throw error;
    });
  }

  /**
   * ICE cannot tell a network blip from an SFU that dropped the session (a restart, a crash): both look
   * `disconnected`, and Chrome stays there rather than failing. The SFU can: a session it no longer has
   * answers 410, and then waiting out the disconnected timer only delays the new session.
   */
  async #probeWhileDisconnected(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.#watch(this.#api.getSession(this.sessionId, { signal }));
      } catch (error) {
        // Anything but 410 (backend unreachable, 5xx) says nothing about the session: the timer decides.
        if (signal.aborted || isSessionGone(error)) return;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, this.#options.probeIntervalMs);
        signal.addEventListener('abort', done, { once: true });
        function done() {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          resolve();
        }
      });
    }
  }

  #lose(reason: string): void {
    if (this.#ended) return;
    this.#lostReason = reason;
    clearTimeout(this.#disconnectedTimer);
    this.#probe?.abort();
    this.#queue.close(new SfuSessionError('session_lost', `session lost: ${reason}`));
    this.#setState('lost');
    this.dispatchEvent(new SfuSessionLostEvent(reason));
  }

  #setState(state: SfuSessionState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.dispatchEvent(new SfuSessionStateEvent(state));
  }

  #unusable(): SfuSessionError {
    return this.#state === 'closed'
      ? new SfuSessionError('session_closed', 'session closed')
      : new SfuSessionError('session_lost', 'session lost');
  }

  #assertUsable(): void {
    if (this.#ended) throw this.#unusable();
  }

  #findTransceiver(mid: string): RTCRtpTransceiver | undefined {
    return this.peerConnection
      .getTransceivers()
      .find((t) => t.mid === mid && t.direction !== 'stopped' && t.currentDirection !== 'stopped');
  }

  #transceiver(mid: string): RTCRtpTransceiver {
    const transceiver = this.#findTransceiver(mid);
    if (!transceiver) throw new SfuSessionError('unknown_mid', `no transceiver with mid ${mid}`);
    return transceiver;
  }
}

function closeOutcomes(
  mids: readonly string[],
  results: readonly ({ mid: string } & { errorCode?: string; errorDescription?: string })[] | undefined,
): ItemOutcome<void>[] {
  return mids.map((mid) => {
    const result = results?.find((r) => r.mid === mid);
    // `close_track_error`: absent or already closed, which is what the caller wanted.
    if (result?.errorCode && result.errorCode !== 'close_track_error') {
      return {
        ok: false,
        error: new CallsItemError(result.errorCode, result.errorDescription ?? '', `mid ${mid}`),
      };
    }
    return { ok: true, value: undefined };
  });
}

function simulcastOf(request: { simulcast?: SimulcastOptions | undefined }): {
  simulcast?: SimulcastOptions;
} {
  return request.simulcast ? { simulcast: request.simulcast } : {};
}

function reliabilityOf({
  ordered,
  maxRetransmits,
  maxPacketLifeTime,
}: DataChannelReliability): DataChannelReliability {
  return defined({ ordered, maxRetransmits, maxPacketLifeTime });
}

/** The object without its undefined fields. */
function defined<T extends object>(object: T): T {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined)) as T;
}
