/**
 * SRTP protection of outgoing RTP with Node's native crypto (RFC 3711 AES-128-CM + HMAC-SHA1-80, RFC 7714
 * AEAD_AES_128_GCM), from the master key and salt DTLS-SRTP exported. Only the sending direction: werift
 * keeps decrypting what the client sends. The caller owns the rollover counter (`RolloverCounter`).
 */
import { createCipheriv, createHmac } from 'node:crypto';

/** DTLS-SRTP protection profiles (RFC 5764, RFC 7714), as werift names them in `srtpProfile`. */
export const SRTP_AES128_CM_HMAC_SHA1_80 = 0x0001;
export const SRTP_AEAD_AES_128_GCM = 0x0007;

export class SrtpProfileError extends Error {
  constructor(profile: number | undefined) {
    super(`unsupported SRTP protection profile ${String(profile)}`);
    this.name = 'SrtpProfileError';
  }
}

/** The master key and salt lengths of a profile (RFC 5764 §4.1.2, RFC 7714 §12). */
export function masterLengths(profile: number): { key: number; salt: number } {
  if (profile === SRTP_AES128_CM_HMAC_SHA1_80) return { key: 16, salt: 14 };
  if (profile === SRTP_AEAD_AES_128_GCM) return { key: 16, salt: 12 };
  throw new SrtpProfileError(profile);
}

/** RFC 3711 §4.3.1 key derivation (key_derivation_rate 0): `length` bytes of session material for `label`. */
export function deriveSessionKey(
  masterKey: Buffer,
  masterSalt: Buffer,
  label: number,
  length: number,
): Buffer {
  const iv = Buffer.alloc(16);
  masterSalt.copy(iv, 0, 0, Math.min(14, masterSalt.length));
  iv[7]! ^= label;
  const aes = createCipheriv('aes-128-ctr', masterKey, iv);
  return aes.update(Buffer.alloc(length));
}

/**
 * Protects RTP packets for one direction of one DTLS-SRTP session. `protect` returns the datagram as its
 * parts (header, encrypted payload, tag), which `dgram` sends without joining them.
 */
export class SrtpProtector {
  private readonly key: Buffer;
  private readonly salt: Buffer;
  private readonly authKey: Buffer | undefined;
  private readonly iv: Buffer;
  private readonly gcm: boolean;
  private readonly roc = Buffer.alloc(4);

  constructor(
    readonly profile: number,
    masterKey: Buffer,
    masterSalt: Buffer,
  ) {
    const lengths = masterLengths(profile);
    if (masterKey.length !== lengths.key || masterSalt.length !== lengths.salt) {
      throw new RangeError(`SRTP master key/salt must be ${lengths.key}/${lengths.salt} bytes`);
    }
    this.gcm = profile === SRTP_AEAD_AES_128_GCM;
    this.key = deriveSessionKey(masterKey, masterSalt, 0, 16);
    this.salt = deriveSessionKey(masterKey, masterSalt, 2, this.gcm ? 12 : 14);
    this.authKey = this.gcm ? undefined : deriveSessionKey(masterKey, masterSalt, 1, 20);
    this.iv = Buffer.alloc(this.gcm ? 12 : 16);
  }

  /** Bytes the protection adds after the payload. */
  get overhead(): number {
    return this.gcm ? 16 : 10;
  }

  /**
   * `header` is the complete RTP header (with extensions) of a packet with SSRC `ssrc` and sequence number
   * `seq` (both also written in `header`), `roc` its rollover counter.
   */
  protect(header: Buffer, payload: Buffer, ssrc: number, seq: number, roc: number): [Buffer, Buffer, Buffer] {
    const iv = this.iv;
    const salt = this.salt;
    if (this.gcm) {
      // RFC 7714 §8.1: 00 00 || SSRC || ROC || SEQ, XOR the session salt.
      iv.writeUInt16BE(0, 0);
      iv.writeUInt32BE(ssrc >>> 0, 2);
      iv.writeUInt32BE(roc >>> 0, 6);
      iv.writeUInt16BE(seq, 10);
      for (let i = 0; i < 12; i++) iv[i]! ^= salt[i]!;
      const cipher = createCipheriv('aes-128-gcm', this.key, iv);
      cipher.setAAD(header);
      const enc = cipher.update(payload);
      cipher.final();
      return [header, enc, cipher.getAuthTag()];
    }
    // RFC 3711 §4.1.1: (salt · 2^16) XOR (SSRC · 2^64) XOR (index · 2^16).
    iv.writeUInt32BE(0, 0);
    iv.writeUInt32BE(ssrc >>> 0, 4);
    iv.writeUInt32BE(roc >>> 0, 8);
    iv.writeUInt16BE(seq, 12);
    iv.writeUInt16BE(0, 14);
    for (let i = 0; i < 14; i++) iv[i]! ^= salt[i]!;
    const enc = createCipheriv('aes-128-ctr', this.key, iv).update(payload);
    this.roc.writeUInt32BE(roc >>> 0, 0);
    const hmac = createHmac('sha1', this.authKey!);
    hmac.update(header);
    hmac.update(enc);
    hmac.update(this.roc);
    return [header, enc, hmac.digest().subarray(0, 10)];
  }
}

/** The rollover counter of one outgoing SSRC (RFC 3711 §3.3.1), from the sequence numbers sent on it. */
export class RolloverCounter {
  private highest = -1;
  private roc = 0;

  /** The ROC for `seq`: the current one, the next when `seq` wrapped past 0xffff, the previous for a late one. */
  next(seq: number): number {
    if (this.highest < 0) {
      this.highest = seq;
      return 0;
    }
    const diff = seq - this.highest;
    if (diff > 0x8000) return (this.roc - 1) >>> 0; // an older packet from before the last wrap
    if (diff < -0x8000) {
      this.roc = (this.roc + 1) >>> 0;
      this.highest = seq;
      return this.roc;
    }
    if (diff > 0) this.highest = seq;
    return this.roc;
  }
}
