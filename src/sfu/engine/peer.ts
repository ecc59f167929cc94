/**
 * The engine boundary: everything werift-specific about one Calls session's peer connection lives here and
 * in `media.ts`. The session layer above speaks in SDP strings, mids, `MediaSource`/`MediaSink` and
 * `DataPipe`, so another WebRTC stack could stand in.
 */
import { isIPv4 } from 'node:net';
import {
  MediaStream,
  RTCRtpHeaderExtensionParameters,
  RTCPeerConnection,
  RTCRtpCodecParameters,
  type RTCDataChannel,
  type RTCRtpTransceiver,
  useAbsSendTime,
  useRepairedRtpStreamId,
  useSdesMid,
  useSdesRTPStreamId,
  useTransportWideCC,
} from 'werift';
import * as sdpTransform from 'sdp-transform';
import { mediaSectionMids } from '../../protocol/sdp-limits.ts';
import { MediaSink, MediaSource, type CodecInfo, type MediaKind } from './media.ts';
import { TwccRecorder, buildRemb, type RawRtcp } from './feedback.ts';
import { offerForWerift } from './offer-fixes.ts';

export type PeerState = 'new' | 'connecting' | 'connected' | 'disconnected' | 'failed' | 'closed';

export interface PeerOptions {
  /**
   * The host candidates, in order of preference: the address announced and the local address its UDP socket
   * binds (a wildcard for an announced address that is not local). One socket per distinct `bind`.
   */
  addresses: readonly { announce: string; bind: string }[];
  portRange?: [number, number] | undefined;
  /** Bitrate cap the SFU signals to publishers with REMB, bits/s. */
  maxPublisherBitrate: number;
}

/** One m-section of a client offer, as the session layer needs to know it. */
export interface OfferedSection {
  mid: string;
  kind: MediaKind | 'application';
  /** The client's direction: `sendonly`/`sendrecv` sections carry a publication. */
  direction: 'sendonly' | 'recvonly' | 'sendrecv' | 'inactive';
  rejected: boolean;
  rids: string[];
}

export interface DataChannelOptions {
  id: number;
  label: string;
  ordered?: boolean | undefined;
  maxRetransmits?: number | undefined;
  maxPacketLifeTime?: number | undefined;
}

export type DataMessage = string | Buffer;

/** One SCTP data channel on this peer. */
export interface DataPipe {
  readonly id: number;
  readonly state: 'connecting' | 'open' | 'closing' | 'closed';
  send(message: DataMessage): void;
  onMessage(listener: (message: DataMessage) => void): void;
  onOpen(listener: () => void): void;
  close(): void;
}

const VIDEO_FEEDBACK = [
  { type: 'nack' },
  { type: 'nack', parameter: 'pli' },
  { type: 'ccm', parameter: 'fir' },
  { type: 'goog-remb' },
  { type: 'transport-cc' },
];

function codecs() {
  return {
    audio: [
      new RTCRtpCodecParameters({
        mimeType: 'audio/opus',
        clockRate: 48000,
        channels: 2,
        payloadType: 111,
        parameters: 'minptime=10;useinbandfec=1',
        rtcpFeedback: [{ type: 'transport-cc' }],
      }),
    ],
    video: [
      new RTCRtpCodecParameters({
        mimeType: 'video/VP8',
        clockRate: 90000,
        payloadType: 96,
        rtcpFeedback: VIDEO_FEEDBACK,
      }),
      new RTCRtpCodecParameters({
        mimeType: 'video/VP9',
        clockRate: 90000,
        payloadType: 98,
        parameters: 'profile-id=0',
        rtcpFeedback: VIDEO_FEEDBACK,
      }),
      new RTCRtpCodecParameters({
        mimeType: 'video/H264',
        clockRate: 90000,
        payloadType: 102,
        parameters: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f',
        rtcpFeedback: VIDEO_FEEDBACK,
      }),
      new RTCRtpCodecParameters({
        mimeType: 'video/H264',
        clockRate: 90000,
        payloadType: 104,
        parameters: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f',
        rtcpFeedback: VIDEO_FEEDBACK,
      }),
      new RTCRtpCodecParameters({
        mimeType: 'video/AV1',
        clockRate: 90000,
        payloadType: 45,
        rtcpFeedback: VIDEO_FEEDBACK,
      }),
    ],
  };
}

