/**
 * The lean send path's parts: SRTP protection checked against RFC 3711's key derivation vectors and against
 * werift's own SRTP decryption (both profiles, across a sequence-number wrap), the per-m-line header writer,
 * the retransmission cache and the sender reports.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { RtpPacket, SrtpSession } from 'werift';
import {
  RolloverCounter,
  SRTP_AEAD_AES_128_GCM,
  SRTP_AES128_CM_HMAC_SHA1_80,
  SrtpProfileError,
  SrtpProtector,
  deriveSessionKey,
  masterLengths,
} from '../../src/sfu/engine/srtp-protect.ts';
import { RtpHeaderWriter, absSendTime } from '../../src/sfu/engine/rtp-rewriter.ts';
import { RetransmitCache } from '../../src/sfu/engine/retransmit-cache.ts';
import { buildSenderReports, type StreamReport } from '../../src/sfu/engine/sender-reports.ts';
import { ABS_SEND_TIME_URI, SDES_MID_URI, TWCC_URI } from '../../src/sfu/engine/codecs.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s/g, ''), 'hex');

void test('session keys follow the RFC 3711 B.3 key derivation test vectors', () => {
  const key = hex('E1F97A0D3E018BE0D64FA32C06DE4139');
  const salt = hex('0EC675AD498AFEEBB6960B3AABE6');
  assert.equal(deriveSessionKey(key, salt, 0, 16).toString('hex'), 'c61e7a93744f39ee10734afe3ff7a087');
  assert.equal(deriveSessionKey(key, salt, 2, 14).toString('hex'), '30cbbc08863d8c85d49db34a9ae1');
  assert.equal(
    deriveSessionKey(key, salt, 1, 20).toString('hex'),
    'cebe321f6ff7716b6fd4ab49af256a156d38baa4',
  );
});

void test('an unknown protection profile or wrong key length is a typed error', () => {
  assert.throws(() => masterLengths(0x0002), SrtpProfileError);
  assert.throws(() => new SrtpProtector(SRTP_AEAD_AES_128_GCM, randomBytes(16), randomBytes(14)), RangeError);
});

const extensions = [
  { id: 3, uri: TWCC_URI },
  { id: 1, uri: SDES_MID_URI },
  { id: 2, uri: ABS_SEND_TIME_URI },
  { id: 9, uri: 'urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id' },
];

for (const profile of [SRTP_AES128_CM_HMAC_SHA1_80, SRTP_AEAD_AES_128_GCM]) {
  void test(`protected packets decrypt with werift's SRTP, profile ${profile}, across a sequence wrap`, () => {
    const { key, salt } = masterLengths(profile);
    const masterKey = randomBytes(key);
    const masterSalt = randomBytes(salt);
    const protector = new SrtpProtector(profile, masterKey, masterSalt);
    const receiver = new SrtpSession({
      profile,
      keys: {
        localMasterKey: randomBytes(key),
        localMasterSalt: randomBytes(salt),
        remoteMasterKey: masterKey,
        remoteMasterSalt: masterSalt,
      },
    });
    const writer = new RtpHeaderWriter(0xdeadbeef, 96, extensions, '7');
    const roc = new RolloverCounter();
    let transportSeq = 100;
    for (const seq of [65533, 65534, 65535, 0, 1, 2]) {
      const payload = randomBytes(200 + seq);
      const header = writer.write({
        marker: seq === 1,
        sequenceNumber: seq,
        timestamp: 90000 * seq,
        transportSeq: ++transportSeq,
        absSendTime: absSendTime(1_700_000_000_123),
      });
      const datagram = Buffer.concat(protector.protect(header, payload, 0xdeadbeef, seq, roc.next(seq)));
      assert.equal(datagram.length, header.length + payload.length + protector.overhead);
      const packet = RtpPacket.deSerialize(receiver.decrypt(datagram));
      assert.equal(packet.header.sequenceNumber, seq);
      assert.equal(packet.header.timestamp, (90000 * seq) >>> 0);
      assert.equal(packet.header.ssrc, 0xdeadbeef);
      assert.equal(packet.header.payloadType, 96);
      assert.equal(packet.header.marker, seq === 1);
      assert.deepEqual(packet.payload, payload);
      const ext = new Map(packet.header.extensions.map((e) => [e.id, e.payload]));
      assert.equal(ext.get(1)?.toString(), '7', 'mid');
      assert.equal(ext.get(3)?.readUInt16BE(0), transportSeq, 'transport-wide sequence number');
      assert.equal(ext.get(2)?.readUIntBE(0, 3), absSendTime(1_700_000_000_123), 'abs-send-time');
      assert.equal(ext.has(9), false, 'no rid on a subscriber stream');
    }
  });
}

void test('a tampered packet does not decrypt (the tag covers header and payload)', () => {
  const masterKey = randomBytes(16);
  const masterSalt = randomBytes(14);
  const protector = new SrtpProtector(SRTP_AES128_CM_HMAC_SHA1_80, masterKey, masterSalt);
  const receiver = new SrtpSession({
    profile: SRTP_AES128_CM_HMAC_SHA1_80,
    keys: {
      localMasterKey: masterKey,
      localMasterSalt: masterSalt,
      remoteMasterKey: masterKey,
      remoteMasterSalt: masterSalt,
    },
  });
  const header = new RtpHeaderWriter(5, 111, [], undefined).write({
    marker: false,
    sequenceNumber: 9,
    timestamp: 1,
    transportSeq: 0,
    absSendTime: 0,
  });
  const datagram = Buffer.concat(protector.protect(header, randomBytes(50), 5, 9, 0));
  datagram[20]! ^= 1;
  assert.throws(() => receiver.decrypt(datagram));
});

void test('the header writer: fixed fields, one-byte extensions padded to 32 bits, none without extensions', () => {
  const plain = new RtpHeaderWriter(0x01020304, 111, [], undefined);
  const h = plain.write({
    marker: true,
    sequenceNumber: 0x1_0005,
    timestamp: 2 ** 32 + 7,
    transportSeq: 0,
    absSendTime: 0,
  });
  assert.deepEqual([...h], [0x80, 0x80 | 111, 0, 5, 0, 0, 0, 7, 1, 2, 3, 4]);
  const withExt = new RtpHeaderWriter(1, 96, [{ id: 1, uri: SDES_MID_URI }], 'ab');
  const e = withExt.write({
    marker: false,
    sequenceNumber: 1,
    timestamp: 1,
    transportSeq: 0,
    absSendTime: 0,
  });
  assert.equal(e[0], 0x90, 'X bit');
  assert.equal(e.readUInt16BE(12), 0xbede);
  assert.equal(e.readUInt16BE(14), 1, 'one 32-bit word of extensions');
  assert.deepEqual([...e.subarray(16)], [0x11, 0x61, 0x62, 0x00]);
  assert.equal(withExt.hasTransportSeq, false);
  // Ids the one-byte form cannot carry are left out rather than written wrong.
  assert.equal(new RtpHeaderWriter(1, 96, [{ id: 15, uri: TWCC_URI }], undefined).length, 12);
});

void test('the rollover counter follows wraps and places late packets before the wrap', () => {
  const roc = new RolloverCounter();
  assert.equal(roc.next(65530), 0);
  assert.equal(roc.next(65535), 0);
  assert.equal(roc.next(2), 1, 'wrapped');
  assert.equal(roc.next(65534), 0, 'a late packet from before the wrap');
  assert.equal(roc.next(3), 1);
});

void test('the retransmission cache answers recent sequence numbers and forgets overwritten ones', () => {
  const cache = new RetransmitCache(4);
  const d = (n: number) => [Buffer.from([n])];
  for (const seq of [65534, 65535, 0, 1]) cache.put(seq, d(seq & 0xff));
  assert.deepEqual(cache.get(65535), d(0xff));
  assert.deepEqual(cache.get(0), d(0));
  cache.put(2, d(2)); // replaces 65534 (same slot)
  assert.equal(cache.get(65534), undefined);
  assert.equal(cache.get(6), undefined, 'same slot as 2, another sequence number');
  assert.throws(() => new RetransmitCache(3), RangeError);
  cache.clear();
  assert.equal(cache.get(2), undefined);
});

void test('sender reports: one SR per sending stream with the extrapolated RTP time, then the CNAMEs', () => {
  const reported: number[] = [];
  const stream = (ssrc: number, lastSentAt: number): StreamReport => ({
    ssrc,
    cname: 'sfu',
    packets: 10,
    octets: 1000,
    lastSentAt,
    rtpTimestampAt: (at) => (at - lastSentAt) * 90,
    reported: (compact) => reported.push(compact),
  });
  const now = 1_700_000_000_500;
  const packet = buildSenderReports([stream(1, now - 100), stream(2, now - 60_000)], now)!;
  assert.equal(packet[1], 200);
  assert.equal(packet.readUInt32BE(4), 1);
  assert.equal(packet.readUInt32BE(8), Math.floor(now / 1000) + 2208988800, 'NTP seconds');
  assert.equal(packet.readUInt32BE(12), 0x80000000, 'NTP fraction: half a second');
  assert.equal(packet.readUInt32BE(16), 9000, 'RTP time now');
  assert.equal(packet.readUInt32BE(20), 10);
  assert.equal(packet[28 + 1], 202, 'SDES follows; the silent stream has no SR');
  assert.equal(packet.length, 28 + 4 + 12);
  assert.equal(reported.length, 1);
  assert.equal(buildSenderReports([stream(2, now - 60_000)], now), undefined);
});
