/**
 * The media plane's forwarding rules on their own: a `MediaSource` fed with synthetic VP8 packets and
 * `MediaSink`s writing into a recording fake output (named as such; srtp-send-path.node.test.ts and the
 * browser tests cover the real one).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RtpHeader, RtpPacket } from 'werift';
import { MediaSource, fannedOut } from '../../src/sfu/engine/media.ts';
import { MediaSink } from '../../src/sfu/engine/sink.ts';
import type { RtpOutput } from '../../src/sfu/engine/srtp-sender.ts';
import { isKeyframe } from '../../src/sfu/engine/keyframe.ts';
import { until } from '../helpers/wait.ts';

class FakeOutput implements RtpOutput {
  readonly sent: RtpPacket[] = [];
  send(packet: RtpPacket, sequenceNumber: number, timestamp: number): void {
    const { marker, ssrc, payloadType } = packet.header;
    const header = new RtpHeader({ marker, ssrc, payloadType, sequenceNumber, timestamp });
    this.sent.push(new RtpPacket(header, packet.payload));
  }
  onKeyframeRequest(): void {}
}

/** VP8 payload descriptor (S=1, partition 0) + the first byte of a VP8 frame header (bit 0: 0 = key). */
function vp8(start: boolean, key: boolean): Buffer {
  return Buffer.from([start ? 0x10 : 0x00, key ? 0x00 : 0x01, 0xaa, 0xbb]);
}

/** One frame of `packets` packets on one layer. */
function frame(seq: number, ts: number, ssrc: number, key: boolean, packets = 3): RtpPacket[] {
  return Array.from({ length: packets }, (_, i) => {
    const header = new RtpHeader({
      sequenceNumber: (seq + i) & 0xffff,
      timestamp: ts,
      ssrc,
      payloadType: 96,
      marker: i === packets - 1,
    });
    return new RtpPacket(header, vp8(i === 0, key));
  });
}

function setup(rids: string[] = []) {
  const requests: number[] = [];
  const source = new MediaSource('video', (ssrc) => requests.push(ssrc));
  source.codec = { mimeType: 'video/VP8', clockRate: 90000 };
  source.declareLayers(rids);
  const fake = new FakeOutput();
  const sink = new MediaSink('video', fake);
  return { source, sink, fake, requests };
}

function seqs(packets: RtpPacket[]): number[] {
  return packets.map((p) => p.header.sequenceNumber);
}

void test('keyframe detection reads the VP8 payload descriptor', () => {
  assert.equal(isKeyframe('video/VP8', vp8(true, true)), true);
  assert.equal(isKeyframe('video/VP8', vp8(true, false)), false);
  assert.equal(isKeyframe('video/VP8', vp8(false, true)), false);
  // Extended descriptor with a 15-bit picture id, TL0PICIDX and TID: key bit at offset 6.
  assert.equal(isKeyframe('video/VP8', Buffer.from([0x90, 0xe0, 0x80, 0x01, 0x05, 0x20, 0x00])), true);
  assert.equal(isKeyframe('video/H264', Buffer.from([0x65])), true);
  assert.equal(isKeyframe('video/H264', Buffer.from([0x41])), false);
});

void test('a new subscription starts at a keyframe: deltas before it are dropped', async () => {
  const { source, sink, fake } = setup();
  sink.ready = true;
  sink.attach(source);
  for (const p of frame(100, 3000, 1, false)) source.push('', p, 0);
  await fannedOut();
  assert.equal(fake.sent.length, 0);
  for (const p of frame(103, 6000, 1, true)) source.push('', p, 0);
  for (const p of frame(106, 9000, 1, false)) source.push('', p, 0);
  await fannedOut();
  assert.deepEqual(seqs(fake.sent), [103, 104, 105, 106, 107, 108]);
});