function headerExtensions() {
  return {
    audio: [useSdesMid(), useAbsSendTime(), useTransportWideCC()],
    video: [
      useSdesMid(),
      useSdesRTPStreamId(),
      useRepairedRtpStreamId(),
      useAbsSendTime(),
      useTransportWideCC(),
    ],
  };
}

const TWCC_URI = 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01';
const FEEDBACK_INTERVAL_MS = 50;
const REMB_INTERVAL_MS = 1000;

export class MediaPeer {
  private readonly pc: RTCPeerConnection;
  private readonly sources = new Map<string, MediaSource>();
  private readonly sinks = new Map<string, MediaSink>();
  /** Every `streamId trackId` this peer has sent an m-section for (see `uniqueTrackId`). */
  private readonly msids = new Set<string>();
  private readonly stateListeners = new Set<(state: PeerState) => void>();
  private readonly readyListeners = new Set<() => void>();
  private readonly watchedDtls = new WeakSet<object>();
  private readonly boundConnections = new WeakSet<object>();
  private readonly twcc = new TwccRecorder();
  private readonly rtcpSsrc = (Math.random() * 0xffffffff) >>> 0;
  private feedbackTimer: ReturnType<typeof setInterval> | undefined;
  private lastRemb = 0;
  private transportHooked = false;
  private twccId: number | undefined;
  /** When the client last sent anything (RTP, RTCP, DTLS, SCTP); 0 before the transport is up. */
  lastInboundAt = 0;
  private closed = false;
  /** Called for every non-negotiated channel the client opens (DCEP). */
  onRemoteDataChannel: ((pipe: DataPipe, label: string) => void) | undefined;

  constructor(private readonly options: PeerOptions) {
    this.pc = new RTCPeerConnection({
      iceLite: true,
      bundlePolicy: 'max-bundle',
      iceServers: [],
      // The addresses are ours (addresses.ts), not werift's own pick of the interfaces.
      iceUseIpv4: false,
      iceUseIpv6: false,
      iceAdditionalHostAddresses: [...new Set(options.addresses.map((a) => a.bind))],
      icePortRange: options.portRange,
      codecs: codecs(),
      headerExtensions: headerExtensions(),
    });
    this.pc.connectionStateChange.subscribe((state) => {
      for (const l of this.stateListeners) l(state);
    });
    // werift's own TWCC feedback is per receiver and wrong for a bundled transport (see feedback.ts); it is
    // set up while a remote description is applied, so it is switched off as each transceiver appears.
    // Its `twccEnabled` getter also sorts the codec list on every packet; with our own feedback it is off.
    const noReceiverTwcc = (t: RTCRtpTransceiver) =>
      Object.defineProperties(t.receiver, {
        setupTWCC: { value: () => undefined, configurable: true },
        twccEnabled: { get: () => undefined, configurable: true },
      });
    this.pc.onTransceiverAdded.subscribe(noReceiverTwcc);
    this.pc.onRemoteTransceiverAdded.subscribe(noReceiverTwcc);
    this.pc.onDataChannel.subscribe((channel) => {
      this.onRemoteDataChannel?.(wrapChannel(channel), channel.label);
    });
  }

  get state(): PeerState {
    return this.pc.connectionState;
  }

  /**
   * ICE and DTLS are up, so SRTP flows. werift's `connectionState` turns `connected` only once SCTP has
   * connected as well; media (and Calls' "wait for ICE+DTLS" rule) need not wait for that.
   */
  get transportReady(): boolean {
    return !this.closed && this.pc.dtlsTransports[0]?.state === 'connected';
  }

  onTransportReady(listener: () => void): () => void {
    this.readyListeners.add(listener);
    return () => this.readyListeners.delete(listener);
  }

  /** Follows the DTLS transport that descriptions create (one, bundled). */
  private watchTransport(): void {
    for (const dtls of this.pc.dtlsTransports) {
      if (this.watchedDtls.has(dtls)) continue;
      this.watchedDtls.add(dtls);
      dtls.onStateChange.subscribe((state) => {
        if (state !== 'connected' || this.closed) return;
        this.hookTransport();
        for (const l of this.readyListeners) l();
      });
    }
  }

