/**
 * One session's offer/answer state machine over its `MediaPeer`: the peer's creation and loss, the wait for
 * a connected transport, applying client offers, SFU offers awaiting their answer (and the publications that
 * answer will bring), and the connection facts the expiry rules read.
 */
import { SERVER_EVENTS_CHANNEL } from '../protocol/calls.ts';
import { sdpLimitProblem } from '../protocol/sdp-limits.ts';
import { announcedAddresses, mediaAddresses } from './addresses.ts';
import type { SfuConfig } from './config.ts';
import { MediaPeer, type DataPipe, type OfferedSection } from './engine/peer.ts';
import { CallsError, badSdp, notConnected, offerPending } from './errors.ts';
import type { ConnectionFacts } from './expiry.ts';

/** A track the client will send once it answers the SFU offer that added its section (mode D). */
export interface PendingPublication {
  mid: string;
  trackName: string;
  bidirectional: boolean;
}

export interface NegotiationEvents {
  /** ICE+DTLS are up (media may flow). */
  transportReady(): void;
  /** The transport failed or closed: the session is over. */
  failed(): void;
  /** The client opened the reserved server-events channel itself. */
  serverEvents(pipe: DataPipe): void;
}

export class Negotiation implements ConnectionFacts {
  private current: MediaPeer | undefined;
  /** An SFU offer is out and unanswered. */
  awaitingAnswer = false;
  private pending: PendingPublication[] = [];
  /** An m=application was negotiated (or is being, by an SFU offer). */
  dataTransport = false;
  readonly createdAt = Date.now();
  connectedOnce = false;
  disconnectedSince = 0;

  constructor(
    private readonly config: SfuConfig,
    private readonly events: NegotiationEvents,
  ) {}

  get peer(): MediaPeer | undefined {
    return this.current;
  }

  get lastInboundAt(): number {
    return this.current?.lastInboundAt ?? 0;
  }

  get hasDataTransport(): boolean {
    return this.dataTransport || this.current?.hasDataTransport === true;
  }

  ensurePeer(): MediaPeer {
    if (this.current) return this.current;
    const { host, announcedIps, rtpPortRange, maxPublisherBitrate } = this.config;
    const addresses = mediaAddresses(announcedAddresses(announcedIps, host));
    const peer = new MediaPeer({ addresses, portRange: rtpPortRange, maxPublisherBitrate });
    peer.onState((state) => {
      if (this.current !== peer) return; // dropped after a failed first offer
      // Being connected at all (and starting media) is `onTransportReady`'s, below: it comes first.
      if (state === 'connected') {
        this.disconnectedSince = 0;
      } else if (state === 'disconnected') {
        this.disconnectedSince ||= Date.now();
      } else if (state === 'failed' || state === 'closed') {
        this.events.failed();
      }
    });
    // Media may start once ICE+DTLS are up; SCTP (part of werift's `connected`) comes a round trip later.
    peer.onTransportReady(() => {
      if (this.current !== peer) return;
      this.connectedOnce = true;
      this.events.transportReady();
    });
    peer.onRemoteDataChannel = (pipe, label) => {
      if (label === SERVER_EVENTS_CHANNEL) this.events.serverEvents(pipe);
    };
    this.current = peer;
    return peer;
  }

  /** Refuses any change while an SFU offer is unanswered (406, as Cloudflare). */
  noPendingOffer(): void {
    if (this.awaitingAnswer) throw offerPending();
  }

  /**
   * Later exchanges need the transport up: wait up to 5 s for it, else 425. Media operations need ICE+DTLS
   * (Calls' rule); data-channel operations also need SCTP, which werift's `connected` includes.
   */
  async connected(need: 'media' | 'sctp' = 'media'): Promise<void> {
    const peer = this.current;
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
      const timer = setTimeout(() => done(false), this.config.limits.connectWaitMs);
      const offState = peer.onState((s) => {
        if (s === 'connected' || s === 'failed' || s === 'closed') done(s === 'connected');
      });
      const offReady = peer.onTransportReady(() => {
        if (up()) done(true);
      });
    });
    if (!ok) throw notConnected();
  }

  /** Applies a client offer and answers it. */
  async applyOffer(
    sdp: string,
    beforeAnswer?: (peer: MediaPeer, sections: OfferedSection[]) => void,
  ): Promise<{ answer: string; sections: OfferedSection[] }> {
    // Bounded before werift sees it: each added m-section costs it a transceiver (ms of work, memory held).
    const tooMuch = sdpLimitProblem(sdp, this.current?.mids ?? []);
    if (tooMuch) throw badSdp(tooMuch);
    const fresh = !this.current?.negotiated;
    const peer = this.ensurePeer();
    try {
      return await peer.acceptOffer(sdp, beforeAnswer && ((sections) => beforeAnswer(peer, sections)));
    } catch (e) {
      if (fresh) {
        // werift keeps half of a rejected first offer (the session would then answer 425 forever): start
        // over, so the client can offer again on this session.
        this.current = undefined;
        void peer.close();
      }
      throw badSdp(`The offer could not be applied: ${describe(e)}`);
    }
  }

  /** Writes an SFU offer; changes wait until the client answers it. */
  async offer(): Promise<string> {
    const offer = await this.ensurePeer().createOffer();
    this.awaitingAnswer = true;
    return offer;
  }

  /** A publication the answer to the SFU offer just written brings. */
  expectPublication(publication: PendingPublication): void {
    this.pending.push(publication);
  }

  /** Applies the client's answer to the SFU offer; returns the publications it brings. */
  async acceptAnswer(sdp: string): Promise<{ peer: MediaPeer; publications: PendingPublication[] }> {
    const peer = this.current;
    if (!this.awaitingAnswer || !peer) {
      throw badSdp('There is no SFU offer waiting for an answer (was this answer already sent?)');
    }
    try {
      await peer.acceptAnswer(sdp);
    } catch (e) {
      throw badSdp(`The answer could not be applied: ${describe(e)}`);
    }
    this.awaitingAnswer = false;
    return { peer, publications: this.pending.splice(0) };
  }

  close(): Promise<void> {
    return this.current?.close() ?? Promise.resolve();
  }
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