void test("a ready sink replays the layer's cached keyframe, then continues from a fresh one without gaps", async () => {
  const { source, sink, fake, requests } = setup();
  for (const p of frame(10, 1000, 7, true)) source.push('', p, 0);
  for (const p of frame(13, 4000, 7, false)) source.push('', p, 0);
  sink.attach(source);
  sink.ready = true;
  sink.start();
  assert.deepEqual(seqs(fake.sent), [10, 11, 12], 'the cached keyframe goes out at once');
  assert.ok(requests.includes(7), 'a fresh keyframe is asked for');
  for (const p of frame(16, 7000, 7, false)) source.push('', p, 0);
  await fannedOut();
  assert.equal(fake.sent.length, 3, 'live deltas wait for the fresh keyframe');
  for (const p of frame(19, 10000, 7, true)) source.push('', p, 0);
  for (const p of frame(22, 13000, 7, false)) source.push('', p, 0);
  await fannedOut();
  assert.deepEqual(seqs(fake.sent), [10, 11, 12, 13, 14, 15, 16, 17, 18], 'sequence numbers continue');
  const ts = fake.sent.map((p) => p.header.timestamp);
  assert.ok(ts[3]! > ts[2]!, 'timestamps move forward');
  assert.equal(ts[8]! - ts[3]!, 3000, 'and keep the publisher spacing after the rebase');
});

void test('simulcast: the preferred layer is forwarded, and a switch happens at the new layer keyframe', async () => {
  const { source, sink, fake, requests } = setup(['f', 'h', 'q']);
  sink.ready = true;
  const ssrc = { f: 1, h: 2, q: 3 } as const;
  let seq = { f: 1000, h: 2000, q: 3000 };
  let ts = 90000;
  const tick = async (keys: Partial<Record<'f' | 'h' | 'q', boolean>>) => {
    for (const rid of ['f', 'h', 'q'] as const) {
      for (const p of frame(seq[rid], ts, ssrc[rid], keys[rid] ?? false)) source.push(rid, p, Date.now());
      seq = { ...seq, [rid]: seq[rid] + 3 };
    }
    ts += 3000;
    await fannedOut();
  };
  await tick({ f: true, h: true, q: true }); // layers known and flowing
  sink.attach(source, { preferredRid: 'q' });
  await tick({});
  assert.equal(fake.sent.length, 0);
  await tick({ q: true });
  await tick({});
  assert.deepEqual(
    fake.sent.map((p) => p.header.ssrc),
    [3, 3, 3, 3, 3, 3],
    'only the q layer',
  );
  sink.setPreference({ preferredRid: 'f' });
  assert.equal(requests.at(-1), 1, 'a keyframe is asked for on f');
  await tick({});
  await tick({ f: true });
  const after = fake.sent.slice(6);
  assert.deepEqual(
    after.map((p) => p.header.ssrc),
    [3, 3, 3, 1, 1, 1],
    'q until the f keyframe, then f',
  );
  assert.deepEqual(
    seqs(fake.sent),
    Array.from({ length: 12 }, (_, i) => 3006 + i),
    'one gapless sequence',
  );
});

void test("simulcast as Firefox sends it: a layer's packets without the rid extension stay on its layer", async () => {
  const { source, sink, fake } = setup(['f', 'h', 'q']);
  sink.ready = true;
  sink.attach(source, { preferredRid: 'f' });
  // The first packets carry the rid; the engine hands later ones (same SSRC) over with rid ''.
  for (const p of frame(10, 1000, 1, true)) source.push('f', p, Date.now());
  for (const p of frame(13, 4000, 1, false)) source.push('', p, Date.now());
  for (const p of frame(16, 7000, 1, true)) source.push('', p, Date.now());
  await fannedOut();
  assert.deepEqual(seqs(fake.sent), [10, 11, 12, 13, 14, 15, 16, 17, 18]);
  assert.deepEqual(source.rids, ['f', 'h', 'q']);
  assert.equal(source.layers.get('f')?.keyframe.length, 3, 'the later keyframe is cached on f');
});

void test('ridNotAvailable asciibetical falls back to the next flowing layer', () => {
  const { source, sink } = setup(['f', 'h', 'q']);
  const now = 100_000;
  for (const rid of ['h', 'q'])
    for (const p of frame(1, 1, rid === 'h' ? 2 : 3, true)) source.push(rid, p, now);
  sink.attach(source, { preferredRid: 'f', ridNotAvailable: 'asciibetical' });
  assert.equal(sink.chooseLayer(now), 'h');
  sink.setPreference({ preferredRid: 'f', ridNotAvailable: 'none' });
  assert.equal(sink.chooseLayer(now), 'f');
});

