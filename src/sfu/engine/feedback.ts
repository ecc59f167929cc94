/**
 * RTCP feedback the SFU writes itself: transport-wide congestion control (TWCC) for the whole BUNDLE
 * transport, and REMB. werift's own TWCC keeps one state per receiver, so with audio and video bundled it
 * reports gaps as received and Chrome's estimate stalls near 200 kbps (sfu-study.md); one generator per
 * transport fixes that.
 */

const RTPFB = 205;
const PSFB = 206;

/** A prebuilt RTCP packet, in the duck type werift's `sendRtcp` accepts. */
export interface RawRtcp {
  serialize(): Buffer;
}

function rtcp(fmt: number, pt: number, body: Buffer): RawRtcp {
  const length = body.length / 4; // in 32-bit words, minus one for the header
  const header = Buffer.alloc(4);
  header[0] = 0x80 | fmt;
  header[1] = pt;
  header.writeUInt16BE(length, 2);
  const packet = Buffer.concat([header, body]);
  return { serialize: () => packet };
}

/** REMB (draft-alvestrand-rmcat-remb): the receiver's maximum bitrate for the given SSRCs. */
export function buildRemb(senderSsrc: number, bitrate: number, ssrcs: number[]): RawRtcp {
  let mantissa = Math.max(0, Math.floor(bitrate));
  let exp = 0;
  while (mantissa > 0x3ffff) {
    mantissa = Math.floor(mantissa / 2);
    exp++;
  }
  const body = Buffer.alloc(16 + 4 * ssrcs.length);
  body.writeUInt32BE(senderSsrc >>> 0, 0);
  body.writeUInt32BE(0, 4);
  body.write('REMB', 8, 'ascii');
  body[12] = ssrcs.length;
  body[13] = (exp << 2) | (mantissa >> 16);
  body.writeUInt16BE(mantissa & 0xffff, 14);
  ssrcs.forEach((ssrc, i) => body.writeUInt32BE(ssrc >>> 0, 16 + 4 * i));
  return rtcp(15, PSFB, body);
}

/** Arrival times of transport-wide sequence numbers, turned into TWCC feedback packets. */
export class TwccRecorder {
  /** arrival time in µs by unwrapped sequence number */
  private readonly arrivals = new Map<number, number>();
  private nextToReport: number | undefined;
  private highest: number | undefined;
  private lastUnwrapped: number | undefined;
  private fbPktCount = 0;

  record(seq16: number, arrivalUs: number): void {
    const seq = this.unwrap(seq16);
    if (this.nextToReport !== undefined && seq < this.nextToReport) return; // already reported
    this.arrivals.set(seq, arrivalUs);
    this.nextToReport ??= seq;
    if (this.highest === undefined || seq > this.highest) this.highest = seq;
  }

  private unwrap(seq16: number): number {
    if (this.lastUnwrapped === undefined) {
      this.lastUnwrapped = seq16;
      return seq16;
    }
    const last = this.lastUnwrapped;
    let delta = seq16 - (last & 0xffff);
    if (delta > 0x8000) delta -= 0x10000;
    if (delta < -0x8000) delta += 0x10000;
    const seq = last + delta;
    if (seq > last) this.lastUnwrapped = seq;
    return seq;
  }

  /** Builds one feedback packet covering everything recorded since the last one, or undefined. */
  build(senderSsrc: number, mediaSsrc: number): RawRtcp | undefined {
    if (this.nextToReport === undefined || this.highest === undefined) return undefined;
    const base = this.nextToReport;
    // Cap one packet's span; the rest goes in the next one.
    const end = Math.min(this.highest, base + 2000);
    let first: number | undefined;
    for (let s = base; s <= end; s++) {
      if (this.arrivals.has(s)) {
        first = this.arrivals.get(s);
        break;
      }
    }
    if (first === undefined) return undefined;
    const referenceTime = Math.floor(first / 64000); // 64 ms units
    let previous = referenceTime * 64000;
    const symbols: number[] = [];
    const deltas: Buffer[] = [];
    for (let s = base; s <= end; s++) {
      const at = this.arrivals.get(s);
      if (at === undefined) {
        symbols.push(0);
        continue;
      }
      const delta = Math.round((at - previous) / 250);
      previous += delta * 250;
      if (delta >= 0 && delta <= 255) {
        symbols.push(1);
        deltas.push(Buffer.from([delta]));
      } else {
        const clamped = Math.max(-32768, Math.min(32767, delta));
        symbols.push(2);
        const b = Buffer.alloc(2);
        b.writeInt16BE(clamped, 0);
        deltas.push(b);
      }
      this.arrivals.delete(s);
    }
    const chunks = encodeChunks(symbols);
    const fixed = Buffer.alloc(16);
    fixed.writeUInt32BE(senderSsrc >>> 0, 0);
    fixed.writeUInt32BE(mediaSsrc >>> 0, 4);
    fixed.writeUInt16BE(base & 0xffff, 8);
    fixed.writeUInt16BE(symbols.length, 10);
    fixed.writeUIntBE(referenceTime & 0xffffff, 12, 3);
    fixed[15] = this.fbPktCount++ & 0xff;
    let body = Buffer.concat([fixed, chunks, ...deltas]);
    const pad = (4 - (body.length % 4)) % 4;
    if (pad) body = Buffer.concat([body, Buffer.alloc(pad)]);
    this.nextToReport = end + 1;
    return rtcp(15, RTPFB, body);
  }
}

/** Packet status chunks: run-length where a status repeats, else two-bit status vectors of 7. */
function encodeChunks(symbols: number[]): Buffer {
  const words: number[] = [];
  let i = 0;
  while (i < symbols.length) {
    let run = 1;
    while (i + run < symbols.length && symbols[i + run] === symbols[i] && run < 0x1fff) run++;
    if (run >= 7) {
      words.push((symbols[i]! << 13) | run);
      i += run;
      continue;
    }
    let word = 0xc000; // status vector, two-bit symbols
    for (let k = 0; k < 7; k++) {
      const sym = i + k < symbols.length ? symbols[i + k]! : 0;
      word |= sym << (12 - 2 * k);
    }
    words.push(word);
    i += 7;
  }
  const out = Buffer.alloc(words.length * 2);
  words.forEach((w, k) => out.writeUInt16BE(w, k * 2));
  return out;
}
