/**
 * RTCP sender reports for the streams a peer sends on the lean path (srtp-sender.ts), which werift's
 * `RTCRtpSender` no longer sees: one compound packet per peer about every second, each stream's SR (NTP time
 * and the matching RTP timestamp, for the receiver's audio/video sync) and its CNAME. werift's SRTCP
 * protects it; its RTCP routing brings the receiver reports back for the RTT.
 */
/** What a sender report needs of a stream. */
export interface StreamReport {
  ssrc: number;
  cname: string | undefined;
  packets: number;
  octets: number;
  /** When the last packet went out, ms since the epoch. */
  lastSentAt: number;
  /** The RTP timestamp at `at` (ms since the epoch), extrapolated from the last packet sent. */
  rtpTimestampAt(at: number): number;
  /** Records that an SR with this compact NTP time went out at `atSeconds` (RTT from the receiver's report). */
  reported(compactNtp: number, atSeconds: number): void;
}

const NTP_EPOCH_OFFSET_S = 2208988800;
export const SENDER_REPORT_INTERVAL_MS = 1000;

/** A stream silent for longer is a sender no more (RFC 3550 §6.3.8): no reports about it. */
const SENDER_TIMEOUT_MS = 5000;

/** The compound RTCP packet (SRs then one SDES) for the streams sending lately, or undefined. */
export function buildSenderReports(streams: Iterable<StreamReport>, nowMs: number): Buffer | undefined {
  const seconds = Math.floor(nowMs / 1000);
  const ntpSec = (seconds + NTP_EPOCH_OFFSET_S) >>> 0;
  const ntpFrac = Math.floor(((nowMs - seconds * 1000) / 1000) * 0x100000000) >>> 0;
  const compact = (((ntpSec & 0xffff) << 16) | (ntpFrac >>> 16)) >>> 0;
  const parts: Buffer[] = [];
  const chunks: Buffer[] = [];
  for (const s of streams) {
    if (!s.packets || nowMs - s.lastSentAt > SENDER_TIMEOUT_MS) continue;
    const sr = Buffer.alloc(28);
    sr[0] = 0x80;
    sr[1] = 200;
    sr.writeUInt16BE(6, 2);
    sr.writeUInt32BE(s.ssrc >>> 0, 4);
    sr.writeUInt32BE(ntpSec, 8);
    sr.writeUInt32BE(ntpFrac, 12);
    sr.writeUInt32BE(s.rtpTimestampAt(nowMs), 16);
    sr.writeUInt32BE(s.packets >>> 0, 20);
    sr.writeUInt32BE(s.octets >>> 0, 24);
    parts.push(sr);
    s.reported(compact, nowMs / 1000);
    if (s.cname) chunks.push(sdesChunk(s.ssrc, s.cname));
  }
  if (!parts.length) return undefined;
  if (chunks.length) {
    const body = Buffer.concat(chunks);
    const header = Buffer.alloc(4);
    header[0] = 0x80 | Math.min(chunks.length, 31);
    header[1] = 202;
    header.writeUInt16BE(body.length / 4, 2);
    if (chunks.length <= 31) parts.push(header, body);
  }
  return Buffer.concat(parts);
}

/** One SDES chunk: SSRC, a CNAME item, the end marker, padded to 32 bits. */
function sdesChunk(ssrc: number, cname: string): Buffer {
  const text = Buffer.from(cname, 'utf8').subarray(0, 255);
  const length = 4 + 2 + text.length + 1;
  const chunk = Buffer.alloc(length + ((4 - (length % 4)) % 4));
  chunk.writeUInt32BE(ssrc >>> 0, 0);
  chunk[4] = 1;
  chunk[5] = text.length;
  text.copy(chunk, 6);
  return chunk;
}