void test('padding-only probes leave no hole in the forwarded sequence numbers', async () => {
  const { source, sink, fake } = setup();
  sink.ready = true;
  sink.attach(source);
  for (const p of frame(500, 3000, 9, true)) source.push('', p, 0);
  // Two padding-only packets (the payload werift hands over is empty), then the next frame.
  for (const seq of [503, 504]) {
    source.push(
      '',
      new RtpPacket(new RtpHeader({ sequenceNumber: seq, timestamp: 3000, ssrc: 9 }), Buffer.alloc(0)),
      0,
    );
  }
  for (const p of frame(505, 6000, 9, false)) source.push('', p, 0);
  await fannedOut();
  assert.deepEqual(seqs(fake.sent), [500, 501, 502, 503, 504, 505]);
});

void test('a joiner whose layer is paused gets a picture from another layer, then its own at its keyframe', async () => {
  const { source, sink, fake, requests } = setup(['f', 'h', 'q']);
  const now = Date.now();
  // The publisher, short of bandwidth, encodes only f; h gets padding probes, which do not make it flowing.
  for (const p of frame(100, 9000, 1, true)) source.push('f', p, now);
  for (const p of frame(103, 12000, 1, false)) source.push('f', p, now);
  source.push(
    'h',
    new RtpPacket(new RtpHeader({ sequenceNumber: 50, timestamp: 1, ssrc: 2 }), Buffer.alloc(0)),
    now,
  );
  assert.deepEqual(source.activeRids(now), ['f']);
  sink.attach(source, { preferredRid: 'h', ridNotAvailable: 'asciibetical' });
  sink.ready = true;
  sink.start();
  assert.deepEqual(
    fake.sent.map((p) => p.header.ssrc),
    [1, 1, 1],
    "f's cached keyframe at once, though h was asked for",
  );
  assert.ok(requests.includes(1), 'a fresh f keyframe is asked for too');
  for (const p of frame(106, 15000, 1, false)) source.push('f', p, now);
  await fannedOut();
  assert.equal(fake.sent.length, 3, 'no f delta (it follows frames never sent) before a fresh f keyframe');
  for (const p of frame(109, 15000, 1, true)) source.push('f', p, now);
  await fannedOut();
  // The publisher resumes h; the SFU's periodic check aims the sink at it again.
  for (const p of frame(57, 15000, 2, false)) source.push('h', p, now);
  sink.reconsider(now);
  assert.equal(sink.targetRid, 'h');
  assert.equal(requests.at(-1), 2, 'an h keyframe is asked for');
  for (const p of frame(60, 18000, 2, true)) source.push('h', p, now);
  await fannedOut();
  assert.deepEqual(
    fake.sent.map((p) => p.header.ssrc),
    [1, 1, 1, 1, 1, 1, 2, 2, 2],
    'the fresh f keyframe, then h from its keyframe on',
  );
  assert.equal(sink.currentRid, 'h');
  const sent = seqs(fake.sent);
  assert.deepEqual(
    sent.slice(1).map((s, i) => (s - sent[i]!) & 0xffff),
    Array(8).fill(1),
    'one gapless sequence across the switch',
  );
});

void test('with ridNotAvailable none a joiner waits for the layer it asked for', async () => {
  const { source, sink, fake } = setup(['f', 'h', 'q']);
  for (const p of frame(100, 9000, 1, true)) source.push('f', p, Date.now());
  sink.attach(source, { preferredRid: 'h', ridNotAvailable: 'none' });
  sink.ready = true;
  sink.start();
  for (const p of frame(103, 12000, 1, true)) source.push('f', p, Date.now());
  await fannedOut();
  assert.equal(fake.sent.length, 0);
  for (const p of frame(60, 12000, 2, true)) source.push('h', p, Date.now());
  await fannedOut();
  assert.deepEqual(
    fake.sent.map((p) => p.header.ssrc),
    [2, 2, 2],
  );
});

