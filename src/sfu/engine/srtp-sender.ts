/**
 * One subscriber m-line's outgoing RTP stream on the lean path: header written for that m-line
 * (rtp-rewriter.ts), SRTP-protected once (srtp-protect.ts), sent on the peer's transport (srtp-transport.ts)
 * and kept for retransmission (retransmit-cache.ts). werift's `RTCRtpSender` stays for what is negotiated
 * (SSRC, payload type, mid, extensions) and for incoming RTCP: its PLI/FIR and NACK events land here.
 */
import type { RTCRtpSender, RtpPacket } from 'werift';
import { RolloverCounter } from './srtp-protect.ts';
import { RtpHeaderWriter, absSendTime } from './rtp-rewriter.ts';
import { RetransmitCache } from './retransmit-cache.ts';
import { testOnlyLoss, type SrtpTransport } from './srtp-transport.ts';
import type { StreamReport } from './sender-reports.ts';

/** What a `MediaSink` writes to: one m-line's outgoing stream. */
export interface RtpOutput {
  /** Sends the publisher's `packet` with this m-line's header and the sequence number and timestamp the
   * sink rewrote (the packet itself is shared by all sinks and stays as it is). */
  send(packet: RtpPacket, sequenceNumber: number, timestamp: number): void;
  /** Registers what to do when the subscriber asks for a keyframe (PLI/FIR). */
  onKeyframeRequest(listener: () => void): void;
}

/** The werift sender internals this reads and writes (private in werift 0.24's typings). */
interface WeriftSenderState {
  codec?: { payloadType: number; clockRate: number } | undefined;
  mid?: string | undefined;
  cname?: string | undefined;
  headerExtensions: { id: number; uri: string }[];
  lastSRtimestamp?: number;
  lastSentSRTimestamp?: number;
}

export class SrtpStreamSender implements RtpOutput, StreamReport {
  private readonly cache = new RetransmitCache();
  private rollover = new RolloverCounter();
  private epoch = -1;
  private writer: RtpHeaderWriter | undefined;
  private writtenFor: { codec: unknown; extensions: unknown; mid: unknown } | undefined;
  packets = 0;
  octets = 0;
  retransmitted = 0;
  private lastTs = 0;
  lastSentAt = 0;

  constructor(
    private readonly transport: SrtpTransport,
    private readonly sender: RTCRtpSender,
  ) {
    sender.onGenericNack.subscribe((nack) => {
      for (const seq of nack.lost) this.retransmit(seq);
    });
    transport.streams.add(this);
  }

  /** Stops reporting on this stream (its m-line is gone). */
  close(): void {
    this.transport.streams.delete(this);
  }

  get ssrc(): number {
    return this.sender.ssrc;
  }

  get cname(): string | undefined {
    return (this.sender as unknown as WeriftSenderState).cname;
  }

  onKeyframeRequest(listener: () => void): void {
    this.sender.onPictureLossIndication.subscribe(listener);
  }

  send(packet: RtpPacket, sequenceNumber: number, timestamp: number): void {
    const srtp = this.transport.srtp;
    const writer = this.headerWriter();
    if (!srtp || !writer) return;
    if (this.epoch !== this.transport.keyEpoch) {
      this.epoch = this.transport.keyEpoch;
      this.rollover = new RolloverCounter();
      this.cache.clear();
    }
    const now = Date.now();
    const payload = packet.payload;
    const header = writer.write({
      marker: packet.header.marker,
      sequenceNumber,
      timestamp,
      transportSeq: writer.hasTransportSeq ? this.transport.nextTransportSeq() : 0,
      absSendTime: absSendTime(now),
    });
    const datagram = srtp.protect(
      header,
      payload,
      writer.ssrc,
      sequenceNumber,
      this.rollover.next(sequenceNumber),
    );
    this.cache.put(sequenceNumber, datagram);
    this.packets++;
    this.octets += payload.length;
    this.lastTs = timestamp;
    this.lastSentAt = now;
    if (testOnlyLoss.dropOutgoingRtp?.(writer.ssrc, sequenceNumber)) return;
    this.transport.send(datagram);
  }

  /** Answers a NACK: the datagram sent with `sequenceNumber` again, if it is still held. */
  retransmit(sequenceNumber: number): void {
    const datagram = this.cache.get(sequenceNumber);
    if (!datagram || !this.transport.srtp) return;
    this.retransmitted++;
    this.transport.send(datagram);
  }

  rtpTimestampAt(at: number): number {
    const clockRate = (this.sender as unknown as WeriftSenderState).codec?.clockRate ?? 90000;
    return (this.lastTs + Math.round(((at - this.lastSentAt) * clockRate) / 1000)) >>> 0;
  }

  reported(compactNtp: number, atSeconds: number): void {
    const state = this.sender as unknown as WeriftSenderState;
    state.lastSRtimestamp = compactNtp;
    state.lastSentSRTimestamp = atSeconds;
  }

  /** The header writer for what is negotiated now (codec, extensions and mid change with renegotiation). */
  private headerWriter(): RtpHeaderWriter | undefined {
    const s = this.sender as unknown as WeriftSenderState;
    const codec = s.codec;
    if (!codec) return undefined;
    const w = this.writtenFor;
    if (!w || w.codec !== codec || w.extensions !== s.headerExtensions || w.mid !== s.mid) {
      this.writer = new RtpHeaderWriter(this.sender.ssrc, codec.payloadType, s.headerExtensions, s.mid);
      this.writtenFor = { codec, extensions: s.headerExtensions, mid: s.mid };
    }
    return this.writer;
  }
}
