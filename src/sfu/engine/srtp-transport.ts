/**
 * The sending half of one peer's bundled DTLS-SRTP transport, below werift's `RTCRtpSender`: SRTP keys from
 * werift's DTLS session, protection with Node's native crypto (srtp-protect.ts), datagrams written straight
 * to the nominated ICE pair's UDP socket, and the transport-wide sequence numbers of everything sent on it.
 * werift keeps the receiving half (decryption, RTCP routing) and the handshake.
 */
import type { Socket } from 'node:dgram';
import { SrtpProtector, masterLengths } from './srtp-protect.ts';
import type { Datagram } from './retransmit-cache.ts';
import { SENDER_REPORT_INTERVAL_MS, buildSenderReports, type StreamReport } from './sender-reports.ts';

/** The parts of werift 0.24's `RTCDtlsTransport` this uses (some private there). */
export interface WeriftDtlsTransport {
  state: string;
  transportSequenceNumber: number;
  dtls?: {
    srtp: { srtpProfile?: number | undefined };
    extractSessionKeys(keyLength: number, saltLength: number): { localKey: Buffer; localSalt: Buffer };
  };
  iceTransport: { connection: WeriftIceConnection };
  sendRtcp(packets: { serialize(): Buffer }[]): Promise<unknown>;
}

interface WeriftIcePair {
  remoteAddr: readonly [string, number];
  protocol: { type?: string; transport?: { socket?: Socket; closed?: boolean } };
}

interface WeriftIceConnection {
  state: string;
  nominated?: WeriftIcePair | undefined;
  send(data: Buffer): Promise<void>;
}

/**
 * Test-only: when set, original (not retransmitted) RTP packets for which it returns true are dropped
 * instead of sent, as a lossy link would; tests of loss repair use it. Never set in production.
 */
export const testOnlyLoss: { dropOutgoingRtp: ((ssrc: number, seq: number) => boolean) | undefined } = {
  dropOutgoingRtp: undefined,
};

export class SrtpTransport {
  private protector: SrtpProtector | undefined;
  private keyedSession: unknown;
  /** Changes when the keys change (a new DTLS session): streams restart their rollover counters. */
  keyEpoch = 0;
  private pair: WeriftIcePair | undefined;
  private socket: Socket | undefined;
  private port = 0;
  private address = '';

  /** The streams sending on this transport, for the sender reports. */
  readonly streams = new Set<StreamReport>();
  private reportTimer: ReturnType<typeof setInterval> | undefined;
  private closed = false;

  private dtls: WeriftDtlsTransport | undefined;

  /** `resolve`: the peer's (bundled) DTLS transport, once a description has created it. */
  constructor(private readonly resolve: () => WeriftDtlsTransport | undefined) {}

  /** The DTLS transport, looked up again only while it is not connected (werift's getter is not cheap). */
  private transport(): WeriftDtlsTransport | undefined {
    if (this.dtls?.state !== 'connected') this.dtls = this.resolve();
    return this.dtls;
  }

  /** Protection with the keys of the current DTLS session, when the transport is up. */
  get srtp(): SrtpProtector | undefined {
    const dtls = this.transport();
    if (this.closed || dtls?.state !== 'connected') return undefined;
    if (dtls.dtls !== this.keyedSession) this.rekey(dtls);
    if (!this.reportTimer) {
      this.reportTimer = setInterval(() => this.report(), SENDER_REPORT_INTERVAL_MS);
      this.reportTimer.unref();
    }
    return this.protector;
  }

  /** Takes the SRTP keys of the DTLS session that connected (a restart brings a new one). */
  private rekey(dtls: WeriftDtlsTransport): void {
    const session = dtls.dtls;
    this.keyedSession = session;
    this.protector = undefined;
    const profile = session?.srtp.srtpProfile;
    if (!session || profile === undefined) return;
    try {
      const { key, salt } = masterLengths(profile);
      const { localKey, localSalt } = session.extractSessionKeys(key, salt);
      this.protector = new SrtpProtector(profile, localKey, localSalt);
      this.keyEpoch++;
    } catch (e) {
      // A profile this path cannot protect: nothing is sent rather than something the browser drops.
      console.error(`SFU: no SRTP for forwarded media: ${(e as Error).message}`);
    }
  }

  /** The next transport-wide sequence number (shared with anything werift itself sends). */
  nextTransportSeq(): number {
    const dtls = this.transport();
    if (!dtls) return 0;
    return (dtls.transportSequenceNumber = (dtls.transportSequenceNumber + 1) & 0xffff);
  }

  /** Writes one datagram to the nominated pair. */
  send(datagram: Datagram): void {
    const connection = this.transport()?.iceTransport.connection;
    if (!connection) return;
    const pair = connection.nominated;
    if (!pair || connection.state === 'closed' || connection.state === 'failed') return;
    if (pair !== this.pair) this.usePair(pair);
    const socket = this.socket;
    if (socket && !pair.protocol.transport?.closed) {
      socket.send(datagram as Buffer[], this.port, this.address);
    } else if (!socket) {
      void connection.send(Buffer.concat(datagram)).catch(() => undefined);
    }
  }

  /** Sends the streams' sender reports (werift's SRTCP protects them). */
  private report(): void {
    const dtls = this.transport();
    if (dtls?.state !== 'connected') return;
    const packet = buildSenderReports(this.streams, Date.now());
    if (packet) void dtls.sendRtcp([{ serialize: () => packet }]).catch(() => undefined);
  }

  close(): void {
    this.closed = true;
    clearInterval(this.reportTimer);
    this.streams.clear();
  }

  private usePair(pair: WeriftIcePair): void {
    this.pair = pair;
    // A UDP pair's own socket; anything else (TCP, TURN) goes through werift.
    this.socket = pair.protocol.type === 'stun' ? pair.protocol.transport?.socket : undefined;
    this.address = pair.remoteAddr[0];
    this.port = pair.remoteAddr[1];
  }
}