void test('the keyframe cache keeps the last complete keyframe while the next one is collected', () => {
  const { source } = setup(['f']);
  const start = () => {
    const point = source.startingPoint('f');
    return point && { seqs: seqs([...point.packets]), live: point.live };
  };
  for (const p of frame(1, 3000, 1, true)) source.push('f', p, 0);
  const [first, second] = frame(4, 6000, 1, true);
  source.push('f', first!, 0);
  source.push('f', second!, 0);
  assert.deepEqual(start(), { seqs: [4, 5], live: true }, 'a keyframe still arriving, continued live');
  // A delta before the marker: the partial keyframe is dropped, the complete one stays.
  for (const p of frame(7, 9000, 1, false)) source.push('f', p, 0);
  assert.deepEqual(start(), { seqs: [1, 2, 3], live: false }, 'the complete one, stale now');
  for (const p of frame(10, 12000, 1, true)) source.push('f', p, 0);
  assert.deepEqual(start(), { seqs: [10, 11, 12], live: true });
});

void test('a joiner takes the first keyframe of any layer when its own has none yet (ridNotAvailable asciibetical)', async () => {
  const { source, sink, fake } = setup(['f', 'h', 'q']);
  const now = Date.now();
  // h flows but its keyframe went by before the SFU kept one (only deltas so far); q has none at all.
  for (const p of frame(60, 3000, 2, false)) source.push('h', p, now);
  for (const p of frame(100, 3000, 1, false)) source.push('f', p, now);
  sink.attach(source, { preferredRid: 'h', ridNotAvailable: 'asciibetical' });
  sink.ready = true;
  sink.start();
  assert.equal(fake.sent.length, 0, 'nothing cached anywhere');
  // f's keyframe comes first: shown at once; h's follows and replaces it.
  for (const p of frame(103, 6000, 1, true)) source.push('f', p, now);
  await fannedOut();
  assert.equal(sink.currentRid, 'f');
  assert.equal(sink.targetRid, 'h');
  for (const p of frame(63, 6000, 2, true)) source.push('h', p, now);
  for (const p of frame(106, 9000, 1, false)) source.push('f', p, now);
  await fannedOut();
  assert.deepEqual(
    fake.sent.map((p) => p.header.ssrc),
    [1, 1, 1, 2, 2, 2],
  );
  assert.equal(sink.currentRid, 'h');
});

void test('a joiner continues live from the newest keyframe, whole or still arriving, without waiting for another', async () => {
  const { source, sink, fake } = setup();
  // The keyframe asked for when the pull came in arrived before the subscriber was ready: nothing after it.
  for (const p of frame(10, 3000, 7, true)) source.push('', p, 0);
  sink.attach(source);
  sink.ready = true;
  sink.start();
  for (const p of frame(13, 6000, 7, false)) source.push('', p, 0);
  await fannedOut();
  assert.deepEqual(seqs(fake.sent), [10, 11, 12, 13, 14, 15], 'the keyframe, then the live deltas at once');

  // A keyframe half-way in: its first packets go out from the cache, the rest live.
  const late = setup();
  const [k1, k2, k3] = frame(40, 9000, 8, true);
  late.source.push('', k1!, 0);
  late.source.push('', k2!, 0);
  late.sink.attach(late.source);
  late.sink.ready = true;
  late.sink.start();
  late.source.push('', k3!, 0);
  for (const p of frame(43, 12000, 8, false)) late.source.push('', p, 0);
  await fannedOut();
  assert.deepEqual(seqs(late.fake.sent), [40, 41, 42, 43, 44, 45]);
});

void test('keyframe requests within 300 ms of the last are sent when the interval ends, unless a keyframe came', async () => {
  const { source, requests } = setup(['f']);
  for (const p of frame(1, 3000, 5, false)) source.push('f', p, Date.now());
  source.requestKeyframe('f');
  source.requestKeyframe('f');
  source.requestKeyframe('f');
  assert.deepEqual(requests, [5], 'one at once');
  const asked = Date.now();
  await until(() => requests.length >= 2, 'the deferred keyframe requests', 3000);
  assert.deepEqual(requests, [5, 5], 'the deferred ones, once');
  assert.ok(Date.now() - asked >= 250, 'after the interval');
  source.requestKeyframe('f');
  const deferred = Date.now();
  for (const p of frame(4, 6000, 5, true)) source.push('f', p, Date.now());
  // A request that does not happen: look again once its time (at most 300 ms) has clearly passed.
  while (Date.now() - deferred < 450) await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(requests, [5, 5], 'a keyframe that came meanwhile answers the deferred request');
  source.close();
});
