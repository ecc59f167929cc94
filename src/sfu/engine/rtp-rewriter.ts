/**
 * The RTP header one subscriber m-line sends: its own SSRC and payload type, the sequence number and
 * timestamp the sink rewrote, and the header extensions that subscriber negotiated (mid, abs-send-time,
 * transport-wide sequence number), in the one-byte form (RFC 8285). The extension layout is fixed once per
 * m-line; each packet only patches its fields into a fresh header buffer.
 */
import { SDES_MID_URI, ABS_SEND_TIME_URI, TWCC_URI } from './codecs.ts';

export interface NegotiatedExtension {
  id: number;
  uri: string;
}

/** What a header carries besides the fixed fields. */
export interface HeaderFields {
  marker: boolean;
  sequenceNumber: number;
  timestamp: number;
  /** The transport-wide sequence number, when the m-line negotiated the extension. */
  transportSeq: number;
  /** abs-send-time, 6.18 fixed-point seconds (24 bits), when negotiated. */
  absSendTime: number;
}

export class RtpHeaderWriter {
  /** Header bytes up to and including the extension block: its template, copied into each packet. */
  private readonly template: Buffer;
  private readonly twccAt: number = -1;
  private readonly absAt: number = -1;
  readonly length: number;

  constructor(
    readonly ssrc: number,
    readonly payloadType: number,
    extensions: readonly NegotiatedExtension[],
    mid: string | undefined,
  ) {
    const elements: Buffer[] = [];
    let offset = 12 + 4;
    let twccAt = -1;
    let absAt = -1;
    const add = (id: number, data: Buffer) => {
      // One-byte form: id 1-14, 1-16 bytes of data.
      if (id < 1 || id > 14 || data.length < 1 || data.length > 16) return -1;
      elements.push(Buffer.from([(id << 4) | (data.length - 1)]), data);
      const at = offset + 1;
      offset += 1 + data.length;
      return at;
    };
    for (const { id, uri } of [...extensions].sort((a, b) => a.id - b.id)) {
      if (uri === SDES_MID_URI && mid) add(id, Buffer.from(mid, 'utf8'));
      else if (uri === ABS_SEND_TIME_URI) absAt = add(id, Buffer.alloc(3));
      else if (uri === TWCC_URI) twccAt = add(id, Buffer.alloc(2));
    }
    let body = Buffer.concat(elements);
    if (body.length % 4) body = Buffer.concat([body, Buffer.alloc(4 - (body.length % 4))]);
    const fixed = Buffer.alloc(12);
    fixed[0] = body.length ? 0x90 : 0x80; // V=2, X when there are extensions
    fixed[1] = payloadType & 0x7f;
    fixed.writeUInt32BE(ssrc >>> 0, 8);
    if (body.length) {
      const extHeader = Buffer.alloc(4);
      extHeader.writeUInt16BE(0xbede, 0);
      extHeader.writeUInt16BE(body.length / 4, 2);
      this.template = Buffer.concat([fixed, extHeader, body]);
      this.twccAt = twccAt;
      this.absAt = absAt;
    } else {
      this.template = fixed;
    }
    this.length = this.template.length;
  }

  get hasTransportSeq(): boolean {
    return this.twccAt >= 0;
  }

  /** A new header buffer for one packet. */
  write(f: HeaderFields): Buffer {
    const h = Buffer.allocUnsafe(this.length);
    this.template.copy(h, 0);
    if (f.marker) h[1] = h[1]! | 0x80;
    h.writeUInt16BE(f.sequenceNumber & 0xffff, 2);
    h.writeUInt32BE(f.timestamp >>> 0, 4);
    if (this.twccAt >= 0) h.writeUInt16BE(f.transportSeq & 0xffff, this.twccAt);
    if (this.absAt >= 0) h.writeUIntBE(f.absSendTime & 0xffffff, this.absAt, 3);
    return h;
  }
}

/** abs-send-time of a moment given in ms since the epoch: 24 bits of 6.18 fixed-point seconds. */
export function absSendTime(ms: number): number {
  return Math.floor((ms * 262.144) % 0x1000000); // 2^18 / 1000 per ms, wrapping every 64 s
}