  onState(listener: (state: PeerState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  get negotiated(): boolean {
    return this.pc.remoteDescription !== null;
  }

  /** The mids of every m-section negotiated so far (what a new offer may reuse without adding a section). */
  get mids(): string[] {
    return mediaSectionMids(this.pc.localDescription?.sdp ?? '').map((mid, i) => mid ?? String(i));
  }

  get hasDataTransport(): boolean {
    const sdp = this.pc.localDescription?.sdp ?? '';
    return /\nm=application /.test(sdp);
  }

  /** Applies a client offer and returns the SFU's answer and what the offer held. */
  async acceptOffer(
    offer: string,
    /** Runs between applying the offer and writing the answer, e.g. to make sections send. */
    beforeAnswer?: (sections: OfferedSection[]) => void,
  ): Promise<{ answer: string; sections: OfferedSection[] }> {
    const sections = usableSections(offer, 'offer');
    await this.pc.setRemoteDescription({ type: 'offer', sdp: offerForWerift(offer) });
    for (const t of this.pc.getTransceivers()) this.adopt(t);
    this.keepSimulcast(sections);
    beforeAnswer?.(sections);
    // Answer `setup:passive`: the browser drives the DTLS handshake as client. werift's own client flights
    // stall under CPU load (retransmitted until they give up), Chrome's do not.
    for (const dtls of this.pc.dtlsTransports) if (dtls.role === 'auto') dtls.role = 'server';
    const answer = await this.pc.createAnswer();
    this.bindEachAddress();
    await this.pc.setLocalDescription(answer);
    this.watchTransport();
    this.startAddedSctp();
    return { answer: this.announce(rejectLikeOffer(this.pc.localDescription!.sdp, offer)), sections };
  }

  /**
   * werift starts SCTP only while it connects the transport; an m=application added by a later exchange on a
   * connected session would never start, and its first queued channel crashes werift (an id of undefined).
   */
  private startAddedSctp(): void {
    const sctp = this.pc.sctpTransport as unknown as { dataChannelId?: number } | undefined;
    if (!sctp || sctp.dataChannelId !== undefined || this.pc.connectionState !== 'connected') return;
    const manager = (this.pc as unknown as { sctpManager: { connectSctp(): Promise<void> } }).sctpManager;
    manager.connectSctp().catch(() => undefined);
  }

  /**
   * Later SFU offers must repeat a published section's simulcast layers (`a=rid:… recv`, `a=simulcast`):
   * werift writes them into offers only from the transceiver's options, and a browser answering an offer
   * without them drops the track to a single encoding.
   */
  private keepSimulcast(sections: OfferedSection[]): void {
    for (const section of sections) {
      if (!section.rids.length) continue;
      const t = this.pc.getTransceivers().find((x) => x.mid === section.mid);
      if (!t || t.options.simulcast?.length) continue;
      t.options.simulcast = section.rids.map((rid) => ({ rid, direction: 'recv' as const }));
    }
  }

  /** Applies the client's answer to the SFU's last offer. */
  async acceptAnswer(answer: string): Promise<void> {
    const offered = describeSections(this.pc.localDescription?.sdp ?? '').map((s) => s.mid);
    const answered = usableSections(answer, 'answer').map((s) => s.mid);
    if (answered.join(' ') !== offered.join(' ')) {
      throw new Error(
        `its m-sections (mids ${answered.join(',')}) are not those of the SFU offer (${offered.join(',')})`,
      );
    }
    await this.pc.setRemoteDescription({ type: 'answer', sdp: answer });
    for (const t of this.pc.getTransceivers()) this.adopt(t);
    this.startAddedSctp();
  }

  /**
   * The msid track id of a new outgoing m-section: the publication's track name, with a suffix when this
   * peer already sent one with the same stream and track id (the same track pulled again, after a rejoin or a
   * closed pull), since browsers refuse a description with duplicate `a=msid` lines.
   */
  private uniqueTrackId(streamId: string, trackId: string): string {
    let id = trackId;
    for (let n = 2; this.msids.has(`${streamId} ${id}`); n++) id = `${trackId}~${n}`;
    this.msids.add(`${streamId} ${id}`);
    return id;
  }

  /** Adds an SFU-sending m-section; its mid exists once `createOffer` ran. */
  addOutgoing(
    kind: MediaKind,
    options: { codec?: CodecInfo | undefined; bidirectional?: boolean; streamId: string; trackId: string },
  ): { sink: MediaSink; mid: () => string } {
    const transceiver = this.pc.addTransceiver(kind, {
      direction: options.bidirectional ? 'sendrecv' : 'sendonly',
      streams: [new MediaStream({ id: options.streamId })],
    });
    Object.assign(transceiver.sender, { trackId: this.uniqueTrackId(options.streamId, options.trackId) });
    const all = codecs()[kind];
    const wanted = options.codec ? all.filter((c) => sameCodec(c, options.codec!)) : all;
    transceiver.codecs = wanted.length ? wanted : all;
    transceiver.headerExtensions = this.extensionsFor(kind);
    const sink = new MediaSink(kind, transceiver.sender);
    return {
      sink,
      mid: () => {
        const mid = transceiver.mid;
        if (mid === null || mid === undefined) throw new Error('mid not assigned before createOffer');
        this.sinks.set(mid, sink);
        if (options.bidirectional) this.adopt(transceiver);
        return mid;
      },
    };
  }

  /** Adds an m-section the client is to send on (a push without a client offer); a sendrecv one with
   * `bidirectional` also gets a sink so tracks can be pulled back into it (`mid: "#name"`). */
  addIncoming(kind: MediaKind, bidirectional: boolean): { mid: () => string; sink: MediaSink | undefined } {
    const transceiver = this.pc.addTransceiver(kind, { direction: bidirectional ? 'sendrecv' : 'recvonly' });
    transceiver.codecs = codecs()[kind];
    transceiver.headerExtensions = this.extensionsFor(kind);
    const sink = bidirectional ? new MediaSink(kind, transceiver.sender) : undefined;
    return {
      sink,
      mid: () => {
        const mid = transceiver.mid;
        if (mid === null || mid === undefined) throw new Error('mid not assigned before createOffer');
        if (sink) this.sinks.set(mid, sink);
        return mid;
      },
    };
  }

  /** The sink on the SFU-sending side of a client's sendrecv section, created on first use. */
  sinkForBidirectional(mid: string): MediaSink | undefined {
    const existing = this.sinks.get(mid);
    if (existing) return existing;
    const t = this.pc.getTransceivers().find((x) => x.mid === mid);
    if (!t || (t.kind !== 'audio' && t.kind !== 'video')) return undefined;
    if (t.direction === 'recvonly') t.setDirection('sendrecv');
    const sink = new MediaSink(t.kind, t.sender);
    this.sinks.set(mid, sink);
    return sink;
  }

  /**
   * Header extensions for a new SFU-written m-section: every section of one BUNDLE must map an id to the same
   * URI, so ids the session already uses (usually the browser's, from its first offer) are kept and new URIs
   * get ids nobody uses; werift's own ids would collide (Chrome: "codec collision for header extension").
   */
  private extensionsFor(kind: MediaKind): RTCRtpHeaderExtensionParameters[] {
    const ids = new Map<string, number>();
    for (const sdp of [this.pc.remoteDescription?.sdp, this.pc.localDescription?.sdp]) {
      if (!sdp) continue;
      for (const m of sdpTransform.parse(sdp).media) {
        for (const e of m.ext ?? []) if (!ids.has(e.uri)) ids.set(e.uri, e.value);
      }
    }
    for (const t of this.pc.getTransceivers()) {
      for (const e of t.headerExtensions) if (!ids.has(e.uri)) ids.set(e.uri, e.id);
    }
    const taken = new Set(ids.values());
    let next = 1;
    return headerExtensions()[kind].map(({ uri }) => {
      let id = ids.get(uri);
      if (id === undefined) {
        while (taken.has(next)) next++;
        id = next;
        taken.add(id);
        ids.set(uri, id);
      }
      return new RTCRtpHeaderExtensionParameters({ id, uri });
    });
  }

  /** Opens the reserved `server-events` channel so the next offer carries an SCTP m-section. */
  openServerEvents(): DataPipe {
    return wrapChannel(this.pc.createDataChannel('server-events'));
  }

  async createOffer(): Promise<string> {
    const offer = await this.pc.createOffer();
    this.bindEachAddress();
    await this.pc.setLocalDescription(offer);
    this.watchTransport();
    return this.announce(this.pc.localDescription!.sdp);
  }

  source(mid: string): MediaSource | undefined {
    return this.sources.get(mid);
  }

  sink(mid: string): MediaSink | undefined {
    return this.sinks.get(mid);
  }

  /** The mid of the SFU-sending transceiver of a bidirectional local track. */
  transceiverKind(mid: string): MediaKind | undefined {
    const kind = this.pc.getTransceivers().find((t) => t.mid === mid)?.kind;
    return kind === 'audio' || kind === 'video' ? kind : undefined;
  }

  openChannel(options: DataChannelOptions): DataPipe {
    const channel = this.pc.createDataChannel(options.label, {
      negotiated: true,
      id: options.id,
      ordered: options.ordered ?? true,
      ...(options.maxRetransmits !== undefined ? { maxRetransmits: options.maxRetransmits } : {}),
      ...(options.maxPacketLifeTime !== undefined ? { maxPacketLifeTime: options.maxPacketLifeTime } : {}),
    });
    return wrapChannel(channel);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.feedbackTimer);
    for (const s of this.sources.values()) s.close();
    for (const s of this.sinks.values()) s.detach();
    await this.pc.close().catch(() => undefined);
  }

  /** Wires a transceiver the client sends on into a `MediaSource`, once. */
  private adopt(t: RTCRtpTransceiver): void {
    const mid = t.mid;
    if (mid === null || mid === undefined || this.sources.has(mid)) return;
    const direction = t.currentDirection ?? t.direction;
    if (direction !== 'recvonly' && direction !== 'sendrecv') return;
    const receiver = t.receiver;
    if (t.kind !== 'audio' && t.kind !== 'video') return;
    const source = new MediaSource(t.kind, (ssrc) => void receiver.sendRtcpPLI(ssrc));
    this.sources.set(mid, source);
    const listen = (track: {
      rid?: string;
      onReceiveRtp: RTCRtpTransceiver['receiver']['track']['onReceiveRtp'];
    }) => {
      const rid = track.rid ?? '';
      track.onReceiveRtp.subscribe((packet) => {
        if (!source.codec || source.codec.mimeType === '') {
          const codec = t.codecs.find((c) => c.payloadType === packet.header.payloadType);
          if (codec) source.codec = toCodecInfo(codec);
        }
        source.push(rid, packet, Date.now());
      });
    };
    for (const track of receiver.tracks) listen(track);
    t.onTrack.subscribe((track) => listen(track));
  }

  /** Transport-wide feedback: TWCC every 50 ms, REMB every second, for what the client publishes. */
  private hookTransport(): void {
    if (this.transportHooked) return;
    const dtls = this.pc.dtlsTransports[0];
    if (!dtls) return;
    this.transportHooked = true;
    this.lastInboundAt = Date.now();
    dtls.iceTransport.connection.onData.subscribe(() => {
      this.lastInboundAt = Date.now();
    });
    dtls.onRtp.subscribe((packet) => {
      const id = (this.twccId ??= this.twccExtensionId());
      if (id === undefined) return;
      const ext = packet.header.extensions.find((e) => e.id === id);
      if (ext && ext.payload.length >= 2) this.twcc.record(ext.payload.readUInt16BE(0), nowUs());
    });
    this.feedbackTimer = setInterval(() => {
      if (!this.transportReady) return;
      const packets: RawRtcp[] = [];
      const mediaSsrc = this.firstVideoSsrc();
      const fb = this.twcc.build(this.rtcpSsrc, mediaSsrc ?? 0);
      if (fb) packets.push(fb);
      const now = Date.now();
      if (mediaSsrc !== undefined && now - this.lastRemb >= REMB_INTERVAL_MS) {
        this.lastRemb = now;
        packets.push(buildRemb(this.rtcpSsrc, this.options.maxPublisherBitrate, this.videoSsrcs()));
      }
      if (packets.length) void dtls.sendRtcp(packets as never).catch(() => undefined);
    }, FEEDBACK_INTERVAL_MS);
  }

  private twccExtensionId(): number | undefined {
    for (const [id, uri] of Object.entries(this.pc.extIdUriMap)) if (uri === TWCC_URI) return Number(id);
    return undefined;
  }

  private videoSsrcs(): number[] {
    const out: number[] = [];
    for (const s of this.sources.values()) {
      if (s.kind !== 'video') continue;
      for (const layer of s.layers.values()) if (layer.ssrc !== undefined) out.push(layer.ssrc);
    }
    return out;
  }

  private firstVideoSsrc(): number | undefined {
    return this.videoSsrcs()[0];
  }

  /**
   * werift binds every host candidate's socket to the wildcard address. On a machine with several addresses
   * the kernel then answers a check to one address from another, and browsers drop such a response: each
   * socket must bind the address it is announced for. werift takes one bind address per family for all of
   * its sockets, so gathering is done one address at a time, each with its own.
   */
  private bindEachAddress(): void {
    for (const ice of this.pc.iceTransports) {
      const connection = ice.connection as unknown as WeriftGathering;
      if (this.boundConnections.has(connection)) continue;
      this.boundConnections.add(connection);
      const gather = connection.getCandidatePromises.bind(connection);
      connection.getCandidatePromises = (addresses, timeout) =>
        addresses.flatMap((address) => {
          const saved = connection.options.interfaceAddresses;
          // Read synchronously when the socket is created, before gathering's first await.
          connection.options.interfaceAddresses = isIPv4(address) ? { udp4: address } : { udp6: address };
          try {
            return gather([address], timeout);
          } finally {
            connection.options.interfaceAddresses = saved;
          }
        });
    }
  }

  /**
   * Writes our host candidates in place of werift's: one per announced address, in the configured order with
   * falling priorities, on the port of the socket bound for it. Also says at session level that the SFU is
   * an ICE-lite agent: Chrome answering an offer that says it only per m= section starts as the controlled
   * agent, gets "487 Role Conflict" and nominates only after switching roles, ~110 ms later.
   */
  private announce(sdp: string): string {
    const out: string[] = [];
    let ports = new Map<string, string>();
    let pending = -1;
    const flush = () => {
      if (pending < 0) return;
      out.splice(pending, 0, ...candidateLines(this.options.addresses, ports));
      pending = -1;
    };
    for (const line of withIceLite(sdp).split('\r\n')) {
      if (line.startsWith('m=')) {
        flush();
        ports = new Map();
      }
      if (line.startsWith('a=candidate:')) {
        const parts = line.split(' ');
        if (parts[2]?.toLowerCase() === 'udp' && parts[7] === 'host') ports.set(parts[4]!, parts[5]!);
        if (pending < 0) pending = out.length;
        continue;
      }
      out.push(line);
    }
    flush();
    return out.join('\r\n');
  }
}

/** The part of werift's ICE `Connection` that `bindEachAddress` wraps (werift 0.24, private there). */
interface WeriftGathering {
  options: { interfaceAddresses?: { udp4?: string; udp6?: string } | undefined };
  getCandidatePromises(addresses: string[], timeout?: number): Promise<unknown>[];
}

/** Host candidates for `addresses`, most preferred first (RFC 8445 §5.1.2: type 126, falling local preference). */
function candidateLines(
  addresses: readonly { announce: string; bind: string }[],
  ports: ReadonlyMap<string, string>,
): string[] {
  const lines: string[] = [];
  addresses.forEach(({ announce, bind }, i) => {
    const port = ports.get(bind);
    if (port === undefined) return; // its socket could not bind
    const priority = 126 * 2 ** 24 + (65535 - i) * 2 ** 8 + 255;
    lines.push(`a=candidate:${i + 1} 1 udp ${priority} ${announce} ${port} typ host`);
  });
  return lines;
}

/** `a=ice-lite` at session level, before the first m= line (werift writes it in each m= section only). */
function withIceLite(sdp: string): string {
  const i = sdp.indexOf('\r\nm=');
  if (i < 0 || /\r\na=ice-lite\r\n/.test(sdp.slice(0, i + 2))) return sdp;
  return `${sdp.slice(0, i)}\r\na=ice-lite${sdp.slice(i)}`;
}

function nowUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

function toCodecInfo(c: RTCRtpCodecParameters): CodecInfo {
  return {
    mimeType: c.mimeType,
    clockRate: c.clockRate,
    ...(c.channels !== undefined ? { channels: c.channels } : {}),
    ...(c.parameters !== undefined ? { parameters: c.parameters } : {}),
  };
}

function sameCodec(c: RTCRtpCodecParameters, info: CodecInfo): boolean {
  if (c.mimeType.toLowerCase() !== info.mimeType.toLowerCase()) return false;
  if (c.mimeType.toLowerCase() !== 'video/h264') return true;
  const profile = (p: string | undefined) =>
    /profile-level-id=([0-9a-f]{2})/i.exec(p ?? '')?.[1]?.toLowerCase();
  return profile(c.parameters) === profile(info.parameters);
}

function describeSections(sdp: string): OfferedSection[] {
  const parsed = sdpTransform.parse(sdp);
  return parsed.media.map((m, i) => {
    const kind: OfferedSection['kind'] = m.type === 'audio' || m.type === 'video' ? m.type : 'application';
    const direction = m.direction ?? 'sendrecv';
    return {
      mid: m.mid !== undefined ? String(m.mid) : String(i),
      kind,
      direction,
      rejected: isRejected(m),
      rids: (m.rids ?? []).filter((r) => r.direction === 'send').map((r) => String(r.id)),
    };
  });
}

/**
 * Port 0 rejects an m-section, except with `a=bundle-only`: Firefox (max-bundle) offers every m-section but
 * the first with port 0 and bundle-only, and means them to be live on the BUNDLE transport (RFC 8843).
 */
function isRejected(m: { port: number; bundleOnly?: string }): boolean {
  return m.port === 0 && !m.bundleOnly;
}

/** werift takes nearly any text as a description and then fails the transport, closing the session:
 * refuse what cannot be one before it gets there. */
function usableSections(sdp: string, what: 'offer' | 'answer'): OfferedSection[] {
  if (!/^v=0\r?\n/.test(sdp)) throw new Error(`the ${what} is not SDP (it must start with v=0)`);
  const sections = describeSections(sdp);
  if (!sections.length) throw new Error(`the ${what} has no m= section`);
  if (!/^a=ice-ufrag:/m.test(sdp) || !/^a=ice-pwd:/m.test(sdp)) {
    throw new Error(`the ${what} has no ICE credentials (a=ice-ufrag, a=ice-pwd)`);
  }
  if (!/^a=fingerprint:/m.test(sdp)) throw new Error(`the ${what} has no DTLS fingerprint (a=fingerprint)`);
  return sections;
}

/**
 * werift answers an m-section the client stopped (port 0) as if it were live and keeps it in the BUNDLE
 * group, which Chrome refuses. The answer must reject what the offer rejected and bundle only what the offer
 * bundles.
 */
function rejectLikeOffer(answer: string, offer: string): string {
  const o = sdpTransform.parse(offer);
  const rejected = new Set(o.media.filter(isRejected).map((m) => String(m.mid)));
  const offered = new Set(
    (o.groups ?? [])
      .filter((g) => g.type === 'BUNDLE')
      .flatMap((g) => String(g.mids).split(' '))
      .filter((mid) => !rejected.has(mid)),
  );
  const a = sdpTransform.parse(answer);
  if (
    !rejected.size &&
    !(a.groups ?? []).some(
      (g) =>
        g.type === 'BUNDLE' &&
        String(g.mids)
          .split(' ')
          .some((m) => !offered.has(m)),
    )
  ) {
    return answer;
  }
  for (const m of a.media) {
    if (!rejected.has(String(m.mid))) continue;
    m.port = 0;
    m.direction = 'inactive';
    delete m.candidates;
    delete m.ssrcs;
    delete m.ssrcGroups;
    delete m.msid;
  }
  a.groups = (a.groups ?? []).map((g) =>
    g.type === 'BUNDLE'
      ? {
          ...g,
          mids: String(g.mids)
            .split(' ')
            .filter((mid) => offered.has(mid))
            .join(' '),
        }
      : g,
  );
  return sdpTransform.write(a);
}

function wrapChannel(channel: RTCDataChannel): DataPipe {
  return {
    get id() {
      return channel.id;
    },
    get state() {
      return channel.readyState;
    },
    send(message) {
      if (channel.readyState === 'open') channel.send(message);
    },
    onMessage(listener) {
      channel.onMessage.subscribe((data) => listener(data));
    },
    onOpen(listener) {
      if (channel.readyState === 'open') listener();
      else channel.stateChanged.subscribe((s) => s === 'open' && listener());
    },
    close() {
      channel.close();
    },
  };
}
