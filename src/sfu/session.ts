/**
 * One Calls session: one peer connection, one offer/answer state machine, its published and pulled tracks
 * and data channels. Every mutating request runs under the session's lock, so overlapping requests are
 * ordered, and one made while an SFU offer is unanswered is refused with 406, as Cloudflare does.
 */
import { randomUUID } from 'node:crypto';
import type {
  CloseTracksResponse,
  DataChannelResult,
  DataChannelsResponse,
  EstablishDataChannelsResponse,
  GetSessionStateResponse,
  RenegotiateResponse,
  SessionTrackState,
  TrackResult,
  TracksResponse,
  UpdateTracksResponse,
} from '../protocol/calls.ts';
import { SERVER_EVENTS_CHANNEL } from '../protocol/calls.ts';
import { sdpLimitProblem } from '../protocol/sdp-limits.ts';
import { announcedAddresses, mediaAddresses } from './addresses.ts';
import { MediaPeer, type DataPipe, type OfferedSection } from './engine/peer.ts';
import type { LayerPreference, MediaSink } from './engine/media.ts';
import { CallsError, badParams, badSdp, notConnected, offerPending } from './errors.ts';
import { DataPublication, DataSubscription } from './data.ts';
import type { DataChannelInput, TrackInput } from './schemas.ts';
import type { SfuConfig } from './config.ts';
import type { Publication, Publications } from './publications.ts';

interface LocalTrack {
  location: 'local';
  mid: string;
  trackName: string;
  publication: Publication;
  /** Send side of a sendrecv transceiver, for `mid: "#trackName"` pulls. */
  bidirectional: boolean;
  active: boolean;
}

interface RemoteTrack {
  location: 'remote';
  mid: string;
  sessionId: string;
  trackName: string;
  sink: MediaSink;
  simulcast: TrackInput['simulcast'];
  active: boolean;
}

type TrackRecord = LocalTrack | RemoteTrack;

interface ChannelRecord {
  id: number;
  location: 'local' | 'remote';
  name: string;
  sessionId?: string;
  pipe: DataPipe;
  publication?: DataPublication;
  subscription?: DataSubscription;
  active: boolean;
}

/** What a session needs of the SFU around it. */
export interface SessionContext {
  config: SfuConfig;
  publications: Publications;
  /** Called once, when the session has closed. */
  onClosed(session: Session): void;
}

export class Session {
  private peer: MediaPeer | undefined;
  private awaitingAnswer = false;
  private readonly tracks = new Map<string, TrackRecord>();
  private readonly channels = new Map<number, ChannelRecord>();
  private serverEvents: DataPipe | undefined;
  private dataTransport = false;
  private lock: Promise<unknown> = Promise.resolve();
  private readonly requestTimes: number[] = [];
  private disconnectedSince = 0;
  private connectedOnce = false;
  closed = false;
  readonly createdAt = Date.now();

  constructor(
    readonly id: string,
    readonly appId: string,
    private readonly context: SessionContext,
  ) {}

  private get limits() {
    return this.context.config.limits;
  }

  private get publications(): Publications {
    return this.context.publications;
  }

  /** 50 requests per second per session, as Cloudflare's limit. */
  admit(now = Date.now()): void {
    while (this.requestTimes.length && now - this.requestTimes[0]! >= 1000) this.requestTimes.shift();
    if (this.requestTimes.length >= this.limits.requestsPerSecond) {
      throw new CallsError(
        429,
        'retryable_transient_error',
        `Too many requests for this session (at most ${this.limits.requestsPerSecond} per second): retry with backoff`,
      );
    }
    this.requestTimes.push(now);
  }

  /** Runs one mutation at a time on this session. */
  exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.lock.then(task, task);
    this.lock = run.catch(() => undefined);
    return run;
  }

  private ensurePeer(): MediaPeer {
    if (this.peer) return this.peer;
    const { host, announcedIps, rtpPortRange, maxPublisherBitrate } = this.context.config;
    const addresses = mediaAddresses(announcedAddresses(announcedIps, host));
    const peer = new MediaPeer({ addresses, portRange: rtpPortRange, maxPublisherBitrate });
    peer.onState((state) => {
      if (this.peer !== peer) return; // dropped after a failed first offer
      // Being connected at all (and starting media) is `onTransportReady`'s, below: it comes first.
      if (state === 'connected') {
        this.disconnectedSince = 0;
      } else if (state === 'disconnected') {
        this.disconnectedSince ||= Date.now();
      } else if (state === 'failed' || state === 'closed') {
        void this.close();
      }
    });
    // Media may start once ICE+DTLS are up; SCTP (part of werift's `connected`) comes a round trip later.
    peer.onTransportReady(() => {
      if (this.peer !== peer) return;
      this.connectedOnce = true;
      this.kickSinks();
    });
    peer.onRemoteDataChannel = (pipe, label) => {
      if (label === SERVER_EVENTS_CHANNEL) this.serverEvents = pipe;
    };
    this.peer = peer;
    return peer;
  }

  /**
   * Later exchanges need the transport up: wait up to 5 s for it, else 425. Media operations need ICE+DTLS
   * (Calls' rule); data-channel operations also need SCTP, which werift's `connected` includes.
   */
  private async connected(need: 'media' | 'sctp' = 'media'): Promise<void> {
    const peer = this.peer;
    if (!peer?.negotiated) return; // the first exchange is what creates the connection
    const up = () => peer.state === 'connected' || (need === 'media' && peer.transportReady);
    if (up()) return;
    if (peer.state === 'failed' || peer.state === 'closed')
      throw new CallsError(410, 'session_error', 'Session closed');
    const ok = await new Promise<boolean>((resolve) => {
      const done = (result: boolean) => {
        clearTimeout(timer);
        offState();
        offReady();
        resolve(result);
      };
      const timer = setTimeout(() => done(false), this.limits.connectWaitMs);
      const offState = peer.onState((s) => {
        if (s === 'connected' || s === 'failed' || s === 'closed') done(s === 'connected');
      });
      const offReady = peer.onTransportReady(() => {
        if (up()) done(true);
      });
    });
    if (!ok) throw notConnected();
  }

  private noPendingOffer(): void {
    if (this.awaitingAnswer) throw offerPending();
  }

  private async applyOffer(
    sdp: string,
    beforeAnswer?: (sections: OfferedSection[]) => void,
  ): Promise<{ answer: string; sections: OfferedSection[] }> {
    // Bounded before werift sees it: each added m-section costs it a transceiver (ms of work, memory held).
    const tooMuch = sdpLimitProblem(sdp, this.peer?.mids ?? []);
    if (tooMuch) throw badSdp(tooMuch);
    const fresh = !this.peer?.negotiated;
    const peer = this.ensurePeer();
    try {
      return await peer.acceptOffer(sdp, beforeAnswer);
    } catch (e) {
      if (fresh) {
        // werift keeps half of a rejected first offer (the session would then answer 425 forever): start
        // over, so the client can offer again on this session.
        this.peer = undefined;
        void peer.close();
      }
      throw badSdp(`The offer could not be applied: ${describe(e)}`);
    }
  }

  /** The legacy `sessions/new` with an offer: answered at once, publishing nothing by itself. */
  async acceptLegacyOffer(sdp: string): Promise<string> {
    const { answer, sections } = await this.applyOffer(sdp);
    if (sections.some((s) => s.kind === 'application' && !s.rejected)) this.dataTransport = true;
    return answer;
  }

  // ---- tracks/new -------------------------------------------------------------------------------------

  async newTracks(body: {
    sessionDescription?: { type: 'offer' | 'answer'; sdp: string } | undefined;
    tracks?: TrackInput[] | undefined;
    autoDiscover?: boolean | undefined;
  }): Promise<TracksResponse> {
    this.noPendingOffer();
    const items = body.tracks ?? [];
    if (items.length > this.limits.maxTracksPerCall) {
      throw badParams(`Expecting at most ${this.limits.maxTracksPerCall} tracks in the request`);
    }
    const locations = new Set(items.map((t) => t.location));
    if (locations.size > 1) throw badParams('All tracks of one request must be local, or all remote');
    if (!items.length && !body.autoDiscover) throw badParams('No tracks given (and autoDiscover is not set)');
    const location = items[0]?.location ?? 'local';
    if (items.some((t) => t.location === undefined))
      throw badParams('Every track needs a location: local or remote');

    if (body.sessionDescription) {
      if (body.sessionDescription.type !== 'offer') {
        throw badSdp('tracks/new takes an offer; answer an SFU offer with PUT /renegotiate');
      }
      await this.connected();
      if (location === 'remote') return this.pullWithOffer(body.sessionDescription.sdp, items);
      return this.publishWithOffer(body.sessionDescription.sdp, items, body.autoDiscover === true);
    }
    await this.connected();
    if (location === 'remote') return this.pull(items);
    return this.publishWithoutOffer(items);
  }

  private async publishWithOffer(
    sdp: string,
    items: TrackInput[],
    autoDiscover: boolean,
  ): Promise<TracksResponse> {
    const { answer, sections } = await this.applyOffer(sdp);
    const peer = this.peer!;
    const results: TrackResult[] = [];
    const claimed = new Set<string>();
    for (const item of items) {
      const mid = item.mid;
      const trackName = item.trackName;
      const section = sections.find((s) => s.mid === mid);
      const fail = (errorCode: 'invalid_params' | 'not_found_track_error', errorDescription: string) =>
        results.push({
          ...(trackName !== undefined ? { trackName } : {}),
          mid: '',
          errorCode,
          errorDescription,
        });
      if (!mid || !trackName) {
        fail('invalid_params', 'A local track needs mid and trackName');
        continue;
      }
      if (
        !section ||
        section.rejected ||
        (section.direction !== 'sendonly' && section.direction !== 'sendrecv')
      ) {
        fail('invalid_params', `No sending m-section with mid ${mid} in the offer`);
        continue;
      }
      const existing = this.publications.get(this.id, trackName);
      if (existing && !existing.source.closed && this.tracks.get(mid)?.trackName !== trackName) {
        fail('invalid_params', `Track name ${trackName} is already published on this session`);
        continue;
      }
      const outcome = this.publish(peer, section, trackName);
      if (!outcome) {
        fail('invalid_params', `The m-section ${mid} cannot carry a publication`);
        continue;
      }
      claimed.add(mid);
      results.push({ trackName, mid });
    }
    if (autoDiscover) {
      for (const section of sections) {
        if (claimed.has(section.mid) || this.tracks.has(section.mid)) continue;
        if (section.rejected || section.kind === 'application') continue;
        if (section.direction !== 'sendonly' && section.direction !== 'sendrecv') continue;
        const trackName = randomUUID();
        if (this.publish(peer, section, trackName)) results.push({ trackName, mid: section.mid });
      }
    }
    return {
      requiresImmediateRenegotiation: false,
      sessionDescription: { type: 'answer', sdp: answer },
      tracks: results,
    };
  }

  private publish(peer: MediaPeer, section: OfferedSection, trackName: string): boolean {
    const source = peer.source(section.mid);
    if (!source) return false;
    source.declareLayers(section.rids);
    const previous = this.tracks.get(section.mid);
    if (previous?.location === 'local' && previous.trackName === trackName && previous.active) return true;
    const publication: Publication = {
      appId: this.appId,
      sessionId: this.id,
      trackName,
      kind: source.kind,
      source,
      publishedAt: Date.now(),
    };
    this.tracks.set(section.mid, {
      location: 'local',
      mid: section.mid,
      trackName,
      publication,
      bidirectional: section.direction === 'sendrecv',
      active: true,
    });
    this.publications.add(publication);
    return true;
  }

  /** Mode D: the SFU writes the offer for a track the client will send. */
  private async publishWithoutOffer(items: TrackInput[]): Promise<TracksResponse> {
    const peer = this.ensurePeer();
    const pending: { trackName: string; bidirectional: boolean; mid: () => string }[] = [];
    const results: TrackResult[] = [];
    for (const item of items) {
      const kind = item.kind;
      if (!item.trackName || (kind !== 'audio' && kind !== 'video')) {
        results.push({
          ...(item.trackName ? { trackName: item.trackName } : {}),
          mid: '',
          errorCode: 'invalid_params',
          errorDescription: 'A local track without an offer needs trackName and kind (audio or video)',
        });
        continue;
      }
      const bidirectional = item.bidirectionalMediaStream === true;
      const slot = peer.addIncoming(kind, bidirectional);
      pending.push({ trackName: item.trackName, bidirectional, mid: slot.mid });
    }
    if (!pending.length) return { requiresImmediateRenegotiation: false, tracks: results };
    const offer = await peer.createOffer();
    for (const p of pending) {
      const mid = p.mid();
      this.awaitingPublications.push({ mid, trackName: p.trackName, bidirectional: p.bidirectional });
      results.push({ trackName: p.trackName, mid });
    }
    this.awaitingAnswer = true;
    return {
      requiresImmediateRenegotiation: true,
      sessionDescription: { type: 'offer', sdp: offer },
      tracks: results,
    };
  }

  private awaitingPublications: { mid: string; trackName: string; bidirectional: boolean }[] = [];

  /** Mode B: pulls answered by an SFU offer. */
  private async pull(items: TrackInput[]): Promise<TracksResponse> {
    const peer = this.ensurePeer();
    const resolved = await Promise.all(items.map((item) => this.resolvePull(item)));
    const results: TrackResult[] = [];
    const added: { item: TrackInput; publication: Publication; mid: () => string; sink: MediaSink }[] = [];
    for (const [i, r] of resolved.entries()) {
      const item = items[i]!;
      if ('error' in r) {
        results.push({ ...echo(item), mid: '', errorCode: r.error.code, errorDescription: r.error.message });
        continue;
      }
      if (item.mid?.startsWith('#')) {
        // Into the send side of my own bidirectional transceiver: no renegotiation.
        const local = [...this.tracks.values()].find(
          (t): t is LocalTrack => t.location === 'local' && t.active && t.trackName === item.mid!.slice(1),
        );
        const sink = local ? peer.sinkForBidirectional(local.mid) : undefined;
        if (!local || !sink || sink.kind !== r.publication.kind) {
          results.push({
            ...echo(item),
            mid: '',
            errorCode: 'invalid_params',
            errorDescription: `No bidirectional ${r.publication.kind} transceiver carries local track ${item.mid.slice(1)}`,
          });
          continue;
        }
        sink.ready = true;
        sink.attach(r.publication.source, preference(item.simulcast));
        results.push({ ...echo(item), mid: local.mid });
        continue;
      }
      const slot = peer.addOutgoing(r.publication.kind, {
        codec: r.publication.source.codec,
        streamId: r.publication.sessionId,
        trackId: r.publication.trackName,
      });
      added.push({ item, publication: r.publication, mid: slot.mid, sink: slot.sink });
      results.push({ ...echo(item), mid: '' });
    }
    if (!added.length) return { requiresImmediateRenegotiation: false, tracks: results };
    const offer = await peer.createOffer();
    for (const a of added) {
      const mid = a.mid();
      a.sink.attach(a.publication.source, preference(a.item.simulcast));
      this.tracks.set(mid, {
        location: 'remote',
        mid,
        sessionId: a.publication.sessionId,
        trackName: a.publication.trackName,
        sink: a.sink,
        simulcast: a.item.simulcast,
        active: true,
      });
      const result = results.find(
        (r) =>
          r.mid === '' &&
          !r.errorCode &&
          r.trackName === a.item.trackName &&
          r.sessionId === a.item.sessionId,
      );
      if (result) result.mid = mid;
    }
    this.awaitingAnswer = true;
    return {
      requiresImmediateRenegotiation: true,
      sessionDescription: { type: 'offer', sdp: offer },
      tracks: results,
    };
  }

  /** Mode C (WHEP style): the client offers recvonly sections, matched in order to the pulls. */
  private async pullWithOffer(sdp: string, items: TrackInput[]): Promise<TracksResponse> {
    const resolved = await Promise.all(items.map((item) => this.resolvePull(item)));
    const results: TrackResult[] = [];
    const { answer } = await this.applyOffer(sdp, (sections) => {
      const peer = this.peer!;
      const free = sections.filter(
        (s) =>
          !s.rejected && s.direction === 'recvonly' && s.kind !== 'application' && !this.tracks.has(s.mid),
      );
      for (const [i, r] of resolved.entries()) {
        const item = items[i]!;
        if ('error' in r) {
          results.push({
            ...echo(item),
            mid: '',
            errorCode: r.error.code,
            errorDescription: r.error.message,
          });
          continue;
        }
        const at = free.findIndex((s) => (item.mid ? s.mid === item.mid : s.kind === r.publication.kind));
        const section = at >= 0 ? free.splice(at, 1)[0] : undefined;
        // Making the transceiver send before the answer is written gives the section direction sendonly.
        const sink = section ? peer.sinkForBidirectional(section.mid) : undefined;
        if (!section || !sink) {
          results.push({
            ...echo(item),
            mid: '',
            errorCode: 'invalid_params',
            errorDescription: 'No free recvonly m-section in the offer for this track',
          });
          continue;
        }
        sink.ready = true;
        sink.attach(r.publication.source, preference(item.simulcast));
        this.tracks.set(section.mid, {
          location: 'remote',
          mid: section.mid,
          sessionId: r.publication.sessionId,
          trackName: r.publication.trackName,
          sink,
          simulcast: item.simulcast,
          active: true,
        });
        results.push({ ...echo(item), mid: section.mid });
      }
    });
    return {
      requiresImmediateRenegotiation: false,
      sessionDescription: { type: 'answer', sdp: answer },
      tracks: results,
    };
  }

  private async resolvePull(item: TrackInput): Promise<{ publication: Publication } | { error: CallsError }> {
    if (!item.sessionId || !item.trackName) {
      return { error: badParams('A remote track needs sessionId and trackName') };
    }
    try {
      const publication = await this.publications.find(
        this.appId,
        item.sessionId,
        item.trackName,
        this.limits.pullWaitMs,
      );
      return { publication };
    } catch (e) {
      if (e instanceof CallsError) return { error: e };
      throw e;
    }
  }

  // ---- renegotiate ------------------------------------------------------------------------------------

  async renegotiate(body: {
    sessionDescription: { type: 'offer' | 'answer'; sdp: string };
  }): Promise<RenegotiateResponse> {
    const { type, sdp } = body.sessionDescription;
    if (type === 'answer') {
      if (!this.awaitingAnswer || !this.peer) {
        throw badSdp('There is no SFU offer waiting for an answer (was this answer already sent?)');
      }
      try {
        await this.peer.acceptAnswer(sdp);
      } catch (e) {
        throw badSdp(`The answer could not be applied: ${describe(e)}`);
      }
      this.awaitingAnswer = false;
      for (const p of this.awaitingPublications.splice(0)) {
        const source = this.peer.source(p.mid);
        if (!source) continue;
        const publication: Publication = {
          appId: this.appId,
          sessionId: this.id,
          trackName: p.trackName,
          kind: source.kind,
          source,
          publishedAt: Date.now(),
        };
        this.tracks.set(p.mid, {
          location: 'local',
          mid: p.mid,
          trackName: p.trackName,
          publication,
          bidirectional: p.bidirectional,
          active: true,
        });
        this.publications.add(publication);
      }
      this.kickSinks();
      return {};
    }
    // A client offer (e.g. an ICE restart): answered like any other.
    this.noPendingOffer();
    await this.connected();
    const { answer } = await this.applyOffer(sdp);
    return { sessionDescription: { type: 'answer', sdp: answer } };
  }

  // ---- tracks/close -----------------------------------------------------------------------------------

  async closeTracks(body: {
    tracks: { mid: string }[];
    force?: boolean | undefined;
    sessionDescription?: { type: 'offer' | 'answer'; sdp: string } | undefined;
  }): Promise<CloseTracksResponse> {
    if (!body.tracks.length) throw badParams('tracks must name at least one mid');
    if (body.tracks.length > this.limits.maxTracksPerCall) {
      throw badParams(`Expecting at most ${this.limits.maxTracksPerCall} tracks in the request`);
    }
    const force = body.force === true;
    let answer: string | undefined;
    if (!force) {
      this.noPendingOffer();
      if (!body.sessionDescription || body.sessionDescription.type !== 'offer') {
        throw badParams('A negotiated close (force: false) needs the client offer in sessionDescription');
      }
      await this.connected();
      answer = (await this.applyOffer(body.sessionDescription.sdp)).answer;
    }
    const tracks = body.tracks.map(({ mid }) => {
      const record = this.tracks.get(mid);
      if (!record?.active) {
        return {
          mid,
          errorCode: 'close_track_error' as const,
          errorDescription: "Track doesn't exist or was already closed",
        };
      }
      this.stopTrack(record);
      return { mid };
    });
    return {
      ...(answer ? { sessionDescription: { type: 'answer' as const, sdp: answer } } : {}),
      tracks,
      requiresImmediateRenegotiation: false,
    };
  }

  private stopTrack(record: TrackRecord): void {
    record.active = false;
    if (record.location === 'local') {
      record.publication.source.close();
      this.publications.remove(record.publication);
    } else {
      record.sink.detach();
    }
  }

  // ---- tracks/update ----------------------------------------------------------------------------------

  async updateTracks(body: { tracks: TrackInput[] }): Promise<UpdateTracksResponse> {
    if (body.tracks.length > this.limits.maxTracksPerCall) {
      throw badParams(`Expecting at most ${this.limits.maxTracksPerCall} tracks in the request`);
    }
    const tracks: TrackResult[] = [];
    for (const item of body.tracks) {
      const fail = (
        errorCode: 'invalid_params' | 'update_track_error' | 'not_found_track_error',
        errorDescription: string,
      ) => tracks.push({ ...echo(item), mid: item.mid ?? '', errorCode, errorDescription });
      if (item.location !== 'remote' || !item.mid) {
        fail('invalid_params', 'tracks/update takes remote tracks with the mid of this session');
        continue;
      }
      const record = this.tracks.get(item.mid);
      if (!record || record.location !== 'remote' || !record.active) {
        fail('update_track_error', `No active pulled track on mid ${item.mid}`);
        continue;
      }
      const sessionId = item.sessionId ?? record.sessionId;
      const trackName = item.trackName ?? record.trackName;
      if (sessionId !== record.sessionId || trackName !== record.trackName) {
        // Point the transceiver at another publication of the same kind.
        const found = await this.resolvePull({ ...item, sessionId, trackName });
        if ('error' in found) {
          fail(
            found.error.code === 'invalid_params' ? 'invalid_params' : 'not_found_track_error',
            found.error.message,
          );
          continue;
        }
        if (found.publication.kind !== record.sink.kind) {
          fail(
            'update_track_error',
            `Track ${trackName} is ${found.publication.kind}, the transceiver is ${record.sink.kind}`,
          );
          continue;
        }
        record.sink.attach(found.publication.source, preference(item.simulcast ?? record.simulcast));
        record.sessionId = sessionId;
        record.trackName = trackName;
        record.simulcast = item.simulcast ?? record.simulcast;
      } else if (item.simulcast) {
        if (!record.sink.source?.simulcast) {
          fail('update_track_error', `Track ${trackName} is not published with simulcast`);
          continue;
        }
        record.simulcast = item.simulcast;
        record.sink.setPreference(preference(item.simulcast));
      }
      tracks.push({
        location: 'remote',
        mid: item.mid,
        sessionId,
        trackName,
        ...(record.simulcast ? { simulcast: record.simulcast } : {}),
      });
    }
    return { requiresImmediateRenegotiation: false, tracks };
  }

  // ---- GET session ------------------------------------------------------------------------------------

  state(): GetSessionStateResponse {
    const tracks: SessionTrackState[] = [...new Set(this.tracks.values())].map((t) =>
      t.location === 'local'
        ? {
            location: 'local',
            mid: t.mid,
            trackName: t.trackName,
            status: t.active && !t.publication.source.closed ? 'active' : 'inactive',
          }
        : {
            location: 'remote',
            mid: t.mid,
            sessionId: t.sessionId,
            trackName: t.trackName,
            status: t.active && t.sink.source ? 'active' : 'inactive',
          },
    );
    const dataChannels = [...this.channels.values()].map((c) => ({
      location: c.location,
      ...(c.sessionId ? { sessionId: c.sessionId } : {}),
      dataChannelName: c.name,
      id: c.id,
      status: !c.active
        ? ('inactive' as const)
        : c.pipe.state === 'open'
          ? ('active' as const)
          : c.pipe.state === 'connecting'
            ? ('initializing' as const)
            : ('inactive' as const),
    }));
    return { tracks, dataChannels };
  }

  // ---- data channels ----------------------------------------------------------------------------------

  async establishDataChannels(body: {
    sessionDescription?: { type: 'offer' | 'answer'; sdp: string } | undefined;
    dataChannel: DataChannelInput;
  }): Promise<EstablishDataChannelsResponse> {
    this.noPendingOffer();
    if (body.dataChannel.dataChannelName !== SERVER_EVENTS_CHANNEL) {
      throw badParams(`Only the reserved "${SERVER_EVENTS_CHANNEL}" channel can be established`);
    }
    if (this.dataTransport || this.peer?.hasDataTransport) {
      throw new CallsError(
        400,
        'decoding_error',
        'The data channel transport of this session already exists',
      );
    }
    await this.connected('sctp');
    if (body.sessionDescription) {
      if (body.sessionDescription.type !== 'offer') throw badSdp('datachannels/establish takes an offer');
      const { answer, sections } = await this.applyOffer(body.sessionDescription.sdp);
      if (!sections.some((s) => s.kind === 'application' && !s.rejected)) {
        throw badSdp('The offer has no m=application section');
      }
      this.dataTransport = true;
      return {
        requiresImmediateRenegotiation: false,
        sessionDescription: { type: 'answer', sdp: answer },
        dataChannel: { location: 'remote', dataChannelName: SERVER_EVENTS_CHANNEL },
      };
    }
    const peer = this.ensurePeer();
    this.serverEvents = peer.openServerEvents();
    const offer = await peer.createOffer();
    this.awaitingAnswer = true;
    this.dataTransport = true;
    return {
      requiresImmediateRenegotiation: true,
      sessionDescription: { type: 'offer', sdp: offer },
      dataChannel: {
        location: 'remote',
        dataChannelName: SERVER_EVENTS_CHANNEL,
        id: this.serverEvents.id ?? 0,
      },
    };
  }

  private nextChannelId(): number {
    const used = new Set([...this.channels.keys()]);
    if (this.serverEvents?.id !== undefined && this.serverEvents.id !== null) used.add(this.serverEvents.id);
    let id = 2;
    while (used.has(id)) id++;
    return id;
  }

  private requireDataTransport(): MediaPeer {
    if (!this.peer || !(this.dataTransport || this.peer.hasDataTransport)) {
      throw badParams('This session has no data channel transport: call datachannels/establish first');
    }
    return this.peer;
  }

  async newDataChannels(body: { dataChannels: DataChannelInput[] }): Promise<DataChannelsResponse> {
    this.noPendingOffer();
    const items = body.dataChannels;
    if (!items.length) throw badParams('dataChannels must not be empty');
    if (items.length > this.limits.maxTracksPerCall)
      throw badParams(`Expecting at most ${this.limits.maxTracksPerCall} data channels`);
    if (new Set(items.map((d) => d.location)).size > 1)
      throw badParams('All data channels of one request must be local, or all remote');
    const peer = this.requireDataTransport();
    await this.connected('sctp');
    const results: DataChannelResult[] = [];
    for (const item of items) {
      const name = item.dataChannelName;
      if (!name) {
        results.push({
          ...item,
          errorCode: 'invalid_params',
          errorDescription: 'dataChannelName is required',
        });
        continue;
      }
      if (item.maxRetransmits !== undefined && item.maxPacketLifeTime !== undefined) {
        results.push({
          ...item,
          errorCode: 'invalid_params',
          errorDescription: 'Set at most one of maxRetransmits and maxPacketLifeTime',
        });
        continue;
      }
      const settings = {
        ordered: item.ordered,
        maxRetransmits: item.maxRetransmits,
        maxPacketLifeTime: item.maxPacketLifeTime,
      };
      if (item.location === 'local') {
        const existing = this.publications.getData(this.appId, this.id, name);
        if (existing) {
          results.push({
            location: 'local',
            dataChannelName: name,
            id: [...this.channels.values()].find((c) => c.publication === existing)?.id,
            errorCode: 'repeated_local_track_error',
            errorDescription: `Data channel ${name} is already published on this session`,
          });
          continue;
        }
        const id = this.nextChannelId();
        const pipe = peer.openChannel({ id, label: name, ...settings });
        const publication = new DataPublication(this.id, name, pipe, settings);
        this.publications.addData(this.appId, publication);
        this.channels.set(id, { id, location: 'local', name, pipe, publication, active: true });
        results.push({ location: 'local', dataChannelName: name, id, ...reliability(settings) });
      } else if (item.location === 'remote') {
        const publication = item.sessionId
          ? this.publications.getData(this.appId, item.sessionId, name)
          : undefined;
        if (!publication) {
          results.push({
            ...item,
            errorCode: 'not_found_track_error',
            errorDescription: `Data channel ${name} of session ${item.sessionId ?? '?'} not found`,
          });
          continue;
        }
        const id = this.nextChannelId();
        const pipe = peer.openChannel({ id, label: name, ...publication.settings });
        const record: ChannelRecord = {
          id,
          location: 'remote',
          name,
          sessionId: publication.sessionId,
          pipe,
          active: true,
        };
        record.subscription = new DataSubscription(publication, pipe, {
          waitForAck: item.waitForAck === true,
          canReply: item.canReply === true,
          ackWaitMs: this.limits.dataAckWaitMs,
          onExpired: () => (record.active = false),
        });
        this.channels.set(id, record);
        results.push({
          location: 'remote',
          sessionId: publication.sessionId,
          dataChannelName: name,
          id,
          ...reliability(publication.settings),
        });
      } else {
        results.push({
          ...item,
          errorCode: 'invalid_params',
          errorDescription: 'location must be local or remote',
        });
      }
    }
    return { dataChannels: results };
  }

  updateDataChannels(body: { dataChannels: DataChannelInput[] }): DataChannelsResponse {
    this.requireDataTransport();
    const results: DataChannelResult[] = body.dataChannels.map((item) => {
      const record = [...this.channels.values()].find(
        (c) =>
          c.location === 'remote' &&
          c.active &&
          (item.id !== undefined
            ? c.id === item.id
            : c.sessionId === item.sessionId && c.name === item.dataChannelName),
      );
      if (!record?.subscription) {
        return {
          ...item,
          errorCode: 'not_found_track_error' as const,
          errorDescription: 'No such data channel subscription on this session',
        };
      }
      if (item.canReply !== undefined) record.subscription.canReply = item.canReply;
      return {
        location: 'remote' as const,
        sessionId: record.sessionId,
        dataChannelName: record.name,
        id: record.id,
        canReply: record.subscription.canReply,
      };
    });
    return { dataChannels: results };
  }

  closeDataChannels(body: { dataChannels: DataChannelInput[] }): DataChannelsResponse {
    if (!body.dataChannels.length) throw badParams('dataChannels must not be empty');
    const results: DataChannelResult[] = body.dataChannels.map((item) => {
      const record = item.id !== undefined ? this.channels.get(item.id) : undefined;
      if (!record?.active) {
        return {
          ...item,
          errorCode: 'close_track_error' as const,
          errorDescription: "Data channel doesn't exist or was already closed",
        };
      }
      record.active = false;
      if (record.publication) {
        record.publication.close();
        this.publications.removeData(record.publication);
      } else {
        record.subscription?.close();
      }
      return {
        location: record.location,
        ...(record.sessionId ? { sessionId: record.sessionId } : {}),
        dataChannelName: record.name,
        id: record.id,
      };
    });
    return { dataChannels: results };
  }

  // ---- lifecycle --------------------------------------------------------------------------------------

  /** Once the client holds the SDP of every pulled m-line, sinks may start, each from a fresh keyframe. */
  private kickSinks(): void {
    if (this.awaitingAnswer || !this.peer?.transportReady) return;
    for (const t of this.tracks.values()) {
      if (t.location !== 'remote' || !t.active || t.sink.ready) continue;
      t.sink.ready = true;
      t.sink.start();
    }
  }

  housekeeping(now: number): void {
    if (this.closed) return;
    const limits = this.limits;
    // Unused: never negotiated, or negotiated but never connected (the client went away mid-setup).
    if (!this.connectedOnce && now - this.createdAt > limits.unusedSessionMs) {
      void this.close();
      return;
    }
    const heard = this.peer?.lastInboundAt ?? 0;
    if (heard && now - heard > limits.silentSessionMs) {
      void this.close();
      return;
    }
    if (this.disconnectedSince && now - this.disconnectedSince > limits.disconnectGraceMs) {
      void this.close();
      return;
    }
    for (const t of this.tracks.values()) {
      if (!t.active) continue;
      if (t.location === 'local') {
        const source = t.publication.source;
        const last = source.lastPacketAt || t.publication.publishedAt;
        if (now - last > limits.trackIdleMs) this.stopTrack(t);
      } else {
        t.sink.reconsider(now);
        if (t.sink.source && t.sink.currentRid === undefined) t.sink.requestKeyframe();
      }
    }
  }

  forwardedPackets(): number {
    let n = 0;
    for (const t of this.tracks.values()) if (t.location === 'remote') n += t.sink.forwarded;
    return n;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.tracks.values()) if (t.active) this.stopTrack(t);
    for (const c of this.channels.values()) {
      c.active = false;
      c.publication?.close();
      c.subscription?.close();
      if (c.publication) this.publications.removeData(c.publication);
    }
    this.context.onClosed(this);
    await this.peer?.close();
  }
}

function echo(item: TrackInput): TrackResult {
  return {
    location: 'remote',
    ...(item.sessionId !== undefined ? { sessionId: item.sessionId } : {}),
    ...(item.trackName !== undefined ? { trackName: item.trackName } : {}),
  };
}

function preference(simulcast: TrackInput['simulcast']): LayerPreference {
  return {
    preferredRid: simulcast?.preferredRid || undefined,
    priorityOrdering: simulcast?.priorityOrdering,
    ridNotAvailable: simulcast?.ridNotAvailable,
  };
}

function reliability(s: {
  ordered?: boolean | undefined;
  maxRetransmits?: number | undefined;
  maxPacketLifeTime?: number | undefined;
}) {
  return {
    ...(s.ordered !== undefined ? { ordered: s.ordered } : {}),
    ...(s.maxRetransmits !== undefined ? { maxRetransmits: s.maxRetransmits } : {}),
    ...(s.maxPacketLifeTime !== undefined ? { maxPacketLifeTime: s.maxPacketLifeTime } : {}),
  };
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
